/**
 * compare: labelled Summaries (N runs) -> CompareResult (schema "llmprof.compare/1"),
 * the configuration-study table of the paper (one column per run). Pure: no I/O.
 *
 * Figures of a run (README "Comparing configurations"); "per step" divides the
 * window total of the primary (lowest) rank by its number of profiled steps:
 *   gpuModel         the GPU that ran the most work (efficiency.hardware), else the trace's device
 *   gpuCount         GPUs with GPU activity, over all ranks (temporal.devices; 0 for a CPU-only run); ranks = trace files/processes
 *   batchShape       batch × sequence of one rank's forward (throughput.batchShape); null when ranks differ
 *   stepTime         over every rank's steps: median = median over ranks of each rank's
 *                    median step time (as throughput uses it), min, max, mean, sample sd (n−1)
 *   tokensPerStep    Σ over ranks of each rank's tokens per step (throughput)
 *   tokensPerS       throughput.globalTokensPerS = tokensPerStep / median step time
 *   tokensPerSPerGpu tokensPerS / gpuCount
 *   peak memory      max over the primary rank's GPUs of Summary.memory peakAllocated / peakReserved
 *   phases           per step: GPU span, kernel time and compute-kernel time of forward,
 *                    backward (recomputation included), recompute, optimizer (Summary.phases)
 *   gpuIdlePct       Σ idle / Σ window over all GPUs of all ranks × 100 (temporal)
 *   exposedCommunicationPct  the same with exposed communication
 *   attention        per step, inclusive forward / backward / recompute kernel time of the
 *                    module instances whose class matches /Attention/ and that have no such
 *                    ancestor (so nested attention modules count once); backward excludes recompute
 *   mfuPct           efficiency.window.mfuPct of the primary rank, when a peak is known
 *
 * Scaling efficiency (the paper's Figure 4). Runs are "the same configuration at
 * another GPU count" when all of these agree (and are known):
 *   GPU model; batch × sequence per rank; model = module classes with their instance
 *   counts, data-parallel wrappers (DistributedDataParallel, FSDP, ...) left out, plus the
 *   token embedding table's shape (vocabulary × hidden); attention implementation (fused
 *   attention kernels run or not); recomputation (on or off).
 * In each such group that holds at least two GPU counts, the baseline is the first
 * run given with the smallest GPU count, and for every member
 *   scalingEfficiency = tokensPerSPerGpu(run) / tokensPerSPerGpu(baseline)
 * 1 = linear scaling; 0.8 = each GPU delivers 80% of what it did in the baseline.
 */
import { VERSION } from "../version.js";
import type { Summary } from "./summary.js";
import { median, sampleSd } from "./stats.js";
import { METRICS, gpuCountOf, gpuModelOf, metricById } from "./metrics.js";
import { embeddingShape as parseEmbeddingShape } from "./shapes.js";

export const COMPARE_SCHEMA = "llmprof.compare/1";

export interface LabelledSummary {
  label: string;
  summary: Summary;
}

export interface StepTimeStats {
  /** Steps over all ranks. */
  count: number;
  medianNs: number;
  meanNs: number;
  minNs: number;
  maxNs: number;
  /** Sample standard deviation (n − 1) over all ranks' steps; null with one step. */
  sdNs: number | null;
}

/** One phase, per step. */
export interface PhaseCell {
  spanNs: number;
  kernelNs: number;
  computeKernelNs: number;
}

export const COMPARE_PHASES = ["forward", "backward", "recompute", "optimizer"] as const;
export type ComparePhase = (typeof COMPARE_PHASES)[number];

export interface AttentionTimes {
  /** The matching classes (outermost instances only). */
  classes: string[];
  instances: number;
  forwardNs: number;
  backwardNs: number;
  recomputeNs: number;
}

/** What must agree for two runs to be one configuration at different GPU counts. */
export interface Configuration {
  gpuModel: string | null;
  batchShape: string | null;
  /** "LlamaAttention×22, …; embedding 32000×2048"; null without module spans. */
  model: string | null;
  attention: "fused" | "unfused" | null;
  recomputation: boolean | null;
}

