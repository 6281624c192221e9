/**
 * Operator breakdown, per operator name and per (name, input shapes):
 *   calls        operator calls starting in the window
 *   cpuTotalNs   sum of the calls' durations
 *   cpuSelfNs    cpuTotal minus the durations of the operators nested directly in them
 *   gpuSelfNs    kernels whose innermost launching operator is this one
 *   gpuTotalNs   kernels launched anywhere under this operator (once per kernel,
 *                even when the name repeats on the chain)
 *   flops        recorded `flops` args, else estimated from shapes (see flops.ts)
 *   tflopsPerS   flops / gpuTotalNs
 * forward/backward: calls and GPU self time split by the phase of the call.
 */
import { CpuKind } from "../model/tables.js";
import { Phase, type Attribution } from "./attribution.js";
import type { AnalysisContext } from "./context.js";
import { flopsPerSlice } from "./flops.js";

export interface OperatorRow {
  name: string;
  /** `Input Dims` as recorded (JSON text), only in the per-shape table. */
  inputDims?: string;
  calls: number;
  forwardCalls: number;
  backwardCalls: number;
  cpuTotalNs: number;
  cpuSelfNs: number;
  gpuSelfNs: number;
  gpuTotalNs: number;
  forwardGpuSelfNs: number;
  backwardGpuSelfNs: number;
  kernels: number;
  flops: number | null;
  tflopsPerS: number | null;
  pctOfKernelTime: number;
}

export interface OperatorsResult {
  kernelTotalNs: number;
  /** Kernel time launched by no operator (annotation or runtime call outside ops, or no launch record). */
  withoutOperatorNs: number;
  flopsSource: "recorded" | "estimated-from-shapes" | "mixed" | "none";
  byName: OperatorRow[];
  byNameAndShapes: OperatorRow[];
}

interface Acc {
  calls: number;
  fwdCalls: number;
  bwdCalls: number;
  cpuTotal: number;
  cpuSelf: number;
  gpuSelf: number;
  gpuTotal: number;
  fwdGpu: number;
  bwdGpu: number;
  kernels: number;
  flops: number;
  hasFlops: boolean;
}

const newAcc = (): Acc => ({ calls: 0, fwdCalls: 0, bwdCalls: 0, cpuTotal: 0, cpuSelf: 0, gpuSelf: 0, gpuTotal: 0, fwdGpu: 0, bwdGpu: 0, kernels: 0, flops: 0, hasFlops: false });

