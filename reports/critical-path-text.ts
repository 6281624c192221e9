/**
 * The critical path as rows for the text reports (terminal, Markdown): one row
 * per step with its composition, and the what-if table of one step (the one
 * with the median step time). The renderers escape and lay the rows out.
 */
import type { CriticalPathResult, CriticalPathStep, PathKind } from "../src/analysis/critical-path.js";
import { formatMs, formatPct } from "../src/units.js";
import { shortKernelName } from "./format.js";

export const PATH_KIND_LABELS: Record<PathKind, string> = {
  compute: "compute",
  "collective-transfer": "collective transfer",
  "collective-wait": "collective wait",
  launch: "launch",
  host: "host (CPU)",
  idle: "idle",
  "rank-alignment": "rank alignment",
};

const COLUMNS: PathKind[] = ["compute", "collective-transfer", "collective-wait", "host", "launch", "idle", "rank-alignment"];

export function pathStepHeader(): string[] {
  return ["step", "from rank", "step ms", ...COLUMNS.map((k) => `${PATH_KIND_LABELS[k]} %`), "rank hops"];
}

export function pathStepRow(st: CriticalPathStep): string[] {
  const pct = (k: PathKind) => formatPct(st.byKind.find((x) => x.kind === k)?.pct ?? 0);
  return [`#${st.step}`, String(st.rank), formatMs(st.stepTimeNs), ...COLUMNS.map(pct), String(st.rankHops)];
}

/** The step whose time is the median: its what-if table is the one shown. */
export function medianPathStep(cp: CriticalPathResult): CriticalPathStep | null {
  if (cp.steps.length === 0) return null;
  const sorted = [...cp.steps].sort((a, b) => a.stepTimeNs - b.stepTimeNs);
  return sorted[(sorted.length - 1) >> 1]!;
}

export function whatIfHeader(cp: CriticalPathResult): string[] {
  return ["item on the path", "kind", "on path ms", "of step", ...cp.whatIfFasterPct.map((p) => `saved if ${p}% faster ms`), "saved if removed ms"];
}

/** Rows of raw (unescaped) text; `max` bounds the item name. */
export function whatIfRows(st: CriticalPathStep, max: number): string[][] {
  return st.whatIf.map((w) => [
    w.kind === "compute" ? shortKernelName(w.item, max) : w.item.slice(0, max),
    PATH_KIND_LABELS[w.kind],
    formatMs(w.pathNs),
    formatPct(w.pathPct),
    ...w.savedIfFasterNs.map((x) => formatMs(x)),
    formatMs(w.savedIfRemovedNs),
  ]);
}
