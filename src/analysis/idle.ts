/**
 * GPU idle time and its causes. Every gap of a device inside a step window (the
 * complement of its busy union) gets exactly one cause, tried in this order:
 *   before-first-activity  the gap opens the step window (nothing ran yet); when the
 *                          activity ending it had been launched (its call had
 *                          returned) at least the threshold before it started, the
 *                          gap splits there: the part after the launch is
 *                          queued-dependency (the work was queued and did not run:
 *                          another stream, an event, or GPU work outside the trace)
 *   after-last-activity    the gap closes the step window
 *   no-launch-record       the activity ending the gap has no launch record
 *   launch-latency         the activity ending the gap was already queued when the
 *                          gap began (its launch call had returned) and the gap is
 *                          shorter than the threshold (default 10 µs)
 *   queued-dependency      queued in time, longer gap: waiting on another stream,
 *                          an event or a transfer
 *   synchronization        not queued in time, and a synchronising runtime call
 *                          (cudaDeviceSynchronize, cudaStreamSynchronize,
 *                          cudaEventSynchronize, blocking cudaMemcpy...) was in
 *                          progress when the gap began, or covers at least half
 *                          of it: the CPU was waiting for the GPU to drain, so
 *                          nothing new was queued
 *   host-bound             not queued in time otherwise: the CPU was late
 * so the cause totals add up to the idle time exactly. For host-bound and
 * synchronization gaps the culprit is what the launching thread was doing at the
 * gap's midpoint: the outermost operator, module or annotation (not the step
 * itself), else the innermost Python function, else "no CPU activity recorded".
 */
import { CpuKind, type TraceModel } from "../model/tables.js";
import type { AnalysisContext } from "./context.js";
import { gaps, type IntervalSet } from "./intervals.js";
import { slicesOf } from "./slice-at.js";
import { lowerBound, upperBound } from "../model/search.js";
import { STEP_NAME } from "./steps.js";

export const IDLE_CAUSES = ["host-bound", "synchronization", "launch-latency", "queued-dependency", "before-first-activity", "after-last-activity", "no-launch-record"] as const;
export type IdleCause = (typeof IDLE_CAUSES)[number];

export interface IdleOptions {
  /** Gaps shorter than this between queued kernels are launch latency. */
  launchLatencyThresholdNs?: number;
  /** How many of the largest gaps to list. */
  topGaps?: number;
  /** A step is CPU-bound when host-bound gaps cover more than this percent of it (cpu-bound.ts). */
  cpuBoundHostBoundPct?: number;
}

export interface IdleGap {
  device: number;
  step: number;
  startNs: number;
  endNs: number;
  durationNs: number;
  cause: IdleCause;
  culprit: string | null;
  /** Name of the GPU activity that ended the gap. */
  nextActivity: string | null;
}

export interface CauseTotal {
  cause: IdleCause;
  count: number;
  totalNs: number;
  pctOfIdle: number;
  pctOfWindow: number;
}

export interface CulpritTotal {
  culprit: string;
  cause: IdleCause;
  count: number;
  totalNs: number;
}

export interface HistogramBin {
  label: string;
  fromNs: number;
  toNs: number;
  count: number;
  totalNs: number;
}

export interface IdleResult {
  launchLatencyThresholdNs: number;
  windowNs: number;
  idleNs: number;
  gapCount: number;
  byCause: CauseTotal[];
  /** Per step (summed over devices). */
  steps: { step: number; windowNs: number; idleNs: number; byCause: Record<IdleCause, number> }[];
  topCulprits: CulpritTotal[];
  largestGaps: IdleGap[];
  histogram: HistogramBin[];
  /** Plain-language verdict: what the GPU mostly waits for. */
  verdict: string;
}

/**
 * Runtime/driver calls that block the CPU until the GPU (or a stream) has drained.
 * hipMemcpyWithStream is PyTorch's blocking copy on ROCm (a copy and a stream sync in one call).
 */
export const SYNC_NAME =
  /Synchronize|^(cuda|hip)Memcpy$|^(cuda|hip)Memcpy2D$|^(cuda|hip)MemcpyToSymbol$|^(cuda|hip)MemcpyFromSymbol$|^cuMemcpyDtoH(_v2)?$|^cuMemcpyHtoD(_v2)?$|^hipMemcpy[DH]to[DH]$|^hipMemcpyWithStream$/;

const BINS: [string, number, number][] = [
  ["< 1 µs", 0, 1e3],
  ["1-10 µs", 1e3, 1e4],
  ["10-100 µs", 1e4, 1e5],
  ["0.1-1 ms", 1e5, 1e6],
  ["1-10 ms", 1e6, 1e7],
  ["≥ 10 ms", 1e7, Infinity],
];

