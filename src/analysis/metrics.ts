/**
 * The catalogue of headline figures: each figure once, with its id (the budget
 * path and batch column stem), unit, better direction, one-line definition and
 * how to read it from a Summary for the whole window and per step. budget/check,
 * diff, compare, batch rows and their CSV headers take their figures from here,
 * so adding a figure is one entry in METRICS. README "What the figures mean"
 * defines each one in words.
 *
 * Conventions: "per step" = window total / steps.count; multi-rank summaries are
 * read on the primary (lowest) rank, except the run-level facts (GPU count,
 * throughput) and the GPU time breakdown, which cover every GPU of every rank.
 */
import type { Summary, TemporalSection } from "./summary.js";

type DeviceTemporalRow = TemporalSection["devices"][number];

export type MetricUnit = "ms" | "pct" | "count" | "tokens/s";

/** A metric's value in a run, or why it has none. */
export type MetricValue = { value: number } | { value: null; reason: string };

/** Where `llmprof diff` already has this figure as a row (section, key, metric); absent: diff lists it under "figures". */
export type DiffLocation = readonly [section: string, key: string, metric: string];

export interface Metric {
  /** Budget path and stem of the batch column, e.g. "gpu_idle_pct". */
  readonly id: string;
  /** Short label for tables, with no unit. */
  readonly label: string;
  readonly unit: MetricUnit;
  readonly better: "lower" | "higher";
  /** One line: what the number is. */
  readonly definition: string;
  /** Whole-window value, in `unit`. */
  readonly value: (s: Summary) => MetricValue;
  /** Its value in each profiled step (for the noise rule of diff), when the summary has them. */
  readonly perStep?: (s: Summary) => number[] | null;
  /** The diff row that already reports it, in ns or %. */
  readonly diffRow?: DiffLocation;
  /** The `llmprof compare` row that already shows it (compare-format.ts ids); absent: compare shows it under "Headline figures". */
  readonly compareRow?: string;
  /**
   * Column of the batch traces table (one row per rank); absent: the id. null: no
   * column, because batch has one of that name defined over every GPU of the
   * file (README "Batch analysis of archives"), not the primary GPU.
   */
  readonly batchColumn?: string | null;
}

const MS = 1e6;
const none = (reason: string): MetricValue => ({ value: null, reason });
const reasonOf = (what: string, section: { available: boolean; reason?: string } | undefined) =>
  none(section ? `${what} not available: ${section.available ? "" : (section.reason ?? "")}` : `the summary has no ${what} section (written by an older llmprof?)`);
/** Why a per-step figure has no value: the run has no steps. */
const noSteps = (s: Summary) => none(s.steps.available ? "not available" : `not available: ${s.steps.reason}`);

/** The rank the tables describe: that of the first step row (the lowest rank). */
export function primaryRank(s: Summary): number | null {
  return s.steps.available ? (s.steps.items[0]?.rank ?? null) : null;
}

/** The primary rank's first GPU, as budget and diff read the temporal figures. */
export function primaryDevice(s: Summary): DeviceTemporalRow | null {
  if (!s.temporal.available) return null;
  const rank = primaryRank(s);
  return s.temporal.devices.find((d) => d.rank === rank) ?? s.temporal.devices[0] ?? null;
}

function stepCount(s: Summary): number | null {
  return s.steps.available ? Math.max(1, s.steps.count) : null;
}

/**
 * GPUs with GPU activity, over every rank (temporal.devices); 0 when the run has
 * none (CPU-only); one per rank for a summary.json without a temporal section
 * (written by an older llmprof).
 */
export function gpuCountOf(s: Summary): number {
  if (!s.temporal) return s.trace.ranks.length;
  return s.temporal.available ? s.temporal.devices.length : 0;
}

/** The GPU that ran the most work (efficiency.hardware), else the primary GPU's device entry, else the trace's first device. */
export function gpuModelOf(s: Summary): string | null {
  if (s.efficiency?.available && s.efficiency.hardware.deviceName) return s.efficiency.hardware.deviceName;
  const dev = s.temporal?.available ? s.temporal.devices[0]?.device : undefined;
  return s.trace.devices.find((d) => d.id === dev)?.name ?? s.trace.devices[0]?.name ?? null;
}

