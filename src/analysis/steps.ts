/**
 * Profiled steps and the analysis window.
 *
 * A step is a `ProfilerStep#N` annotation (Kineto user_annotation, or an NVTX
 * range of that name). Its CPU span is [cpuStart, cpuEnd). The GPU runs behind
 * the CPU, so the step's window extends to the end of the last GPU activity
 * launched from inside its CPU span (on any thread), and the next step's window
 * starts where the previous one ended:
 *   end_N   = max(cpuEnd_N, last end of GPU work launched during [cpuStart_N, cpuEnd_N))
 *   start_N = end_{N-1} when step N-1 is the previous step number, else cpuStart_N
 * Consecutive windows therefore tile time without overlap (the step boundary
 * overhead between two ProfilerStep ranges belongs to the next step) and the
 * last step keeps its GPU tail.
 * Without ProfilerStep ranges, serving-engine step markers (serving.ts: SGLang
 * `step[DECODE bs=32]`, vLLM `execute_..._context_..._generation_...`) are the
 * steps, numbered 1, 2... in time order; a marker nested in another is dropped
 * (the outermost is kept, with a nested SGLang `step[...]`'s kind, batch and
 * tokens). Windows are built the same way.
 * Without steps the window is the span of all GPU activity (one pseudo-step).
 */
import { CpuKind, type TraceModel } from "../model/tables.js";
import { upperBound } from "../model/search.js";
import { parseServingMarker, type ServingMarker } from "./serving.js";

export interface Step {
  /** ProfilerStep number N, or 0 for the whole-trace pseudo-step. */
  readonly number: number;
  readonly name: string;
  readonly cpuStartNs: number;
  readonly cpuEndNs: number;
  readonly startNs: number;
  readonly endNs: number;
  /** Row of the step's annotation in model.cpu, -1 for the pseudo-step. */
  readonly row: number;
  /** Kind, batch and tokens of a serving-engine step marker; absent otherwise. */
  readonly serving?: ServingMarker;
}

export interface StepSet {
  readonly source: "profiler-steps" | "serving-steps" | "gpu-span" | "empty";
  readonly steps: readonly Step[];
  readonly windowStartNs: number;
  readonly windowEndNs: number;
}

/** True when the steps come from markers in the trace (ProfilerStep#N or a serving engine's), not the GPU span. */
export function hasMarkedSteps(steps: StepSet): boolean {
  return steps.source === "profiler-steps" || steps.source === "serving-steps";
}

/** Items by the number of the step their start falls in (start <= t < end); items outside every step are left out. */
export function groupByStep<T>(items: Iterable<T>, startNs: (item: T) => number, steps: readonly Step[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const s = startNs(item);
    const step = steps.find((x) => s >= x.startNs && s < x.endNs);
    if (!step) continue;
    const list = out.get(step.number) ?? [];
    list.push(item);
    out.set(step.number, list);
  }
  return out;
}

/** The name of a profiled step (Kineto annotation or NVTX range); group 1 is N. */
export const STEP_NAME = /^ProfilerStep#(\d+)$/;

export function findSteps(model: TraceModel, select?: StepSelection): StepSet {
  const cpu = model.cpu;
  const found: { row: number; number: number }[] = [];
  const stepNameIds = new Map<number, number>();
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== CpuKind.Annotation) continue;
    const nameId = cpu.name[i]!;
    let n = stepNameIds.get(nameId);
    if (n === undefined) {
      const m = STEP_NAME.exec(model.strings.get(nameId));
      n = m ? Number(m[1]) : -1;
      stepNameIds.set(nameId, n);
    }
    if (n >= 0) found.push({ row: i, number: n });
  }
  let source: "profiler-steps" | "serving-steps" = "profiler-steps";
  const markers = new Map<number, ServingMarker>();
  if (found.length === 0) {
    servingSteps(model, found, markers);
    if (found.length === 0) return wholeTrace(model);
    source = "serving-steps";
  }

  // one step per number (nested duplicates, e.g. NVTX + annotation, keep the outermost)
  found.sort((a, b) => cpu.start[a.row]! - cpu.start[b.row]!);
  const unique: { row: number; number: number }[] = [];
  for (const f of found) {
    const prev = unique[unique.length - 1];
    if (prev && prev.number === f.number) continue;
    unique.push(f);
  }

  const launchedEnd = lastLaunchedEnds(
    model,
    unique.map((u) => u.row),
  );
  const steps: Step[] = [];
  let prevEnd = -Infinity;
  for (let k = 0; k < unique.length; k++) {
    const { row, number } = unique[k]!;
    const cpuStart = cpu.start[row]!;
    const cpuEnd = cpu.end[row]!;
    const consecutive = k > 0 && unique[k - 1]!.number === number - 1;
    const start = consecutive ? prevEnd : Math.max(cpuStart, prevEnd);
    const end = Math.max(cpuEnd, launchedEnd[k]!, start);
    const serving = markers.get(row);
    steps.push({ number, name: model.strings.get(cpu.name[row]!), cpuStartNs: cpuStart, cpuEndNs: cpuEnd, startNs: start, endNs: end, row, ...(serving ? { serving } : {}) });
    prevEnd = end;
  }
  const selected = select ? steps.filter((s) => s.number >= select.from && s.number <= select.to) : steps;
  if (selected.length === 0) return { source, steps: [], windowStartNs: 0, windowEndNs: 0 };
  return {
    source,
    steps: selected,
    windowStartNs: selected[0]!.startNs,
    windowEndNs: selected[selected.length - 1]!.endNs,
  };
}

