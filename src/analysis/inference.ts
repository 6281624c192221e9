/**
 * Inference (generate() / decode loop) figures: prefill vs decode, TTFT, TPOT,
 * tokens/s, decode step variation, where decode time goes, CPU-bound steps.
 *
 * Forward passes, first found of:
 *  - module spans: the calls of the top-level module class (a module span with
 *    no module around it; the class with the most total CPU time, e.g.
 *    `nn.Module: LlamaForCausalLM_0`);
 *  - embedding ops: without module spans, each outermost `aten::embedding`
 *    call starts a forward, which lasts until the next one starts (or the
 *    generation region ends), so its GPU work includes the sampling after it.
 * Generation regions: user annotations / NVTX ranges named `generate` (or
 *    `generation`), else ProfilerStep#N spans, else the whole trace. A region
 *    holding backward work (training) is not a generation.
 * Prefill vs decode, per region in time order: a forward is a prefill when it
 *    is the region's first, or when its token count per sequence (the
 *    embedding op's `Input Dims` [batch, seq]) is above 1 and is not the
 *    previous forward's + 1 (generation without KV cache); otherwise a decode.
 *    Without shapes, only the region's first forward is a prefill.
 * Times (GPU end of a forward = end of the last GPU activity launched from its
 *    CPU span, on its thread):
 *    TTFT        = GPU end of the prefill − start of the generation (the region's
 *                  CPU start for its first prefill, else, and without regions,
 *                  the prefill's CPU start)
 *    decode step k = GPU end of decode forward k − GPU end of the forward before it
 *    TPOT        = mean decode step; decode time = sum of decode steps
 *    tokens/s    decode: decode forwards × batch / decode time;
 *                total: (prefills + decode forwards) × batch / (last GPU end − start)
 *                (each forward yields one token per sequence); null without a batch size
 *    decode time split (activities starting inside decode steps; sums of durations):
 *                attention = activities under a module whose class matches
 *                /attention|attn/i (any enclosing module), MLP = /mlp|feedforward|ffn|expert|moe/i,
 *                other modules, outside forward (launched outside the forward
 *                spans: sampling, logits processing, cache updates), and GPU idle
 *                (decode step time − GPU busy time). Without module spans attention
 *                comes from the kernel category and MLP is not known.
 *    CPU-bound step: host-bound idle of the device in the decode step above the one
 *                threshold of cpu-bound.ts (default 30% of the step).
 */
import { nearestRank, sampleSd } from "./stats.js";
import { moduleRecipe } from "./module-recipe.js";
import { moduleClassOfSpan, moduleKindName } from "./module-names.js";
import { CpuKind } from "../model/tables.js";
import { Phase } from "./attribution.js";
import { CATEGORIES } from "./categories.js";
import type { AnalysisContext } from "./context.js";
import { measureWithin, type IntervalSet } from "./intervals.js";
import type { Section } from "./summary.js";
import { lowerBound, upperBound } from "../model/search.js";
import { STEP_NAME } from "./steps.js";
import { servingSummary, type ServingResult } from "./serving.js";
import { cpuBoundThresholdPct, isCpuBound } from "./cpu-bound.js";
import { hostBoundNsWithin } from "./idle.js";
import { embeddingShape as parseEmbeddingShape } from "./shapes.js";

export interface ForwardCall {
  index: number;
  kind: "prefill" | "decode";
  /** Batch size and tokens per sequence from the embedding op's `Input Dims`, null without shapes. */
  batch: number | null;
  tokens: number | null;
  cpuStartNs: number;
  cpuEndNs: number;
  gpuStartNs: number | null;
  gpuEndNs: number | null;
  /** Summed duration of the GPU activities launched from the forward's CPU span. */
  kernelNs: number;
  activities: number;
}

export interface DecodeStep {
  /** Index into `forwards` of the decode forward that ends the step. */
  forward: number;
  startNs: number;
  endNs: number;
  durationNs: number;
  gpuIdleNs: number;
  gpuIdlePct: number;
  /** Host-bound idle of the device inside the step (idle.ts causes). */
  hostBoundNs: number;
  hostBoundPct: number;
  cpuBound: boolean;
}

export interface Generation {
  prefill: number;
  startNs: number;
  startSource: "generate-annotation" | "profiler-step" | "prefill-forward";
  ttftNs: number;
  decodeForwards: number;
  endNs: number;
}

