/**
 * GPU memory from the allocator events of traces recorded with
 * profile_memory=True (`[memory]` instant events: bytes, Total Allocated,
 * Total Reserved, device). Per GPU:
 *   peakAllocated / peakReserved   max of Total Allocated / Total Reserved over
 *                                  the events in the window (and per step)
 *   allocated / freed bytes        sums of positive / negative event sizes
 *   allocationRate                 allocated bytes per second of window
 * Forward allocations by module: each event is placed in the innermost CPU slice
 * running on its thread at its time; events in the forward phase count for the
 * innermost module there (self), or for the "outside modules" line. `netBytes`
 * = allocations - frees, i.e. what the module's forward keeps (activations saved
 * for backward and outputs). Σ module self + outside = all forward events.
 * Top operators: the same placement, innermost operator, all phases.
 */
import { CpuKind } from "../model/tables.js";
import { Phase } from "./attribution.js";
import type { AnalysisContext } from "./context.js";
import { slicesOf } from "./slice-at.js";
import { moduleClassOfSpan, moduleShortName } from "./module-names.js";

export interface MemoryDevice {
  device: number;
  events: number;
  peakAllocatedBytes: number;
  peakReservedBytes: number;
  /** Reserved minus allocated at the time of the allocated peak (cached, unused by tensors). */
  reservedOverAllocatedAtPeakBytes: number;
  allocatedBytes: number;
  freedBytes: number;
  allocations: number;
  allocationRateBytesPerS: number;
  steps: { step: number; peakAllocatedBytes: number; peakReservedBytes: number; allocatedBytes: number; allocations: number }[];
  /** Downsampled timeline: at most `maxPoints` points, each the max over its time bucket. */
  timeline: { timeNs: number; allocatedBytes: number; reservedBytes: number }[];
}

export interface AllocationRow {
  name: string;
  allocations: number;
  allocatedBytes: number;
  freedBytes: number;
  netBytes: number;
}

export interface MemoryResult {
  devices: MemoryDevice[];
  forward: {
    allocations: number;
    allocatedBytes: number;
    netBytes: number;
    modules: (AllocationRow & { className: string })[];
    outsideModules: AllocationRow;
  } | null;
  topOperators: AllocationRow[];
}

