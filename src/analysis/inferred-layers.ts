/**
 * Repeated layers inferred from the sequence of operators, or of kernels when
 * the trace has no operator events (plain Nsight Systems, XPlane, graph
 * replays), for traces without module spans. Labelled as inferred everywhere.
 *
 * Windows: the ProfilerStep ranges when there are some, else each forward pass
 * (an outermost aten::embedding call starts one, as in inference.ts), else the
 * whole analysis window.
 * Symbols: the top-level non-backward operators on the thread that ran most of
 * them, in time order; without operators (or when they do not repeat) the
 * kernels of the device that ran most kernels, in start order.
 * Search (repeats.ts): the period with the longest run of sym[i] = sym[i + p],
 * descending into an inner period when the repeated block itself repeats (a
 * decode loop repeats whole forwards; the layers repeat inside each), on the
 * first window (at most MAX_SYMBOLS symbols, periods up to MAX_PERIOD); every
 * window is then scanned for runs of exact copies of that block (windows that
 * hold none get their own search, at most MAX_SEARCHES in all). Repeat j of a
 * run is layer j.
 * Kernel time of layer j:
 *   operators: forward = activities launched inside the repeat's CPU span (first
 *     operator's start to last operator's end, same thread); backward =
 *     backward activities whose linked forward operator lies in it;
 *   kernels: the kernels at the repeat's positions in the sequence (from its
 *     first kernel to its last), forward or backward by their phase.
 * Outside: kernel time before the first repeat of each matched window (the
 * embedding) and all other time outside the layers (head, loss, optimizer).
 */
import { CpuKind, GpuKind } from "../model/tables.js";
import { Phase } from "./attribution.js";
import type { AnalysisContext } from "./context.js";
import { upperBound } from "../model/search.js";
import { CATEGORIES, type Category } from "./categories.js";
import { blockRuns, innermostPeriod, type BlockRun, type Period } from "./repeats.js";
import { forwardsFromEmbeddings } from "./inference.js";
import { median } from "./stats.js";
import { inferredSourceDescription } from "./module-source.js";

/** Bounds of the period search (symbols; a layer of 1,500 top-level operators or kernels is far beyond real models). */
const MAX_SYMBOLS = 8000;
const MAX_PERIOD = 1500;
const MAX_SEARCHES = 4;

export interface InferredLayer {
  index: number;
  forwardNs: number;
  backwardNs: number;
  totalNs: number;
  /** Kernel time by kernel category. */
  categories: Partial<Record<Category, number>>;
  /** Total against the median layer's, in percent (+12 = 12% slower). */
  vsMedianPct: number;
}

export interface InferredLayersResult {
  inferred: true;
  method: string;
  /** Where the layers came from, as every output words it: inferred, the method and the share inside them (module-source.ts). */
  sourceDescription?: string;
  /** What repeats: top-level operators or kernels. */
  unit: "operators" | "kernels";
  /** Where it was searched: each step, each forward pass or the whole trace. */
  windowKind: "steps" | "forward passes" | "trace";
  windows: number;
  /** Windows holding at least one run of the repeated block. */
  windowsMatched: number;
  /** Symbols (operators or kernels) per layer: the period. */
  opsPerLayer: number;
  /** Repeats in a run (the most frequent run length). */
  repeats: number;
  /** Symbol names of one layer. */
  layerOps: string[];
  /** Kernels: the block of the other pass (backward or forward) when both repeat, else null. */
  otherPassOps: string[] | null;
  layers: InferredLayer[];
  medianLayerNs: number;
  /** The three slowest layers. */
  slowest: { index: number; totalNs: number; vsMedianPct: number }[];
  /** Share of all kernel time of the window inside the inferred layers. */
  pctOfKernelTime: number;
  /** Kernel time outside the layers: before the first repeat (embedding...) and the rest (head, loss, optimizer...). */
  outside: { beforeNs: number; afterNs: number };
}

interface Window {
  from: number;
  to: number;
}

/** One repeat: layer index and, by unit, its CPU span or its sequence positions. */
interface Repeat {
  layer: number;
  from: number;
  to: number;
  /** Set when the kernel sequence showed both passes (see matchSequences); else the kernels' own phase counts. */
  phase?: "forward" | "backward" | undefined;
}

interface Matched {
  unit: "operators" | "kernels";
  period: Period;
  block: number[];
  otherBlock: number[] | null;
  repeats: Repeat[];
  /** Per matched window: its start (its index until matchOperators/matchKernels map it) and its first repeat's start. */
  heads: Window[];
  matchedWindows: number;
  /** Repeats of every run (forward runs only when both passes were found). */
  runLengths: number[];
  /** Operators: the thread they ran on. */
  thread?: number;
  /** Kernels: the rows of the searched sequence (one device). */
  kernelRows?: number[];
}

