/**
 * Communication by parallel dimension: every NCCL/RCCL kernel of every rank is put
 * in exactly one process group, and each group is labelled DP, TP, PP, CP or EP.
 *
 * The group of a kernel, first rule that applies:
 *  1. kernel args: `Process Group Name` + `Process Group Ranks` recorded on the kernel;
 *  2. P2P ops: the record_param_comms ops (send, recv, ...) that the launching thread
 *     issued since its previous NCCL launch (PyTorch batches P2P ops and records no
 *     args on the SendRecv kernel: the kernel is launched inside `nccl:coalesced`);
 *  3. stream: the NCCL stream (PyTorch gives each communicator its own stream).
 * The label of a group, first rule that applies (README, "Communication by parallel
 * dimension"): the config (`parallelism.groups`, by group name or description); a
 * description naming one dimension (DeviceMesh's `mesh_tp`...); its operations.
 */
import type { TraceModel } from "../model/tables.js";
import { COMMUNICATION } from "./categories.js";
import { busFactor, describe, normalizeCollective } from "./collectives.js";
import type { AnalysisContext } from "./context.js";
import { Phase } from "./attribution.js";
import { clip, EMPTY, type IntervalSet, measureWithin, subtract, union, unionOfRows } from "./intervals.js";

export const PARALLEL_DIMS = ["DP", "TP", "PP", "CP", "EP"] as const;
export type ParallelDim = (typeof PARALLEL_DIMS)[number];

export interface ParallelismOptions {
  /** Label by group name or description (config `parallelism.groups`). */
  groupLabels?: Readonly<Record<string, ParallelDim>>;
}

/** One NCCL kernel with what llmprof knows of it. */
export interface CommKernel {
  row: number;
  group: number;
  collective: string;
  /** Bytes moved per NCCL's convention (max of in/out), null unknown. */
  bytes: number | null;
  algorithm: string | null;
  phase: number;
  /** A CPU operator launched it (its phase is then evidence of where it runs). */
  launchedByOp: boolean;
  /** The P2P ops a batched SendRecv kernel carries out (none for collectives). */
  p2p: { op: "send" | "recv"; peer: number; bytes: number | null }[];
  /** all_to_allv: rows sent to / received from each group rank, and elements per row. */
  splits: { sent: number[]; received: number[]; rowElements: number; elementBytes: number } | null;
}

export interface GroupIdentity {
  id: string;
  name: string | null;
  description: string | null;
  ranks: number[] | null;
  source: "kernel-args" | "p2p-ops" | "stream";
}

export interface ProcessGroupAssignment {
  groups: GroupIdentity[];
  /** Per context (rank order): its NCCL kernels, in start order. */
  kernels: CommKernel[][];
  labels: { label: ParallelDim | null; reason: string }[];
}

export interface GroupRankFigures {
  rank: number | null;
  kernels: number;
  /** Union of the group's kernel intervals in the window. */
  timeNs: number;
  /** Part of timeNs with no compute kernel running on the rank's GPU. */
  exposedNs: number;
  bytes: number | null;
  algBandwidthGBps: number | null;
  busBandwidthGBps: number | null;
  /** timeNs / window (the profiled steps) × 100. */
  shareOfStepPct: number;
  exposedShareOfStepPct: number;
}

export interface ProcessGroupRow extends GroupIdentity {
  label: ParallelDim | null;
  labelReason: string;
  operations: string[];
  algorithms: string[];
  ranksSeen: (number | null)[];
  perRank: GroupRankFigures[];
}

/** Drawing data of one step: per rank, compute and each group's communication (ns from the step start). */
export interface StepView {
  step: number;
  ranks: { rank: number | null; stepNs: number; compute: [number, number][]; communication: { group: number; intervals: [number, number][] }[] }[];
}

export interface ProcessGroupsResult {
  groups: ProcessGroupRow[];
  /** NCCL kernels seen (all ranks, whole trace); each is in exactly one group. */
  kernelCount: number;
  stepView: StepView | null;
}

const P2P_OPS = new Set(["send", "recv", "sendrecv"]);

export function assignProcessGroups(contexts: readonly AnalysisContext[], options: ParallelismOptions = {}): ProcessGroupAssignment {
  const ids = new Map<string, number>();
  const groups: GroupIdentity[] = [];
  const groupIndex = (g: GroupIdentity): number => {
    let i = ids.get(g.id);
    if (i === undefined) {
      ids.set(g.id, (i = groups.length));
      groups.push(g);
    }
    return i;
  };
  const kernels = contexts.map((ctx) => kernelsOf(ctx, groupIndex));
  const labels = groups.map((g, i) =>
    labelGroup(
      g,
      kernels.flatMap((list) => list.filter((k) => k.group === i)),
      options,
    ),
  );
  return { groups, kernels, labels };
}

