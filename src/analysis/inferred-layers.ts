/**
 * Repeated layers inferred from the operator sequence, for traces without
 * module spans (with_stack=False, Nsight without module ranges). Labelled as
 * inferred everywhere.
 *
 * Method: take the first step's forward operators that have no operator above
 * them, in time order, on the thread that ran most of them; find the period p
 * (3 ≤ p ≤ n/2) and start s with the longest run of positions where
 * op[i] = op[i + p]; the run covers k = ⌊run / p⌋ + 1 repeats (k ≥ 3, or 2 when
 * a layer has at least 10 operators), and
 * layer j is the operators [s + j·p, s + (j+1)·p) and the time from the first's
 * start to the last's end. Per layer, over every step: forward kernel time
 * (forward activities launched inside the layer's span of that step — the
 * pattern repeats each step at the same operator positions) and backward
 * kernel time (backward activities whose linked forward op lies in it).
 */
import { CpuKind } from "../model/tables.js";
import { Phase } from "./attribution.js";
import type { AnalysisContext } from "./context.js";
import { upperBound } from "../model/search.js";

/** Bounds of the period search (operators; a layer of 1,500 top-level operators is far beyond real models). */
const MAX_OPS = 8000;
const MAX_PERIOD = 1500;

export interface InferredLayer {
  index: number;
  forwardNs: number;
  backwardNs: number;
  totalNs: number;
}

export interface InferredLayersResult {
  inferred: true;
  method: string;
  /** Operators per layer (the period) and the operator names of one layer. */
  opsPerLayer: number;
  layerOps: string[];
  layers: InferredLayer[];
  /** Share of all kernel time of the window inside the inferred layers. */
  pctOfKernelTime: number;
}

export function inferLayers(ctx: AnalysisContext): InferredLayersResult | null {
  const { model, steps, attribution: attr, windowRows } = ctx;
  const { cpu, gpu, runtime, strings } = model;
  if (steps.steps.length === 0) return null;

  // top-level forward operators per step, on the thread with most of them
  const perStep: number[][] = steps.steps.map(() => []);
  const threadCount = new Map<number, number>();
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== CpuKind.Op || attr.phaseOfSlice[i] !== Phase.Forward) continue;
    let top = true;
    for (let p = cpu.parent[i]!; p >= 0; p = cpu.parent[p]!) if (cpu.kind[p] === CpuKind.Op) { top = false; break; }
    if (!top) continue;
    const s = steps.steps.findIndex((x) => cpu.start[i]! >= x.cpuStartNs && cpu.start[i]! < x.cpuEndNs);
    if (s < 0) continue;
    perStep[s]!.push(i);
    threadCount.set(cpu.thread[i]!, (threadCount.get(cpu.thread[i]!) ?? 0) + 1);
  }
  const thread = [...threadCount].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (thread === undefined) return null;
  const seqs = perStep.map((rows) => rows.filter((i) => cpu.thread[i] === thread));
  const first = seqs[0]!;
  // the search is quadratic: the first operators of the step hold the first forward's layers
  const names = first.slice(0, MAX_OPS).map((i) => cpu.name[i]!);
  const n = names.length;
  let best = { p: 0, s: 0, run: 0 };
  for (let p = 3; p <= Math.min(MAX_PERIOD, Math.floor(n / 2)); p++) {
    let run = 0;
    for (let i = 0; i + p < n; i++) {
      run = names[i] === names[i + p] ? run + 1 : 0;
      // prefer longer coverage; on ties the smaller period (a layer, not two)
      if (run > best.run || (run === best.run && run > 0 && p < best.p)) best = { p, s: i - run + 1, run };
    }
  }
  const k = best.p > 0 ? Math.floor(best.run / best.p) + 1 : 0;
  // two repeats are enough only for a long block (a real layer, not a short motif)
  if (k < 2 || (k === 2 && best.p < 10)) return null;

  // layer spans per step: the same operator positions in every step with the same sequence
  const spans: { step: number; layer: number; from: number; to: number }[] = [];
  seqs.forEach((seq, si) => {
    if (seq.length < best.s + k * best.p || seq.slice(0, n).some((row, j) => cpu.name[row] !== names[j])) return;
    for (let j = 0; j < k; j++) {
      const a = seq[best.s + j * best.p]!;
      const b = seq[best.s + (j + 1) * best.p - 1]!;
      spans.push({ step: si, layer: j, from: cpu.start[a]!, to: cpu.end[b]! });
    }
  });
  spans.sort((a, b) => a.from - b.from);
  const layerAt = (t: number, th: number): number => {
    if (th !== thread) return -1;
    // spans are disjoint and sorted: the last one starting at or before t
    const s = spans[upperBound(spans.length, (i) => spans[i]!.from, t) - 1];
    return s && t <= s.to ? s.layer : -1;
  };

  const fwd = new Float64Array(k);
  const bwd = new Float64Array(k);
  let total = 0;
  for (let j = 0; j < windowRows.length; j++) {
    const g = windowRows[j]!;
    const d = gpu.end[g]! - gpu.start[g]!;
    total += d;
    const r = gpu.launch[g]!;
    if (r < 0) continue;
    if (attr.phase[g] === Phase.Forward) {
      const l = layerAt(runtime.start[r]!, runtime.thread[r]!);
      if (l >= 0) fwd[l]! += d;
    } else if (attr.phase[g] === Phase.Backward) {
      // the backward op's linked forward op
      for (let p = runtime.cpuParent[r]!; p >= 0; p = cpu.parent[p]!) {
        const f = attr.forwardOf[p]!;
        if (f >= 0) {
          const l = layerAt(cpu.start[f]!, cpu.thread[f]!);
          if (l >= 0) bwd[l]! += d;
          break;
        }
      }
    }
  }
  const layers = Array.from({ length: k }, (_, j) => ({ index: j, forwardNs: fwd[j]!, backwardNs: bwd[j]!, totalNs: fwd[j]! + bwd[j]! }));
  const inLayers = layers.reduce((a, l) => a + l.totalNs, 0);
  return {
    inferred: true,
    method: `the forward operator sequence repeats every ${best.p} operators, ${k} times in a row`,
    opsPerLayer: best.p,
    layerOps: names.slice(best.s, best.s + best.p).map((id) => strings.get(id)),
    layers,
    pctOfKernelTime: total > 0 ? (100 * inLayers) / total : 0,
  };
}