const enough = (p: Period) => p.repeats >= 3 || (p.repeats === 2 && p.period >= 10);

export function inferLayers(ctx: AnalysisContext): InferredLayersResult | null {
  const { windows, kind } = windowsOf(ctx);
  if (windows.length === 0) return null;
  const m = matchOperators(ctx, windows) ?? matchKernels(ctx, kind === "steps" ? gpuWindowsOf(ctx) : [{ from: ctx.steps.windowStartNs, to: ctx.steps.windowEndNs }]);
  if (!m) return null;
  const windowKind = m.unit === "kernels" && kind === "forward passes" ? "trace" : kind;
  return summarise(ctx, m, windowKind, m.unit === "kernels" && kind === "forward passes" ? 1 : windows.length);
}

function windowsOf(ctx: AnalysisContext): { windows: Window[]; kind: InferredLayersResult["windowKind"] } {
  const { steps } = ctx;
  if (steps.source === "profiler-steps") return { windows: steps.steps.map((s) => ({ from: s.cpuStartNs, to: s.cpuEndNs })), kind: "steps" };
  const fwd = forwardsFromEmbeddings(ctx);
  if (fwd && fwd.spans.length > 0) return { windows: fwd.spans.map((s) => ({ from: s.start, to: s.end })), kind: "forward passes" };
  return { windows: [{ from: steps.windowStartNs, to: steps.windowEndNs }], kind: "trace" };
}

function gpuWindowsOf(ctx: AnalysisContext): Window[] {
  return ctx.steps.steps.map((s) => ({ from: s.startNs, to: s.endNs }));
}

/** Blocks found so far: a window is first scanned for their runs, and searched only when it holds none. */
class BlockFinder {
  readonly blocks: { period: Period; block: number[] }[] = [];
  constructor(private readonly budget: { searches: number }) {}

  /** Runs of a known block in `seq`, else of a block searched for in `seq[from, to)`. */
  runsIn(seq: number[], from = 0, to = seq.length): { block: number[]; runs: BlockRun[] } | null {
    for (const { block } of this.blocks) {
      const runs = blockRuns(seq, block, 2);
      if (runs.length > 0) return { block, runs };
    }
    if (this.budget.searches >= MAX_SEARCHES || to - from < 6) return null;
    this.budget.searches++;
    const p = innermostPeriod(seq.slice(from, Math.min(to, from + MAX_SYMBOLS)), 3, MAX_PERIOD, enough);
    if (!p) return null;
    const block = seq.slice(from + p.start, from + p.start + p.period);
    this.blocks.push({ period: p, block });
    return { block, runs: blockRuns(seq, block, 2) };
  }
}

/**
 * Searches the first window with enough symbols, then finds the block's runs in every window.
 * Kernels: the forward and the backward pass each repeat their own block; once one is found, the
 * rest of the window is searched for a second block with runs of the same lengths: the earlier of
 * the two is the forward, the later the backward, whose repeats are the layers in reverse order.
 */
function matchSequences(seqs: number[][], unit: Matched["unit"], spanOf: (w: number, from: number, to: number) => Repeat): Matched | null {
  const budget = { searches: 0 };
  const main = new BlockFinder(budget);
  const other = new BlockFinder(budget);
  const repeats: Repeat[] = [];
  const heads: Window[] = [];
  const runLengths: number[] = [];
  let matchedWindows = 0;
  for (let w = 0; w < seqs.length; w++) {
    const seq = seqs[w]!;
    const found = main.runsIn(seq);
    if (!found || found.runs.length === 0) continue;
    matchedWindows++;
    let second: { block: number[]; runs: BlockRun[] } | null = null;
    if (unit === "kernels") {
      const masked = seq.slice();
      for (const r of found.runs) masked.fill(-1, r.start, r.start + r.repeats * found.block.length);
      // the other pass lies between two runs of this one (optimizer, then the next step's forward),
      // or before the only run (a step's forward before its backward)
      const [r0, r1] = found.runs;
      second = r1 ? other.runsIn(masked, r0!.start + r0!.repeats * found.block.length, r1.start) : other.runsIn(masked, 0, r0!.start);
      const same = second !== null && second.runs.length === found.runs.length && second.runs.every((r, i) => r.repeats === found.runs[i]!.repeats);
      if (!same) second = null;
    }
    const mainFirst = !second || found.runs[0]!.start < second.runs[0]!.start;
    const add = (runs: BlockRun[], p: number, phase: Repeat["phase"]) => {
      for (const r of runs) {
        if (phase !== "backward") runLengths.push(r.repeats);
        for (let j = 0; j < r.repeats; j++) {
          const layer = phase === "backward" ? r.repeats - 1 - j : j;
          repeats.push({ ...spanOf(w, r.start + j * p, r.start + (j + 1) * p - 1), layer, phase });
        }
      }
    };
    add(found.runs, found.block.length, second ? (mainFirst ? "forward" : "backward") : undefined);
    if (second) add(second.runs, second.block.length, mainFirst ? "backward" : "forward");
    const firstStart = second ? Math.min(found.runs[0]!.start, second.runs[0]!.start) : found.runs[0]!.start;
    heads.push({ from: w, to: spanOf(w, firstStart, firstStart).from });
  }
  const first = main.blocks[0];
  if (!first || repeats.length === 0) return null;
  return { unit, period: first.period, block: first.block, otherBlock: other.blocks[0]?.block ?? null, repeats, heads, matchedWindows, runLengths };
}