function kernelsOf(ctx: AnalysisContext, groupIndex: (g: GroupIdentity) => number): CommKernel[] {
  const { model } = ctx;
  const { gpu, strings, collectives: coll } = model;
  const rows: number[] = [];
  for (let g = 0; g < gpu.length; g++) if (ctx.categories[g] === COMMUNICATION) rows.push(g);
  rows.sort((a, b) => gpu.start[a]! - gpu.start[b]!);
  const pending = p2pOpsByLaunch(model, rows);
  return rows.map((g): CommKernel => {
    const info = describe(model, g);
    const c = gpu.collective[g]!;
    const base = { row: g, algorithm: info.algorithm, phase: ctx.attribution.phase[g]!, launchedByOp: ctx.attribution.op[g]! >= 0, p2p: [] as CommKernel["p2p"], splits: null as CommKernel["splits"] };
    if (c >= 0 && coll.groupName[c]! >= 0) {
      const identity = identityOf(model, c, "kernel-args");
      return { ...base, group: groupIndex(identity), collective: info.collective, bytes: info.bytes, splits: splitsOf(model, c, identity.ranks) };
    }
    const ops = pending.get(g) ?? [];
    const named = ops.find((o) => coll.groupName[model.cpu.collective[o]!]! >= 0);
    if (named !== undefined) {
      const p2p = ops.flatMap((o) => {
        const oc = model.cpu.collective[o]!;
        const op = normalizeCollective(strings.get(coll.name[oc]!));
        const name = strings.get(coll.name[oc]!).toLowerCase();
        if (op !== "sendrecv" || (name !== "send" && name !== "recv")) return [];
        return [{ op: name as "send" | "recv", peer: coll.peer[oc]!, bytes: describeOp(model, oc) }];
      });
      const sized = p2p.filter((p) => p.bytes !== null);
      const collective = ops.length > 0 ? normalizeCollective(strings.get(coll.name[model.cpu.collective[ops[0]!]!]!)) : info.collective;
      return {
        ...base,
        p2p,
        group: groupIndex(identityOf(model, model.cpu.collective[named]!, "p2p-ops")),
        collective: p2p.length > 0 ? "sendrecv" : collective,
        bytes: info.bytes ?? (sized.length > 0 ? sized.reduce((s, p) => s + p.bytes!, 0) : null),
      };
    }
    const stream = gpu.stream[g]!;
    return { ...base, group: groupIndex({ id: `stream ${stream}`, name: null, description: `NCCL stream ${stream}`, ranks: null, source: "stream" }), collective: info.collective, bytes: info.bytes };
  });
}

/** For each NCCL kernel: the collective ops (not `wait`) its launching thread issued since its previous NCCL launch. */
function p2pOpsByLaunch(model: TraceModel, commRows: readonly number[]): Map<number, number[]> {
  const { cpu, runtime, gpu, strings, collectives: coll } = model;
  const opsByThread = new Map<number, number[]>();
  for (let i = 0; i < cpu.length; i++) {
    const c = cpu.collective[i]!;
    if (c < 0) continue;
    const name = strings.get(coll.name[c]!).toLowerCase();
    if (name === "wait" || name === "") continue;
    const list = opsByThread.get(cpu.thread[i]!) ?? [];
    list.push(i);
    opsByThread.set(cpu.thread[i]!, list);
  }
  const launches = commRows.filter((g) => gpu.launch[g]! >= 0).sort((a, b) => runtime.start[gpu.launch[a]!]! - runtime.start[gpu.launch[b]!]!);
  const out = new Map<number, number[]>();
  const cursor = new Map<number, number>();
  for (const g of launches) {
    const r = gpu.launch[g]!;
    const thread = runtime.thread[r]!;
    const ops = opsByThread.get(thread);
    if (!ops) continue;
    let k = cursor.get(thread) ?? 0;
    const mine: number[] = [];
    while (k < ops.length && cpu.start[ops[k]!]! <= runtime.start[r]!) mine.push(ops[k++]!);
    cursor.set(thread, k);
    out.set(g, mine);
  }
  return out;
}

function identityOf(model: TraceModel, c: number, source: GroupIdentity["source"]): GroupIdentity {
  const { strings, collectives: coll } = model;
  const text = (i: number) => (i >= 0 ? strings.get(i) : null);
  const name = text(coll.groupName[c]!);
  const description = text(coll.groupDescription[c]!);
  const ranks = parseIntList(text(coll.groupRanks[c]!));
  return { id: `${name ?? "?"} ${ranks ? `[${ranks.join(",")}]` : ""}`.trim(), name, description, ranks: ranks && ranks.length > 0 ? ranks : null, source };
}

