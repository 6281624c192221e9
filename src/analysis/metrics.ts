/**
 * The catalogue of headline figures: each figure once, with its id (the budget
 * path and batch column stem), unit, better direction, one-line definition and
 * how to read it from a Summary for the whole window and per step. budget/check,
 * diff, compare, batch rows and their CSV headers take their figures from here,
 * so adding a figure is one entry in METRICS. README "What the figures mean"
 * defines each one in words.
 *
 * Conventions: "per step" = window total / steps.count; multi-rank summaries are
 * read on the primary (lowest) rank and its first GPU, except the run-level facts
 * (GPU count, throughput), which cover every rank.
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

/** A figure of the primary GPU's temporal breakdown: a % of the window, or ms per step. */
function temporal(id: string, label: string, definition: string, read: (t: TemporalTotal) => number | null, unit: "pct" | "ms", diffRow?: DiffLocation, better: "lower" | "higher" = "lower"): Metric {
  return {
    id,
    label,
    unit,
    better,
    definition,
    value: (s) => {
      if (!s.temporal.available) return none(`GPU time not available: ${s.temporal.reason}`);
      const d = primaryDevice(s);
      if (!d) return none("no GPU in this run");
      const v = read(d.total);
      if (v === null) return none("no communication in this run, so no overlap to measure");
      if (unit === "pct") return { value: v };
      const n = stepCount(s);
      return n === null ? noSteps(s) : { value: v / MS / n };
    },
    perStep: (s) => {
      const d = primaryDevice(s);
      if (!d) return null;
      const out: number[] = [];
      for (const st of d.steps) {
        const v = read(st);
        if (v !== null) out.push(unit === "pct" ? v : v / MS);
      }
      return out;
    },
    ...(diffRow ? { diffRow } : {}),
    batchColumn: null,
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
  temporal("gpu_busy_pct", "GPU busy", "time the primary GPU runs any activity, % of the window", (t) => t.busyPct, "pct", ["temporal", "GPU", "busyPct"], "higher"),
  temporal("gpu_compute_pct", "GPU compute", "time the primary GPU runs compute kernels, % of the window", (t) => t.computePct, "pct", undefined, "higher"),
  temporal("gpu_idle_pct", "GPU idle", "time the primary GPU runs nothing, % of the window", (t) => t.idlePct, "pct", ["temporal", "GPU", "idlePct"]),
  temporal("gpu_idle_ms", "GPU idle per step", "time the primary GPU runs nothing, per step", (t) => t.idleNs, "ms", ["temporal", "GPU", "idleNs"]),
  temporal("exposed_comm_pct", "exposed communication", "communication on the primary GPU with no compute beside it, % of the window", (t) => t.exposedCommunicationPct, "pct", [
    "temporal",
    "GPU",
    "exposedCommunicationPct",
  ]),
  temporal("exposed_comm_ms", "exposed communication per step", "communication on the primary GPU with no compute beside it, per step", (t) => t.exposedCommunicationNs, "ms", [
    "temporal",
    "GPU",
    "exposedCommunicationNs",
  ]),
  temporal("exposed_memory_pct", "exposed memory copies", "memory copies and sets on the primary GPU with no compute beside them, % of the window", (t) => t.exposedMemoryPct, "pct"),
  temporal(
    "comm_overlap_pct",
    "communication overlap",
    "communication that runs beside compute, % of communication (n/a without communication)",
    (t) => t.overlapPct,
    "pct",
    ["overlap", "communication", "overlapPct"],
    "higher",
  ),
  throughput("tokens_per_s", "tokens/s", "Σ over ranks of tokens per step / median step time (throughput.globalTokensPerS)", false, "tokensPerS"),
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