export function memoryBreakdown(ctx: AnalysisContext, maxPoints = 1500): MemoryResult {
  const { model, steps, attribution } = ctx;
  const { memory, cpu, strings } = model;
  const ws = steps.windowStartNs;
  const we = steps.windowEndNs;
  const windowS = Math.max(1e-9, (we - ws) / 1e9);
  const locate = slicesOf(model);

  const devices = new Map<number, number[]>();
  for (let i = 0; i < memory.length; i++) {
    const t = memory.time[i]!;
    if (t < ws || t >= we || memory.device[i]! < 0) continue;
    let list = devices.get(memory.device[i]!);
    if (!list) devices.set(memory.device[i]!, (list = []));
    list.push(i);
  }

  const deviceRows: MemoryDevice[] = [...devices]
    .sort((a, b) => a[0] - b[0])
    .map(([device, rows]) => {
      let peakA = 0;
      let peakR = 0;
      let atPeakR = 0;
      let alloc = 0;
      let freed = 0;
      let allocations = 0;
      for (const i of rows) {
        const a = memory.totalAllocated[i]!;
        const r = memory.totalReserved[i]!;
        if (a > peakA) {
          peakA = a;
          atPeakR = r;
        }
        if (r > peakR) peakR = r;
        const b = memory.bytes[i]!;
        if (b > 0) {
          alloc += b;
          allocations++;
        } else if (b < 0) freed -= b;
      }
      // each step reads only its own time range of the rows (sorted by time), not every row again
      // (a NaN time, which no parser writes, keeps the full scan: it counted in every step)
      const byTime = Int32Array.from(rows);
      const ranged = rows.every((i) => !Number.isNaN(memory.time[i]!));
      if (ranged && !isSortedBy(byTime, memory.time)) byTime.sort((a, b) => memory.time[a]! - memory.time[b]! || a - b);
      const stepRows = steps.steps.map((s) => {
        let pa = 0;
        let pr = 0;
        let ab = 0;
        let n = 0;
        const last = ranged ? lowerBound(byTime, memory.time, s.endNs) : byTime.length;
        for (let k = ranged ? lowerBound(byTime, memory.time, s.startNs) : 0; k < last; k++) {
          const i = byTime[k]!;
          const t = memory.time[i]!;
          if (t < s.startNs || t >= s.endNs) continue;
          pa = Math.max(pa, memory.totalAllocated[i]!);
          pr = Math.max(pr, memory.totalReserved[i]!);
          if (memory.bytes[i]! > 0) {
            ab += memory.bytes[i]!;
            n++;
          }
        }
        return { step: s.number, peakAllocatedBytes: pa, peakReservedBytes: pr, allocatedBytes: ab, allocations: n };
      });
      return {
        device,
        events: rows.length,
        peakAllocatedBytes: peakA,
        peakReservedBytes: peakR,
        reservedOverAllocatedAtPeakBytes: atPeakR - peakA,
        allocatedBytes: alloc,
        freedBytes: freed,
        allocations,
        allocationRateBytesPerS: alloc / windowS,
        steps: stepRows,
        timeline: downsample(rows, memory.time, memory.totalAllocated, memory.totalReserved, ws, we, maxPoints),
      };
    });

  // placement of every GPU allocator event in the window
  const fwdByModule = new Map<number, AllocationRow & { className: string }>();
  const outside: AllocationRow = { name: "outside modules", allocations: 0, allocatedBytes: 0, freedBytes: 0, netBytes: 0 };
  const byOp = new Map<number, AllocationRow>();
  let fwdAlloc = 0;
  let fwdNet = 0;
  let fwdCount = 0;
  const bump = (row: AllocationRow, b: number) => {
    if (b > 0) {
      row.allocations++;
      row.allocatedBytes += b;
    } else row.freedBytes -= b;
    row.netBytes += b;
  };
  const placed: number[] = [];
  for (const rows of devices.values()) {
    for (const i of rows) {
      const b = memory.bytes[i]!;
      if (Number.isFinite(b) && b !== 0) placed.push(i);
    }
  }
  // one sweep per thread instead of a point query per event
  const slices = locate.innermostAtEach(placed, memory.thread, memory.time);
  for (let q = 0; q < placed.length; q++) {
    const i = placed[q]!;
    const b = memory.bytes[i]!;
    const slice = slices[q]!;
    if (slice < 0) continue;
    let op = slice;
    while (op >= 0 && cpu.kind[op] !== CpuKind.Op) op = cpu.parent[op]!;
    if (op >= 0) {
      const name = cpu.name[op]!;
      let row = byOp.get(name);
      if (!row) byOp.set(name, (row = { name: strings.get(name), allocations: 0, allocatedBytes: 0, freedBytes: 0, netBytes: 0 }));
      bump(row, b);
    }
    if (attribution.phaseOfSlice[slice] !== Phase.Forward) continue;
    fwdCount += b > 0 ? 1 : 0;
    fwdAlloc += b > 0 ? b : 0;
    fwdNet += b;
    const m = attribution.moduleOfSlice[slice]!;
    if (m < 0) {
      bump(outside, b);
      continue;
    }
    const nameId = cpu.name[m]!;
    let row = fwdByModule.get(nameId);
    if (!row) {
      const span = strings.get(nameId);
      fwdByModule.set(nameId, (row = { name: moduleShortName(span), className: moduleClassOfSpan(span), allocations: 0, allocatedBytes: 0, freedBytes: 0, netBytes: 0 }));
    }
    bump(row, b);
  }
  const order = (a: AllocationRow, b: AllocationRow) => b.allocatedBytes - a.allocatedBytes || a.name.localeCompare(b.name);
  return {
    devices: deviceRows,
    forward: attribution.hasModules ? { allocations: fwdCount, allocatedBytes: fwdAlloc, netBytes: fwdNet, modules: [...fwdByModule.values()].sort(order), outsideModules: outside } : null,
    topOperators: [...byOp.values()].sort(order).slice(0, 50),
  };
}

function isSortedBy(rows: Int32Array, time: Float64Array): boolean {
  for (let k = 1; k < rows.length; k++) if (!(time[rows[k - 1]!]! <= time[rows[k]!]!)) return false;
  return true;
}

/** First position in `rows` (sorted by time) whose time is >= t. */
function lowerBound(rows: Int32Array, time: Float64Array, t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (time[rows[mid]!]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function downsample(rows: number[], time: Float64Array, alloc: Float64Array, reserved: Float64Array, from: number, to: number, maxPoints: number): MemoryDevice["timeline"] {
  if (rows.length <= maxPoints) return rows.map((i) => ({ timeNs: time[i]!, allocatedBytes: alloc[i]!, reservedBytes: reserved[i]! }));
  const width = (to - from) / maxPoints;
  const out: MemoryDevice["timeline"] = [];
  let bucket = -1;
  for (const i of rows) {
    const b = Math.min(maxPoints - 1, Math.floor((time[i]! - from) / width));
    if (b !== bucket) {
      out.push({ timeNs: from + b * width, allocatedBytes: alloc[i]!, reservedBytes: reserved[i]! });
      bucket = b;
    } else {
      const last = out[out.length - 1]!;
      last.allocatedBytes = Math.max(last.allocatedBytes, alloc[i]!);
      last.reservedBytes = Math.max(last.reservedBytes, reserved[i]!);
    }
  }
  return out;
}
