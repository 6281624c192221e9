/**
 * GPU timeline overview (drawing data for the HTML report, not part of
 * summary.json): per (rank, device, stream) the busy segments inside the
 * analysis window, each labelled with the category that takes most of its time.
 *
 * Downsampling: consecutive activities of a stream whose gap is at most
 * `resolutionNs` merge into one segment. The resolution is the smallest gap
 * threshold that leaves at most `maxSegmentsPerStream` segments (0 when the
 * stream already fits, so small traces keep every activity), found exactly by
 * sorting the gaps. Overlapping or touching activities always merge.
 * Activities are clipped to the window; those with no time inside it are left out.
 */
import type { TraceModel } from "../model/tables.js";
import { CATEGORIES, type Category } from "./categories.js";
import { createContext, type AnalysisContext, type AnalysisOptions } from "./context.js";

export const DEFAULT_MAX_SEGMENTS_PER_STREAM = 4000;

export interface StreamTimeline {
  rank: number | null;
  device: number;
  stream: number;
  /** Activities with time inside the window. */
  activityCount: number;
  /** Length of the union of the stream's activities inside the window. */
  busyNs: number;
  /** Gaps up to this length were merged; 0 = only overlapping or touching activities merged. */
  resolutionNs: number;
  /** Segments, columnar, sorted and disjoint; times in ns relative to the rank's window start. */
  startNs: number[];
  endNs: number[];
  /** Index into `Timeline.categories`: the category with the most activity time in the segment. */
  category: number[];
  /** Activities merged into the segment. */
  count: number[];
  /** Busy time (union of activities) inside the segment, <= end - start. */
  busyInNs: number[];
}

export interface TimelineRank {
  rank: number | null;
  /** The analysis window, ns relative to the trace origin of that rank. */
  windowStartNs: number;
  windowEndNs: number;
  /** Step windows, ns relative to the window start. */
  steps: { number: number; startNs: number; endNs: number }[];
}

export interface Timeline {
  categories: readonly Category[];
  maxSegmentsPerStream: number;
  ranks: TimelineRank[];
  streams: StreamTimeline[];
}

export interface TimelineOptions extends AnalysisOptions {
  maxSegmentsPerStream?: number;
}

/** The timeline of every model (one per rank), windows and categories as analyze() computes them. */
export function gpuTimeline(models: readonly TraceModel[], options: TimelineOptions = {}): Timeline {
  return timelineOf(
    models.map((m) => createContext(m, options)),
    options,
  );
}

/** The timeline from the analysis contexts (pipeline.ts): their steps and categories, not computed again. */
export function timelineOf(contexts: readonly AnalysisContext[], options: Pick<TimelineOptions, "maxSegmentsPerStream"> = {}): Timeline {
  const max = Math.max(1, Math.floor(options.maxSegmentsPerStream ?? DEFAULT_MAX_SEGMENTS_PER_STREAM));
  const ordered = [...contexts].sort((a, b) => (a.model.meta.rank ?? 0) - (b.model.meta.rank ?? 0));
  const ranks: TimelineRank[] = [];
  const streams: StreamTimeline[] = [];
  for (const { model, steps, categories } of ordered) {
    if (steps.source === "empty") continue;
    const from = steps.windowStartNs;
    ranks.push({
      rank: model.meta.rank,
      windowStartNs: from,
      windowEndNs: steps.windowEndNs,
      steps: steps.steps.map((s) => ({ number: s.number, startNs: s.startNs - from, endNs: s.endNs - from })),
    });
    streams.push(...streamTimelines(model, categories, from, steps.windowEndNs, max));
  }
  return { categories: CATEGORIES, maxSegmentsPerStream: max, ranks, streams };
}

