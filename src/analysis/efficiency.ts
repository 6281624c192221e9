/**
 * Achieved FLOP/s, MFU and roofline placement.
 *
 * Counted FLOPs: every CPU operator with known FLOPs (flops.ts: the recorded
 * `flops` arg, else 2·M·K·N for mm/addmm, 2·B·M·K·N for bmm/baddbmm,
 * 4·B·H·S·Sk·D for SDPA forward, 8·B·H·S·Sk·D for SDPA backward), except an
 * operator nested inside another counted one (never counted twice).
 * Peak: the dense TFLOP/s (hardware.ts) of the dtype carrying the most counted
 * FLOPs (`Input type`: BFloat16 -> bf16, Half -> fp16, Float -> fp32, Float8 -> fp8).
 *
 *   per step:  flops   = counted FLOPs of operators whose CPU start lies in the step window
 *              achievedTflopsPerS = flops / (step window end − start)
 *              mfuPct  = 100 × achieved / peak
 *   window:    the same over the whole analysis window.
 *   per module class (self) and per operator: flops / kernel time, where the
 *              kernel time is the summed duration of the kernels launched under
 *              those operators (operator view) or attributed to the module class
 *              as innermost module (module view, forward and backward: a backward
 *              operator counts for the module whose forward produced it). This is
 *              the efficiency while the kernels run, not over the step.
 *   roofline (GEMM and attention operators, grouped by name + input shapes + dtypes):
 *              bytes   = every tensor input read once + outputs written once
 *                        (mm: M·N, bmm: B·M·N, SDPA forward: B·H·S·Dv, SDPA
 *                        backward: dq+dk+dv), elements × dtype size. This is the
 *                        compulsory traffic: the true traffic is at least this.
 *              intensity = flops / bytes (FLOP/byte)
 *              ridge   = peak FLOP/s / bandwidth (FLOP/byte)
 *              attainable = min(peak, intensity × bandwidth)
 *              bound   = "memory" when intensity < ridge, else "compute"
 */
import { CpuKind } from "../model/tables.js";
import { Phase } from "./attribution.js";
import type { AnalysisContext } from "./context.js";
import { flopsPerSlice } from "./flops.js";
import { bytesPerElement, peakDtypeOf, resolveHardware, type Hardware } from "./hardware.js";
import type { Section } from "./summary.js";
import type { PeakDtype } from "./gpu-peaks.js";
import { parseDims } from "./shapes.js";
import { upperBound } from "../model/search.js";
import { moduleClassOfSpan } from "./module-names.js";

export interface EfficiencyStep {
  step: number;
  windowNs: number;
  flops: number;
  achievedTflopsPerS: number;
  mfuPct: number | null;
}

export interface EfficiencyRow {
  name: string;
  calls: number;
  flops: number;
  kernelNs: number;
  achievedTflopsPerS: number | null;
  pctOfPeak: number | null;
}

export interface RooflineRow {
  name: string;
  inputDims: string;
  dtype: PeakDtype | null;
  calls: number;
  flops: number;
  bytes: number;
  kernelNs: number;
  arithmeticIntensityFlopsPerByte: number;
  achievedTflopsPerS: number | null;
  peakTflopsPerS: number | null;
  ridgeFlopsPerByte: number | null;
  attainableTflopsPerS: number | null;
  pctOfAttainable: number | null;
  bound: "memory" | "compute" | null;
}

export interface EfficiencyResult {
  hardware: Hardware;
  flopsSource: "recorded" | "estimated-from-shapes" | "mixed";
  /** The dtype whose peak MFU is measured against, and that peak. */
  peakDtype: PeakDtype | null;
  peakTflopsPerS: number | null;
  /** Why MFU is null, when it is. */
  mfuUnavailableReason: string | null;
  flopsByDtype: Partial<Record<PeakDtype | "unknown", number>>;
  window: { windowNs: number; flops: number; achievedTflopsPerS: number; mfuPct: number | null };
  steps: EfficiencyStep[];
  byModuleClass: EfficiencyRow[];
  byOperator: EfficiencyRow[];
  roofline: RooflineRow[];
}

const ROOFLINE_OPS = /^aten::(mm|addmm|bmm|baddbmm)$|attention/;

