/**
 * Critical path of each step across ranks: the chain of dependent work that
 * sets the step time, found by walking backwards from the step's end.
 *
 * At a GPU activity the walk asks what let it start, among what the trace
 * records: its predecessor on the same stream (stream order), the runtime call
 * that launched it (then the host thread before that call), or, when it started
 * later than both, the activity of another stream on the same device that ended
 * last before it (a cross-stream event wait: Kineto records cudaStreamWaitEvent
 * without its event, so the producer is inferred). The latest of these is the
 * binding one. A collective matched on several ranks (critical-path-match.ts)
 * completes when the last rank arrives: the path keeps the transfer (the last
 * arriver's own kernel time) and continues on the last arriver, whose clock is
 * aligned to the current one by the collective's common end (clocks of
 * different hosts are never compared). On the host the walk goes back to the
 * thread's last blocking call (synchronize, blocking copy) and from there to
 * the GPU activity that released it; with none, host time reaches back to the
 * step's start.
 *
 * Each piece of the step gets one kind, so the segments tile the step exactly.
 * At each choice the walk records the slack of the alternatives (how much
 * earlier the binding predecessor could finish before another one binds): the
 * what-if estimates (critical-path-whatif.ts) are bounded by it.
 */
import type { AnalysisContext } from "./context.js";
import { CATEGORIES, COMMUNICATION } from "./categories.js";
import { measureWithin } from "./intervals.js";
import { upperBound } from "../model/search.js";
import { hostPieces, indexRank, lastEndedBefore, lastSyncBefore, type RankIndex } from "./critical-path-index.js";
import { matchCollectives, type CollectiveMatches } from "./critical-path-match.js";
import { whatIfRows, type WhatIfRow, type WalkEntry } from "./critical-path-whatif.js";

export type PathKind = "compute" | "collective-transfer" | "collective-wait" | "launch" | "host" | "idle" | "rank-alignment";
export const PATH_KINDS: readonly PathKind[] = ["compute", "collective-transfer", "collective-wait", "launch", "host", "idle", "rank-alignment"];

export interface PathSegment {
  /** Rank (trace meta rank, else the input's position) whose activity this is. */
  rank: number;
  kind: PathKind;
  /** Kernel category for compute (and memory copies: "memory"), else null. */
  category: string | null;
  /** Kernel name, collective type, runtime call, or a description. */
  label: string;
  /** In the clock of the step's reference rank (the path's rank of origin). */
  startNs: number;
  endNs: number;
  /** The same interval in the segment's own rank's clock (for timelines). */
  localStartNs: number;
  device: number | null;
  stream: number | null;
}

export interface PathKindRow {
  kind: PathKind;
  ns: number;
  /** Share of the step time, 0-100. */
  pct: number;
}

export interface CriticalPathStep {
  step: number;
  /** The rank whose step the path explains: the one with the longest step. */
  rank: number;
  stepTimeNs: number;
  /** Sum of the segments (equals stepTimeNs up to float rounding). */
  pathNs: number;
  /** Times the path moved to another rank through a collective. */
  rankHops: number;
  /** Segments whose cross-stream producer was inferred (no event ids in the trace). */
  inferredStreamWaits: number;
  byKind: PathKindRow[];
  byCategory: { category: string; ns: number; pct: number }[];
  /** Time on the path per rank and kind (from the full, uncoarsened walk). */
  byRank: { rank: number; kind: PathKind; ns: number }[];
  /** Empty beyond the 32 longest steps (and the median one). Consecutive pieces of the same rank, kind and label merged; beyond 600, coarser runs (same rank, kind and stream; then same rank and stream (host: none); then same rank) that still tile the step. */
  segments: PathSegment[];
  segmentsTotal: number;
  whatIf: WhatIfRow[];
}

export interface CriticalPathResult {
  /** The rank each step starts from is the one with the longest step. */
  steps: CriticalPathStep[];
  ranks: number;
  /** Matched collectives across ranks (critical-path-match.ts). */
  matchedCollectives: number;
  /** Percentages used by the what-if columns. */
  whatIfFasterPct: number[];
}