export interface DecodeShare {
  ns: number | null;
  pctOfDecode: number | null;
}

export interface InferenceResult {
  /** serving-steps: the steps are serving-engine markers (serving.ts); each step is one forward of the engine. */
  forwardSource: "module-spans" | "embedding-ops" | "serving-steps";
  /** The top-level module class used (module spans), else null. */
  modelClass: string | null;
  classification: "input-shapes" | "position" | "serving-markers";
  batchSize: number | null;
  promptTokens: number | null;
  prefillCount: number;
  decodeCount: number;
  /** Tokens each sequence gets: one per prefill and per decode forward. */
  generatedTokensPerSequence: number;
  /** Null for serving-engine steps: a step marker does not say when a request arrived. */
  ttftNs: number | null;
  tpotNs: number | null;
  decodeNs: number;
  /** Spread of the decode steps (std: sample standard deviation, n−1, 0 for one step; p50/p90: nearest rank). */
  decodeStep: { count: number; meanNs: number; stdNs: number; p50Ns: number; p90Ns: number; minNs: number; maxNs: number } | null;
  tokensPerS: { decode: number | null; total: number | null };
  decodeBreakdown: {
    source: "modules" | "kernel-categories";
    attention: DecodeShare;
    mlp: DecodeShare;
    otherModules: DecodeShare;
    outsideForward: DecodeShare;
    gpuIdle: DecodeShare;
  } | null;
  cpuBound: { thresholdPct: number; steps: number; pctOfSteps: number };
  generations: Generation[];
  forwards: ForwardCall[];
  decodeSteps: DecodeStep[];
  /** Per step kind (prefill/decode/mixed) rows of serving-engine steps; null for generate() loops. */
  serving: ServingResult | null;
}

const GENERATE_NAME = /(^|[^A-Za-z])generat(e|ion)([^A-Za-z]|$)/i;
const ATTENTION_CLASS = /attention|attn/i;
const MLP_CLASS = /mlp|feedforward|ffn|expert|moe/i;

interface Region {
  start: number;
  end: number;
  source: Generation["startSource"];
}

