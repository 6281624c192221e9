/**
 * GPU idle time and its causes. Every gap of a device inside a step window (the
 * complement of its busy union) gets exactly one cause, tried in this order:
 *   before-first-activity  the gap opens the step window (nothing ran yet)
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
 *                          progress when the gap began: the CPU was waiting for the
 *                          GPU to drain, so nothing new was queued
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

/** Runtime/driver calls that block the CPU until the GPU (or a stream) has drained. */
export const SYNC_NAME = /Synchronize|^(cuda|hip)Memcpy$|^(cuda|hip)Memcpy2D$|^(cuda|hip)MemcpyToSymbol$|^(cuda|hip)MemcpyFromSymbol$|^cuMemcpyDtoH(_v2)?$|^cuMemcpyHtoD(_v2)?$|^hipMemcpy[DH]to[DH]$/;

const BINS: [string, number, number][] = [
  ["< 1 µs", 0, 1e3],
  ["1-10 µs", 1e3, 1e4],
  ["10-100 µs", 1e4, 1e5],
  ["0.1-1 ms", 1e5, 1e6],
  ["1-10 ms", 1e6, 1e7],
  ["≥ 10 ms", 1e7, Infinity],
];

export function idleBreakdown(ctx: AnalysisContext, options: IdleOptions = {}): IdleResult {
  const threshold = options.launchLatencyThresholdNs ?? 10_000;
  const { model, steps, devices } = ctx;
  const { gpu, runtime, strings } = model;
  const syncCalls = syncIntervals(model);
  // culprits are placed after the loop, all at once (SliceLocator.innermostAtEach): the gap, its thread, time and fallback
  const pending: { gaps: IdleGap[]; thread: number[]; time: number[]; fallback: (string | null)[] } = { gaps: [], thread: [], time: [], fallback: [] };

  const all: IdleGap[] = [];
  const stepRows: IdleResult["steps"] = [];
  let windowNs = 0;
  for (const step of steps.steps) {
    const byCause = Object.fromEntries(IDLE_CAUSES.map((c) => [c, 0])) as Record<IdleCause, number>;
    let stepIdle = 0;
    for (const d of devices) {
      windowNs += step.endNs - step.startNs;
      const holes = gaps(d.busy, step.startNs, step.endNs);
      for (let h = 0; h < holes.length; h++) {
        const a = holes.starts[h]!;
        const b = holes.ends[h]!;
        const next = b < step.endNs ? firstActivityAt(gpu.start, gpu.device, d.device, b) : -1;
        let cause: IdleCause;
        let culprit: { thread: number; time: number; fallback: string | null } | null = null;
        if (a <= step.startNs && b < step.endNs) cause = "before-first-activity";
        else if (b >= step.endNs || next < 0) cause = "after-last-activity";
        else if (gpu.launch[next]! < 0) cause = "no-launch-record";
        else {
          const r = gpu.launch[next]!;
          // inside a graph replay the CPU launched the whole graph at once: never host-bound
          if (runtime.end[r]! <= a || (ctx.graphRows[next] === 1 && runtime.start[r]! <= a)) cause = b - a < threshold ? "launch-latency" : "queued-dependency";
          else {
            const sync = syncActiveAt(syncCalls, a);
            if (sync >= 0) {
              cause = "synchronization";
              culprit = { thread: runtime.thread[sync]!, time: runtime.start[sync]!, fallback: strings.get(runtime.name[sync]!) };
            } else {
              cause = "host-bound";
              culprit = { thread: runtime.thread[r]!, time: (a + b) / 2, fallback: null };
            }
          }
        }
        byCause[cause] += b - a;
        stepIdle += b - a;
        const gap: IdleGap = {
          device: d.device,
          step: step.number,
          startNs: a,
          endNs: b,
          durationNs: b - a,
          cause,
          culprit: null,
          nextActivity: next >= 0 ? strings.get(gpu.name[next]!) : null,
        };
        all.push(gap);
        if (culprit) {
          pending.gaps.push(gap);
          pending.thread.push(culprit.thread);
          pending.time.push(culprit.time);
          pending.fallback.push(culprit.fallback);
        }
      }
    }
    stepRows.push({ step: step.number, windowNs: (step.endNs - step.startNs) * devices.length, idleNs: stepIdle, byCause });
  }

  const inner = slicesOf(model).innermostAtEach(Int32Array.from(pending.gaps.keys()), pending.thread, pending.time);
  for (let q = 0; q < pending.gaps.length; q++) pending.gaps[q]!.culprit = culpritOf(model, inner[q]!, pending.time[q]!, pending.fallback[q]!);

  const idleNs = all.reduce((s, g) => s + g.durationNs, 0);
  // counts and sums per cause and per duration bin in one pass over the gaps (same order of addition as a pass per cause)
  const causeCount = new Map<IdleCause, number>(IDLE_CAUSES.map((c) => [c, 0]));
  const causeNs = new Map<IdleCause, number>(IDLE_CAUSES.map((c) => [c, 0]));
  const binCount = BINS.map(() => 0);
  const binNs = BINS.map(() => 0);
  for (const g of all) {
    causeCount.set(g.cause, causeCount.get(g.cause)! + 1);
    causeNs.set(g.cause, causeNs.get(g.cause)! + g.durationNs);
    for (let k = 0; k < BINS.length; k++) {
      const [, fromNs, toNs] = BINS[k]!;
      if (g.durationNs >= fromNs && g.durationNs < toNs) {
        binCount[k]!++;
        binNs[k]! += g.durationNs;
      }
    }
  }
  const byCause: CauseTotal[] = IDLE_CAUSES.map((cause) => {
    const totalNs = causeNs.get(cause)!;
    return { cause, count: causeCount.get(cause)!, totalNs, pctOfIdle: idleNs > 0 ? (100 * totalNs) / idleNs : 0, pctOfWindow: windowNs > 0 ? (100 * totalNs) / windowNs : 0 };
  }).sort((x, y) => y.totalNs - x.totalNs);

  const culprits = new Map<string, CulpritTotal>();
  for (const g of all) {
    if (!g.culprit) continue;
    const key = `${g.cause}\u0000${g.culprit}`;
    const c = culprits.get(key) ?? { culprit: g.culprit, cause: g.cause, count: 0, totalNs: 0 };
    c.count++;
    c.totalNs += g.durationNs;
    culprits.set(key, c);
  }
  const histogram = BINS.map(([label, fromNs, toNs], k) => ({ label, fromNs, toNs, count: binCount[k]!, totalNs: binNs[k]! }));
  return {
    launchLatencyThresholdNs: threshold,
    windowNs,
    idleNs,
    gapCount: all.length,
    byCause,
    steps: stepRows,
    topCulprits: [...culprits.values()].sort((x, y) => y.totalNs - x.totalNs).slice(0, 20),
    largestGaps: largest(all, options.topGaps ?? 20),
    histogram: histogram.map((h) => ({ ...h, toNs: Number.isFinite(h.toNs) ? h.toNs : -1 })),
    verdict: verdictOf(byCause, idleNs, windowNs),
  };
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
    "queued-dependency": "idle time is mostly queued work waiting on dependencies (other streams, events, transfers)",
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

/** A sync call in progress at time t (start <= t <= end), -1 none. */
function syncActiveAt(set: SyncSet, t: number): number {
  // last call starting at or before t; sync calls rarely nest, so look back a little
  const lo = upperBound(set.starts.length, (i) => set.starts[i]!, t);
  for (let k = lo - 1; k >= 0 && k >= lo - 64; k--) if (set.ends[k]! >= t) return set.rows[k]!;
  return -1;
}

/**
 * What a host thread was doing at time t (`inner`: the innermost slice running
 * on it then): the outermost operator / module / annotation other than the
 * step, else the innermost Python function.
 */
function culpritOf(model: TraceModel, inner: number, t: number, fallback: string | null): string {
  const { cpu, strings } = model;
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
}

/** The n longest gaps, longest first, ties in trace order: what a stable sort of all gaps would give, without sorting them all. */
function largest(all: readonly IdleGap[], n: number): IdleGap[] {
  // slice()'s meaning of a negative or fractional count: leave those to the full sort
  if (!Number.isInteger(n) || n < 0) return [...all].sort((x, y) => y.durationNs - x.durationNs).slice(0, n);
  const top: IdleGap[] = [];
  if (n === 0) return top;
  for (const g of all) {
    if (top.length === n && !(g.durationNs > top[n - 1]!.durationNs)) continue;
    // after every kept gap at least as long (stable)
    let k = top.length;
    while (k > 0 && top[k - 1]!.durationNs < g.durationNs) k--;
    top.splice(k, 0, g);
    if (top.length > n) top.pop();
  }
  return top;
}

/** Exported for tests: the busy set's gaps inside a window. */
export function gapsOf(busy: IntervalSet, from: number, to: number): IntervalSet {
  return gaps(busy, from, to);
}