export const WHAT_IF_FASTER_PCT = [10, 50];
const EPS_NS = 1000;
/** A helper thread idle for longer than this was waiting for another thread. */
const BURST_GAP_NS = 200_000;
const MAX_SEGMENTS = 600;
const MAX_STEPS_WITH_SEGMENTS = 32;

/** maxSegmentsPerStep: beyond it, segments are coarsened into runs (Infinity for exports that want every piece). */
export function criticalPath(contexts: readonly AnalysisContext[], maxSegmentsPerStep = MAX_SEGMENTS): CriticalPathResult {
  const indexes = contexts.map(indexRank);
  const matches = matchCollectives(contexts);
  const steps: CriticalPathStep[] = [];
  const byNumber = contexts.map((ctx) => new Map(ctx.steps.steps.map((s) => [s.number, s])));
  for (const step of contexts[0]!.steps.steps) {
    let start = 0;
    let longest = -Infinity;
    contexts.forEach((_ctx, r) => {
      const s = byNumber[r]!.get(step.number);
      if (s && s.endNs - s.startNs > longest) {
        longest = s.endNs - s.startNs;
        start = r;
      }
    });
    steps.push(criticalPathOfStep(indexes, matches, step.number, start, maxSegmentsPerStep));
  }
  if (Number.isFinite(maxSegmentsPerStep)) keepSegmentsOf(steps);
  return { steps, ranks: contexts.length, matchedCollectives: new Set(matches.byRow.flatMap((m) => [...m.values()])).size, whatIfFasterPct: WHAT_IF_FASTER_PCT };
}

/** One step's path explained from one rank (an index into `contexts`): for tests and callers that pick the rank. */
export function criticalPathFrom(contexts: readonly AnalysisContext[], stepNumber: number, startRank: number): CriticalPathStep {
  return criticalPathOfStep(contexts.map(indexRank), matchCollectives(contexts), stepNumber, startRank);
}

/**
 * Serving traces can hold thousands of steps: segments are kept for at most
 * MAX_STEPS_WITH_SEGMENTS of them (the longest, and the median one whose what-if
 * the reports show); the others keep their totals, `segments` empty.
 */
function keepSegmentsOf(steps: CriticalPathStep[]): void {
  if (steps.length <= MAX_STEPS_WITH_SEGMENTS) return;
  const byTime = [...steps].sort((a, b) => a.stepTimeNs - b.stepTimeNs);
  const keep = new Set([byTime[(byTime.length - 1) >> 1]!, ...byTime.slice(-(MAX_STEPS_WITH_SEGMENTS - 1))]);
  for (const st of steps) if (!keep.has(st)) st.segments = [];
}

type Node = { type: "gpu"; rank: number; row: number } | { type: "cpu"; rank: number; thread: number } | { type: "end" };

