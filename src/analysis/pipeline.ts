/**
 * Pipeline parallelism, per stage (a rank in a group labelled PP) and step:
 *   bubble      = time in the step when the stage's GPU runs a P2P kernel of the PP
 *                 group and no compute kernel: it waits for activations (forward) or
 *                 gradients (backward) from a neighbour (the transfer itself is inside
 *                 it too; on NVLink it is small);
 *   no compute  = step time - union of compute kernels (the bubble plus idle time with
 *                 nothing running, e.g. host launch gaps);
 *   schedule    = the stage's compute kernels in time order, cut into blocks at every
 *                 P2P kernel and at every change between backward (autograd engine) and
 *                 non-backward work; a block is a forward (F) or backward (B)
 *                 micro-batch. Blocks of less than 5% of the median block of their kind
 *                 are dropped (a stray kernel before the first receive), as are
 *                 non-backward blocks after the last backward block (gradient clipping,
 *                 loss scaling: not micro-batches) and optimizer work;
 *   ideal       = (p - 1) / (m + p - 1) of the step for 1F1B (and GPipe), p stages,
 *                 m forward micro-batches.
 */
import { CATEGORIES, COMMUNICATION, MEMORY } from "./categories.js";
import type { AnalysisContext } from "./context.js";
import { Phase } from "./attribution.js";
import { clip, measureWithin, subtract, unionOfRows } from "./intervals.js";
import { computeOf, type CommKernel, type ProcessGroupAssignment } from "./process-groups.js";
import { median } from "./stats.js";

export interface PipelineBlock {
  kind: "F" | "B";
  /** ns from the step start */
  startNs: number;
  endNs: number;
  kernelNs: number;
}

export interface PipelineStepRow {
  step: number;
  stepNs: number;
  bubbleNs: number;
  bubblePct: number;
  noComputeNs: number;
  noComputePct: number;
  forward: number;
  backward: number;
  schedule: string;
  /** (p-1)/(m+p-1) × 100 with m = forward micro-batches; null without forward blocks. */
  idealBubblePct: number | null;
  sends: number;
  recvs: number;
  blocks: PipelineBlock[];
  /** Bubble intervals, ns from the step start. */
  bubbles: [number, number][];
}

export interface PipelineStage {
  rank: number | null;
  group: string;
  stage: number;
  stages: number;
  steps: PipelineStepRow[];
}

export interface PipelineResult {
  stages: PipelineStage[];
}

const STRAY_BLOCK_SHARE = 0.05;

export function pipelineBreakdown(contexts: readonly AnalysisContext[], a: ProcessGroupAssignment): PipelineResult | null {
  const stages: PipelineStage[] = [];
  a.groups.forEach((g, gi) => {
    if (a.labels[gi]!.label !== "PP") return;
    const inWindow = (ctx: AnalysisContext, k: CommKernel) => ctx.model.gpu.start[k.row]! >= ctx.steps.windowStartNs && ctx.model.gpu.start[k.row]! < ctx.steps.windowEndNs;
    const members = contexts.map((ctx, r) => ({ ctx, kernels: a.kernels[r]!.filter((k) => k.group === gi) })).filter((m) => m.kernels.some((k) => inWindow(m.ctx, k)));
    members.forEach((m, order) => {
      const rank = m.ctx.model.meta.rank;
      const inGroup = g.ranks && rank !== null ? g.ranks.indexOf(rank) : -1;
      stages.push({
        rank,
        group: g.description ?? g.id,
        stage: inGroup >= 0 ? inGroup : order,
        stages: g.ranks?.length ?? members.length,
        steps: m.ctx.steps.steps.map((s) => stepRow(m.ctx, m.kernels, s.number, s.startNs, s.endNs, g.ranks?.length ?? members.length)),
      });
    });
  });
  return stages.length > 0 ? { stages: stages.sort((x, y) => x.stage - y.stage) } : null;
}