type TemporalTotal = DeviceTemporalRow["total"];
type TemporalNs = Pick<TemporalTotal, "windowNs" | "busyNs" | "computeNs" | "communicationNs" | "memoryNs" | "overlapNs" | "exposedCommunicationNs" | "exposedMemoryNs" | "idleNs">;
const NS_FIELDS = ["windowNs", "busyNs", "computeNs", "communicationNs", "memoryNs", "overlapNs", "exposedCommunicationNs", "exposedMemoryNs", "idleNs"] as const;

/**
 * The temporal figures of every GPU of every rank together: a % = Σ over GPUs / Σ of
 * their windows (GPU-time share, so a 1-GPU and an 8-GPU run compare), a time = Σ over
 * GPUs / GPUs (the mean GPU). One GPU: that GPU's figures.
 */
export function allGpus(rows: readonly TemporalNs[]): TemporalTotal | null {
  if (rows.length === 0) return null;
  const sum = Object.fromEntries(NS_FIELDS.map((f) => [f, rows.reduce((a, r) => a + r[f], 0)])) as TemporalNs;
  const pct = (ns: number) => (sum.windowNs > 0 ? (100 * ns) / sum.windowNs : 0);
  const mean = Object.fromEntries(NS_FIELDS.map((f) => [f, sum[f] / rows.length])) as TemporalNs;
  return {
    ...mean,
    busyPct: pct(sum.busyNs),
    computePct: pct(sum.computeNs),
    exposedCommunicationPct: pct(sum.exposedCommunicationNs),
    exposedMemoryPct: pct(sum.exposedMemoryNs),
    idlePct: pct(sum.idleNs),
    overlapPct: sum.communicationNs > 0 ? (100 * sum.overlapNs) / sum.communicationNs : null,
  };
}

/** Per step number, the figures of every GPU that has that step (allGpus). */
function allGpusPerStep(devices: readonly DeviceTemporalRow[]): TemporalTotal[] {
  const byStep = new Map<number, TemporalNs[]>();
  for (const d of devices) for (const st of d.steps) byStep.set(st.step, [...(byStep.get(st.step) ?? []), st]);
  return [...byStep.keys()].sort((a, b) => a - b).map((k) => allGpus(byStep.get(k)!)!);
}

/** A figure of the temporal breakdown over all GPUs (allGpus): a % of the window, or ms per step of the mean GPU. */
function temporal(
  id: string,
  label: string,
  definition: string,
  read: (t: TemporalTotal) => number | null,
  unit: "pct" | "ms",
  diffRow?: DiffLocation,
  better: "lower" | "higher" = "lower",
  batchColumn: string | null = unit === "pct" ? id : null,
): Metric {
  return {
    id,
    label,
    unit,
    better,
    definition,
    value: (s) => {
      if (!s.temporal.available) return none(`GPU time not available: ${s.temporal.reason}`);
      const t = allGpus(s.temporal.devices.map((d) => d.total));
      if (!t) return none("no GPU in this run");
      const v = read(t);
      if (v === null) return none("no communication in this run, so no overlap to measure");
      if (unit === "pct") return { value: v };
      const n = stepCount(s);
      return n === null ? noSteps(s) : { value: v / MS / n };
    },
    perStep: (s) => {
      if (!s.temporal.available || s.temporal.devices.length === 0) return null;
      const out: number[] = [];
      for (const st of allGpusPerStep(s.temporal.devices)) {
        const v = read(st);
        if (v !== null) out.push(unit === "pct" ? v : v / MS);
      }
      return out;
    },
    ...(diffRow ? { diffRow } : {}),
    // batch: the percentages are columns (over the file's GPUs); its times per step are sums over GPUs, columns of their own
    batchColumn,
  };
}

function stepTime(id: string, label: string, definition: string, read: (st: Extract<Summary["steps"], { available: true }>) => number, diffRow?: DiffLocation): Metric {
  return {
    id,
    label,
    unit: "ms",
    better: "lower",
    definition,
    value: (s) => (s.steps.available ? { value: read(s.steps) / MS } : reasonOf("steps", s.steps)),
    perStep: (s) => (s.steps.available ? s.steps.items.filter((i) => i.rank === primaryRank(s)).map((i) => i.durationNs / MS) : null),
    ...(diffRow ? { diffRow } : {}),
  };
}

