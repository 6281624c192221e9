/**
 * Per-rank lookup tables the critical-path walk needs: each GPU activity's
 * predecessor on its stream, the activities of a device ordered by end time
 * (for "what ended last before t"), and each host thread's blocking calls.
 */
import { CpuKind, type TraceModel } from "../model/tables.js";
import { upperBound } from "../model/search.js";
import { STEP_NAME } from "./steps.js";
import type { AnalysisContext } from "./context.js";
import { SYNC_NAME } from "./idle.js";

export interface DeviceByEnd {
  /** GPU rows of one device, ascending by end. */
  rows: Int32Array;
  ends: Float64Array;
}

export interface RankIndex {
  readonly ctx: AnalysisContext;
  readonly model: TraceModel;
  /** Previous activity on the same (device, stream) in start order, -1 none. */
  readonly streamPrev: Int32Array;
  readonly byDevice: Map<number, DeviceByEnd>;
  /** Blocking runtime calls (SYNC_NAME) per host thread, ascending by end. */
  readonly syncs: Map<number, { rows: Int32Array; ends: Float64Array }>;
  /** Per host thread, its outermost operators/annotations/modules (not the step, not Python frames), in start order. */
  readonly topSlices: Map<number, number[]>;
}

export function indexRank(ctx: AnalysisContext): RankIndex {
  const { model } = ctx;
  const { gpu, runtime, strings } = model;
  const streamPrev = new Int32Array(gpu.length).fill(-1);
  const lastOnStream = new Map<string, number>();
  const perDevice = new Map<number, number[]>();
  for (let g = 0; g < gpu.length; g++) {
    const key = `${gpu.device[g]}:${gpu.stream[g]}`;
    streamPrev[g] = lastOnStream.get(key) ?? -1;
    lastOnStream.set(key, g);
    const list = perDevice.get(gpu.device[g]!) ?? [];
    list.push(g);
    perDevice.set(gpu.device[g]!, list);
  }
  const byDevice = new Map<number, DeviceByEnd>();
  for (const [device, list] of perDevice) {
    list.sort((a, b) => gpu.end[a]! - gpu.end[b]! || a - b);
    byDevice.set(device, { rows: Int32Array.from(list), ends: Float64Array.from(list, (g) => gpu.end[g]!) });
  }
  const isSync = new Map<number, boolean>();
  const perThread = new Map<number, number[]>();
  for (let r = 0; r < runtime.length; r++) {
    const id = runtime.name[r]!;
    let yes = isSync.get(id);
    if (yes === undefined) isSync.set(id, (yes = SYNC_NAME.test(strings.get(id))));
    if (!yes) continue;
    const list = perThread.get(runtime.thread[r]!) ?? [];
    list.push(r);
    perThread.set(runtime.thread[r]!, list);
  }
  const syncs = new Map<number, { rows: Int32Array; ends: Float64Array }>();
  for (const [thread, list] of perThread) {
    list.sort((a, b) => runtime.end[a]! - runtime.end[b]!);
    syncs.set(thread, { rows: Int32Array.from(list), ends: Float64Array.from(list, (r) => runtime.end[r]!) });
  }
  return { ctx, model, streamPrev, byDevice, syncs, topSlices: topSlicesOf(model) };
}

/** Outermost named CPU work per thread: Python frames carry file paths and are skipped. */
function topSlicesOf(model: TraceModel): Map<number, number[]> {
  const { cpu, strings } = model;
  const named = (i: number) => cpu.kind[i] !== CpuKind.Python && !(cpu.kind[i] === CpuKind.Annotation && STEP_NAME.test(strings.get(cpu.name[i]!)));
  const out = new Map<number, number[]>();
  for (let i = 0; i < cpu.length; i++) {
    if (!named(i)) continue;
    let top = true;
    for (let p = cpu.parent[i]!, n = 0; p >= 0 && n < 256; p = cpu.parent[p]!, n++) {
      if (named(p)) {
        top = false;
        break;
      }
    }
    if (!top) continue;
    const list = out.get(cpu.thread[i]!) ?? [];
    list.push(i);
    out.set(cpu.thread[i]!, list);
  }
  return out;
}

export interface HostPiece {
  label: string;
  startNs: number;
  endNs: number;
}

/** [from, to] on a host thread cut by the outermost operators running then; gaps are "other CPU work". */
export function hostPieces(index: RankIndex, thread: number, from: number, to: number): HostPiece[] {
  const { cpu, strings } = index.model;
  const list = index.topSlices.get(thread) ?? [];
  const pieces: HostPiece[] = [];
  let t = from;
  let k = upperBound(list.length, (i) => cpu.start[list[i]!]!, from);
  if (k > 0 && cpu.end[list[k - 1]!]! > from) k--;
  for (; k < list.length && cpu.start[list[k]!]! < to && pieces.length < 10_000; k++) {
    const row = list[k]!;
    const a = Math.max(cpu.start[row]!, from);
    const b = Math.min(cpu.end[row]!, to);
    if (b <= t) continue;
    if (a > t) pieces.push({ label: "host: other CPU work", startNs: t, endNs: a });
    pieces.push({ label: `host: ${strings.get(cpu.name[row]!).replace(/_\d+$/, "")}`, startNs: Math.max(a, t), endNs: b });
    t = b;
  }
  if (t < to) pieces.push({ label: "host: other CPU work", startNs: t, endNs: to });
  return pieces;
}

/**
 * The activity on `device` that ended last at or before `t`, skipping rows for
 * which `skip` is true; -1 when none within `minEnd`. Looks back at most 4096 rows.
 */
export function lastEndedBefore(index: RankIndex, device: number, t: number, minEnd: number, skip: (g: number) => boolean): number {
  const d = index.byDevice.get(device);
  if (!d) return -1;
  const hi = upperBound(d.ends.length, (i) => d.ends[i]!, t);
  for (let k = hi - 1; k >= 0 && k >= hi - 4096; k--) {
    if (d.ends[k]! < minEnd) return -1;
    const g = d.rows[k]!;
    if (!skip(g)) return g;
  }
  return -1;
}

/** The blocking call on `thread` that returned last at or before `t` (and after `minEnd`), -1 none. */
export function lastSyncBefore(index: RankIndex, thread: number, t: number, minEnd: number): number {
  const s = index.syncs.get(thread);
  if (!s) return -1;
  const hi = upperBound(s.ends.length, (i) => s.ends[i]!, t);
  if (hi === 0 || s.ends[hi - 1]! <= minEnd) return -1;
  return s.rows[hi - 1]!;
}
