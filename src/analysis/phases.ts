/**
 * Phases of each step (the paper's Table V): forward, backward, optimizer, other,
 * plus the recomputation inside backward as a sub-line of backward. Each GPU
 * activity starting in a step belongs to exactly one phase (attribution.ts), so
 * forward + backward + optimizer + other kernel time = the step's kernel time.
 * Per phase and step (all devices of the rank pooled):
 *   kernelNs         sum of the phase's activity durations
 *   computeKernelNs  the same for compute kernels only (not communication, not memcpy/memset)
 *   busyNs           length of the union of the phase's activities
 *   gpuSpanNs        from the start of its first activity to the end of its last
 *   uncoveredNs      gpuSpanNs - busyNs: time inside the phase's span with none of its kernels running
 *   cpuSpanNs        from the start of the first runtime call that launched one of its
 *                    activities to the end of the last one
 */
import { Phase, PHASE_NAMES, type Attribution } from "./attribution.js";
import { COMMUNICATION, MEMORY } from "./categories.js";
import type { AnalysisContext } from "./context.js";
import { measure, unionOfRows } from "./intervals.js";

export type PhaseName = (typeof PHASE_NAMES)[number] | "recompute";

export interface PhaseFigures {
  phase: PhaseName;
  count: number;
  kernelNs: number;
  computeKernelNs: number;
  busyNs: number;
  gpuSpanNs: number;
  uncoveredNs: number;
  cpuSpanNs: number;
  pctOfKernelTime: number;
}

export interface StepPhases {
  step: number;
  kernelTotalNs: number;
  phases: PhaseFigures[];
}

export interface PhasesResult {
  steps: StepPhases[];
  /** Sums over the steps (spans and uncovered time are summed per step). */
  total: PhaseFigures[];
  recomputeDetected: boolean;
}

export function phaseBreakdown(ctx: AnalysisContext, attr: Attribution): PhasesResult {
  const { model, steps, categories } = ctx;
  const { gpu, runtime } = model;
  const lines: PhaseName[] = ["forward", "backward", "recompute", "optimizer", "other"];
  const perStep: StepPhases[] = [];
  let recomputeDetected = false;
  const stepList = steps.steps;
  const buckets = stepList.map(() => lines.map(() => [] as number[]));
  const totals = new Float64Array(stepList.length);
  // GPU rows and steps are both in time order: one pass with a moving step pointer
  let k = 0;
  for (let g = 0; g < gpu.length && k < stepList.length; g++) {
    const s = gpu.start[g]!;
    while (k < stepList.length && s >= stepList[k]!.endNs) k++;
    if (k >= stepList.length || s < stepList[k]!.startNs) continue;
    totals[k]! += gpu.end[g]! - s;
    const ph = attr.phase[g]!;
    const b = buckets[k]!;
    b[ph === Phase.Forward ? 0 : ph === Phase.Backward ? 1 : ph === Phase.Optimizer ? 3 : 4]!.push(g);
    if (attr.recompute[g] === 1) {
      b[2]!.push(g);
      recomputeDetected = true;
    }
  }
  stepList.forEach((step, i) => {
    const phases = lines.map((phase, j) => figures(phase, buckets[i]![j]!, totals[i]!, step.startNs, step.endNs));
    perStep.push({ step: step.number, kernelTotalNs: totals[i]!, phases });
  });
  const grand = perStep.reduce((s, p) => s + p.kernelTotalNs, 0);
  const total = lines.map((phase, k) => {
    const sum = (f: keyof Omit<PhaseFigures, "phase">) => perStep.reduce((s, p) => s + p.phases[k]![f], 0);
    const kernelNs = sum("kernelNs");
    return {
      phase,
      count: sum("count"),
      kernelNs,
      computeKernelNs: sum("computeKernelNs"),
      busyNs: sum("busyNs"),
      gpuSpanNs: sum("gpuSpanNs"),
      uncoveredNs: sum("uncoveredNs"),
      cpuSpanNs: sum("cpuSpanNs"),
      pctOfKernelTime: grand > 0 ? (100 * kernelNs) / grand : 0,
    };
  });
  return { steps: perStep, total, recomputeDetected };

  function figures(phase: PhaseName, rows: number[], stepTotal: number, from: number, to: number): PhaseFigures {
    let kernelNs = 0;
    let computeNs = 0;
    let first = Infinity;
    let last = -Infinity;
    let cpuFirst = Infinity;
    let cpuLast = -Infinity;
    for (const g of rows) {
      const d = gpu.end[g]! - gpu.start[g]!;
      kernelNs += d;
      const c = categories[g]!;
      if (c !== COMMUNICATION && c !== MEMORY) computeNs += d;
      first = Math.min(first, gpu.start[g]!);
      last = Math.max(last, Math.min(gpu.end[g]!, to));
      const r = gpu.launch[g]!;
      if (r >= 0) {
        cpuFirst = Math.min(cpuFirst, runtime.start[r]!);
        cpuLast = Math.max(cpuLast, runtime.end[r]!);
      }
    }
    // rows are in time order (the table is sorted), as unionOfRows needs
    const clippedEnd = Float64Array.from(rows, (g) => Math.min(gpu.end[g]!, to));
    const clippedStart = Float64Array.from(rows, (g) => Math.max(gpu.start[g]!, from));
    const busyNs = measure(
      unionOfRows(
        clippedStart,
        clippedEnd,
        Int32Array.from(rows, (_, i) => i),
      ),
    );
    const gpuSpanNs = rows.length ? last - first : 0;
    return {
      phase,
      count: rows.length,
      kernelNs,
      computeKernelNs: computeNs,
      busyNs,
      gpuSpanNs,
      uncoveredNs: gpuSpanNs - busyNs,
      cpuSpanNs: cpuLast > cpuFirst ? cpuLast - cpuFirst : 0,
      pctOfKernelTime: stepTotal > 0 ? (100 * kernelNs) / stepTotal : 0,
    };
  }
}