export function efficiencyAnalysis(ctx: AnalysisContext, hardware: Hardware, maxRooflineRows = 50): EfficiencyResult | null {
  const { model, attribution: attr, steps, windowRows } = ctx;
  const { cpu, gpu, strings } = model;
  const { flops: sliceFlops, recorded, estimated } = flopsPerSlice(model);

  // counted ops: known FLOPs and no counted op above them
  const countedAbove = new Int32Array(cpu.length).fill(-1); // nearest counted op on the chain, itself included
  const counted: number[] = [];
  for (let i = 0; i < cpu.length; i++) {
    const p = cpu.parent[i]!;
    const above = p >= 0 ? countedAbove[p]! : -1;
    if (above < 0 && cpu.kind[i] === CpuKind.Op && !Number.isNaN(sliceFlops[i]!)) {
      countedAbove[i] = i;
      counted.push(i);
    } else countedAbove[i] = above;
  }
  if (counted.length === 0) return null;

  const typesCache = new Map<number, string[]>();
  const typesOf = (i: number): string[] => {
    const id = cpu.inputTypes[i]!;
    if (id < 0) return [];
    let v = typesCache.get(id);
    if (!v) typesCache.set(id, (v = parseStringList(strings.get(id))));
    return v;
  };

  const ws = steps.windowStartNs;
  const we = steps.windowEndNs;
  const inWindow = (i: number) => cpu.start[i]! >= ws && cpu.start[i]! < we;
  const flopsByDtype: Partial<Record<PeakDtype | "unknown", number>> = {};
  for (const i of counted) {
    if (!inWindow(i)) continue;
    const d = peakDtypeOf(typesOf(i)) ?? "unknown";
    flopsByDtype[d] = (flopsByDtype[d] ?? 0) + sliceFlops[i]!;
  }
  let peakDtype: PeakDtype | null = null;
  let most = -1;
  for (const [d, f] of Object.entries(flopsByDtype)) if (d !== "unknown" && f > most) [peakDtype, most] = [d as PeakDtype, f];
  const peak = peakDtype ? hardware.tflops[peakDtype] : null;
  const pctOf = (tflops: number, p: number | null) => (p && p > 0 ? (100 * tflops) / p : null);
  const tflopsPerS = (f: number, ns: number) => (ns > 0 ? f / ns / 1e3 : 0);

  // per step and window (step windows tile time, so each op counts once)
  const stepRows: EfficiencyStep[] = steps.steps.map((s) => ({ step: s.number, windowNs: s.endNs - s.startNs, flops: 0, achievedTflopsPerS: 0, mfuPct: null }));
  let windowFlops = 0;
  for (const i of counted) {
    const t = cpu.start[i]!;
    if (t < ws || t >= we) continue;
    windowFlops += sliceFlops[i]!;
    const k = stepIndex(steps.steps, t);
    if (k >= 0) stepRows[k]!.flops += sliceFlops[i]!;
  }
  for (const r of stepRows) {
    r.achievedTflopsPerS = tflopsPerS(r.flops, r.windowNs);
    r.mfuPct = pctOf(r.achievedTflopsPerS, peak);
  }
  const windowAchieved = tflopsPerS(windowFlops, we - ws);

  // kernel time under each counted op (window kernels)
  const kernelNsOfOp = new Float64Array(cpu.length);
  for (let j = 0; j < windowRows.length; j++) {
    const g = windowRows[j]!;
    const op = attr.op[g]!;
    if (op < 0) continue;
    const c = countedAbove[op]!;
    if (c >= 0) kernelNsOfOp[c]! += gpu.end[g]! - gpu.start[g]!;
  }

  // per operator name
  const byOp = new Map<string, EfficiencyRow>();
  for (const i of counted) {
    if (!inWindow(i)) continue;
    const name = strings.get(cpu.name[i]!);
    let r = byOp.get(name);
    if (!r) byOp.set(name, (r = { name, calls: 0, flops: 0, kernelNs: 0, achievedTflopsPerS: null, pctOfPeak: null }));
    r.calls++;
    r.flops += sliceFlops[i]!;
    r.kernelNs += kernelNsOfOp[i]!;
  }

  // per module class (innermost module; backward ops via their forward op)
  const byClass = new Map<string, EfficiencyRow>();
  // class by span name id: one regex per distinct name, not one per kernel
  const classOfName = new Map<number, string>();
  const classOf = (m: number): string => {
    const id = cpu.name[m]!;
    let c = classOfName.get(id);
    if (c === undefined) classOfName.set(id, (c = moduleClassOfSpan(strings.get(id))));
    return c;
  };
  const classRow = (m: number): EfficiencyRow | null => {
    if (m < 0) return null;
    const name = classOf(m);
    let r = byClass.get(name);
    if (!r) byClass.set(name, (r = { name, calls: 0, flops: 0, kernelNs: 0, achievedTflopsPerS: null, pctOfPeak: null }));
    return r;
  };
  if (attr.hasModules) {
    for (const i of counted) {
      if (!inWindow(i)) continue;
      const r = classRow(moduleOfOp(i, ctx));
      if (!r) continue;
      r.calls++;
      r.flops += sliceFlops[i]!;
    }
    for (let j = 0; j < windowRows.length; j++) {
      const g = windowRows[j]!;
      // kernel time of the classes that have counted FLOPs
      const m = attr.module[g]!;
      const r = byClass.get(m >= 0 ? classOf(m) : "");
      if (r) r.kernelNs += gpu.end[g]! - gpu.start[g]!;
    }
  }
  const finish = (rows: Iterable<EfficiencyRow>) =>
    [...rows]
      .map((r) => {
        r.achievedTflopsPerS = r.kernelNs > 0 ? tflopsPerS(r.flops, r.kernelNs) : null;
        r.pctOfPeak = r.achievedTflopsPerS === null ? null : pctOf(r.achievedTflopsPerS, peak);
        return r;
      })
      .sort((a, b) => b.flops - a.flops || a.name.localeCompare(b.name));

  return {
    hardware,
    flopsSource: recorded > 0 && estimated > 0 ? "mixed" : recorded > 0 ? "recorded" : "estimated-from-shapes",
    peakDtype,
    peakTflopsPerS: peak,
    mfuUnavailableReason:
      peak !== null
        ? null
        : peakDtype === null
          ? "the counted operators record no input dtype (`Input type`)"
          : hardware.deviceName
            ? `no peak TFLOP/s known for "${hardware.deviceName}" (${peakDtype}); pass --peak-tflops N or a --peaks file`
            : "the trace does not name its GPU; pass --gpu-info nvidia-smi.xml, --peak-tflops N or a --peaks file",
    flopsByDtype,
    window: { windowNs: we - ws, flops: windowFlops, achievedTflopsPerS: windowAchieved, mfuPct: pctOf(windowAchieved, peak) },
    steps: stepRows,
    byModuleClass: finish(byClass.values()),
    byOperator: finish(byOp.values()),
    roofline: roofline(ctx, counted.filter(inWindow), sliceFlops, kernelNsOfOp, typesOf, hardware).slice(0, maxRooflineRows),
  };
}