/** Bytes of one recorded op: max(in, out) elements × element size. */
function describeOp(model: TraceModel, c: number): number | null {
  const per = describeBytesPerElement(model.strings.get(model.collectives.dtype[c]!));
  const elems = Math.max(model.collectives.inNelems[c]!, model.collectives.outNelems[c]!);
  return per === null || !Number.isFinite(elems) ? null : elems * per;
}

const ELEMENT_BYTES: Record<string, number> = {
  bfloat16: 2,
  half: 2,
  float16: 2,
  float: 4,
  float32: 4,
  double: 8,
  float64: 8,
  int: 4,
  int32: 4,
  long: 8,
  int64: 8,
  char: 1,
  byte: 1,
  int8: 1,
  uint8: 1,
  bool: 1,
  float8_e4m3fn: 1,
  float8_e5m2: 1,
};

export function describeBytesPerElement(dtype: string): number | null {
  return ELEMENT_BYTES[dtype.toLowerCase()] ?? null;
}

function splitsOf(model: TraceModel, c: number, ranks: number[] | null): CommKernel["splits"] {
  const { strings, collectives: coll } = model;
  if (normalizeCollective(strings.get(coll.name[c]!)) !== "alltoall") return null;
  const elementBytes = describeBytesPerElement(strings.get(coll.dtype[c]!));
  if (elementBytes === null) return null;
  const n = ranks?.length ?? coll.groupSize[c]!;
  if (!(n > 0)) return null;
  const even = (total: number) => Array.from({ length: n }, () => total / n);
  let sent = parseIntList(coll.inSplits[c]! >= 0 ? strings.get(coll.inSplits[c]!) : null) ?? [];
  let received = parseIntList(coll.outSplits[c]! >= 0 ? strings.get(coll.outSplits[c]!) : null) ?? [];
  // empty splits: all_to_all_single with even splits; one "row" is then one element
  const inN = coll.inNelems[c]!;
  const outN = coll.outNelems[c]!;
  if (!Number.isFinite(inN) || !Number.isFinite(outN)) return null;
  const rows = sent.reduce((a, b) => a + b, 0);
  const rowElements = sent.length === n && rows > 0 ? inN / rows : 1;
  if (sent.length !== n) sent = even(inN);
  if (received.length !== n) received = even(outN / rowElements);
  return { sent, received, rowElements, elementBytes };
}

export function parseIntList(text: string | null): number[] | null {
  if (text === null) return null;
  const m = /^\s*\[([-\d,\s]*)\]\s*$/.exec(text);
  if (!m) return null;
  const parts = m[1]!
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const out = parts.map(Number);
  return out.every(Number.isFinite) ? out : null;
}

const DIM_TOKENS: Record<string, ParallelDim> = { tp: "TP", pp: "PP", cp: "CP", ep: "EP", dp: "DP", fsdp: "DP", ddp: "DP", hsdp: "DP", shard: "DP", replicate: "DP" };

function labelGroup(g: GroupIdentity, kernels: readonly CommKernel[], options: ParallelismOptions): { label: ParallelDim | null; reason: string } {
  const configured = options.groupLabels;
  for (const key of [g.name, g.description, g.id]) {
    if (key !== null && configured && Object.hasOwn(configured, key)) return { label: configured[key]!, reason: `config: parallelism.groups["${key}"]` };
  }
  const tokens = new Set(
    (g.description ?? "")
      .toLowerCase()
      .split(/[^a-z]+/)
      .map((t) => DIM_TOKENS[t])
      .filter((t): t is ParallelDim => t !== undefined),
  );
  if (tokens.size === 1) return { label: [...tokens][0]!, reason: `the group description "${g.description}" names it` };
  if (kernels.length === 0) return { label: null, reason: "no kernels" };
  const time = (pred: (k: CommKernel) => boolean) => kernels.filter(pred).length / kernels.length;
  if (time((k) => P2P_OPS.has(k.collective)) >= 0.5)
    return { label: "PP", reason: "point-to-point send/recv: pipeline stages pass activations and gradients (context parallelism's ring also uses send/recv: label it CP in the config)" };
  if (time((k) => k.collective === "alltoall") >= 0.5) return { label: "EP", reason: "all-to-all: experts exchange tokens" };
  // DDP broadcasts its buffers at the start of every forward: broadcasts say nothing of the dimension
  // and only kernels launched by an operator tell their phase (nsys: DDP's bucket launches have none)
  const reductions = kernels.filter((k) => k.collective !== "broadcast" && k.launchedByOp);
  const inForward = reductions.filter((k) => k.phase === Phase.Forward);
  const gathersInForward = inForward.length > 0 && inForward.every((k) => k.collective === "allgather");
  const scatters = reductions.some((k) => k.collective === "reducescatter");
  if (gathersInForward && scatters) return { label: "DP", reason: "all-gathers in the forward pass and reduce-scatters: sharded data parallelism (FSDP/ZeRO-3)" };
  if (reductions.length > 0 && inForward.length / reductions.length >= 0.1) {
    return { label: "TP", reason: `${Math.round((100 * inForward.length) / reductions.length)}% of its reductions run in the forward pass: activations of split layers (tensor parallelism)` };
  }
  return { label: "DP", reason: "its collectives run in the backward pass or after it: gradient reduction (data parallelism)" };
}