/** The critical path of one step, explained from rank `startRank` (an index into the contexts). */
export function criticalPathOfStep(indexes: readonly RankIndex[], matches: CollectiveMatches, stepNumber: number, startRank: number, maxSegments = MAX_SEGMENTS): CriticalPathStep {
  const rankId = (r: number) => indexes[r]!.model.meta.rank ?? r;
  const stepsOf = indexes.map((index) => index.ctx.steps.steps.find((s) => s.number === stepNumber));
  const stepOf = (r: number) => stepsOf[r];
  const ref = stepOf(startRank)!;
  const offsets = new Map<number, number>([[startRank, 0]]);
  const entries: WalkEntry[] = [];
  let cursor = ref.endNs; // reference clock
  let hops = 0;
  let inferred = 0;

  const lowerOf = (r: number) => {
    const s = stepOf(r);
    return Math.max(ref.startNs, s ? s.startNs + offsets.get(r)! : ref.startNs);
  };
  const push = (r: number, kind: PathKind, label: string, from: number, category: string | null = null, device: number | null = null, stream: number | null = null, host: string | null = null) => {
    const lo = Math.max(from, lowerOf(r));
    if (lo >= cursor) return;
    entries.push({ type: "segment", host, segment: { rank: rankId(r), kind, category, label, startNs: lo, endNs: cursor, localStartNs: lo - offsets.get(r)!, device, stream } });
    cursor = lo;
  };
  /** A choice between predecessors; `host` names the rank whose host threads the alternative also depends on. */
  const join = (marginNs: number, host: string | null) => entries.push({ type: "join", marginNs: Math.max(0, marginNs), host });
  // the host threads of one rank depend on each other (autograd's thread starts from the main one's backward call): one key per rank
  const threadKey = (r: number, launch: number) => (launch >= 0 ? `rank${r}` : null);

  // first node: the GPU activity that ended last in the step, or the host when the CPU ended later
  let node: Node = firstNode(indexes[startRank]!, startRank, ref);
  const visited = new Set<string>();
  let lastRank = startRank;
  for (let guard = 0; node.type !== "end" && guard < 1_000_000; guard++) {
    lastRank = node.rank;
    if (cursor <= lowerOf(node.rank)) break;
    if (node.type === "gpu") {
      const key = `${node.rank}:${node.row}`;
      if (visited.has(key)) break;
      visited.add(key);
      node = gpuStep(node.rank, node.row);
    } else {
      node = cpuStep(node.rank, node.thread);
    }
  }
  // the rest of the step: before the first dependency the walk found
  if (cursor > ref.startNs) {
    const r = lastRank;
    const aligned = r !== startRank && lowerOf(r) > ref.startNs && cursor <= lowerOf(r) + EPS_NS;
    entries.push({
      type: "segment",
      host: null,
      segment: {
        rank: rankId(r),
        kind: aligned ? "rank-alignment" : "idle",
        category: null,
        label: aligned ? `rank ${rankId(r)}'s step began later (clocks aligned on the collectives' ends)` : "nothing earlier found on the path",
        startNs: ref.startNs,
        endNs: cursor,
        localStartNs: ref.startNs - offsets.get(r)!,
        device: null,
        stream: null,
      },
    });
    cursor = ref.startNs;
  }
  const busyNs = Math.max(
    ...indexes.map((index, r) => {
      const st = stepOf(r);
      return st ? computeWithin(index, st.startNs, st.endNs) : 0;
    }),
  );
  return summarise(stepNumber, rankId(startRank), ref.endNs - ref.startNs, entries, hops, inferred, busyNs, maxSegments);

  function gpuStep(r: number, g: number): Node {
    const index = indexes[r]!;
    const { gpu, strings } = index.model;
    const off = offsets.get(r)!;
    const start = gpu.start[g]! + off;
    const end = gpu.end[g]! + off;
    const device = gpu.device[g]!;
    const stream = gpu.stream[g]!;
    const name = strings.get(gpu.name[g]!);
    if (cursor > end) push(r, "idle", "GPU idle on the path", end, null, device, stream);
    const category = CATEGORIES[index.ctx.categories[g]!] ?? "other";
    if (index.ctx.categories[g] === COMMUNICATION) {
      const match = matches.byRow[r]?.get(g);
      if (!match) {
        push(r, "collective-wait", `${name.split("(")[0]} (peers not matched)`, start, category, device, stream);
      } else {
        const durations = match.rows.map((p) => ({ ...p, ns: indexes[p.rank]!.model.gpu.end[p.row]! - indexes[p.rank]!.model.gpu.start[p.row]! }));
        durations.sort((a, b) => a.ns - b.ns);
        const last = durations[0]!;
        const own = end - start;
        const label = match.collective;
        if (last.rank !== r && own - last.ns > EPS_NS && !visited.has(`${last.rank}:${last.row}`)) {
          push(r, "collective-transfer", label, end - last.ns, category, device, stream);
          // the other ranks' arrival may itself wait for this rank's host work in earlier collectives
          join((durations[1]?.ns ?? own) - last.ns, `rank${last.rank}`);
          // align the last arriver's clock on the collective's end
          const lastModel = indexes[last.rank]!.model;
          offsets.set(last.rank, end - lastModel.gpu.end[last.row]!);
          hops++;
          visited.add(`${last.rank}:${last.row}`);
          lastRank = last.rank;
          return predecessors(last.rank, last.row);
        }
        push(r, "collective-transfer", label, start, category, device, stream);
        if (durations.length > 1 && last.rank === r) join(durations[1]!.ns - own, null);
      }
    } else {
      push(r, "compute", name, start, category, device, stream);
    }
    return predecessors(r, g);
  }

  /** What let activity g (rank r) start: stream order, its launch, or another stream. */
  function predecessors(r: number, g: number): Node {
    const index = indexes[r]!;
    const { gpu, runtime } = index.model;
    const off = offsets.get(r)!;
    const startLocal = gpu.start[g]!;
    const prev = index.streamPrev[g]!;
    const prevEnd = prev >= 0 ? gpu.end[prev]! : -Infinity;
    const launch = gpu.launch[g]!;
    const launchEnd = launch >= 0 ? runtime.end[launch]! : -Infinity;
    const ready = Math.max(prevEnd, launchEnd);
    let cross = -1;
    if (startLocal - ready > EPS_NS) {
      const stream = gpu.stream[g]!;
      cross = lastEndedBefore(index, gpu.device[g]!, startLocal + EPS_NS, ready, (x) => gpu.stream[x] === stream || gpu.start[x]! >= startLocal || x === g);
    }
    if (cross >= 0) {
      inferred++;
      push(r, "idle", "cross-stream wait", gpu.end[cross]! + off, null, gpu.device[g]!, gpu.stream[g]!);
      join(Math.min(gpu.end[cross]!, startLocal) - ready, threadKey(r, launch));
      return { type: "gpu", rank: r, row: cross };
    }
    if (prev < 0 && launch < 0) return stop(r);
    if (launchEnd > prevEnd) {
      push(r, "launch", "launch to kernel start", Math.min(launchEnd, startLocal) + off, null, gpu.device[g]!, gpu.stream[g]!);
      join(Math.min(launchEnd, startLocal) - prevEnd, prev >= 0 ? threadKey(r, gpu.launch[prev]!) : null);
      push(r, "launch", index.model.strings.get(runtime.name[launch]!), runtime.start[launch]! + off);
      return { type: "cpu", rank: r, thread: runtime.thread[launch]! };
    }
    push(r, "idle", "stream queue", Math.min(prevEnd, startLocal) + off, null, gpu.device[g]!, gpu.stream[g]!);
    join(Math.min(prevEnd, startLocal) - launchEnd, threadKey(r, launch));
    return { type: "gpu", rank: r, row: prev };
  }

  function stop(r: number): Node {
    push(r, "idle", "nothing earlier on the path", lowerOf(r));
    return { type: "end" };
  }

  /** Host work on a thread from `from` (reference clock) to the cursor, one segment per outermost operator. */
  function hostWork(r: number, thread: number, from: number): void {
    const off = offsets.get(r)!;
    const lo = Math.max(from, lowerOf(r));
    if (lo >= cursor) return;
    const pieces = hostPieces(indexes[r]!, thread, lo - off, cursor - off);
    for (let i = pieces.length - 1; i >= 0; i--) push(r, "host", pieces[i]!.label, pieces[i]!.startNs + off, null, null, null, `rank${r}`);
  }

  /** The host thread before the cursor: back to its last blocking call, then the GPU work that released it. */
  function cpuStep(r: number, thread: number): Node {
    const index = indexes[r]!;
    const { runtime, strings } = index.model;
    const off = offsets.get(r)!;
    const local = cursor - off;
    const main = stepOf(r)?.row ?? -1;
    const mainThread = main >= 0 ? index.model.cpu.thread[main]! : thread;
    // a helper thread (autograd's) works in bursts started by the main thread: back to the main thread before its burst
    const burst = thread === mainThread ? -Infinity : burstStart(index, thread, local);
    // calls of one thread do not overlap: the blocking call ended before the cursor; each is used once
    let sync = lastSyncBefore(index, thread, local, Math.max(lowerOf(r) - off, burst));
    if (sync >= 0 && visited.has(`${r}:sync${sync}`)) sync = -1;
    if (sync >= 0) visited.add(`${r}:sync${sync}`);
    if (sync < 0 && thread !== mainThread) {
      hostWork(r, thread, burst + off);
      return { type: "cpu", rank: r, thread: mainThread };
    }
    if (sync < 0) {
      hostWork(r, thread, lowerOf(r));
      return { type: "end" };
    }
    hostWork(r, thread, Math.min(runtime.end[sync]!, local) + off);
    const syncStart = runtime.start[sync]!;
    const syncEnd = Math.min(runtime.end[sync]!, local);
    // the GPU activity (any device of this rank) that ended last inside the blocking call
    let released = -1;
    for (const device of index.byDevice.keys()) {
      const g = lastEndedBefore(index, device, syncEnd + EPS_NS, syncStart, () => false);
      if (g >= 0 && (released < 0 || index.model.gpu.end[g]! > index.model.gpu.end[released]!)) released = g;
    }
    const label = strings.get(runtime.name[sync]!);
    if (released < 0) {
      push(r, "host", label, syncStart + off, null, null, null, `rank${r}`);
      return { type: "cpu", rank: r, thread };
    }
    const releasedEnd = Math.min(index.model.gpu.end[released]!, syncEnd);
    push(r, "host", label, releasedEnd + off, null, null, null, `rank${r}`);
    join(releasedEnd - syncStart, `rank${r}`);
    return { type: "gpu", rank: r, row: released };
  }
}