/** The inference figures, or the reason they cannot be computed. */
export function inferenceAnalysis(ctx: AnalysisContext): InferenceResult | { reason: string } {
  const threshold = cpuBoundThresholdPct(ctx.options.idle);
  const { model, attribution: attr } = ctx;
  const { cpu, strings } = model;
  if (model.gpu.length === 0) return { reason: "the trace has no GPU activity" };
  if (ctx.steps.source === "serving-steps") return servingInference(ctx, threshold);

  const found = attr.hasModules ? forwardsFromModules(ctx) : forwardsFromEmbeddings(ctx);
  if (!found) {
    return {
      reason: attr.hasModules
        ? "no top-level module calls in the window"
        : `cannot tell forward passes apart: the trace has neither module spans (${moduleRecipe(model)}) nor aten::embedding operator events (Kineto CPU activities / nsys emit_nvtx) that start each forward`,
    };
  }
  const regions = generationRegions(ctx);
  const regionOf = (t: number) => regions.findIndex((r) => t >= r.start && t < r.end);

  // regions with backward work are training steps, not generations
  const training = new Uint8Array(regions.length);
  for (let i = 0; i < cpu.length; i++) {
    if (attr.phaseOfSlice[i] !== Phase.Backward) continue;
    const k = regionOf(cpu.start[i]!);
    if (k >= 0) training[k] = 1;
  }

  const spans = found.spans.filter((s) => {
    const k = regionOf(s.start);
    return k >= 0 && !training[k];
  });
  if (spans.length === 0) return { reason: "no forward pass inside a generation region (the trace looks like training: its steps run backward work)" };

  const shapes = spans.map((s) => embeddingShape(ctx, s.thread, s.start, s.end));
  const hasShapes = shapes.some((x) => x !== null);
  const gpuOf = gpuWorkOf(ctx, spans);
  const forwards: ForwardCall[] = [];
  const regionOfForward: number[] = [];
  for (let k = 0; k < spans.length; k++) {
    const s = spans[k]!;
    const r = regionOf(s.start);
    const first = k === 0 || regionOfForward[k - 1] !== r;
    const shape = shapes[k] ?? null;
    const prev = k > 0 ? (shapes[k - 1] ?? null) : null;
    const prefill = first || (shape !== null && shape.tokens > 1 && !(prev !== null && shape.tokens === prev.tokens + 1));
    const g = gpuOf[k]!;
    forwards.push({
      index: k,
      kind: prefill ? "prefill" : "decode",
      batch: shape?.batch ?? null,
      tokens: shape?.tokens ?? null,
      cpuStartNs: s.start,
      cpuEndNs: s.end,
      gpuStartNs: g.activities > 0 ? g.start : null,
      gpuEndNs: g.activities > 0 ? g.end : null,
      kernelNs: g.kernelNs,
      activities: g.activities,
    });
    regionOfForward.push(r);
  }
  const decodeCount = forwards.filter((f) => f.kind === "decode").length;
  if (decodeCount === 0) return { reason: "no decode forwards: every generation region holds a single forward pass (not a generate()/decode loop)" };

  // generations and decode steps
  const generations: Generation[] = [];
  const decodeSteps: DecodeStep[] = [];
  const device = primaryDevice(ctx, gpuOf);
  const busy = ctx.devices.find((d) => d.device === device)?.busy;
  const endOf = (f: ForwardCall) => f.gpuEndNs ?? f.cpuEndNs;
  for (let k = 0; k < forwards.length; k++) {
    const f = forwards[k]!;
    if (f.kind === "prefill") {
      const r = regions[regionOfForward[k]!]!;
      // a region without its own start (the whole window) starts at the prefill
      const fromRegion = (k === 0 || regionOfForward[k - 1] !== regionOfForward[k]) && r.source !== "prefill-forward";
      const start = fromRegion ? r.start : f.cpuStartNs;
      generations.push({ prefill: k, startNs: start, startSource: fromRegion ? r.source : "prefill-forward", ttftNs: endOf(f) - start, decodeForwards: 0, endNs: endOf(f) });
      continue;
    }
    const gen = generations[generations.length - 1]!;
    const startNs = endOf(forwards[k - 1]!);
    const endNs = endOf(f);
    decodeSteps.push({ forward: k, ...decodeStepIdle(ctx, device, busy, startNs, endNs, threshold) });
    gen.decodeForwards++;
    gen.endNs = endNs;
  }

  const durations = decodeSteps.map((s) => s.durationNs);
  const decodeNs = durations.reduce((a, b) => a + b, 0);
  const batch = forwards.find((f) => f.batch !== null)?.batch ?? null;
  const prefillCount = generations.length;
  const totalNs = generations.reduce((a, g) => a + (g.endNs - g.startNs), 0);
  const tokensPerSeq = prefillCount + decodeCount;
  const cpuBoundSteps = decodeSteps.filter((s) => s.cpuBound).length;
  return {
    forwardSource: found.source,
    modelClass: found.modelClass,
    classification: hasShapes ? "input-shapes" : "position",
    batchSize: batch,
    promptTokens: forwards.find((f) => f.kind === "prefill")?.tokens ?? null,
    prefillCount,
    decodeCount,
    generatedTokensPerSequence: tokensPerSeq / Math.max(1, prefillCount),
    ttftNs: generations.reduce((a, g) => a + g.ttftNs, 0) / prefillCount,
    tpotNs: decodeCount > 0 ? decodeNs / decodeCount : null,
    decodeNs,
    decodeStep: spread(durations),
    tokensPerS: {
      decode: batch !== null && decodeNs > 0 ? (decodeCount * batch * 1e9) / decodeNs : null,
      total: batch !== null && totalNs > 0 ? (tokensPerSeq * batch * 1e9) / totalNs : null,
    },
    decodeBreakdown: decodeBreakdown(ctx, decodeSteps, decodeNs, found.source === "module-spans", strings),
    cpuBound: { thresholdPct: threshold, steps: cpuBoundSteps, pctOfSteps: decodeSteps.length ? (100 * cpuBoundSteps) / decodeSteps.length : 0 },
    generations,
    forwards,
    decodeSteps,
    serving: null,
  };
}

/**
 * Serving-engine steps (SGLang/vLLM markers): a decode step is a step of kind
 * decode, its duration the step window (README "Steps"); TPOT = mean decode
 * step (each decode step yields one token per running sequence). TTFT is null:
 * a step marker does not tell when a request arrived.
 */
