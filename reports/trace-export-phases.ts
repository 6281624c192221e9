/**
 * Phase slices: per step and phase (forward, backward, recompute, optimizer,
 * other), from the start of the first GPU activity of that phase starting in the
 * step to the end of the last one: the phases section's gpuSpanNs. A slice is cut
 * at the start of the next slice on its track, so a track never overlaps itself.
 */
import { Phase } from "../src/analysis/attribution.js";
import type { AnalysisContext } from "../src/analysis/context.js";

export const PHASE_TRACKS = ["forward", "backward", "recompute", "optimizer", "other"] as const;
export type PhaseTrack = (typeof PHASE_TRACKS)[number];

export interface PhaseSpan {
  phase: PhaseTrack;
  step: number;
  startNs: number;
  endNs: number;
  count: number;
  kernelNs: number;
}

export function phaseSpans(ctx: AnalysisContext): PhaseSpan[] {
  const { gpu } = ctx.model;
  const { phase, recompute } = ctx.attribution;
  const steps = ctx.steps.steps;
  const spans: (PhaseSpan | null)[][] = steps.map(() => PHASE_TRACKS.map(() => null));
  const add = (k: number, line: number, g: number) => {
    const s = gpu.start[g]!;
    const e = gpu.end[g]!;
    const cur = spans[k]![line];
    if (!cur) spans[k]![line] = { phase: PHASE_TRACKS[line]!, step: steps[k]!.number, startNs: s, endNs: e, count: 1, kernelNs: e - s };
    else {
      cur.startNs = Math.min(cur.startNs, s);
      cur.endNs = Math.max(cur.endNs, e);
      cur.count++;
      cur.kernelNs += e - s;
    }
  };
  // GPU rows and steps are both in time order: each activity belongs to the step its start lies in
  let k = 0;
  for (let g = 0; g < gpu.length && k < steps.length; g++) {
    const s = gpu.start[g]!;
    while (k < steps.length && s >= steps[k]!.endNs) k++;
    if (k >= steps.length || s < steps[k]!.startNs) continue;
    const ph = phase[g]!;
    add(k, ph === Phase.Forward ? 0 : ph === Phase.Backward ? 1 : ph === Phase.Optimizer ? 3 : 4, g);
    if (recompute[g] === 1) add(k, 2, g);
  }
  const out: PhaseSpan[] = [];
  for (let line = 0; line < PHASE_TRACKS.length; line++) {
    const track = spans.map((row) => row[line]).filter((x): x is PhaseSpan => x !== null);
    for (let i = 0; i + 1 < track.length; i++) track[i]!.endNs = Math.min(track[i]!.endNs, track[i + 1]!.startNs);
    out.push(...track);
  }
  return out;
}