function matchOperators(ctx: AnalysisContext, windows: Window[]): Matched | null {
  const { cpu } = ctx.model;
  const { phaseOfSlice } = ctx.attribution;
  // top-level non-backward operators, per thread
  const rows: number[] = [];
  const threadCount = new Map<number, number>();
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== CpuKind.Op || phaseOfSlice[i] === Phase.Backward || phaseOfSlice[i] === Phase.Optimizer) continue;
    let top = true;
    for (let p = cpu.parent[i]!; p >= 0 && top; p = cpu.parent[p]!) if (cpu.kind[p] === CpuKind.Op) top = false;
    if (!top) continue;
    rows.push(i);
    threadCount.set(cpu.thread[i]!, (threadCount.get(cpu.thread[i]!) ?? 0) + 1);
  }
  const thread = [...threadCount].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (thread === undefined) return null;
  const onThread = rows.filter((i) => cpu.thread[i] === thread);
  const perWindow = splitByWindow(onThread, (i) => cpu.start[i]!, windows);
  const seqs = perWindow.map((ws) => ws.map((i) => cpu.name[i]!));
  const m = matchSequences(seqs, "operators", (w, a, b) => ({ layer: 0, from: cpu.start[perWindow[w]![a]!]!, to: cpu.end[perWindow[w]![b]!]! }));
  if (!m) return null;
  m.heads = m.heads.map((h) => ({ from: windows[h.from]!.from, to: h.to }));
  return { ...m, thread };
}

function matchKernels(ctx: AnalysisContext, windows: Window[]): Matched | null {
  const { gpu } = ctx.model;
  const count = new Map<number, number>();
  for (const g of ctx.windowRows) if (gpu.kind[g] === GpuKind.Kernel) count.set(gpu.device[g]!, (count.get(gpu.device[g]!) ?? 0) + 1);
  const device = [...count].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (device === undefined) return null;
  // a loop, not Array.from(...).filter: no intermediate array of every window row
  const rows: number[] = [];
  for (const g of ctx.windowRows) if (gpu.kind[g] === GpuKind.Kernel && gpu.device[g] === device) rows.push(g);
  rows.sort((a, b) => gpu.start[a]! - gpu.start[b]! || a - b);
  const perWindow = splitByWindow(rows, (g) => gpu.start[g]!, windows);
  const seqs = perWindow.map((ws) => ws.map((g) => gpu.name[g]!));
  // a kernel repeat spans its first kernel's start to its last kernel's start (rows in start order: disjoint)
  const m = matchSequences(seqs, "kernels", (w, a, b) => ({ layer: 0, from: gpu.start[perWindow[w]![a]!]!, to: gpu.start[perWindow[w]![b]!]! }));
  if (!m) return null;
  m.heads = m.heads.map((h) => ({ from: windows[h.from]!.from, to: h.to }));
  return { ...m, kernelRows: rows };
}

function splitByWindow(rows: number[], time: (r: number) => number, windows: Window[]): number[][] {
  const out = windows.map(() => [] as number[]);
  const sorted = windows.map((w, k) => ({ ...w, k })).sort((a, b) => a.from - b.from);
  for (const r of rows) {
    const t = time(r);
    const w = sorted[upperBound(sorted.length, (i) => sorted[i]!.from, t) - 1];
    if (w && t < w.to) out[w.k]!.push(r);
  }
  return out;
}