export interface CompareRun {
  label: string;
  files: string[];
  format: string;
  partial: boolean;
  gpuModel: string | null;
  gpuCount: number;
  ranks: number;
  /** Profiled steps of the primary rank (the divisor of "per step"). */
  steps: number;
  batchShape: string | null;
  stepTime: StepTimeStats | null;
  tokensPerStep: number | null;
  tokensPerS: number | null;
  tokensPerSPerGpu: number | null;
  peakAllocatedBytes: number | null;
  peakReservedBytes: number | null;
  /** Per step, primary rank; null when phases are unavailable. */
  phases: Record<ComparePhase, PhaseCell> | null;
  gpuIdlePct: number | null;
  exposedCommunicationPct: number | null;
  /** Per step; null without module spans or when no class matches /Attention/. */
  attention: AttentionTimes | null;
  mfuPct: number | null;
  /** Set when the run belongs to a scaling group (see scaling). */
  scalingEfficiency: number | null;
  scalingBaseline: string | null;
  /** Every catalogue figure (metrics.ts) by id, null where the run has none; window values of the primary rank unless its definition says otherwise. */
  figures: Record<string, number | null>;
  configuration: Configuration;
  /** Why a figure is null: figure group (steps, throughput, memory, phases, attention, mfu, scaling) -> reason. */
  unavailable: Record<string, string>;
}

export interface ScalingMember {
  label: string;
  gpuCount: number;
  tokensPerSPerGpu: number;
  efficiency: number;
}

export interface ScalingGroup {
  configuration: Configuration;
  baseline: string;
  members: ScalingMember[];
}

export interface CompareResult {
  schema: typeof COMPARE_SCHEMA;
  generator: { name: "llmprof"; version: string };
  runs: CompareRun[];
  /** Groups with at least two GPU counts; empty when no run scales another. */
  scaling: ScalingGroup[];
  /** The rule, for reports. */
  scalingRule: string;
  notes: string[];
}

export const SCALING_RULE =
  "Scaling efficiency = tokens/s per GPU of the run ÷ tokens/s per GPU of the run with the fewest GPUs among runs of the same configuration " +
  "(same GPU model, batch × sequence per rank, model — module classes and instance counts without data-parallel wrappers, and token embedding shape —, " +
  "attention implementation and recomputation setting). 1 = linear scaling.";

/** Data-parallel wrappers: a DDP run has them, the single-GPU run of the same model does not. */
const WRAPPERS = /^(DistributedDataParallel|DataParallel|FullyShardedDataParallel|FSDP\w*|DeepSpeedEngine|ZeRO\w*)$/;
const ATTENTION = /Attention/;

export function compareSummaries(inputs: readonly LabelledSummary[]): CompareResult {
  const labels = uniqueLabels(inputs.map((i) => i.label));
  const runs = inputs.map((input, k) => runOf(labels[k]!, input.summary));
  const scaling = scalingGroups(runs);
  return {
    schema: COMPARE_SCHEMA,
    generator: { name: "llmprof", version: VERSION },
    runs,
    scaling,
    scalingRule: SCALING_RULE,
    notes: notesOf(runs, scaling),
  };
}

/** Labels as given, a repeated one suffixed " (2)", " (3)"… so columns and bars stay apart. */
export function uniqueLabels(labels: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((raw) => {
    const l = raw.trim() || "run";
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return n === 1 ? l : `${l} (${n})`;
  });
}

