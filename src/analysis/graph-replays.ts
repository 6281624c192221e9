/**
 * CUDA/HIP graph replays. A graph launch (cudaGraphLaunch, hipGraphLaunch,
 * cuGraphLaunch) is one runtime call whose correlation id every kernel of the
 * replayed graph shares, so those kernels link to it like ordinary launches.
 * Per-kernel launch figures (latency, CPU cost, "shorter than its launch") mean
 * nothing for them: the graph exists to avoid per-kernel launches.
 *   replays   graph-launch calls with at least one activity in the window
 *   kernels   activities in the window launched by a graph launch
 *   sumNs     sum of their durations
 *   unionNs   their union per device, summed over devices, clipped to the window
 */
import type { TraceModel } from "../model/tables.js";
import type { AnalysisContext } from "./context.js";
import { measureWithin, unionOfRows } from "./intervals.js";

export const GRAPH_LAUNCH_NAME = /^(cuda|hip)GraphLaunch|^cuGraphLaunch/;

export interface GraphReplays {
  replays: number;
  kernels: number;
  sumNs: number;
  unionNs: number;
  /** unionNs as a share of the window (summed over devices), 0-100. */
  pctOfWindow: number;
  /** What cannot be known inside a replay and how to get it; null without replays. */
  note: string | null;
}

/** 1 for each GPU row launched by a graph launch, else 0. */
export function graphLaunchedRows(model: TraceModel): Uint8Array {
  const { gpu, runtime, strings } = model;
  const isGraph = new Map<number, boolean>();
  const out = new Uint8Array(gpu.length);
  for (let g = 0; g < gpu.length; g++) {
    const r = gpu.launch[g]!;
    if (r < 0) continue;
    const id = runtime.name[r]!;
    let yes = isGraph.get(id);
    if (yes === undefined) isGraph.set(id, (yes = GRAPH_LAUNCH_NAME.test(strings.get(id))));
    if (yes) out[g] = 1;
  }
  return out;
}

export const GRAPH_NOTE =
  "Kernels replayed from a CUDA/HIP graph are attributed to the graph launch call and the operator around it; which operator recorded each kernel during capture is not in a replay trace. For per-operator attribution profile the graph capture (e.g. vLLM/SGLang with graphs disabled: --enforce-eager / --disable-cuda-graph) or an eager run.";

export function graphReplays(ctx: AnalysisContext, graphRows: Uint8Array): GraphReplays {
  const { model, windowRows, steps, devices } = ctx;
  const { gpu } = model;
  const launches = new Set<number>();
  const rowsByDevice = new Map<number, number[]>();
  let kernels = 0;
  let sumNs = 0;
  for (let j = 0; j < windowRows.length; j++) {
    const g = windowRows[j]!;
    if (!graphRows[g]) continue;
    kernels++;
    sumNs += gpu.end[g]! - gpu.start[g]!;
    launches.add(gpu.launch[g]!);
    const list = rowsByDevice.get(gpu.device[g]!) ?? [];
    list.push(g);
    rowsByDevice.set(gpu.device[g]!, list);
  }
  let unionNs = 0;
  for (const rows of rowsByDevice.values()) {
    rows.sort((a, b) => a - b);
    unionNs += measureWithin(unionOfRows(gpu.start, gpu.end, rows), steps.windowStartNs, steps.windowEndNs);
  }
  const windowNs = (steps.windowEndNs - steps.windowStartNs) * Math.max(1, devices.length);
  return {
    replays: launches.size,
    kernels,
    sumNs,
    unionNs,
    pctOfWindow: windowNs > 0 ? (100 * unionNs) / windowNs : 0,
    note: launches.size > 0 ? GRAPH_NOTE : null,
  };
}
