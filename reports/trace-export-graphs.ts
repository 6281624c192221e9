/**
 * The "graph replays" track of the annotated trace: one slice per CUDA/HIP graph
 * launch, from the first to the last activity it replayed, on the ranks whose
 * trace has graph replays (src/analysis/graph-replays.ts marks their rows).
 */
import type { AnalysisContext } from "../src/analysis/context.js";
import type { OverlaySlice, OverlayTrackSource } from "./trace-export.js";

export const GRAPH_REPLAY_TRACK: OverlayTrackSource = {
  track: "graph replays",
  *slices(ctx: AnalysisContext): Iterable<OverlaySlice> {
    const { gpu, runtime, strings } = ctx.model;
    const byLaunch = new Map<number, { start: number; end: number; count: number }>();
    for (let g = 0; g < gpu.length; g++) {
      if (!ctx.graphRows[g]) continue;
      const r = gpu.launch[g]!;
      const span = byLaunch.get(r);
      if (span === undefined) byLaunch.set(r, { start: gpu.start[g]!, end: gpu.end[g]!, count: 1 });
      else {
        span.start = Math.min(span.start, gpu.start[g]!);
        span.end = Math.max(span.end, gpu.end[g]!);
        span.count++;
      }
    }
    const launches = [...byLaunch.entries()].sort((a, b) => a[1].start - b[1].start);
    for (const [r, s] of launches) {
      yield { name: strings.get(runtime.name[r]!), startNs: s.start, durNs: s.end - s.start, args: { activities: s.count, launchNs: runtime.start[r]! } };
    }
  },
};

/** The graph track only where the rank replays graphs, so other traces get no empty track. */
export function hasGraphReplays(ctx: AnalysisContext): boolean {
  return ctx.graphRows.includes(1);
}