export interface StepSelection {
  readonly from: number;
  readonly to: number;
}

/** Parses "3", "2-5", "2-" or "-4" into an inclusive range of step numbers. */
export function parseStepSelection(text: string): StepSelection | null {
  const m = /^\s*(\d*)\s*(?:-\s*(\d*))?\s*$/.exec(text);
  if (!m || (m[1] === "" && (m[2] === undefined || m[2] === ""))) return null;
  const from = m[1] === "" ? 0 : Number(m[1]);
  const to = m[2] === undefined ? from : m[2] === "" ? Number.MAX_SAFE_INTEGER : Number(m[2]);
  return from <= to ? { from, to } : null;
}

/** Outermost serving-engine step markers, numbered 1, 2... in time order. */
function servingSteps(model: TraceModel, found: { row: number; number: number }[], markers: Map<number, ServingMarker>): void {
  const cpu = model.cpu;
  const parsed = new Map<number, ServingMarker | null>();
  const rows: number[] = [];
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== CpuKind.Annotation) continue;
    const nameId = cpu.name[i]!;
    let m = parsed.get(nameId);
    if (m === undefined) parsed.set(nameId, (m = parseServingMarker(model.strings.get(nameId))));
    if (m) {
      rows.push(i);
      markers.set(i, m);
    }
  }
  rows.sort((a, b) => cpu.start[a]! - cpu.start[b]! || cpu.end[b]! - cpu.end[a]!);
  let lastEnd = -Infinity;
  let outer = -1;
  for (const row of rows) {
    if (cpu.start[row]! < lastEnd) {
      // nested in the previous marker: the window is the outer one's, the engine's own step[...] says more
      if (markers.get(row)!.format === "sglang-step") markers.set(outer, markers.get(row)!);
      continue;
    }
    lastEnd = cpu.end[row]!;
    outer = row;
    found.push({ row, number: found.length + 1 });
  }
}

function wholeTrace(model: TraceModel): StepSet {
  const gpu = model.gpu;
  if (gpu.length === 0) return { source: "empty", steps: [], windowStartNs: 0, windowEndNs: 0 };
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < gpu.length; i++) {
    if (gpu.start[i]! < lo) lo = gpu.start[i]!;
    if (gpu.end[i]! > hi) hi = gpu.end[i]!;
  }
  const step: Step = { number: 0, name: "whole trace", cpuStartNs: lo, cpuEndNs: hi, startNs: lo, endNs: hi, row: -1 };
  return { source: "gpu-span", steps: [step], windowStartNs: lo, windowEndNs: hi };
}

/** For each step row, the latest end of GPU work launched during its CPU span. */
function lastLaunchedEnds(model: TraceModel, rows: readonly number[]): Float64Array {
  const { cpu, gpu, runtime } = model;
  const out = new Float64Array(rows.length).fill(-Infinity);
  const starts = rows.map((r) => cpu.start[r]!);
  const ends = rows.map((r) => cpu.end[r]!);
  for (let g = 0; g < gpu.length; g++) {
    const r = gpu.launch[g]!;
    if (r < 0) continue;
    const t = runtime.start[r]!;
    // CPU step spans are sorted and disjoint: the last one starting at or before t
    const k = upperBound(rows.length, (i) => starts[i]!, t) - 1;
    if (k >= 0 && t < ends[k]! && gpu.end[g]! > out[k]!) out[k] = gpu.end[g]!;
  }
  return out;
}
