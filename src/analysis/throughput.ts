/**
 * Training/inference throughput from the token ids' shape.
 * Tokens of a step = Σ batch × sequence over the step's token-embedding calls
 * (aten::embedding in the forward phase, recomputation excluded; the second
 * input's dims [batch, seq]; when several embedding tables exist, the one with
 * the largest first dimension is the token embedding). Samples = Σ batch.
 * `--tokens-per-step` overrides the count.
 *   tokensPerS = tokens / step time (this rank = per GPU)
 *   global tokensPerS = Σ over ranks of each rank's tokens / median step time
 */
import { CpuKind } from "../model/tables.js";
import { Phase } from "./attribution.js";
import type { AnalysisContext } from "./context.js";
import { median } from "./stats.js";
import { embeddingShape } from "./shapes.js";

export interface ThroughputStep {
  step: number;
  tokens: number;
  samples: number;
  stepTimeNs: number;
  tokensPerS: number;
  samplesPerS: number;
}

export interface ThroughputResult {
  source: "embedding-input-dims" | "tokens-per-step-option";
  /** batch × sequence of the first forward call, e.g. "2 x 350". */
  batchShape: string | null;
  tokensPerStep: number;
  tokensPerSMedian: number;
  samplesPerSMedian: number;
  steps: ThroughputStep[];
}

export function throughputOf(ctx: AnalysisContext, tokensPerStepOverride?: number): ThroughputResult | null {
  const { model, steps, attribution } = ctx;
  const { cpu, strings } = model;
  const calls: { time: number; batch: number; seq: number; vocab: number }[] = [];
  const embeddingName = strings.lookup("aten::embedding");
  if (tokensPerStepOverride === undefined && embeddingName < 0) return null;
  for (let i = 0; i < cpu.length && embeddingName >= 0; i++) {
    if (cpu.kind[i] !== CpuKind.Op || cpu.name[i] !== embeddingName) continue;
    if (attribution.phaseOfSlice[i] !== Phase.Forward) continue;
    const shape = embeddingShape(strings.get(cpu.inputDims[i]!));
    if (!shape) continue;
    calls.push({ time: cpu.start[i]!, batch: shape.batch, seq: shape.tokens, vocab: shape.table[0] ?? 0 });
  }
  const vocab = Math.max(0, ...calls.map((c) => c.vocab));
  const tokenCalls = calls.filter((c) => c.vocab === vocab);
  if (tokensPerStepOverride === undefined && tokenCalls.length === 0) return null;

  const rows: ThroughputStep[] = steps.steps.map((s) => {
    let tokens = 0;
    let samples = 0;
    for (const c of tokenCalls) {
      if (c.time >= s.cpuStartNs && c.time < s.cpuEndNs) {
        tokens += c.batch * c.seq;
        samples += c.batch;
      }
    }
    if (tokensPerStepOverride !== undefined) tokens = tokensPerStepOverride;
    const t = s.endNs - s.startNs;
    return { step: s.number, tokens, samples, stepTimeNs: t, tokensPerS: t > 0 ? tokens / (t / 1e9) : 0, samplesPerS: t > 0 ? samples / (t / 1e9) : 0 };
  });
  const first = tokenCalls[0];
  return {
    source: tokensPerStepOverride !== undefined ? "tokens-per-step-option" : "embedding-input-dims",
    batchShape: first ? `${first.batch} x ${first.seq}` : null,
    tokensPerStep: median(rows.map((r) => r.tokens)),
    tokensPerSMedian: median(rows.map((r) => r.tokensPerS)),
    samplesPerSMedian: median(rows.map((r) => r.samplesPerS)),
    steps: rows,
  };
}