export function processGroupBreakdown(contexts: readonly AnalysisContext[], a: ProcessGroupAssignment): ProcessGroupsResult {
  const rows: ProcessGroupRow[] = a.groups.map((g, i) => ({
    ...g,
    label: a.labels[i]!.label,
    labelReason: a.labels[i]!.reason,
    operations: [...new Set(a.kernels.flatMap((list) => list.filter((k) => k.group === i).map((k) => k.collective)))].sort(),
    algorithms: [...new Set(a.kernels.flatMap((list) => list.filter((k) => k.group === i && k.algorithm !== null).map((k) => k.algorithm!)))].sort(),
    ranksSeen: [],
    perRank: [],
  }));
  contexts.forEach((ctx, r) => {
    const { windowStartNs: from, windowEndNs: to } = ctx.steps;
    const windowNs = Math.max(0, to - from);
    const compute = computeOf(ctx);
    const { gpu } = ctx.model;
    rows.forEach((row, i) => {
      const mine = a.kernels[r]!.filter((k) => k.group === i && gpu.start[k.row]! >= from && gpu.start[k.row]! < to);
      if (mine.length === 0) return;
      const set = unionOfRows(
        gpu.start,
        gpu.end,
        mine.map((k) => k.row),
      );
      const timeNs = measureWithin(set, from, to);
      const exposedNs = measureWithin(subtract(set, compute), from, to);
      let bytes = 0,
        busBytes = 0,
        sizedTime = 0,
        sized = 0;
      for (const k of mine) {
        if (k.bytes === null) continue;
        sized++;
        bytes += k.bytes;
        busBytes += k.bytes * busFactor(k.collective, row.ranks?.length ?? contexts.length);
        sizedTime += gpu.end[k.row]! - gpu.start[k.row]!;
      }
      const pct = (x: number) => (windowNs > 0 ? Math.min(100, (100 * x) / windowNs) : 0);
      row.ranksSeen.push(ctx.model.meta.rank);
      row.perRank.push({
        rank: ctx.model.meta.rank,
        kernels: mine.length,
        timeNs,
        exposedNs,
        bytes: sized > 0 ? bytes : null,
        algBandwidthGBps: sized > 0 && sizedTime > 0 ? bytes / sizedTime : null,
        busBandwidthGBps: sized > 0 && sizedTime > 0 ? busBytes / sizedTime : null,
        shareOfStepPct: pct(timeNs),
        exposedShareOfStepPct: pct(exposedNs),
      });
    });
  });
  return { groups: rows, kernelCount: a.kernels.reduce((s, l) => s + l.length, 0), stepView: stepView(contexts, a) };
}

/** Union of the rank's compute kernels (all devices). */
export function computeOf(ctx: AnalysisContext): IntervalSet {
  return ctx.devices.reduce((acc, d) => union(acc, d.compute), EMPTY);
}

const MAX_VIEW_INTERVALS = 1500;

function stepView(contexts: readonly AnalysisContext[], a: ProcessGroupAssignment): StepView | null {
  const first = contexts[0]?.steps.steps[0];
  if (!first) return null;
  const ranks = contexts.map((ctx, r) => {
    const step = ctx.steps.steps.find((s) => s.number === first.number) ?? ctx.steps.steps[0]!;
    const { gpu } = ctx.model;
    const rel = (set: IntervalSet) => coarse(clip(set, step.startNs, step.endNs), step.startNs, (step.endNs - step.startNs) / MAX_VIEW_INTERVALS);
    const communication = a.groups.flatMap((_, i) => {
      const rows = a.kernels[r]!.filter((k) => k.group === i).map((k) => k.row);
      const intervals = rel(unionOfRows(gpu.start, gpu.end, rows));
      return intervals.length > 0 ? [{ group: i, intervals }] : [];
    });
    return { rank: ctx.model.meta.rank, stepNs: step.endNs - step.startNs, compute: rel(computeOf(ctx)), communication };
  });
  return { step: first.number, ranks };
}

/** Intervals relative to `origin`, gaps shorter than `minGap` closed so a view stays small. */
function coarse(set: IntervalSet, origin: number, minGap: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < set.length; i++) {
    // whole ns: drawing data, and shorter JSON
    const s = Math.round(set.starts[i]! - origin);
    const e = Math.round(set.ends[i]! - origin);
    const last = out[out.length - 1];
    if (last && s - last[1] < minGap && out.length >= MAX_VIEW_INTERVALS / 2) last[1] = e;
    else out.push([s, e]);
  }
  return out;
}