/** Innermost module of an operator: its own module in forward (and recomputation), its forward op's module in backward. */
function moduleOfOp(i: number, ctx: AnalysisContext): number {
  const { attribution: attr, model } = ctx;
  const own = attr.moduleOfSlice[i]!;
  if (attr.phaseOfSlice[i] !== Phase.Backward || own >= 0) return own;
  for (let p = i; p >= 0; p = model.cpu.parent[p]!) {
    const f = attr.forwardOf[p]!;
    if (f >= 0) return attr.moduleOfSlice[f]!;
  }
  return -1;
}

function stepIndex(steps: readonly { startNs: number; endNs: number }[], t: number): number {
  const k = upperBound(steps.length, (i) => steps[i]!.startNs, t) - 1;
  return k >= 0 && t < steps[k]!.endNs ? k : -1;
}

function roofline(ctx: AnalysisContext, ops: readonly number[], sliceFlops: Float64Array, kernelNsOfOp: Float64Array, typesOf: (i: number) => string[], hw: Hardware): RooflineRow[] {
  const { cpu, strings } = ctx.model;
  const groups = new Map<string, { name: string; dims: string; types: string[]; calls: number; flops: number; bytes: number; ns: number }>();
  const dimsCache = new Map<number, number[][] | null>();
  for (const i of ops) {
    const name = strings.get(cpu.name[i]!);
    if (!ROOFLINE_OPS.test(name) || cpu.inputDims[i]! < 0) continue;
    const dimsId = cpu.inputDims[i]!;
    let dims = dimsCache.get(dimsId);
    if (dims === undefined) dimsCache.set(dimsId, (dims = parseDims(strings.get(dimsId))));
    if (!dims) continue;
    const b = bytesMoved(name, dims, typesOf(i));
    if (b === null || b <= 0) continue;
    const key = `${cpu.name[i]}|${dimsId}|${cpu.inputTypes[i]}`;
    let gr = groups.get(key);
    if (!gr) groups.set(key, (gr = { name, dims: strings.get(dimsId), types: typesOf(i), calls: 0, flops: 0, bytes: 0, ns: 0 }));
    gr.calls++;
    gr.flops += sliceFlops[i]!;
    gr.bytes += b;
    gr.ns += kernelNsOfOp[i]!;
  }
  const bw = hw.memoryBandwidthGBps;
  return [...groups.values()]
    .map((gr): RooflineRow => {
      const dtype = peakDtypeOf(gr.types);
      const peak = dtype ? hw.tflops[dtype] : null;
      const ai = gr.flops / gr.bytes;
      const achieved = gr.ns > 0 ? gr.flops / gr.ns / 1e3 : null;
      const ridge = peak !== null && bw !== null ? (peak * 1e12) / (bw * 1e9) : null;
      const attainable = peak !== null && bw !== null ? Math.min(peak, (ai * bw) / 1e3) : null;
      return {
        name: gr.name,
        inputDims: gr.dims.trim(),
        dtype,
        calls: gr.calls,
        flops: gr.flops,
        bytes: gr.bytes,
        kernelNs: gr.ns,
        arithmeticIntensityFlopsPerByte: ai,
        achievedTflopsPerS: achieved,
        peakTflopsPerS: peak,
        ridgeFlopsPerByte: ridge,
        attainableTflopsPerS: attainable,
        pctOfAttainable: achieved !== null && attainable ? (100 * achieved) / attainable : null,
        bound: ridge === null ? null : ai < ridge ? "memory" : "compute",
      };
    })
    .sort((a, b) => b.kernelNs - a.kernelNs || b.flops - a.flops);
}