export function operatorBreakdown(ctx: AnalysisContext, attr: Attribution, maxShapeRows = 500): OperatorsResult {
  const { model, windowRows, steps } = ctx;
  const { cpu, gpu, strings } = model;
  const { flops, recorded, estimated } = flopsPerSlice(model);
  const ws = steps.windowStartNs;
  const we = steps.windowEndNs;

  // nearest operator ancestor of each slice (excluding itself)
  const opAbove = new Int32Array(cpu.length).fill(-1);
  for (let i = 0; i < cpu.length; i++) {
    const p = cpu.parent[i]!;
    if (p >= 0) opAbove[i] = cpu.kind[p] === CpuKind.Op ? p : opAbove[p]!;
  }
  // duration of operators nested directly (nearest-op-wise) in each operator
  const childOpTime = new Float64Array(cpu.length);
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== CpuKind.Op) continue;
    const up = opAbove[i]!;
    if (up >= 0) childOpTime[up]! += cpu.end[i]! - cpu.start[i]!;
  }

  // accumulators by name (dense by string index) and by (name, shapes) (numeric keys: string index pairs);
  // no per-call allocation: this loop sees every operator call of the trace
  // slot name + 1: a nameless slice (-1) has its row too
  const byName: (Acc | undefined)[] = new Array<Acc | undefined>(strings.length + 1);
  const byShape = new Map<number, Acc>();
  const SHAPE_STRIDE = 2 ** 26;
  const shapeKey = (i: number) => cpu.name[i]! * SHAPE_STRIDE + cpu.inputDims[i]! + 1;
  const nameAcc = (i: number): Acc => byName[cpu.name[i]! + 1] ?? (byName[cpu.name[i]! + 1] = newAcc());
  const shapeAcc = (i: number): Acc => {
    const key = shapeKey(i);
    let b = byShape.get(key);
    if (!b) byShape.set(key, (b = newAcc()));
    return b;
  };
  const addCall = (acc: Acc, phase: number | undefined, dur: number, self: number, f: number) => {
    acc.calls++;
    if (phase === Phase.Forward) acc.fwdCalls++;
    else if (phase === Phase.Backward) acc.bwdCalls++;
    acc.cpuTotal += dur;
    acc.cpuSelf += self;
    if (!Number.isNaN(f)) {
      acc.flops += f;
      acc.hasFlops = true;
    }
  };
  const addKernel = (acc: Acc, phase: number | undefined, d: number) => {
    acc.gpuSelf += d;
    acc.kernels++;
    if (phase === Phase.Forward) acc.fwdGpu += d;
    else if (phase === Phase.Backward) acc.bwdGpu += d;
  };

  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== CpuKind.Op) continue;
    const s = cpu.start[i]!;
    if (s < ws || s >= we) continue;
    const dur = cpu.end[i]! - s;
    const phase = attr.phaseOfSlice[i];
    const self = dur - childOpTime[i]!;
    addCall(nameAcc(i), phase, dur, self, flops[i]!);
    addCall(shapeAcc(i), phase, dur, self, flops[i]!);
  }

  let total = 0;
  let withoutOp = 0;
  const seenName = new Int32Array(strings.length + 1).fill(-1);
  const seenShape = new Map<number, number>();
  for (let j = 0; j < windowRows.length; j++) {
    const g = windowRows[j]!;
    const d = gpu.end[g]! - gpu.start[g]!;
    total += d;
    const op = attr.op[g]!;
    if (op < 0) {
      withoutOp += d;
      continue;
    }
    const ph = attr.phaseOfSlice[op];
    addKernel(nameAcc(op), ph, d);
    addKernel(shapeAcc(op), ph, d);
    // inclusive: every distinct operator on the chain, once
    for (let o = op; o >= 0; o = opAbove[o]!) {
      const nameId = cpu.name[o]!;
      if (seenName[nameId + 1] !== j) {
        seenName[nameId + 1] = j;
        nameAcc(o).gpuTotal += d;
      }
      const key = shapeKey(o);
      if (seenShape.get(key) !== j) {
        seenShape.set(key, j);
        shapeAcc(o).gpuTotal += d;
      }
    }
  }

  const pct = (x: number) => (total > 0 ? (100 * x) / total : 0);
  const row = (name: string, a: Acc, inputDims?: string): OperatorRow => ({
    name,
    ...(inputDims !== undefined ? { inputDims } : {}),
    calls: a.calls,
    forwardCalls: a.fwdCalls,
    backwardCalls: a.bwdCalls,
    cpuTotalNs: a.cpuTotal,
    cpuSelfNs: a.cpuSelf,
    gpuSelfNs: a.gpuSelf,
    gpuTotalNs: a.gpuTotal,
    forwardGpuSelfNs: a.fwdGpu,
    backwardGpuSelfNs: a.bwdGpu,
    kernels: a.kernels,
    flops: a.hasFlops ? a.flops : null,
    tflopsPerS: a.hasFlops && a.gpuTotal > 0 ? a.flops / a.gpuTotal / 1e3 : null,
    pctOfKernelTime: pct(a.gpuSelf),
  });
  const order = (x: OperatorRow, y: OperatorRow) => y.gpuSelfNs - x.gpuSelfNs || y.cpuTotalNs - x.cpuTotalNs || x.name.localeCompare(y.name);
  const names = [...byName.entries()]
    .filter((e): e is [number, Acc] => e[1] !== undefined)
    .map(([slot, a]) => row(strings.get(slot - 1), a))
    .filter((r) => r.calls > 0 || r.kernels > 0)
    .sort(order);
  const shapes = [...byShape]
    .map(([key, a]) => {
      const nameId = Math.floor(key / SHAPE_STRIDE);
      const dimsId = (key % SHAPE_STRIDE) - 1;
      return row(strings.get(nameId), a, dimsId >= 0 ? strings.get(dimsId) : "");
    })
    .filter((r) => r.calls > 0 || r.kernels > 0)
    .sort(order)
    .slice(0, maxShapeRows);
  return {
    kernelTotalNs: total,
    withoutOperatorNs: withoutOp,
    flopsSource: recorded > 0 && estimated > 0 ? "mixed" : recorded > 0 ? "recorded" : estimated > 0 ? "estimated-from-shapes" : "none",
    byName: names,
    byNameAndShapes: shapes,
  };
}
