/**
 * Helpers shared by the diff renderers (text, Markdown, HTML): labels of the
 * figures, value and change formatting, which rows a table shows.
 */
import type { DiffResult, DiffRow, DiffSection, Verdict } from "../src/analysis/diff.js";
import { METRICS } from "../src/analysis/metrics.js";
import { formatNs, shortKernelName } from "./format.js";
import { inertForPullRequest } from "./markdown-safe.js";

/** Human names of the figures (DiffRow.metric). */
export const METRIC_LABELS: Record<string, string> = {
  stepTimeNs: "step time",
  cpuStepTimeNs: "CPU step time",
  busyNs: "busy",
  computeNs: "compute",
  communicationNs: "communication",
  exposedCommunicationNs: "exposed communication",
  memoryNs: "memcpy/memset",
  exposedMemoryNs: "exposed memcpy/memset",
  idleNs: "idle",
  busyPct: "busy %",
  idlePct: "idle %",
  exposedCommunicationPct: "exposed communication %",
  kernelNs: "kernel time",
  gpuSpanNs: "GPU span",
  uncoveredNs: "not covered by its kernels",
  forwardNs: "forward (incl.)",
  backwardNs: "backward (incl.)",
  recomputeNs: "recompute (incl.)",
  forwardSelfNs: "forward self",
  backwardSelfNs: "backward self",
  selfNs: "self",
  totalNs: "total",
  gpuSelfNs: "GPU self",
  overlapNs: "overlapped",
  overlapPct: "overlap %",
};

/** Figures where an increase is an improvement (for every other time or share, lower is better). */
export const HIGHER_IS_BETTER: ReadonlySet<string> = new Set(["overlapNs", "overlapPct", "busyPct", ...METRICS.filter((m) => m.better === "higher").map((m) => m.id)]);

const rate = (v: number) => `${v.toLocaleString("en-US", { maximumFractionDigits: 0 })} tokens/s`;

/** "worse", "better" or "" (no change) for colouring a row. */
export function direction(row: DiffRow): "worse" | "better" | "" {
  const d = row.deltaAbs ?? 0;
  if (d === 0) return "";
  return d > 0 !== HIGHER_IS_BETTER.has(row.metric) ? "worse" : "better";
}

export function metricLabel(metric: string): string {
  return METRIC_LABELS[metric] ?? metric;
}

/** The name shown for a row's key: kernel names shortened. */
export function keyLabel(section: DiffSection["id"], key: string, max = 80): string {
  return section === "kernels" ? shortKernelName(key, max) : key.length > max ? `${key.slice(0, max - 1)}…` : key;
}

export function formatValue(row: DiffRow, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "n/a";
  return row.unit === "pct" ? `${v.toFixed(1)}%` : row.unit === "tokens/s" ? rate(v) : formatNs(v);
}

/** Signed absolute change: "+1.23 ms", "−0.4 pp". */
export function formatDelta(row: DiffRow): string {
  const d = row.deltaAbs;
  if (d === null || !Number.isFinite(d)) return "n/a";
  const sign = d > 0 ? "+" : d < 0 ? "−" : "±";
  return row.unit === "pct" ? `${sign}${Math.abs(d).toFixed(1)} pp` : row.unit === "tokens/s" ? `${sign}${rate(Math.abs(d))}` : `${sign}${formatNs(Math.abs(d))}`;
}

export function formatDeltaPct(row: DiffRow): string {
  const p = row.deltaPct;
  if (p === null || !Number.isFinite(p)) return row.base === 0 && (row.head ?? 0) !== 0 ? "new" : "n/a";
  return `${p > 0 ? "+" : p < 0 ? "−" : "±"}${Math.abs(p).toFixed(1)}%`;
}

/** The threshold a change had to exceed, as "±x". */
export function formatThreshold(row: DiffRow): string {
  if (row.thresholdAbs === null) return "n/a";
  return row.unit === "pct" ? `±${row.thresholdAbs.toFixed(1)} pp` : row.unit === "tokens/s" ? `±${rate(row.thresholdAbs)}` : `±${formatNs(row.thresholdAbs)}`;
}

export const VERDICT_LABELS: Record<Verdict, string> = {
  significant: "significant",
  "not-significant": "within noise",
  unknown: "unknown (no noise estimate)",
};

/** Unit of the times in every diff output. */
export const PER_STEP_NOTE = "times are per step (window total / profiled steps); percentages are of the window";

/** Rows a table shows: the `limit` largest changes (rows are sorted by impact). */
export function shownRows(section: Extract<DiffSection, { available: true }>, limit: number): DiffRow[] {
  return section.rows.slice(0, limit);
}

export function countSignificant(d: DiffResult): number {
  return d.sections.reduce((n, s) => n + (s.available ? s.rows.filter((r) => r.verdict === "significant").length : 0), 0);
}

/** "base: a.json.gz (2 steps)" */
export function runLine(which: "base" | "head", d: DiffResult): string {
  const r = d[which];
  const files = r.files.length > 3 ? `${r.files.slice(0, 3).join(", ")} (+${r.files.length - 3} more)` : r.files.join(", ");
  return `${which}: ${files} — ${r.format}, ${r.steps} step${r.steps === 1 ? "" : "s"}${r.stepNumbers.length ? ` (#${r.stepNumbers.join(", #")})` : ""}${r.partial ? ", PARTIAL" : ""}`;
}

const MD_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "`": "&#96;", "|": "\\|", "\\": "\\\\", "*": "\\*", _: "\\_", "[": "\\[", "]": "\\]" };

/**
 * A trace string as inert Markdown table text: one line, at most `max`
 * characters, and `|`, `<`, `>`, `&`, backticks and the characters that start
 * emphasis or links escaped, so "a|b" or "<script>" cannot break a table or
 * become markup.
 */
export function escapeMd(text: string, max = Infinity): string {
  let t = text.replace(/[\r\n\t\u2028\u2029]+/g, " ");
  if (t.length > max) t = `${t.slice(0, Math.max(1, max - 1))}…`;
  return inertForPullRequest(t).replace(/[&<>`|\\*_[\]]/g, (ch) => MD_ESCAPES[ch]!);
}