/** Indices into IDLE_CAUSES. */
const HOST_BOUND = 0,
  SYNCHRONIZATION = 1,
  LAUNCH_LATENCY = 2,
  QUEUED = 3,
  BEFORE_FIRST = 4,
  AFTER_LAST = 5,
  NO_LAUNCH_RECORD = 6;

/** Index of the bin of BINS that holds a gap of `ns`, -1 none. */
function binOf(ns: number): number {
  for (let i = 0; i < BINS.length; i++) if (ns >= BINS[i]![1] && ns < BINS[i]![2]) return i;
  return -1;
}

// The summary keeps totals, not every gap; the decode-step CPU-bound verdict needs the
// host-bound gaps themselves: per device, their starts and ends (in time order, 16 bytes a gap).
// Keyed by the idle result, not the context: a context's views (declared needs) share it.
type HostBoundGaps = Map<number, { starts: number[]; ends: number[] }>;
const HOST_BOUND_GAPS = new WeakMap<IdleResult, HostBoundGaps>();

/** Host-bound time of `device` inside [from, to): Σ of the overlaps of its host-bound gaps (ctx.idle must have been computed). */
export function hostBoundNsWithin(ctx: AnalysisContext, device: number, from: number, to: number): number {
  const idle = ctx.idle;
  if (!idle) return 0;
  const g = HOST_BOUND_GAPS.get(idle)?.get(device);
  if (!g) return 0;
  let ns = 0;
  // gaps are disjoint and sorted: start at the first one ending after `from`
  for (let i = upperBound(g.ends.length, (k) => g.ends[k]!, from); i < g.starts.length && g.starts[i]! < to; i++) ns += Math.max(0, Math.min(to, g.ends[i]!) - Math.max(from, g.starts[i]!));
  return ns;
}

