/**
 * The rows of the `llmprof compare` table, shared by the text, Markdown and
 * HTML renderers: one row per figure, one cell per run (formatted text) plus
 * the plotted number (null when the run lacks the figure). Cells hold trace
 * strings (labels, GPU names): each renderer escapes them its own way.
 */
import type { CompareResult, CompareRun, ComparePhase } from "../src/analysis/compare.js";
import { METRICS, labelWithUnit } from "../src/analysis/metrics.js";

export interface CompareTableRow {
  id: string;
  /** Figure name with its unit, e.g. "step time, median (ms)". */
  label: string;
  /** Section heading the row belongs to. */
  group: string;
  cells: string[];
  /** Values drawn in the HTML bar chart (in the unit of the label); absent for text-only rows. */
  values?: (number | null)[];
  /** Decimals of the chart's value labels. */
  digits?: number;
  /** Which direction is better, for the chart caption. */
  better?: "higher" | "lower";
}

const NA = "–";
const num = (v: number | null | undefined, digits: number) =>
  v === null || v === undefined || !Number.isFinite(v) ? NA : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (ns: number | null | undefined) => (ns === null || ns === undefined ? null : ns / 1e6);
const gib = (b: number | null) => (b === null ? null : b / 2 ** 30);

function numeric(id: string, group: string, label: string, runs: CompareRun[], get: (r: CompareRun) => number | null | undefined, digits: number, better?: "higher" | "lower"): CompareTableRow {
  const values = runs.map((r) => {
    const v = get(r);
    return v === undefined || v === null || !Number.isFinite(v) ? null : v;
  });
  const row: CompareTableRow = { id, group, label, cells: values.map((v) => num(v, digits)), values, digits };
  if (better) row.better = better;
  return row;
}

function text(id: string, group: string, label: string, runs: CompareRun[], get: (r: CompareRun) => string): CompareTableRow {
  return { id, group, label, cells: runs.map(get) };
}

const PHASE_LABELS: Record<ComparePhase, string> = { forward: "forward", backward: "backward", recompute: "recompute (in backward)", optimizer: "optimizer" };

export function compareRows(c: CompareResult): CompareTableRow[] {
  const runs = c.runs;
  const rows: CompareTableRow[] = [
    text("gpu", "Configuration", "GPU", runs, (r) => `${r.gpuModel ?? "unknown GPU"} × ${r.gpuCount}`),
    text("ranks", "Configuration", "ranks (processes)", runs, (r) => String(r.ranks)),
    text("batch", "Configuration", "batch × sequence (per rank)", runs, (r) => r.batchShape?.replace(" x ", " × ") ?? NA),
    numeric("tokensPerStep", "Configuration", "tokens / step (all ranks)", runs, (r) => r.tokensPerStep, 0),
    text("steps", "Configuration", "profiled steps", runs, (r) => String(r.steps)),
    numeric("stepTime", "Step time", "step time, median (ms)", runs, (r) => ms(r.stepTime?.medianNs), 2, "lower"),
    text("stepRange", "Step time", "step time, min – max (ms)", runs, (r) => (r.stepTime ? `${num(ms(r.stepTime.minNs), 2)} – ${num(ms(r.stepTime.maxNs), 2)}` : NA)),
    text("stepSd", "Step time", "step time, std over steps (ms)", runs, (r) => (r.stepTime?.sdNs == null ? NA : num(ms(r.stepTime.sdNs), 2))),
    numeric("tokensPerS", "Throughput", "tokens/s", runs, (r) => r.tokensPerS, 0, "higher"),
    numeric("tokensPerSPerGpu", "Throughput", "tokens/s per GPU", runs, (r) => r.tokensPerSPerGpu, 0, "higher"),
    {
      ...numeric("scaling", "Throughput", "scaling efficiency (per-GPU tokens/s ÷ baseline's)", runs, (r) => r.scalingEfficiency, 2, "higher"),
      cells: runs.map((r) => (r.scalingEfficiency === null ? NA : r.scalingBaseline === r.label ? "1.00 (baseline)" : `${num(r.scalingEfficiency, 2)} (vs ${r.scalingBaseline})`)),
    },
    numeric("peakAllocated", "Memory", "peak allocated (GiB)", runs, (r) => gib(r.peakAllocatedBytes), 2, "lower"),
    numeric("peakReserved", "Memory", "peak reserved (GiB)", runs, (r) => gib(r.peakReservedBytes), 2, "lower"),
  ];
  for (const p of ["forward", "backward", "recompute", "optimizer"] as const) {
    if (p === "recompute" && !runs.some((r) => (r.phases?.recompute.kernelNs ?? 0) > 0)) continue;
    rows.push(
      numeric(`phase.${p}.span`, "Phases (per step)", `${PHASE_LABELS[p]}: GPU span (ms)`, runs, (r) => ms(r.phases?.[p].spanNs), 2, "lower"),
      numeric(`phase.${p}.compute`, "Phases (per step)", `${PHASE_LABELS[p]}: compute kernels (ms)`, runs, (r) => ms(r.phases?.[p].computeKernelNs), 2, "lower"),
    );
  }
  rows.push(
    numeric("gpuIdlePct", "GPU time", "GPU idle (% of window)", runs, (r) => r.gpuIdlePct, 1, "lower"),
    numeric("exposedCommPct", "GPU time", "exposed communication (% of window)", runs, (r) => r.exposedCommunicationPct, 1, "lower"),
    numeric("attention.forward", "Attention (per step)", "attention forward (ms)", runs, (r) => ms(r.attention?.forwardNs), 2, "lower"),
    numeric("attention.backward", "Attention (per step)", "attention backward (ms)", runs, (r) => ms(r.attention?.backwardNs), 2, "lower"),
  );
  if (runs.some((r) => (r.attention?.recomputeNs ?? 0) > 0)) {
    rows.push(numeric("attention.recompute", "Attention (per step)", "attention recompute (ms)", runs, (r) => ms(r.attention?.recomputeNs), 2, "lower"));
  }
  rows.push(numeric("mfu", "Efficiency", "MFU (%)", runs, (r) => r.mfuPct, 2, "higher"));
  // the catalogue's figures that no row above shows (metrics.ts: no compareRow)
  for (const m of METRICS) {
    if (m.compareRow) continue;
    rows.push(numeric(`figure.${m.id}`, "Headline figures", labelWithUnit(m), runs, (r) => r.figures[m.id], m.unit === "pct" ? 1 : m.unit === "ms" ? 2 : 0, m.better));
  }
  return rows;
}

/** "why" lines for the figures a run lacks, e.g. "b: memory: record with profile_memory=True". */
export function unavailableLines(c: CompareResult): string[] {
  return c.runs.flatMap((r) => Object.entries(r.unavailable).map(([k, why]) => `${r.label}: ${k}: ${why}`));
}

export const PER_STEP_NOTE =
  "Times per step are the primary rank's window totals divided by its profiled steps; tokens/s = tokens per step (all ranks) ÷ median step time; headline figures come from the metrics catalogue (GPU time shares over every GPU, the rest as defined in the README)";