/** Start of the burst of work on `thread` that runs at `t`: back over its outermost slices while they follow each other closely. */
function burstStart(index: RankIndex, thread: number, t: number): number {
  const { cpu } = index.model;
  const list = index.topSlices.get(thread) ?? [];
  let k = upperBound(list.length, (i) => cpu.start[list[i]!]!, t) - 1;
  if (k < 0) return t;
  let start = Math.min(cpu.start[list[k]!]!, t);
  for (; k > 0 && cpu.start[list[k]!]! - cpu.end[list[k - 1]!]! < BURST_GAP_NS; k--) start = cpu.start[list[k - 1]!]!;
  return start;
}

function firstNode(index: RankIndex, rank: number, step: { startNs: number; endNs: number; row: number }): Node {
  const { gpu, cpu } = index.model;
  let best = -1;
  for (const device of index.byDevice.keys()) {
    const g = lastEndedBefore(index, device, step.endNs + EPS_NS, step.startNs, () => false);
    if (g >= 0 && (best < 0 || gpu.end[g]! > gpu.end[best]!)) best = g;
  }
  const cpuThread = step.row >= 0 ? cpu.thread[step.row]! : -1;
  if (best < 0) return cpuThread >= 0 ? { type: "cpu", rank, thread: cpuThread } : { type: "end" };
  // the CPU finished the step later than the GPU: the tail is host work
  if (cpuThread >= 0 && cpu.end[step.row]! > gpu.end[best]! + EPS_NS) return { type: "cpu", rank, thread: cpuThread };
  return { type: "gpu", rank, row: best };
}