export function idleBreakdown(ctx: AnalysisContext, options: IdleOptions = {}): IdleResult {
  const threshold = options.launchLatencyThresholdNs ?? 10_000;
  const { model, steps, devices } = ctx;
  const { gpu, runtime, strings } = model;
  const syncCalls = syncIntervals(model);
  const culpritOf = culpritFinder(model);

  // gaps are folded into totals as they are found and only the largest kept: a
  // trace of 10^7 tiny kernels has a gap after nearly every one (an object each
  // cost ~200 bytes per GPU activity at the peak)
  const topGaps = options.topGaps ?? 20;
  const largest = new LargestGaps(topGaps);
  // totals indexed by cause (IDLE_CAUSES order) and bin: typed arrays, not string-keyed records, in the per-gap loop
  const causeCount = new Float64Array(IDLE_CAUSES.length);
  const causeNs = new Float64Array(IDLE_CAUSES.length);
  const binCount = new Float64Array(BINS.length);
  const binNs = new Float64Array(BINS.length);
  const stepNs = new Float64Array(IDLE_CAUSES.length);
  /** Per cause: culprit -> its total; `culpritList` keeps them in the order first found. */
  const culprits = IDLE_CAUSES.map(() => new Map<string, CulpritTotal>());
  const culpritList: CulpritTotal[] = [];
  const hostBound: HostBoundGaps = new Map();
  let idleNs = 0;
  let gapCount = 0;
  const stepRows: IdleResult["steps"] = [];
  let windowNs = 0;
  for (const step of steps.steps) {
    stepNs.fill(0);
    let stepIdle = 0;
    for (const d of devices) {
      windowNs += step.endNs - step.startNs;
      const holes = gaps(d.busy, step.startNs, step.endNs);
      for (let h = 0; h < holes.length; h++) {
        let a = holes.starts[h]!;
        const b = holes.ends[h]!;
        const next = b < step.endNs ? firstActivityAt(gpu.start, gpu.device, d.device, b) : -1;
        let cause: number;
        let culprit: string | null = null;
        if (a <= step.startNs && b < step.endNs) {
          const queuedFrom = next >= 0 && gpu.launch[next]! >= 0 ? Math.max(a, runtime.end[gpu.launch[next]!]!) : b;
          if (b - queuedFrom >= threshold) {
            // launched long before it ran: only the time until the launch waited for the CPU
            if (queuedFrom > a) record(a, queuedFrom, BEFORE_FIRST, null, next);
            a = queuedFrom;
            cause = QUEUED;
          } else cause = BEFORE_FIRST;
        } else if (b >= step.endNs || next < 0) cause = AFTER_LAST;
        else if (gpu.launch[next]! < 0) cause = NO_LAUNCH_RECORD;
        else {
          const r = gpu.launch[next]!;
          // inside a graph replay the CPU launched the whole graph at once: never host-bound
          if (runtime.end[r]! <= a || (ctx.graphRows[next] === 1 && runtime.start[r]! <= a)) cause = b - a < threshold ? LAUNCH_LATENCY : QUEUED;
          else {
            const sync = syncBehindGap(syncCalls, a, b);
            if (sync >= 0) {
              cause = SYNCHRONIZATION;
              culprit = culpritOf(runtime.thread[sync]!, runtime.start[sync]!, strings.get(runtime.name[sync]!));
            } else {
              cause = HOST_BOUND;
              culprit = culpritOf(runtime.thread[r]!, (a + b) / 2, null);
            }
          }
        }
        record(a, b, cause, culprit, next);
      }
      function record(a: number, b: number, cause: number, culprit: string | null, next: number): void {
        const durationNs = b - a;
        stepNs[cause]! += durationNs;
        stepIdle += durationNs;
        gapCount++;
        idleNs += durationNs;
        causeCount[cause]!++;
        causeNs[cause]! += durationNs;
        const bin = binOf(durationNs);
        if (bin >= 0) {
          binCount[bin]!++;
          binNs[bin]! += durationNs;
        }
        if (culprit) {
          const byCulprit = culprits[cause]!;
          let c = byCulprit.get(culprit);
          if (!c) {
            c = { culprit, cause: IDLE_CAUSES[cause]!, count: 0, totalNs: 0 };
            byCulprit.set(culprit, c);
            culpritList.push(c);
          }
          c.count++;
          c.totalNs += durationNs;
        }
        if (cause === HOST_BOUND) {
          const list = hostBound.get(d.device) ?? { starts: [], ends: [] };
          list.starts.push(a);
          list.ends.push(b);
          hostBound.set(d.device, list);
        }
        if (largest.wants(durationNs)) {
          largest.add({ device: d.device, step: step.number, startNs: a, endNs: b, durationNs, cause: IDLE_CAUSES[cause]!, culprit, nextActivity: next >= 0 ? strings.get(gpu.name[next]!) : null });
        }
      }
    }
    const byCause = Object.fromEntries(IDLE_CAUSES.map((c, i) => [c, stepNs[i]!])) as Record<IdleCause, number>;
    stepRows.push({ step: step.number, windowNs: (step.endNs - step.startNs) * devices.length, idleNs: stepIdle, byCause });
  }

  const byCause: CauseTotal[] = IDLE_CAUSES.map((cause, i) => {
    const totalNs = causeNs[i]!;
    return { cause, count: causeCount[i]!, totalNs, pctOfIdle: idleNs > 0 ? (100 * totalNs) / idleNs : 0, pctOfWindow: windowNs > 0 ? (100 * totalNs) / windowNs : 0 };
  }).sort((x, y) => y.totalNs - x.totalNs);
  const histogram = BINS.map(([label, fromNs, toNs], i) => ({ label, fromNs, toNs, count: binCount[i]!, totalNs: binNs[i]! }));
  const result: IdleResult = {
    launchLatencyThresholdNs: threshold,
    windowNs,
    idleNs,
    gapCount,
    byCause,
    steps: stepRows,
    topCulprits: culpritList.sort((x, y) => y.totalNs - x.totalNs).slice(0, 20),
    largestGaps: largest.sorted(),
    histogram: histogram.map((h) => ({ ...h, toNs: Number.isFinite(h.toNs) ? h.toNs : -1 })),
    verdict: verdictOf(byCause, idleNs, windowNs),
  };
  HOST_BOUND_GAPS.set(result, hostBound);
  return result;
}

/**
 * The `n` longest gaps in the order a stable sort of all of them would give
 * (longest first, ties in the order found), keeping at most 2n at a time.
 */
class LargestGaps {
  private kept: IdleGap[] = [];
  private floor = -Infinity;
  constructor(private readonly n: number) {}
  /** False when the gap cannot enter: n kept gaps are at least as long (an equal one found later loses the tie). */
  wants(durationNs: number): boolean {
    return this.n > 0 && durationNs > this.floor;
  }
  add(gap: IdleGap): void {
    this.kept.push(gap);
    if (this.kept.length >= 2 * this.n) this.trim();
  }
  sorted(): IdleGap[] {
    this.trim();
    return this.kept;
  }
  private trim(): void {
    // stable: among equal durations, gaps kept earlier (found earlier) stay first
    this.kept.sort((x, y) => y.durationNs - x.durationNs);
    this.kept.length = Math.min(this.kept.length, this.n);
    if (this.kept.length === this.n) this.floor = this.kept[this.n - 1]!.durationNs;
  }
}