function throughput(id: string, label: string, definition: string, perGpu: boolean, compareRow: string): Metric {
  return {
    id,
    label,
    unit: "tokens/s",
    better: "higher",
    definition,
    value: (s) => {
      const t = s.throughput?.available ? s.throughput : null;
      if (!t) return reasonOf("throughput", s.throughput);
      const gpus = gpuCountOf(s);
      if (!perGpu) return { value: t.globalTokensPerS };
      return gpus > 0 ? { value: t.globalTokensPerS / gpus } : none("no GPU in this run");
    },
    compareRow,
  };
}

/** Every headline figure. Order: the order of the budget vocabulary and of diff's "figures" section. */
export const METRICS: readonly Metric[] = [
  {
    ...stepTime("step_time_ms", "step time (mean)", "mean duration of the profiled steps of the primary rank", (st) => st.stepTimeMeanNs, ["steps", "step", "stepTimeNs"]),
    batchColumn: "step_time_mean_ms",
  },
  stepTime("step_time_median_ms", "step time (median)", "median duration of the profiled steps of the primary rank", (st) => st.stepTimeMedianNs),
  stepTime("step_time_max_ms", "step time (max)", "longest profiled step of the primary rank", (st) => st.stepTimeMaxNs),
  {
    id: "kernel_time_ms",
    batchColumn: "kernel_total_ms_per_step",
    label: "kernel time per step",
    diffRow: ["kernelCategories", "all kernels", "totalNs"],
    unit: "ms",
    better: "lower",
    definition: "sum of GPU activity durations in the window, per step (kernels.totalNs / steps)",
    value: (s) => {
      if (!s.kernels.available) return none(`kernels not available: ${s.kernels.reason}`);
      const n = stepCount(s);
      return n === null ? noSteps(s) : { value: s.kernels.totalNs / MS / n };
    },
  },
  // over every GPU of every rank (allGpus); diff's "GPU time breakdown" section keeps the primary GPU's figures
  temporal("gpu_busy_pct", "GPU busy", "time the GPUs run any activity, % of the window (Σ over all GPUs / Σ of their windows)", (t) => t.busyPct, "pct", undefined, "higher"),
  temporal("gpu_compute_pct", "GPU compute", "time the GPUs run compute kernels, % of the window (Σ over all GPUs / Σ of their windows)", (t) => t.computePct, "pct", undefined, "higher"),
  temporal("gpu_idle_pct", "GPU idle", "time the GPUs run nothing, % of the window (Σ over all GPUs / Σ of their windows)", (t) => t.idlePct, "pct"),
  temporal("gpu_idle_ms", "GPU idle per step", "time a GPU runs nothing, per step (mean over all GPUs)", (t) => t.idleNs, "ms"),
  temporal("exposed_comm_pct", "exposed communication", "communication with no compute beside it, % of the window (Σ over all GPUs / Σ of their windows)", (t) => t.exposedCommunicationPct, "pct"),
  temporal("exposed_comm_ms", "exposed communication per step", "communication with no compute beside it, per step (mean over all GPUs)", (t) => t.exposedCommunicationNs, "ms"),
  temporal(
    "exposed_memory_pct",
    "exposed memory copies",
    "memory copies and sets with no compute beside them, % of the window (Σ over all GPUs / Σ of their windows)",
    (t) => t.exposedMemoryPct,
    "pct",
  ),
  temporal(
    "comm_overlap_pct",
    "communication overlap",
    "communication that runs beside compute, % of communication over all GPUs (n/a without communication)",
    (t) => t.overlapPct,
    "pct",
    undefined,
    "higher",
    "overlap_pct",
  ),
  throughput("tokens_per_s", "tokens/s", "Σ over ranks of tokens per step (a TP/CP group counted once) / median step time (throughput.globalTokensPerS)", false, "tokensPerS"),
  throughput("tokens_per_s_per_gpu", "tokens/s per GPU", "tokens/s (all ranks) / GPUs with activity (all ranks)", true, "tokensPerSPerGpu"),
];

const BY_ID = new Map(METRICS.map((m) => [m.id, m]));

/** A figure's label with its unit, for tables: "GPU idle (%)". */
export function labelWithUnit(m: Metric): string {
  return `${m.label} (${m.unit === "pct" ? "%" : m.unit})`;
}

/** The batch column of a figure, or null when it has none (see Metric.batchColumn). */
export function batchColumnOf(m: Metric): string | null {
  return m.batchColumn === undefined ? m.id : m.batchColumn;
}

/** The catalogue entry of an id, or undefined (own entries only). */
export function metricById(id: string): Metric | undefined {
  return BY_ID.get(id);
}