/** Busiest device's compute time in [from, to] (host changes cannot make the step shorter than that). */
function computeWithin(index: RankIndex, from: number, to: number): number {
  let best = 0;
  for (const d of index.ctx.devices) best = Math.max(best, measureWithin(d.compute, from, to));
  return best;
}

function summarise(step: number, rank: number, stepTimeNs: number, entries: readonly WalkEntry[], hops: number, inferred: number, busyNs: number, maxSegments: number): CriticalPathStep {
  const segments = entries.flatMap((e) => (e.type === "segment" ? [e.segment] : []));
  const pathNs = segments.reduce((a, s) => a + (s.endNs - s.startNs), 0);
  const perRank = new Map<string, { rank: number; kind: PathKind; ns: number }>();
  for (const s of segments) {
    const key = `${s.rank}|${s.kind}`;
    const row = perRank.get(key) ?? { rank: s.rank, kind: s.kind, ns: 0 };
    row.ns += s.endNs - s.startNs;
    perRank.set(key, row);
  }
  const kinds = new Map<PathKind, number>();
  const categories = new Map<string, number>();
  for (const s of segments) {
    kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + s.endNs - s.startNs);
    if (s.kind === "compute" && s.category) categories.set(s.category, (categories.get(s.category) ?? 0) + s.endNs - s.startNs);
  }
  const pct = (ns: number) => (stepTimeNs > 0 ? (100 * ns) / stepTimeNs : 0);
  const merged = mergeSegments(segments);
  let kept = merged;
  if (kept.length > maxSegments) kept = coarsen(kept, (a, b) => a.rank === b.rank && a.kind === b.kind && a.stream === b.stream);
  if (kept.length > maxSegments) kept = coarsen(kept, (a, b) => a.rank === b.rank && a.stream === b.stream);
  if (kept.length > maxSegments) kept = coarsen(kept, (a, b) => a.rank === b.rank);
  return {
    step,
    rank,
    stepTimeNs,
    pathNs,
    rankHops: hops,
    inferredStreamWaits: inferred,
    byKind: PATH_KINDS.filter((k) => kinds.has(k)).map((kind) => ({ kind, ns: kinds.get(kind)!, pct: pct(kinds.get(kind)!) })),
    byRank: [...perRank.values()].sort((a, b) => a.rank - b.rank || PATH_KINDS.indexOf(a.kind) - PATH_KINDS.indexOf(b.kind)),
    byCategory: [...categories].sort((a, b) => b[1] - a[1]).map(([category, ns]) => ({ category, ns, pct: pct(ns) })),
    segments: kept,
    segmentsTotal: merged.length,
    whatIf: whatIfRows(entries, stepTimeNs, WHAT_IF_FASTER_PCT, stepTimeNs - busyNs),
  };
}

