/**
 * Kernel summary: every GPU activity (kernel, memcpy, memset) that starts inside
 * the window, grouped by name and by category. Times are sums of durations
 * (concurrent kernels each count in full), so `pctOfKernelTime` sums to 100.
 * `pctOfBusy` is the time a name was running (the union of its intervals per
 * device, so launches of one name on concurrent streams count once) over the GPU
 * busy time of the window: at most 100 for each row, though the rows may sum past it.
 */
import { GpuKind, type TraceModel } from "../model/tables.js";
import { CATEGORIES, CATEGORY_LABELS, type Category, type CategorySource, type Classification } from "./categories.js";

export interface KernelRow {
  name: string;
  kind: "kernel" | "memcpy" | "memset";
  category: Category;
  /** Rule that decided `category` ("operator:aten::mm", "name:gemm#1", "config:1", "memcpy", "collective", "none"). */
  categorySource?: CategorySource;
  /**
   * Only when launches of this name fall in several categories (operator-first:
   * the same copy kernel under aten::mm and under aten::add): time per category,
   * largest first. `category` is the first of them.
   */
  splitByCategory?: { category: Category; totalNs: number; count: number; categorySource?: CategorySource }[];
  count: number;
  totalNs: number;
  meanNs: number;
  minNs: number;
  maxNs: number;
  pctOfKernelTime: number;
  /** Union of this name's intervals (per device) / GPU busy time of the window × 100. */
  pctOfBusy: number;
}

/**
 * Running union of one name's intervals on one device, fed in start order: the
 * covered time so far plus the open run [runStart, runEnd).
 */
interface Cover {
  device: number;
  coveredNs: number;
  runStart: number;
  runEnd: number;
  next: Cover | null;
}

function coverAdd(head: Cover, device: number, start: number, end: number): void {
  let c: Cover | null = head;
  while (c && c.device !== device) c = c.next;
  if (!c) {
    head.next = { device, coveredNs: 0, runStart: start, runEnd: end, next: head.next };
    return;
  }
  if (start > c.runEnd) {
    c.coveredNs += c.runEnd - c.runStart;
    c.runStart = start;
    c.runEnd = end;
  } else if (end > c.runEnd) c.runEnd = end;
}

function coveredNs(head: Cover): number {
  let ns = 0;
  for (let c: Cover | null = head; c; c = c.next) ns += c.coveredNs + (c.runEnd - c.runStart);
  return ns;
}

export interface CategoryRow {
  category: Category;
  label: string;
  count: number;
  totalNs: number;
  pctOfKernelTime: number;
}

export interface KernelSummary {
  count: number;
  totalNs: number;
  /** Activities of the trace that start outside the window. */
  outsideWindow: { count: number; totalNs: number };
  /** Activities with no launch record in the trace (queued before profiling began). */
  withoutLaunch: { count: number; totalNs: number };
  byName: KernelRow[];
  byCategory: CategoryRow[];
}

const KIND_NAMES = ["kernel", "memcpy", "memset"] as const;

/** Rows of GPU activities whose start lies in [from, to). */
export function activitiesIn(model: TraceModel, from: number, to: number): Int32Array {
  const gpu = model.gpu;
  let n = 0;
  for (let i = 0; i < gpu.length; i++) {
    const s = gpu.start[i]!;
    if (s >= from && s < to) n++;
  }
  const out = new Int32Array(n);
  for (let i = 0, k = 0; k < n; i++) {
    const s = gpu.start[i]!;
    if (s >= from && s < to) out[k++] = i;
  }
  return out;
}

export function kernelSummary(model: TraceModel, categories: Uint8Array, rows: Int32Array, busyNs: number, sources?: Pick<Classification, "sources" | "sourceLabels">): KernelSummary {
  const gpu = model.gpu;
  const byName = new Map<number, { kind: number; parts: Map<number, { source: number; count: number; total: number }>; count: number; total: number; min: number; max: number; cover: Cover }>();
  const catCount = new Float64Array(CATEGORIES.length);
  const catTotal = new Float64Array(CATEGORIES.length);
  let total = 0;
  let noLaunchCount = 0;
  let noLaunchNs = 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    const d = gpu.end[i]! - gpu.start[i]!;
    total += d;
    const c = categories[i]!;
    catCount[c]!++;
    catTotal[c]! += d;
    if (gpu.launch[i]! < 0) {
      noLaunchCount++;
      noLaunchNs += d;
    }
    const key = gpu.name[i]!;
    let e = byName.get(key);
    if (e) {
      e.count++;
      e.total += d;
      if (d < e.min) e.min = d;
      if (d > e.max) e.max = d;
      // rows come in start order (the table is sorted by start), which the running union needs
      coverAdd(e.cover, gpu.device[i]!, gpu.start[i]!, gpu.end[i]!);
    } else {
      const cover = { device: gpu.device[i]!, coveredNs: 0, runStart: gpu.start[i]!, runEnd: gpu.end[i]!, next: null };
      byName.set(key, (e = { kind: gpu.kind[i]!, parts: new Map(), count: 1, total: d, min: d, max: d, cover }));
    }
    const part = e.parts.get(c);
    if (part) {
      part.count++;
      part.total += d;
    } else e.parts.set(c, { source: sources ? sources.sources[i]! : -1, count: 1, total: d });
  }
  const pct = (x: number, of: number) => (of > 0 ? (100 * x) / of : 0);
  const outside = gpu.length - rows.length;
  let outsideNs = 0;
  if (outside > 0) {
    let all = 0;
    for (let i = 0; i < gpu.length; i++) all += gpu.end[i]! - gpu.start[i]!;
    outsideNs = all - total;
  }
  return {
    count: rows.length,
    totalNs: total,
    outsideWindow: { count: outside, totalNs: outsideNs },
    withoutLaunch: { count: noLaunchCount, totalNs: noLaunchNs },
    byName: [...byName]
      .map(([name, e]) => {
        const sourceOf = (source: number) => (sources && source >= 0 ? { categorySource: sources.sourceLabels[source]! } : {});
        const parts = [...e.parts].sort((a, b) => b[1].total - a[1].total || a[0] - b[0]);
        const [main, mainPart] = parts[0]!;
        return {
          name: model.strings.get(name),
          kind: KIND_NAMES[e.kind as GpuKind] ?? "kernel",
          category: CATEGORIES[main]!,
          ...sourceOf(mainPart.source),
          ...(parts.length > 1 ? { splitByCategory: parts.map(([c, p]) => ({ category: CATEGORIES[c]!, totalNs: p.total, count: p.count, ...sourceOf(p.source) })) } : {}),
          count: e.count,
          totalNs: e.total,
          meanNs: e.total / e.count,
          minNs: e.min,
          maxNs: e.max,
          pctOfKernelTime: pct(e.total, total),
          // capped: an activity that starts in the window may run past its end, where busy is not counted
          pctOfBusy: Math.min(100, pct(coveredNs(e.cover), busyNs)),
        };
      })
      .sort((a, b) => b.totalNs - a.totalNs || a.name.localeCompare(b.name)),
    byCategory: CATEGORIES.map((category, c) => ({
      category,
      label: CATEGORY_LABELS[category],
      count: catCount[c]!,
      totalNs: catTotal[c]!,
      pctOfKernelTime: pct(catTotal[c]!, total),
    }))
      .filter((r) => r.count > 0)
      .sort((a, b) => b.totalNs - a.totalNs),
  };
}