function runOf(label: string, s: Summary): CompareRun {
  const unavailable: Record<string, string> = {};
  const why = (key: string, section: { available: boolean; reason?: string } | undefined) => {
    if (!section) unavailable[key] = "the summary has no such section (written by an older llmprof?)";
    else if (!section.available) unavailable[key] = section.reason ?? "not available";
  };
  const steps = s.steps.available ? s.steps : null;
  why("steps", s.steps);
  const n = steps ? Math.max(1, steps.count) : 1;

  // optional chaining: a summary.json from another writer may lack newer sections
  const temporal = s.temporal?.available ? s.temporal : null;
  const gpuCount = gpuCountOf(s);

  const throughput = s.throughput?.available ? s.throughput : null;
  why("throughput", s.throughput);
  const shapes = throughput ? [...new Set(throughput.ranks.map((r) => r.batchShape))] : [];
  const batchShape = shapes.length === 1 ? (shapes[0] ?? null) : null;
  const tokensPerStep = throughput ? throughput.ranks.reduce((a, r) => a + r.tokensPerStep, 0) : null;
  const tokensPerS = metricById("tokens_per_s")!.value(s).value;

  const memory = s.memory?.available ? s.memory : null;
  why("memory", s.memory);
  const peak = (k: "peakAllocatedBytes" | "peakReservedBytes") => (memory && memory.devices.length ? Math.max(...memory.devices.map((d) => d[k])) : null);

  const phasesSec = s.phases?.available ? s.phases : null;
  why("phases", s.phases);
  const phases = phasesSec
    ? (Object.fromEntries(
        COMPARE_PHASES.map((p) => {
          const t = phasesSec.total.find((x) => x.phase === p);
          return [p, { spanNs: (t?.gpuSpanNs ?? 0) / n, kernelNs: (t?.kernelNs ?? 0) / n, computeKernelNs: (t?.computeKernelNs ?? 0) / n }];
        }),
      ) as Record<ComparePhase, PhaseCell>)
    : null;

  // the catalogue's figures: over every GPU of every rank (metrics.ts allGpus)
  const gpuIdlePct = temporal && temporal.devices.length ? metricById("gpu_idle_pct")!.value(s).value : null;
  const exposedCommunicationPct = temporal && temporal.devices.length ? metricById("exposed_comm_pct")!.value(s).value : null;
  if (!temporal || !temporal.devices.length) why("temporal", s.temporal);

  const attention = attentionOf(s, n);
  if (!s.modules.available) why("attention", s.modules);
  else if (!attention) unavailable["attention"] = "no module class matches /Attention/";

  const eff = s.efficiency?.available ? s.efficiency : null;
  why("mfu", s.efficiency);
  const mfuPct = eff?.window.mfuPct ?? null;
  if (eff && mfuPct === null) unavailable["mfu"] = eff.mfuUnavailableReason ?? "no peak FLOP/s known for this GPU";

  const gpuModel = gpuModelOf(s);
  const run: CompareRun = {
    label,
    files: [...s.trace.files],
    format: s.trace.format,
    partial: s.trace.partial,
    gpuModel,
    gpuCount,
    ranks: s.trace.ranks.length,
    steps: steps ? steps.count : 0,
    batchShape,
    stepTime: stepStats(s),
    tokensPerStep,
    tokensPerS,
    tokensPerSPerGpu: metricById("tokens_per_s_per_gpu")!.value(s).value,
    peakAllocatedBytes: peak("peakAllocatedBytes"),
    peakReservedBytes: peak("peakReservedBytes"),
    phases,
    gpuIdlePct,
    exposedCommunicationPct,
    attention,
    mfuPct,
    scalingEfficiency: null,
    scalingBaseline: null,
    figures: Object.fromEntries(METRICS.map((m) => [m.id, m.value(s).value])),
    configuration: {
      gpuModel,
      batchShape,
      model: modelSignature(s),
      attention: s.kernels.available ? (s.kernels.byCategory.some((c) => c.category === "attention" && c.totalNs > 0) ? "fused" : "unfused") : null,
      recomputation: phasesSec ? phasesSec.recomputeDetected : null,
    },
    unavailable,
  };
  return run;
}

function stepStats(s: Summary): StepTimeStats | null {
  if (!s.steps.available || s.steps.items.length === 0) return null;
  const byRank = new Map<number | null, number[]>();
  for (const it of s.steps.items) {
    const list = byRank.get(it.rank) ?? [];
    list.push(it.durationNs);
    byRank.set(it.rank, list);
  }
  const all = s.steps.items.map((i) => i.durationNs);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const sd = sampleSd(all);
  return {
    count: all.length,
    medianNs: median([...byRank.values()].map(median)),
    meanNs: mean,
    minNs: Math.min(...all),
    maxNs: Math.max(...all),
    sdNs: sd,
  };
}