/** Segments of every (device, stream) of one model inside [fromNs, toNs). */
export function streamTimelines(model: TraceModel, categories: Uint8Array, fromNs: number, toNs: number, maxSegments: number): StreamTimeline[] {
  const gpu = model.gpu;
  const byStream = new Map<string, { device: number; stream: number; rows: number[] }>();
  for (let i = 0; i < gpu.length; i++) {
    if (Math.min(gpu.end[i]!, toNs) <= Math.max(gpu.start[i]!, fromNs)) continue;
    const key = `${gpu.device[i]}:${gpu.stream[i]}`;
    let entry = byStream.get(key);
    if (!entry) byStream.set(key, (entry = { device: gpu.device[i]!, stream: gpu.stream[i]!, rows: [] }));
    entry.rows.push(i);
  }
  const out: StreamTimeline[] = [];
  for (const { device, stream, rows } of byStream.values()) {
    // clipped times; the table is sorted by start, and clipping keeps that order
    const n = rows.length;
    const s = new Float64Array(n);
    const e = new Float64Array(n);
    const c = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const i = rows[k]!;
      s[k] = Math.max(gpu.start[i]!, fromNs) - fromNs;
      e[k] = Math.min(gpu.end[i]!, toNs) - fromNs;
      c[k] = categories[i]!;
    }
    const resolution = resolutionFor(s, e, maxSegments);
    out.push({ rank: model.meta.rank, device, stream, ...mergeSegments(s, e, c, resolution) });
  }
  return out.sort((a, b) => a.device - b.device || a.stream - b.stream);
}

/** Gaps between consecutive activities (against the running end), in order. */
function gapsOf(s: Float64Array, e: Float64Array): Float64Array {
  const gaps = new Float64Array(Math.max(0, s.length - 1));
  let end = s.length ? e[0]! : 0;
  for (let k = 1; k < s.length; k++) {
    gaps[k - 1] = s[k]! - end;
    if (e[k]! > end) end = e[k]!;
  }
  return gaps;
}

/** Smallest threshold such that merging gaps <= it leaves at most `max` segments. */
function resolutionFor(s: Float64Array, e: Float64Array, max: number): number {
  const gaps = gapsOf(s, e);
  // segments = 1 + #(gaps > threshold); we may keep max - 1 gaps open
  if (gaps.length <= max - 1) return 0;
  const sorted = Float64Array.from(gaps).sort().reverse();
  return Math.max(0, sorted[max - 1]!);
}

function mergeSegments(s: Float64Array, e: Float64Array, c: Uint8Array, resolution: number) {
  const startNs: number[] = [];
  const endNs: number[] = [];
  const category: number[] = [];
  const count: number[] = [];
  const busyInNs: number[] = [];
  const catTime = new Float64Array(CATEGORIES.length);
  let busyNs = 0;
  let segStart = 0;
  let segEnd = -Infinity;
  let segCount = 0;
  let segBusy = 0;
  const flush = () => {
    if (segCount === 0) return;
    let best = 0;
    for (let k = 1; k < catTime.length; k++) if (catTime[k]! > catTime[best]!) best = k;
    startNs.push(segStart);
    endNs.push(segEnd);
    category.push(best);
    count.push(segCount);
    busyInNs.push(segBusy);
    busyNs += segBusy;
    catTime.fill(0);
  };
  let activityCount = 0;
  for (let k = 0; k < s.length; k++) {
    const a = s[k]!;
    const b = e[k]!;
    if (b <= a) continue;
    activityCount++;
    const gap = a - segEnd;
    // a gap <= 0 (overlap / touching) always merges; positive gaps merge up to the resolution
    if (segCount > 0 && (gap <= 0 || gap <= resolution)) {
      segBusy += b - Math.max(a, segEnd) > 0 ? b - Math.max(a, segEnd) : 0;
      if (b > segEnd) segEnd = b;
      segCount++;
    } else {
      flush();
      segStart = a;
      segEnd = b;
      segCount = 1;
      segBusy = b - a;
    }
    catTime[c[k]!]! += b - a;
  }
  flush();
  return { activityCount, busyNs, resolutionNs: resolution, startNs, endNs, category, count, busyInNs };
}