function servingInference(ctx: AnalysisContext, threshold: number): InferenceResult | { reason: string } {
  const steps = ctx.steps.steps;
  const serving = servingSummary(steps);
  if (!serving) return { reason: "no serving-engine step markers in the window" };
  const device = ctx.devices[0];
  const decodeSteps: DecodeStep[] = [];
  for (const s of steps) {
    if (s.serving?.kind !== "decode") continue;
    decodeSteps.push({ forward: s.number, ...decodeStepIdle(ctx, device?.device ?? -1, device?.busy, s.startNs, s.endNs, threshold) });
  }
  const row = (k: string) => serving.kinds.find((x) => x.kind === k);
  const decodeNs = decodeSteps.reduce((a, s) => a + s.durationNs, 0);
  const decodeRow = row("decode");
  const totalNs = serving.kinds.reduce((a, k) => a + k.timeNs, 0);
  const allTokens = serving.kinds.some((k) => k.tokens === null) ? null : serving.kinds.reduce((a, k) => a + k.tokens!, 0);
  const cpuBoundSteps = decodeSteps.filter((s) => s.cpuBound).length;
  return {
    forwardSource: "serving-steps",
    modelClass: null,
    classification: "serving-markers",
    batchSize: decodeRow ? decodeRow.meanBatchSize : null,
    promptTokens: null,
    prefillCount: row("prefill")?.steps ?? 0,
    decodeCount: decodeSteps.length,
    generatedTokensPerSequence: decodeSteps.length,
    ttftNs: null,
    tpotNs: decodeSteps.length > 0 ? decodeNs / decodeSteps.length : null,
    decodeNs,
    decodeStep: spread(decodeSteps.map((s) => s.durationNs)),
    tokensPerS: { decode: decodeRow?.tokensPerS ?? null, total: allTokens !== null && totalNs > 0 ? (allTokens * 1e9) / totalNs : null },
    decodeBreakdown: null,
    cpuBound: { thresholdPct: threshold, steps: cpuBoundSteps, pctOfSteps: decodeSteps.length ? (100 * cpuBoundSteps) / decodeSteps.length : 0 },
    generations: [],
    forwards: [],
    decodeSteps,
    serving,
  };
}

interface Span {
  start: number;
  end: number;
  thread: number;
  row: number;
}

/** Calls of the top-level module class with the most CPU time, in the window. */
function forwardsFromModules(ctx: AnalysisContext): { source: "module-spans"; modelClass: string; spans: Span[] } | null {
  const { cpu, strings } = ctx.model;
  const { moduleOfSlice } = ctx.attribution;
  const byClass = new Map<string, { time: number; rows: number[] }>();
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== CpuKind.Module || !inWindow(ctx, cpu.start[i]!)) continue;
    const p = cpu.parent[i]!;
    if (p >= 0 && moduleOfSlice[p]! >= 0) continue;
    const cls = moduleClassOfSpan(strings.get(cpu.name[i]!));
    let e = byClass.get(cls);
    if (!e) byClass.set(cls, (e = { time: 0, rows: [] }));
    e.time += cpu.end[i]! - cpu.start[i]!;
    e.rows.push(i);
  }
  let best: [string, { time: number; rows: number[] }] | null = null;
  for (const e of byClass) if (!best || e[1].time > best[1].time) best = e;
  if (!best) return null;
  return { source: "module-spans", modelClass: best[0], spans: best[1].rows.map((i) => ({ start: cpu.start[i]!, end: cpu.end[i]!, thread: cpu.thread[i]!, row: i })) };
}

/** Each outermost aten::embedding call starts a forward that lasts until the next one (or its region's end). */
export function forwardsFromEmbeddings(ctx: AnalysisContext): { source: "embedding-ops"; modelClass: null; spans: Span[] } | null {
  const { cpu, strings } = ctx.model;
  const rows: number[] = [];
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== CpuKind.Op || strings.get(cpu.name[i]!) !== "aten::embedding" || !inWindow(ctx, cpu.start[i]!)) continue;
    let nested = false;
    for (let p = cpu.parent[i]!; p >= 0 && !nested; p = cpu.parent[p]!) nested = cpu.name[p] === cpu.name[i];
    if (!nested) rows.push(i);
  }
  if (rows.length === 0) return null;
  const regions = generationRegions(ctx);
  const spans = rows.map((i, k) => {
    const start = cpu.start[i]!;
    const region = regions.find((r) => start >= r.start && start < r.end);
    const next = k + 1 < rows.length ? cpu.start[rows[k + 1]!]! : Infinity;
    return { start, end: Math.min(next, region ? region.end : ctx.steps.windowEndNs), thread: cpu.thread[i]!, row: i };
  });
  return { source: "embedding-ops", modelClass: null, spans };
}