const numel = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

/** Compulsory bytes of one call (see the header), null when the shapes or dtypes do not allow it. */
export function bytesMoved(name: string, dims: readonly (readonly number[])[], types: readonly string[]): number | null {
  let inputs = 0;
  let elt: number | null = null;
  for (let k = 0; k < dims.length; k++) {
    const d = dims[k]!;
    if (d.length === 0) continue;
    const e = bytesPerElement(types[k] ?? "");
    if (e === null) return null;
    elt ??= e;
    inputs += numel(d) * e;
  }
  if (elt === null) return null;
  const mat = dims.filter((d) => d.length > 0);
  let out: number | null = null;
  if (/^aten::(mm|bmm)$/.test(name) && mat.length >= 2) out = outputOfMatmul(mat[0]!, mat[1]!);
  else if (/^aten::(addmm|baddbmm)$/.test(name) && mat.length >= 3) out = outputOfMatmul(mat[1]!, mat[2]!);
  else if (/attention/.test(name) && /backward/.test(name) && dims.length >= 4) out = numel(dims[1]!) + numel(dims[2]!) + numel(dims[3]!);
  else if (/attention/.test(name) && dims.length >= 3 && dims[0]!.length === 4 && dims[2]!.length === 4) out = (numel(dims[0]!) / dims[0]![3]!) * dims[2]![3]!;
  return out === null ? null : inputs + out * elt;
}

function outputOfMatmul(a: readonly number[], b: readonly number[]): number | null {
  if (a.length === 2 && b.length === 2) return a[0]! * b[1]!;
  if (a.length === 3 && b.length === 3) return a[0]! * a[1]! * b[2]!;
  return null;
}

function parseStringList(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : "")) : [];
  } catch {
    return [];
  }
}

/** The summary.json `efficiency` section of one rank. */
export function efficiencySection(ctx: AnalysisContext): Section<EfficiencyResult & { rank: number | null }> {
  if (ctx.model.gpu.length === 0) return { available: false, reason: "the trace has no GPU activity" };
  const r = efficiencyAnalysis(ctx, resolveHardware(ctx.model, ctx.options.hardware));
  if (!r) {
    return {
      available: false,
      reason: "no operator with known FLOPs: record with record_shapes=True (FLOPs are estimated from mm/bmm/attention input shapes) or with_flops=True",
    };
  }
  return { available: true, rank: ctx.model.meta.rank, ...r };
}
