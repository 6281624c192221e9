/**
 * Temporal breakdown of each GPU (DESIGN.md "Temporal breakdown"):
 *   busy          = |union of all GPU activity ∩ window|
 *   compute       = |union of non-communication kernels ∩ window|
 *   communication = |union of communication kernels ∩ window|
 *   memory        = |union of memcpy/memset ∩ window|
 *   overlap       = |compute ∩ communication ∩ window|
 *   exposedComm   = communication - overlap
 *   exposedMemory = |memory \ (compute ∪ communication) ∩ window|
 *   idle          = window - busy
 * so that compute + exposedComm + exposedMemory + idle = window exactly.
 */
import type { TraceModel } from "../model/tables.js";
import { COMMUNICATION, MEMORY } from "./categories.js";
import { intersect, measureWithin, subtract, union, unionOfRows, type IntervalSet } from "./intervals.js";
import type { Step } from "./steps.js";

export interface TemporalFigures {
  windowNs: number;
  busyNs: number;
  computeNs: number;
  communicationNs: number;
  memoryNs: number;
  overlapNs: number;
  exposedCommunicationNs: number;
  exposedMemoryNs: number;
  idleNs: number;
  busyPct: number;
  computePct: number;
  exposedCommunicationPct: number;
  exposedMemoryPct: number;
  idlePct: number;
  /** overlap / communication; null when there is no communication. */
  overlapPct: number | null;
}

export interface StepTemporal extends TemporalFigures {
  step: number;
  startNs: number;
  endNs: number;
}

export interface DeviceTemporal {
  device: number;
  total: TemporalFigures;
  steps: StepTemporal[];
  /** GPU busy time of this device outside the window (before the first or after the last step). */
  outsideWindowBusyNs: number;
}

/** The interval sets of one device, reused by other analyses (idle, overlap). */
export interface DeviceIntervals {
  device: number;
  rows: Int32Array;
  busy: IntervalSet;
  compute: IntervalSet;
  communication: IntervalSet;
  memory: IntervalSet;
  overlap: IntervalSet;
  exposedMemory: IntervalSet;
}

export function deviceIntervals(model: TraceModel, categories: Uint8Array): DeviceIntervals[] {
  const gpu = model.gpu;
  const byDevice = new Map<number, number[]>();
  for (let i = 0; i < gpu.length; i++) {
    const d = gpu.device[i]!;
    let list = byDevice.get(d);
    if (!list) byDevice.set(d, (list = []));
    list.push(i);
  }
  const out: DeviceIntervals[] = [];
  for (const [device, list] of [...byDevice].sort((a, b) => a[0] - b[0])) {
    const compute: number[] = [];
    const comm: number[] = [];
    const mem: number[] = [];
    for (const i of list) {
      const c = categories[i]!;
      if (c === MEMORY) mem.push(i);
      else if (c === COMMUNICATION) comm.push(i);
      else compute.push(i);
    }
    const C = unionOfRows(gpu.start, gpu.end, compute);
    const X = unionOfRows(gpu.start, gpu.end, comm);
    const M = unionOfRows(gpu.start, gpu.end, mem);
    const CX = union(C, X);
    out.push({
      device,
      rows: Int32Array.from(list),
      busy: union(CX, M),
      compute: C,
      communication: X,
      memory: M,
      overlap: intersect(C, X),
      exposedMemory: subtract(M, CX),
    });
  }
  return out;
}

export function figuresWithin(d: DeviceIntervals, from: number, to: number): TemporalFigures {
  const windowNs = Math.max(0, to - from);
  const busyNs = measureWithin(d.busy, from, to);
  const computeNs = measureWithin(d.compute, from, to);
  const communicationNs = measureWithin(d.communication, from, to);
  const memoryNs = measureWithin(d.memory, from, to);
  const overlapNs = measureWithin(d.overlap, from, to);
  const exposedMemoryNs = measureWithin(d.exposedMemory, from, to);
  const exposedCommunicationNs = communicationNs - overlapNs;
  const idleNs = windowNs - busyNs;
  const pct = (x: number) => (windowNs > 0 ? (100 * x) / windowNs : 0);
  return {
    windowNs,
    busyNs,
    computeNs,
    communicationNs,
    memoryNs,
    overlapNs,
    exposedCommunicationNs,
    exposedMemoryNs,
    idleNs,
    busyPct: pct(busyNs),
    computePct: pct(computeNs),
    exposedCommunicationPct: pct(exposedCommunicationNs),
    exposedMemoryPct: pct(exposedMemoryNs),
    idlePct: pct(idleNs),
    overlapPct: communicationNs > 0 ? (100 * overlapNs) / communicationNs : null,
  };
}

export function temporalBreakdown(devices: DeviceIntervals[], steps: readonly Step[], windowStart: number, windowEnd: number): DeviceTemporal[] {
  return devices.map((d) => {
    const total = figuresWithin(d, windowStart, windowEnd);
    const all = figuresWithin(d, -Infinity, Infinity);
    return {
      device: d.device,
      total,
      steps: steps.map((s) => ({ step: s.number, startNs: s.startNs, endNs: s.endNs, ...figuresWithin(d, s.startNs, s.endNs) })),
      outsideWindowBusyNs: all.busyNs - total.busyNs,
    };
  });
}
