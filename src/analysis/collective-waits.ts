/**
 * Waiting vs transferring in collectives seen on several ranks, and the all-to-all
 * send/receive sizes per rank.
 *
 * Instances are matched across the ranks of a group by (step number, position among
 * the group's kernels in that step): NCCL runs a communicator's operations in the same
 * order on every rank (the traces carry no per-collective sequence number). A collective
 * ends at the same moment on every rank (no rank leaves before the last one's data has
 * arrived), so its end is the common point and no cross-host clock is needed: the rank
 * that arrived last has the shortest kernel,
 *   transferring(instance) = min over ranks of the kernel duration
 *   waiting(rank, instance) = duration(rank) - transferring(instance)
 * All-to-all: sent bytes = Σ `In split size` × elements per row × element size (rows to
 * other ranks only, "to others"; and in all), received likewise from `Out split size`;
 * imbalance = max over ranks / mean over ranks of the received bytes (1 = balanced).
 */
import type { AnalysisContext } from "./context.js";
import { groupByStep } from "./steps.js";
import type { CommKernel, ParallelDim, ProcessGroupAssignment } from "./process-groups.js";

export interface WaitRankRow {
  rank: number | null;
  /** Matched instances on this rank. */
  instances: number;
  timeNs: number;
  waitingNs: number;
  transferringNs: number;
  /** waitingNs / timeNs × 100. */
  waitingPct: number;
}

export interface WaitInstance {
  step: number;
  index: number;
  collective: string;
  durationsNs: number[];
  waitsNs: number[];
  /** The rank that arrived last (shortest kernel): the others waited for it. */
  lastToArrive: number | null;
}

export interface GroupWaits {
  group: string;
  label: ParallelDim | null;
  ranks: (number | null)[];
  matchedInstances: number;
  /** Kernels left over where ranks ran a different number of the group's kernels in a step. */
  unmatchedKernels: number;
  /** Instances whose collective differs between ranks at the same position (not counted). */
  mismatchedInstances: number;
  perRank: WaitRankRow[];
  /** The instances with the largest spread (max - min duration), largest first. */
  top: WaitInstance[];
}

export interface AllToAllRankRow {
  rank: number | null;
  instances: number;
  sentBytes: number;
  receivedBytes: number;
  sentToOthersBytes: number;
  receivedFromOthersBytes: number;
}

export interface AllToAllGroup {
  group: string;
  label: ParallelDim | null;
  perRank: AllToAllRankRow[];
  /** max / mean over ranks of receivedBytes (totals over the window). */
  receivedImbalance: number;
  sentImbalance: number;
  /** Largest per-instance max/mean of received bytes, over instances matched on every rank. */
  worstInstanceImbalance: number | null;
}

export interface CollectiveWaitsResult {
  groups: GroupWaits[];
  allToAll: AllToAllGroup[];
}

const TOP = 10;

export function collectiveWaits(contexts: readonly AnalysisContext[], a: ProcessGroupAssignment): CollectiveWaitsResult {
  const groups: GroupWaits[] = [];
  const allToAll: AllToAllGroup[] = [];
  a.groups.forEach((g, gi) => {
    const members = contexts
      .map((ctx, r) => ({
        ctx,
        r,
        self: selfIndex(ctx.model.meta.rank, g.ranks),
        byStep: kernelsByStep(
          ctx,
          a.kernels[r]!.filter((k) => k.group === gi),
        ),
      }))
      .filter((m) => m.byStep.size > 0);
    if (members.length === 0) return;
    const label = a.labels[gi]!.label;
    const matched = members.length >= 2 ? matchInstances(members) : null;
    if (matched) {
      const { instances: _kernels, ...figures } = matched;
      groups.push({ group: g.description ?? g.id, label, ...figures });
    }
    const a2a = allToAllOf(members, matched?.instances ?? []);
    if (a2a) allToAll.push({ group: g.description ?? g.id, label, ...a2a });
  });
  return { groups, allToAll };
}

type Member = { ctx: AnalysisContext; r: number; self: number; byStep: Map<number, CommKernel[]> };

function kernelsByStep(ctx: AnalysisContext, kernels: readonly CommKernel[]): Map<number, CommKernel[]> {
  const start = ctx.model.gpu.start;
  return groupByStep(kernels, (k) => start[k.row]!, ctx.steps.steps);
}