function inWindow(ctx: AnalysisContext, t: number): boolean {
  return t >= ctx.steps.windowStartNs && t < ctx.steps.windowEndNs;
}

/** `generate` annotations, else ProfilerStep spans, else the window; sorted by start. */
function generationRegions(ctx: AnalysisContext): Region[] {
  const { cpu, strings } = ctx.model;
  const named: Region[] = [];
  const stepSpans: Region[] = [];
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== CpuKind.Annotation) continue;
    const name = strings.get(cpu.name[i]!);
    if (GENERATE_NAME.test(name)) named.push({ start: cpu.start[i]!, end: cpu.end[i]!, source: "generate-annotation" });
    else if (STEP_NAME.test(name)) stepSpans.push({ start: cpu.start[i]!, end: cpu.end[i]!, source: "profiler-step" });
  }
  if (named.length) return outermost(named);
  if (stepSpans.length) return outermost(stepSpans);
  return [{ start: ctx.steps.windowStartNs, end: ctx.steps.windowEndNs, source: "prefill-forward" }];
}

/** Regions not nested in another, sorted by start. */
function outermost(list: Region[]): Region[] {
  const sorted = [...list].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Region[] = [];
  for (const r of sorted) if (out.length === 0 || r.start >= out[out.length - 1]!.end) out.push(r);
  return out;
}

/** [batch, seq] of the first aten::embedding op on the thread inside [start, end). */
function embeddingShape(ctx: AnalysisContext, thread: number, start: number, end: number): { batch: number; tokens: number } | null {
  const { cpu, strings } = ctx.model;
  let i = lowerBoundOf(cpu.start, start);
  for (; i < cpu.length && cpu.start[i]! < end; i++) {
    if (cpu.thread[i] !== thread || cpu.kind[i] !== CpuKind.Op || cpu.inputDims[i]! < 0) continue;
    if (strings.get(cpu.name[i]!) !== "aten::embedding") continue;
    const shape = parseEmbeddingShape(strings.get(cpu.inputDims[i]!));
    return shape ? { batch: shape.batch, tokens: shape.tokens } : null;
  }
  return null;
}

function lowerBoundOf(a: Float64Array, t: number): number {
  return lowerBound(a.length, (i) => a[i]!, t);
}

interface GpuWork {
  start: number;
  end: number;
  kernelNs: number;
  activities: number;
  byDevice: Map<number, number>;
}

/** GPU activities launched from each span (launch call on the span's thread, inside it). Spans are disjoint and sorted. */
function gpuWorkOf(ctx: AnalysisContext, spans: readonly Span[]): GpuWork[] {
  const { gpu, runtime } = ctx.model;
  const out: GpuWork[] = spans.map(() => ({ start: Infinity, end: -Infinity, kernelNs: 0, activities: 0, byDevice: new Map() }));
  const starts = Float64Array.from(spans, (s) => s.start);
  for (let g = 0; g < gpu.length; g++) {
    const r = gpu.launch[g]!;
    if (r < 0) continue;
    const t = runtime.start[r]!;
    const k = upperBoundOf(starts, t) - 1;
    if (k < 0) continue;
    const s = spans[k]!;
    if (t >= s.end || runtime.thread[r] !== s.thread) continue;
    const w = out[k]!;
    w.start = Math.min(w.start, gpu.start[g]!);
    w.end = Math.max(w.end, gpu.end[g]!);
    w.kernelNs += gpu.end[g]! - gpu.start[g]!;
    w.activities++;
    w.byDevice.set(gpu.device[g]!, (w.byDevice.get(gpu.device[g]!) ?? 0) + 1);
  }
  return out;
}

function upperBoundOf(a: Float64Array, t: number): number {
  return upperBound(a.length, (i) => a[i]!, t);
}

function primaryDevice(ctx: AnalysisContext, work: readonly GpuWork[]): number {
  const total = new Map<number, number>();
  for (const w of work) for (const [d, c] of w.byDevice) total.set(d, (total.get(d) ?? 0) + c);
  let best = ctx.devices[0]?.device ?? 0;
  let most = -1;
  for (const [d, c] of total) if (c > most) [best, most] = [d, c];
  return best;
}