function verdictOf(byCause: CauseTotal[], idleNs: number, windowNs: number): string {
  if (windowNs <= 0) return "no window";
  const idlePct = (100 * idleNs) / windowNs;
  if (idlePct < 5) return `the GPU is busy ${(100 - idlePct).toFixed(0)}% of the window: idle time is not the bottleneck`;
  const top = byCause[0]!;
  const what: Record<IdleCause, string> = {
    "host-bound": "the GPU mostly waits for the CPU to launch work (host-bound)",
    synchronization: "the GPU mostly waits while the CPU is blocked in synchronisations",
    "launch-latency": "idle time is mostly many short launch gaps between queued kernels",
    "queued-dependency": "idle time is mostly queued work waiting on dependencies (other streams, events, transfers, GPU work outside the trace)",
    "before-first-activity": "idle time is mostly at the start of each step, before the first kernel (data loading, step setup)",
    "after-last-activity": "idle time is mostly at the end of each step, after the last kernel",
    "no-launch-record": "idle time is mostly before kernels whose launch is not in the trace",
  };
  return `GPU idle ${idlePct.toFixed(0)}% of the window; ${what[top.cause]} (${top.pctOfIdle.toFixed(0)}% of idle time)`;
}

/** First GPU row of `device` starting at time t (rows are sorted by start). */
function firstActivityAt(start: Float64Array, device: Int32Array, dev: number, t: number): number {
  const lo = lowerBound(start.length, (i) => start[i]!, t);
  for (let i = lo; i < start.length && start[i]! <= t; i++) if (device[i] === dev) return i;
  // the gap may end where an activity of this device starts at exactly t; search a little further for robustness
  for (let i = lo; i < start.length; i++) if (device[i] === dev) return i;
  return -1;
}

interface SyncSet {
  rows: number[];
  starts: Float64Array;
  ends: Float64Array;
}

function syncIntervals(model: TraceModel): SyncSet {
  const { runtime, strings } = model;
  const isSync = new Map<number, boolean>();
  const rows: number[] = [];
  for (let r = 0; r < runtime.length; r++) {
    const id = runtime.name[r]!;
    let s = isSync.get(id);
    if (s === undefined) isSync.set(id, (s = SYNC_NAME.test(strings.get(id))));
    if (s) rows.push(r);
  }
  return { rows, starts: Float64Array.from(rows, (r) => runtime.start[r]!), ends: Float64Array.from(rows, (r) => runtime.end[r]!) };
}

/**
 * The sync call behind the gap [a, b): one in progress when the gap began, else
 * the one covering the most of it when that is at least half (a blocking copy
 * entered just after the GPU ran dry); -1 none.
 */
function syncBehindGap(set: SyncSet, a: number, b: number): number {
  const n = set.starts.length;
  // last call starting at or before a; sync calls rarely nest, so look back a little
  const atA = upperBound(n, (i) => set.starts[i]!, a);
  for (let k = atA - 1; k >= 0 && k >= atA - 64; k--) if (set.ends[k]! >= a) return set.rows[k]!;
  // else the calls starting inside the gap
  let best = -1;
  let bestNs = 0;
  for (let k = atA; k < n && set.starts[k]! < b; k++) {
    const covered = Math.min(b, set.ends[k]!) - set.starts[k]!;
    if (covered > bestNs) {
      bestNs = covered;
      best = set.rows[k]!;
    }
  }
  return 2 * bestNs >= b - a ? best : -1;
}

/**
 * What a host thread was doing at time t: the outermost operator / module /
 * annotation other than the step, else the innermost Python function.
 */
function culpritFinder(model: TraceModel): (thread: number, t: number, fallback: string | null) => string {
  const { cpu, strings } = model;
  const locate = slicesOf(model);
  return (thread, t, fallback) => {
    const inner = locate.innermostAt(thread, t);
    // walk up from whatever encloses t: outermost operator, else outermost annotation
    // (not the step), else the innermost module (by class), else the innermost Python frame
    let op = -1;
    let annotation = -1;
    let module = -1;
    let python = -1;
    for (let i = inner; i >= 0; i = cpu.parent[i]!) {
      if (cpu.end[i]! < t) continue;
      const kind = cpu.kind[i]!;
      if (kind === CpuKind.Op) op = i;
      else if (kind === CpuKind.Annotation) {
        if (!STEP_NAME.test(strings.get(cpu.name[i]!))) annotation = i;
      } else if (kind === CpuKind.Module) {
        if (module < 0) module = i;
      } else if (python < 0) python = i;
    }
    if (op >= 0) return strings.get(cpu.name[op]!);
    if (annotation >= 0) return strings.get(cpu.name[annotation]!);
    if (module >= 0) return strings.get(cpu.name[module]!).replace(/_\d+$/, "");
    if (python >= 0) return strings.get(cpu.name[python]!);
    return fallback ?? "no CPU activity recorded on the launching thread (Python outside the profiler's view, e.g. data loading)";
  };
}

/** Exported for tests: the busy set's gaps inside a window. */
export function gapsOf(busy: IntervalSet, from: number, to: number): IntervalSet {
  return gaps(busy, from, to);
}