function stepRow(ctx: AnalysisContext, pp: readonly CommKernel[], step: number, from: number, to: number, p: number): PipelineStepRow {
  const { gpu } = ctx.model;
  const stepNs = to - from;
  const compute = computeOf(ctx);
  const ppRows = pp.filter((k) => gpu.start[k.row]! >= from && gpu.start[k.row]! < to);
  const bubbleSet = clip(
    subtract(
      unionOfRows(
        gpu.start,
        gpu.end,
        ppRows.map((k) => k.row),
      ),
      compute,
    ),
    from,
    to,
  );
  const bubbleNs = measureWithin(bubbleSet, from, to);
  const noComputeNs = stepNs - measureWithin(compute, from, to);
  const blocks = scheduleBlocks(ctx, ppRows, from, to);
  const forward = blocks.filter((b) => b.kind === "F").length;
  const backward = blocks.length - forward;
  const pct = (x: number) => (stepNs > 0 ? Math.min(100, (100 * x) / stepNs) : 0);
  const bubbles: [number, number][] = [];
  for (let i = 0; i < bubbleSet.length; i++) bubbles.push([bubbleSet.starts[i]! - from, bubbleSet.ends[i]! - from]);
  return {
    step,
    stepNs,
    bubbleNs,
    bubblePct: pct(bubbleNs),
    noComputeNs,
    noComputePct: pct(noComputeNs),
    forward,
    backward,
    schedule: blocks.map((b) => b.kind).join(" "),
    idealBubblePct: forward > 0 ? (100 * (p - 1)) / (forward + p - 1) : null,
    sends: ppRows.reduce((s, k) => s + k.p2p.filter((x) => x.op === "send").length, 0),
    recvs: ppRows.reduce((s, k) => s + k.p2p.filter((x) => x.op === "recv").length, 0),
    blocks,
    bubbles,
  };
}

function scheduleBlocks(ctx: AnalysisContext, pp: readonly CommKernel[], from: number, to: number): PipelineBlock[] {
  const { gpu } = ctx.model;
  const cuts = pp.map((k) => gpu.start[k.row]!).sort((x, y) => x - y);
  const rows: number[] = [];
  for (const g of ctx.windowRows) {
    const c = ctx.categories[g]!;
    if (c === COMMUNICATION || c === MEMORY || CATEGORIES[c] === undefined) continue;
    if (gpu.start[g]! < from || gpu.start[g]! >= to || ctx.attribution.phase[g] === Phase.Optimizer) continue;
    rows.push(g);
  }
  rows.sort((x, y) => gpu.start[x]! - gpu.start[y]!);
  const blocks: PipelineBlock[] = [];
  let cut = 0;
  let current: PipelineBlock | null = null;
  for (const g of rows) {
    const kind = ctx.attribution.phase[g] === Phase.Backward ? "B" : "F";
    let crossed = false;
    while (cut < cuts.length && cuts[cut]! <= gpu.start[g]!) {
      cut++;
      crossed = true;
    }
    if (!current || crossed || current.kind !== kind) {
      current = { kind, startNs: gpu.start[g]! - from, endNs: gpu.end[g]! - from, kernelNs: 0 };
      blocks.push(current);
    }
    current.endNs = Math.max(current.endNs, gpu.end[g]! - from);
    current.kernelNs += gpu.end[g]! - gpu.start[g]!;
  }
  const typical = { F: median(blocks.filter((b) => b.kind === "F").map((b) => b.kernelNs)), B: median(blocks.filter((b) => b.kind === "B").map((b) => b.kernelNs)) };
  let kept = blocks.filter((b) => b.kernelNs >= STRAY_BLOCK_SHARE * typical[b.kind]);
  const lastBackward = kept.map((b) => b.kind).lastIndexOf("B");
  if (lastBackward >= 0) kept = kept.slice(0, lastBackward + 1);
  return kept;
}
