/**
 * Multi-rank view: per-rank figures side by side, stragglers and collective skew.
 *
 * Collectives are matched across ranks by (step number, position among the
 * step's communication kernels): NCCL runs a group's collectives in the same
 * order on every rank. Clocks of different hosts are not comparable, so waits
 * are measured from durations, not start times: in a matched collective, the
 * rank that arrives last waits least, and
 *   wait(rank, collective) = duration(rank) - min over ranks of duration
 * Per step, the straggler is the rank with the least total wait (the others
 * wait for it); its delay is the median, over the other ranks, of their wait
 * minus its wait. No straggler is named when that delay is below 1% of the step.
 */
import { COMMUNICATION } from "./categories.js";
import type { AnalysisContext } from "./context.js";
import { describe } from "./collectives.js";
import { figuresWithin } from "./temporal.js";
import { median } from "./stats.js";
import { groupByStep } from "./steps.js";
import type { IdleResult } from "./idle.js";

export interface RankRow {
  rank: number | null;
  device: number;
  steps: number;
  stepTimeMedianNs: number;
  windowNs: number;
  computeNs: number;
  communicationNs: number;
  exposedCommunicationNs: number;
  idleNs: number;
  busyPct: number;
  idlePct: number;
  exposedCommunicationPct: number;
  /** Idle time of the rank by cause (idle.ts), summed over its steps. */
  idleByCause: Record<string, number>;
}

export interface StragglerRow {
  step: number;
  straggler: number | null;
  delayNs: number;
  waitByRank: { rank: number | null; waitNs: number; stepTimeNs: number }[];
}

export interface SkewRow {
  step: number;
  index: number;
  collective: string;
  durationsNs: number[];
  skewNs: number;
}

export interface RanksResult {
  ranks: RankRow[];
  stragglers: StragglerRow[];
  matchedCollectives: number;
  unmatchedSteps: number[];
  meanSkewNs: number;
  maxSkewNs: number;
  topSkews: SkewRow[];
}

export function rankComparison(contexts: readonly AnalysisContext[], idle: readonly (IdleResult | null)[]): RanksResult {
  const ranks: RankRow[] = [];
  for (const [r, ctx] of contexts.entries()) {
    const byCause: Record<string, number> = {};
    for (const c of idle[r]?.byCause ?? []) byCause[c.cause] = c.totalNs;
    for (const d of ctx.devices) {
      const t = figuresWithin(d, ctx.steps.windowStartNs, ctx.steps.windowEndNs);
      ranks.push({
        rank: ctx.model.meta.rank,
        device: d.device,
        steps: ctx.steps.steps.length,
        stepTimeMedianNs: median(ctx.steps.steps.map((s) => s.endNs - s.startNs)),
        windowNs: t.windowNs,
        computeNs: t.computeNs,
        communicationNs: t.communicationNs,
        exposedCommunicationNs: t.exposedCommunicationNs,
        idleNs: t.idleNs,
        busyPct: t.busyPct,
        idlePct: t.idlePct,
        exposedCommunicationPct: t.exposedCommunicationPct,
        idleByCause: byCause,
      });
    }
  }

  // communication kernels per rank and step, in time order
  const perRank = contexts.map((ctx) => {
    const start = ctx.model.gpu.start;
    const communication = ctx.windowRows.filter((g) => ctx.categories[g] === COMMUNICATION);
    return groupByStep(communication, (g) => start[g]!, ctx.steps.steps);
  });

  const stragglers: StragglerRow[] = [];
  const skews: SkewRow[] = [];
  const unmatched: number[] = [];
  const stepNumbers = contexts[0]?.steps.steps.map((s) => s.number) ?? [];
  if (contexts.length > 1) {
    for (const step of stepNumbers) {
      const lists = perRank.map((m) => m.get(step) ?? []);
      const n = Math.min(...lists.map((l) => l.length));
      if (lists.some((l) => l.length !== n)) unmatched.push(step);
      const waits = new Float64Array(contexts.length);
      for (let k = 0; k < n; k++) {
        const durations = lists.map((l, r) => contexts[r]!.model.gpu.end[l[k]!]! - contexts[r]!.model.gpu.start[l[k]!]!);
        const names = lists.map((l, r) => describe(contexts[r]!.model, l[k]!).collective);
        if (names.some((x) => x !== names[0])) continue;
        const min = Math.min(...durations);
        durations.forEach((d, r) => (waits[r]! += d - min));
        skews.push({ step, index: k, collective: names[0]!, durationsNs: durations, skewNs: Math.max(...durations) - min });
      }
      if (n === 0) continue;
      let straggler = 0;
      for (let r = 1; r < waits.length; r++) if (waits[r]! < waits[straggler]!) straggler = r;
      const others = [...waits].filter((_, r) => r !== straggler).map((w) => w - waits[straggler]!);
      const delay = median(others);
      const stepTimes = contexts.map((ctx) => {
        const s = ctx.steps.steps.find((x) => x.number === step);
        return s ? s.endNs - s.startNs : NaN;
      });
      const named = delay > 0.01 * median(stepTimes.filter(Number.isFinite));
      stragglers.push({
        step,
        straggler: named ? (contexts[straggler]!.model.meta.rank ?? straggler) : null,
        delayNs: named ? delay : 0,
        waitByRank: contexts.map((ctx, r) => ({ rank: ctx.model.meta.rank, waitNs: waits[r]!, stepTimeNs: stepTimes[r]! })),
      });
    }
  }
  const skewValues = skews.map((s) => s.skewNs);
  return {
    ranks,
    stragglers,
    matchedCollectives: skews.length,
    unmatchedSteps: unmatched,
    meanSkewNs: skewValues.length ? skewValues.reduce((a, b) => a + b, 0) / skewValues.length : 0,
    maxSkewNs: skewValues.length ? Math.max(...skewValues) : 0,
    topSkews: [...skews].sort((a, b) => b.skewNs - a.skewNs).slice(0, 20),
  };
}
