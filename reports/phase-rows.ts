/**
 * The phase totals as rows for the text reports (terminal, Markdown): one row per
 * phase summed over the steps, recomputation only where it was detected. The
 * renderers name the columns and lay the rows out.
 */
import type { PhasesResult } from "../src/analysis/phases.js";
import { formatCount, formatMs, formatPct } from "./format.js";

/** Cells: phase (recomputation as `recomputeLabel`), activities, kernel ms, compute ms, % of kernel time, GPU span ms, not covered ms. */
export function phaseTotalRows(p: PhasesResult, recomputeLabel: string): string[][] {
  return p.total
    .filter((f) => f.phase !== "recompute" || p.recomputeDetected)
    .map((f) => [
      f.phase === "recompute" ? recomputeLabel : f.phase,
      formatCount(f.count),
      formatMs(f.kernelNs),
      formatMs(f.computeKernelNs),
      formatPct(f.pctOfKernelTime),
      formatMs(f.gpuSpanNs),
      formatMs(f.uncoveredNs),
    ]);
}