function summarise(ctx: AnalysisContext, m: Matched, windowKind: InferredLayersResult["windowKind"], windowCount: number): InferredLayersResult {
  const { gpu, runtime, cpu, strings } = ctx.model;
  const attr = ctx.attribution;
  const k = m.repeats.reduce((a, r) => Math.max(a, r.layer + 1), 0);
  const spans = [...m.repeats].sort((a, b) => a.from - b.from);
  const heads = [...m.heads].sort((a, b) => a.from - b.from);
  const thread = m.thread ?? -1;
  // one byte per GPU row, not a Set (~40 bytes an entry: 10^7 tiny kernels made it the analysis's peak)
  const kernelRows = new Uint8Array(m.kernelRows ? gpu.length : 0);
  for (const g of m.kernelRows ?? []) kernelRows[g] = 1;
  // the repeat holding time t: spans are disjoint and sorted, the last starting at or before t
  const repeatAt = (t: number): Repeat | null => {
    const s = spans[upperBound(spans.length, (i) => spans[i]!.from, t) - 1];
    return s && t <= s.to ? s : null;
  };
  const layerAt = (t: number): number => repeatAt(t)?.layer ?? -1;
  const inHead = (t: number): boolean => {
    const h = heads[upperBound(heads.length, (i) => heads[i]!.from, t) - 1];
    return !!h && t < h.to;
  };

  const fwd = new Float64Array(k);
  const bwd = new Float64Array(k);
  const cats = Array.from({ length: k }, () => new Float64Array(CATEGORIES.length));
  let total = 0;
  let before = 0;
  for (const g of ctx.windowRows) {
    const d = gpu.end[g]! - gpu.start[g]!;
    total += d;
    let layer = -1;
    let backward = false;
    let t = NaN;
    if (m.unit === "kernels") {
      t = gpu.start[g]!;
      const rep = kernelRows[g] === 1 ? repeatAt(t) : null;
      if (rep) layer = rep.layer;
      backward = rep?.phase ? rep.phase === "backward" : attr.phase[g] === Phase.Backward;
    } else {
      const r = gpu.launch[g]!;
      if (r >= 0 && runtime.thread[r] === thread) t = runtime.start[r]!;
      if (attr.phase[g] === Phase.Backward) {
        backward = true;
        // the backward op's linked forward op
        for (let p = r >= 0 ? runtime.cpuParent[r]! : -1; p >= 0; p = cpu.parent[p]!) {
          const f = attr.forwardOf[p]!;
          if (f >= 0) {
            if (cpu.thread[f] === thread) layer = layerAt(cpu.start[f]!);
            break;
          }
        }
      } else if (!Number.isNaN(t) && attr.phase[g] !== Phase.Optimizer) layer = layerAt(t);
    }
    if (layer >= 0) {
      (backward ? bwd : fwd)[layer]! += d;
      cats[layer]![ctx.categories[g]!]! += d;
    } else if (!Number.isNaN(t) && !backward && inHead(t)) before += d;
  }
  const totals = Array.from({ length: k }, (_, j) => fwd[j]! + bwd[j]!);
  const med = median(totals);
  const vs = (x: number) => (med > 0 ? 100 * (x / med - 1) : 0);
  const layers: InferredLayer[] = totals.map((t, j) => {
    const categories: Partial<Record<Category, number>> = {};
    cats[j]!.forEach((ns, c) => {
      if (ns > 0) categories[CATEGORIES[c]!] = ns;
    });
    return { index: j, forwardNs: fwd[j]!, backwardNs: bwd[j]!, totalNs: t, categories, vsMedianPct: vs(t) };
  });
  const inLayers = totals.reduce((a, x) => a + x, 0);
  const repeats = mode(m.runLengths);
  const unitWord = m.unit === "operators" ? "operators" : "kernels";
  const method = `the ${m.unit === "operators" ? "forward operator" : "kernel"} sequence repeats every ${m.period.period} ${unitWord}, ${repeats} times in a row, ${windowKind === "trace" ? "over the whole trace (no steps or forward passes to search)" : `in ${m.matchedWindows} of ${windowCount} ${windowKind}`}`;
  const pctOfKernelTime = total > 0 ? (100 * inLayers) / total : 0;
  return {
    inferred: true,
    method,
    sourceDescription: inferredSourceDescription(method, pctOfKernelTime),
    unit: m.unit,
    windowKind,
    windows: windowCount,
    windowsMatched: m.matchedWindows,
    opsPerLayer: m.period.period,
    repeats,
    layerOps: m.block.map((id) => strings.get(id)),
    otherPassOps: m.otherBlock && m.repeats.some((r) => r.phase !== undefined) ? m.otherBlock.map((id) => strings.get(id)) : null,
    layers,
    medianLayerNs: med,
    slowest: [...layers]
      .sort((a, b) => b.totalNs - a.totalNs || a.index - b.index)
      .slice(0, 3)
      .map((l) => ({ index: l.index, totalNs: l.totalNs, vsMedianPct: l.vsMedianPct })),
    pctOfKernelTime,
    outside: { beforeNs: before, afterNs: Math.max(0, total - inLayers - before) },
  };
}

/** The most frequent value (ties: the larger). */
function mode(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = 0;
  let bestCount = 0;
  for (const [v, c] of counts) if (c > bestCount || (c === bestCount && v > best)) [best, bestCount] = [v, c];
  return best;
}