function matchInstances(members: readonly Member[]): Omit<GroupWaits, "group" | "label"> & { instances: CommKernel[][] } {
  const perRank = members.map((m) => ({ rank: m.ctx.model.meta.rank, instances: 0, timeNs: 0, waitingNs: 0, transferringNs: 0, waitingPct: 0 }));
  const all: WaitInstance[] = [];
  const instances: CommKernel[][] = [];
  let unmatched = 0;
  let mismatched = 0;
  const stepNumbers = [...new Set(members.flatMap((m) => [...m.byStep.keys()]))].sort((x, y) => x - y);
  for (const step of stepNumbers) {
    const lists = members.map((m) => m.byStep.get(step) ?? []);
    const n = Math.min(...lists.map((l) => l.length));
    unmatched += lists.reduce((s, l) => s + l.length - n, 0);
    for (let i = 0; i < n; i++) {
      const ks = lists.map((l) => l[i]!);
      if (ks.some((k) => k.collective !== ks[0]!.collective)) {
        mismatched++;
        continue;
      }
      const durations = ks.map((k, j) => members[j]!.ctx.model.gpu.end[k.row]! - members[j]!.ctx.model.gpu.start[k.row]!);
      const transfer = Math.min(...durations);
      const waits = durations.map((d) => d - transfer);
      durations.forEach((d, j) => {
        const row = perRank[j]!;
        row.instances++;
        row.timeNs += d;
        row.waitingNs += waits[j]!;
        row.transferringNs += transfer;
      });
      const last = durations.indexOf(transfer);
      all.push({ step, index: i, collective: ks[0]!.collective, durationsNs: durations, waitsNs: waits, lastToArrive: members[last]!.ctx.model.meta.rank });
      instances.push(ks);
    }
  }
  for (const row of perRank) row.waitingPct = row.timeNs > 0 ? (100 * row.waitingNs) / row.timeNs : 0;
  const spread = (x: WaitInstance) => Math.max(...x.durationsNs) - Math.min(...x.durationsNs);
  return {
    ranks: members.map((m) => m.ctx.model.meta.rank),
    matchedInstances: all.length,
    unmatchedKernels: unmatched,
    mismatchedInstances: mismatched,
    perRank,
    top: [...all].sort((x, y) => spread(y) - spread(x)).slice(0, TOP),
    instances,
  };
}

function allToAllOf(members: readonly Member[], matched: readonly CommKernel[][]): Omit<AllToAllGroup, "group" | "label"> | null {
  const rows = members.map((m) => {
    const row: AllToAllRankRow = { rank: m.ctx.model.meta.rank, instances: 0, sentBytes: 0, receivedBytes: 0, sentToOthersBytes: 0, receivedFromOthersBytes: 0 };
    const self = m.self;
    for (const list of m.byStep.values()) {
      for (const k of list) {
        if (!k.splits) continue;
        const t = traffic(k, self);
        row.instances++;
        row.sentBytes += t.sent;
        row.receivedBytes += t.received;
        row.sentToOthersBytes += t.sentToOthers;
        row.receivedFromOthersBytes += t.receivedFromOthers;
      }
    }
    return row;
  });
  if (rows.every((r) => r.instances === 0)) return null;
  let worst: number | null = null;
  for (const ks of matched) {
    if (!ks.every((k) => k.splits)) continue;
    const received = ks.map((k, j) => traffic(k, members[j]!.self).received);
    const imb = imbalance(received);
    if (worst === null || imb > worst) worst = imb;
  }
  return { perRank: rows, receivedImbalance: imbalance(rows.map((r) => r.receivedBytes)), sentImbalance: imbalance(rows.map((r) => r.sentBytes)), worstInstanceImbalance: worst };
}

/** Position of the rank in its group's rank list: the split that stays on the GPU. */
function selfIndex(rank: number | null, groupRanks: readonly number[] | null): number {
  if (rank === null) return -1;
  return groupRanks ? groupRanks.indexOf(rank) : rank;
}

function traffic(k: CommKernel, self: number): { sent: number; received: number; sentToOthers: number; receivedFromOthers: number } {
  const s = k.splits!;
  const unit = s.rowElements * s.elementBytes;
  const sum = (xs: number[], skip: number) => xs.reduce((acc, x, i) => acc + (i === skip ? 0 : x), 0) * unit;
  return { sent: sum(s.sent, -1), received: sum(s.received, -1), sentToOthers: sum(s.sent, self), receivedFromOthers: sum(s.received, self) };
}

/** max / mean; 1 when every value is equal, 0 when all are zero. */
export function imbalance(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return mean > 0 ? Math.max(...values) / mean : 0;
}
