/**
 * Launch and CPU overhead, over the kernels (not memcpy/memset) that start in
 * the window and have a launch record:
 *   latency          kernel start - start of the runtime call that launched it
 *   cpuCost          duration of that runtime call
 *   shorterThanLaunch kernels whose duration is below their runtime call's
 *   tiny             kernels shorter than `tinyKernelNs` (default 10 µs)
 * Kernels replayed from a CUDA/HIP graph are left out of all of these (one
 * launch call runs the whole graph) and reported apart in `graphReplays`.
 * Per step: launches, and a verdict "cpu-bound" (cpu-bound.ts) or "gpu-bound".
 */
import { GpuKind } from "../model/tables.js";
import type { AnalysisContext } from "./context.js";
import type { IdleResult } from "./idle.js";
import { distribution, type Distribution } from "./stats.js";
import { upperBound } from "../model/search.js";
import { graphReplays, type GraphReplays } from "./graph-replays.js";
import { cpuBoundThresholdPct, isCpuBound } from "./cpu-bound.js";

export interface LaunchResult {
  kernels: number;
  withLaunchRecord: number;
  latency: Distribution;
  cpuCost: Distribution;
  shorterThanLaunch: { count: number; pct: number };
  tinyKernelNs: number;
  tiny: { count: number; pct: number; totalNs: number };
  /** Graph replays: their kernels are not in the figures above. */
  graphReplays: GraphReplays;
  /** A step is cpu-bound above this host-bound share (percent; cpu-bound.ts). */
  cpuBoundHostBoundPct: number;
  steps: { step: number; launches: number; windowNs: number; hostBoundNs: number; hostBoundPct: number; verdict: "cpu-bound" | "gpu-bound" }[];
}

export function launchOverhead(ctx: AnalysisContext, idle: IdleResult | null, tinyKernelNs = 10_000): LaunchResult {
  const { model, windowRows, steps } = ctx;
  const { gpu, runtime } = model;
  const latency: number[] = [];
  const cost: number[] = [];
  let kernels = 0;
  let shorter = 0;
  let tiny = 0;
  let tinyNs = 0;
  const launchesPerStep = new Map<number, number>();
  for (let j = 0; j < windowRows.length; j++) {
    const g = windowRows[j]!;
    if (gpu.kind[g] !== GpuKind.Kernel || ctx.graphRows[g]) continue;
    kernels++;
    const d = gpu.end[g]! - gpu.start[g]!;
    if (d < tinyKernelNs) {
      tiny++;
      tinyNs += d;
    }
    const r = gpu.launch[g]!;
    if (r < 0) continue;
    latency.push(gpu.start[g]! - runtime.start[r]!);
    const c = runtime.end[r]! - runtime.start[r]!;
    cost.push(c);
    if (d < c) shorter++;
  }
  // launches: kernel-launching runtime calls whose start is in each step's CPU span
  const graphLaunchSeen = new Set<number>();
  for (let g = 0; g < gpu.length; g++) {
    if (gpu.kind[g] !== GpuKind.Kernel) continue;
    const r = gpu.launch[g]!;
    if (r < 0) continue;
    // one graph launch call runs many kernels: count the call once
    if (ctx.graphRows[g]) {
      if (graphLaunchSeen.has(r)) continue;
      graphLaunchSeen.add(r);
    }
    const t = runtime.start[r]!;
    // CPU step spans are sorted and disjoint: binary search the last one starting at or before t
    const list = steps.steps;
    const s = list[upperBound(list.length, (i) => list[i]!.cpuStartNs, t) - 1];
    if (s && t < s.cpuEndNs) launchesPerStep.set(s.number, (launchesPerStep.get(s.number) ?? 0) + 1);
  }
  const withLaunch = latency.length;
  const cpuBoundPct = cpuBoundThresholdPct(ctx.options.idle);
  return {
    kernels,
    withLaunchRecord: withLaunch,
    latency: distribution(latency),
    cpuCost: distribution(cost),
    shorterThanLaunch: { count: shorter, pct: withLaunch > 0 ? (100 * shorter) / withLaunch : 0 },
    tinyKernelNs,
    tiny: { count: tiny, pct: kernels > 0 ? (100 * tiny) / kernels : 0, totalNs: tinyNs },
    graphReplays: graphReplays(ctx, ctx.graphRows),
    cpuBoundHostBoundPct: cpuBoundPct,
    steps: steps.steps.map((s) => {
      const row = idle?.steps.find((x) => x.step === s.number);
      const windowNs = row?.windowNs ?? s.endNs - s.startNs;
      const hostBoundNs = row?.byCause["host-bound"] ?? 0;
      const hostBoundPct = windowNs > 0 ? (100 * hostBoundNs) / windowNs : 0;
      return { step: s.number, launches: launchesPerStep.get(s.number) ?? 0, windowNs, hostBoundNs, hostBoundPct, verdict: isCpuBound(hostBoundPct, cpuBoundPct) ? "cpu-bound" : "gpu-bound" };
    }),
  };
}