function spread(values: readonly number[]): InferenceResult["decodeStep"] {
  const n = values.length;
  if (n === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  // the project's one spread (stats.ts): sample SD, as diff and compare; one step has none
  const rank = (p: number) => nearestRank(sorted, p);
  return { count: n, meanNs: mean, stdNs: sampleSd(values) ?? 0, p50Ns: rank(50), p90Ns: rank(90), minNs: sorted[0]!, maxNs: sorted[n - 1]! };
}

function decodeBreakdown(ctx: AnalysisContext, steps: readonly DecodeStep[], decodeNs: number, modules: boolean, strings: AnalysisContext["model"]["strings"]): InferenceResult["decodeBreakdown"] {
  if (steps.length === 0 || decodeNs <= 0) return null;
  const { gpu, cpu } = ctx.model;
  const attr = ctx.attribution;
  const attention = CATEGORIES.indexOf("attention");
  // 1 attention, 2 MLP, 0 other, per module row (cached walk up the module chain)
  const classOfModule = new Map<number, number>();
  const kindOf = (m: number): number => {
    let k = classOfModule.get(m);
    if (k !== undefined) return k;
    k = 0;
    for (let p = m; p >= 0 && k === 0; p = cpu.parent[p]!) {
      if (cpu.kind[p] !== CpuKind.Module) continue;
      const name = moduleKindName(strings.get(cpu.name[p]!));
      k = ATTENTION_CLASS.test(name) ? 1 : MLP_CLASS.test(name) ? 2 : 0;
    }
    classOfModule.set(m, k);
    return k;
  };
  let att = 0;
  let mlp = 0;
  let other = 0;
  let outside = 0;
  let idle = 0;
  for (const s of steps) idle += s.gpuIdleNs;
  const starts = Float64Array.from(steps, (s) => s.startNs);
  for (let g = 0; g < gpu.length; g++) {
    const k = upperBoundOf(starts, gpu.start[g]!) - 1;
    if (k < 0 || gpu.start[g]! >= steps[k]!.endNs) continue;
    const d = gpu.end[g]! - gpu.start[g]!;
    if (!modules) {
      if (ctx.categories[g] === attention) att += d;
      else other += d;
      continue;
    }
    const m = attr.module[g]!;
    if (m < 0) outside += d;
    else {
      const kind = kindOf(m);
      if (kind === 1) att += d;
      else if (kind === 2) mlp += d;
      else other += d;
    }
  }
  const share = (ns: number | null): DecodeShare => ({ ns, pctOfDecode: ns === null ? null : (100 * ns) / decodeNs });
  return {
    source: modules ? "modules" : "kernel-categories",
    attention: share(att),
    mlp: share(modules ? mlp : null),
    otherModules: share(other),
    outsideForward: share(modules ? outside : null),
    gpuIdle: share(idle),
  };
}

/** The summary.json `inference` section of one rank. */
/** Idle and host-bound idle of the device in one decode step, and its CPU-bound verdict (cpu-bound.ts). */
function decodeStepIdle(ctx: AnalysisContext, device: number, busy: IntervalSet | undefined, startNs: number, endNs: number, threshold: number): Omit<DecodeStep, "forward"> {
  const durationNs = Math.max(0, endNs - startNs);
  const idle = busy ? durationNs - measureWithin(busy, startNs, endNs) : durationNs;
  const hostBound = hostBoundNsWithin(ctx, device, startNs, endNs);
  const hostBoundPct = durationNs > 0 ? (100 * hostBound) / durationNs : 0;
  return {
    startNs,
    endNs,
    durationNs,
    gpuIdleNs: idle,
    gpuIdlePct: durationNs > 0 ? (100 * idle) / durationNs : 0,
    hostBoundNs: hostBound,
    hostBoundPct,
    cpuBound: isCpuBound(hostBoundPct, threshold),
  };
}

export function inferenceSection(ctx: AnalysisContext): Section<InferenceResult & { rank: number | null }> {
  const r = inferenceAnalysis(ctx);
  if ("reason" in r) return { available: false, reason: r.reason };
  return { available: true, rank: ctx.model.meta.rank, ...r };
}
