/**
 * The "critical path" track of the annotated trace: on each rank, the pieces of
 * every step's critical path (src/analysis/critical-path.ts) that ran on that
 * rank, in its own clock, uncoarsened, named by what they are (kernel,
 * collective, host operator...). Pieces of consecutive steps never overlap on
 * the track: a piece is cut where the previous one ends.
 */
import type { AnalysisContext, AnalysisOptions } from "../src/analysis/context.js";
import { createContext } from "../src/analysis/context.js";
import { criticalPath } from "../src/analysis/critical-path.js";
import type { TraceModel } from "../src/model/tables.js";
import type { OverlaySlice, OverlayTrackSource } from "./trace-export.js";
import { scrubPaths } from "./trace-export-scrub.js";

/** The track for these models (one per rank, as analyze() orders them); null without GPU steps. */
export function criticalPathTrack(models: readonly TraceModel[], options: AnalysisOptions = {}): OverlayTrackSource | null {
  const contexts = models.map((m) => createContext(m, options));
  if (contexts.every((c) => c.model.gpu.length === 0 || c.steps.steps.length === 0)) return null;
  const result = criticalPath(contexts, Infinity);
  const byRank = new Map<number, OverlaySlice[]>();
  for (const st of result.steps) {
    for (const s of st.segments) {
      const list = byRank.get(s.rank) ?? [];
      list.push({
        name: scrubPaths(s.label),
        startNs: s.localStartNs,
        durNs: s.endNs - s.startNs,
        args: { kind: s.kind, category: s.category, step: st.step, pathFromRank: st.rank, ...(s.stream === null ? {} : { device: s.device, stream: s.stream }) },
      });
      byRank.set(s.rank, list);
    }
  }
  for (const list of byRank.values()) {
    list.sort((a, b) => a.startNs - b.startNs);
    let end = -Infinity;
    for (const s of list) {
      const cut = Math.max(0, end - s.startNs);
      s.startNs += cut;
      s.durNs = Math.max(0, s.durNs! - cut);
      end = Math.max(end, s.startNs + s.durNs);
    }
  }
  const rankOf = (ctx: AnalysisContext) => ctx.model.meta.rank ?? Math.max(0, models.indexOf(ctx.model));
  return {
    track: "critical path",
    *slices(ctx: AnalysisContext): Iterable<OverlaySlice> {
      for (const s of byRank.get(rankOf(ctx)) ?? []) if (s.durNs! > 0) yield s;
    },
  };
}