/** Class names of a module path "A/B#3/C" (the "#k" instance suffix dropped). */
function pathClasses(path: string): string[] {
  return path.split("/").map((p) => p.replace(/#\d+$/, ""));
}

function attentionOf(s: Summary, n: number): AttentionTimes | null {
  if (!s.modules.available) return null;
  const outer = s.modules.instances.filter(
    (i) =>
      ATTENTION.test(i.className) &&
      !pathClasses(i.path)
        .slice(0, -1)
        .some((c) => ATTENTION.test(c)),
  );
  if (outer.length === 0) return null;
  const sum = (k: "forwardNs" | "backwardNs" | "recomputeNs") => outer.reduce((a, i) => a + i[k], 0) / n;
  return {
    classes: [...new Set(outer.map((i) => i.className))].sort(),
    instances: outer.length,
    forwardNs: sum("forwardNs"),
    backwardNs: sum("backwardNs"),
    recomputeNs: sum("recomputeNs"),
  };
}

/** Module classes × instances (wrappers left out) and the token embedding shape; null without modules. */
function modelSignature(s: Summary): string | null {
  if (!s.modules.available) return null;
  const classes = s.modules.classes
    .filter((c) => !WRAPPERS.test(c.className))
    .map((c) => `${c.className}×${c.instances}`)
    .sort();
  const emb = embeddingShape(s);
  return `${classes.join(", ")}${emb ? `; embedding ${emb}` : ""}`;
}

/** [vocabulary, hidden] of the largest table among forward aten::embedding calls, from their Input Dims. */
function embeddingShape(s: Summary): string | null {
  if (!s.operators.available) return null;
  let best: number[] | null = null;
  for (const r of s.operators.byNameAndShapes) {
    if (r.name !== "aten::embedding" || r.forwardCalls === 0 || !r.inputDims) continue;
    const w = parseEmbeddingShape(r.inputDims)?.table ?? [];
    if (w.length && (!best || (w[0] ?? 0) > (best[0] ?? 0))) best = w;
  }
  return best ? best.join("×") : null;
}

function configurationKey(c: Configuration): string | null {
  if (c.gpuModel === null || c.batchShape === null || c.model === null || c.attention === null || c.recomputation === null) return null;
  return JSON.stringify([c.gpuModel, c.batchShape, c.model, c.attention, c.recomputation]);
}

function scalingGroups(runs: CompareRun[]): ScalingGroup[] {
  const groups = new Map<string, CompareRun[]>();
  for (const r of runs) {
    const key = configurationKey(r.configuration);
    if (key === null) {
      const missing = (Object.keys(r.configuration) as (keyof Configuration)[]).filter((k) => r.configuration[k] === null);
      r.unavailable["scaling"] = `configuration not fully known (${missing.join(", ")}), so no run can be matched with it`;
      continue;
    }
    if (r.tokensPerSPerGpu === null || !(r.tokensPerSPerGpu > 0)) {
      r.unavailable["scaling"] = "no throughput (tokens/s) for this run";
      continue;
    }
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const out: ScalingGroup[] = [];
  for (const members of groups.values()) {
    const counts = new Set(members.map((m) => m.gpuCount));
    if (counts.size < 2) {
      for (const m of members) {
        m.unavailable["scaling"] =
          members.length > 1 ? `every run of this configuration has ${m.gpuCount} GPU${m.gpuCount === 1 ? "" : "s"}` : "no other run has the same configuration at another GPU count";
      }
      continue;
    }
    const fewest = Math.min(...counts);
    const base = members.find((m) => m.gpuCount === fewest)!;
    const rows: ScalingMember[] = members.map((m) => {
      const efficiency = m.tokensPerSPerGpu! / base.tokensPerSPerGpu!;
      m.scalingEfficiency = efficiency;
      m.scalingBaseline = base.label;
      return { label: m.label, gpuCount: m.gpuCount, tokensPerSPerGpu: m.tokensPerSPerGpu!, efficiency };
    });
    out.push({ configuration: { ...base.configuration }, baseline: base.label, members: rows });
  }
  return out;
}

function notesOf(runs: CompareRun[], scaling: ScalingGroup[]): string[] {
  const notes: string[] = [];
  for (const r of runs) if (r.partial) notes.push(`${r.label} is PARTIAL (its input was cut short): its figures cover what was read`);
  const models = new Set(runs.map((r) => r.gpuModel).filter((x) => x !== null));
  if (models.size > 1) notes.push(`the runs used different GPUs (${[...models].join(", ")}): times and throughput are not comparable one to one`);
  const multi = runs.filter((r) => r.ranks > 1);
  if (multi.length) {
    notes.push(
      `multi-rank runs (${multi.map((r) => r.label).join(", ")}): phases, attention, memory and MFU describe the primary (lowest) rank; step time, tokens, GPU idle and exposed communication cover every rank`,
    );
  }
  if (runs.some((r) => r.steps > 0 && r.steps < 3))
    notes.push("some runs profiled fewer than 3 steps: their median step time is the mean of at most two steps; profile 5 or more steps for a steadier figure");
  if (scaling.length === 0) notes.push("no scaling efficiency: no two runs share a configuration at different GPU counts (see the rule)");
  return notes;
}