/** Time order, with touching pieces of the same rank, kind and label merged. */
function mergeSegments(segments: readonly PathSegment[]): PathSegment[] {
  const ordered = [...segments].sort((a, b) => a.startNs - b.startNs);
  const out: PathSegment[] = [];
  for (const s of ordered) {
    const last = out[out.length - 1];
    if (last && last.rank === s.rank && last.kind === s.kind && last.label === s.label && last.stream === s.stream && Math.abs(last.endNs - s.startNs) < 1) {
      out[out.length - 1] = { ...last, endNs: s.endNs };
    } else out.push({ ...s });
  }
  return out;
}

/** Adjacent segments that `same` pairs merged into one run, named after its longest piece. */
function coarsen(segments: readonly PathSegment[], same: (a: PathSegment, b: PathSegment) => boolean): PathSegment[] {
  const out: PathSegment[] = [];
  let longest: PathSegment | null = null;
  let pieces = 0;
  const close = () => {
    const run = out[out.length - 1];
    if (run && longest && pieces > 1)
      Object.assign(run, { kind: longest.kind, category: longest.category, label: `${pieces} pieces, longest: ${longest.label}`, device: longest.device, stream: longest.stream });
  };
  for (const s of segments) {
    const run = out[out.length - 1];
    if (run && same(run, s)) {
      run.endNs = s.endNs;
      pieces++;
      if (s.endNs - s.startNs > longest!.endNs - longest!.startNs) longest = s;
    } else {
      close();
      out.push({ ...s });
      longest = s;
      pieces = 1;
    }
  }
  close();
  return out;
}
