/**
 * Module breakdown: the nn.Module tree from `nn.Module: Class_k` spans (Kineto
 * with_stack) or NVTX module ranges (class names, dotted paths or "Class: path", module-names.ts).
 * An instance is identified by its span name (Class_k is unique per instance in
 * a process), so the forward calls of every step, and the recomputed forward
 * calls inside backward, fold into one instance. Its path comes from the
 * forward (non-backward) calls: LlamaForCausalLM/LlamaModel/LlamaDecoderLayer#3/...
 *
 * Kernel time (sum of durations of activities starting in the window):
 *   forwardSelf    launched under this module's forward span and no deeper module
 *   backwardSelf   launched by backward ops whose forward op ran (innermost) in it
 *   recomputeSelf  forward work re-run inside backward (activation checkpointing)
 *   inclusive      the same summed over the instance and its descendants
 * Every activity of the window lands in exactly one instance's self time or in
 * one `unattributed` line: Σ self + Σ unattributed = all kernel time, exactly.
 */
import { CpuKind } from "../model/tables.js";
import { NoModule, type Attribution } from "./attribution.js";
import type { AnalysisContext } from "./context.js";
import { recordedModuleSource, type ModuleSource } from "./module-source.js";
import { dottedLabel, hasClassAndPath, isDottedPath, moduleClassOfSpan, moduleShortName } from "./module-names.js";

export interface ModuleTimes {
  forwardNs: number;
  forwardSelfNs: number;
  backwardNs: number;
  backwardSelfNs: number;
  recomputeNs: number;
  recomputeSelfNs: number;
  totalNs: number;
  selfNs: number;
  pctOfKernelTime: number;
}

export interface ModuleInstanceRow extends ModuleTimes {
  /** Span name without the "nn.Module: " prefix, e.g. LlamaAttention_3. */
  name: string;
  className: string;
  path: string;
  parentPath: string | null;
  depth: number;
  /** Forward calls starting in the window (recomputation not counted). */
  calls: number;
  recomputeCalls: number;
  /** Sum of the forward spans' CPU durations. */
  cpuForwardNs: number;
}

export interface ModuleClassRow extends ModuleTimes {
  className: string;
  instances: number;
  calls: number;
  cpuForwardNs: number;
}

export interface UnattributedRow {
  id: "forward-outside-modules" | "backward-without-forward-op" | "backward-outside-modules" | "optimizer" | "launched-before-trace" | "other";
  label: string;
  totalNs: number;
  count: number;
}

export interface ModulesResult {
  kernelTotalNs: number;
  attributedNs: number;
  instances: ModuleInstanceRow[];
  classes: ModuleClassRow[];
  unattributed: UnattributedRow[];
  /** Where the tree comes from: Kineto nn.Module spans, NVTX module ranges or JAX/XLA name scopes (absent in older summaries: spans or ranges). */
  source?: ModuleSource;
  /** The same in words, as every output shows it (module-source.ts). */
  sourceDescription?: string;
}

const UNATTRIBUTED: Record<number, { id: UnattributedRow["id"]; label: string }> = {
  [NoModule.ForwardOutside]: { id: "forward-outside-modules", label: "forward work outside any module" },
  [NoModule.BackwardUnlinked]: { id: "backward-without-forward-op", label: "backward work with no forward op (AccumulateGrad, DDP/FSDP hooks, ...)" },
  [NoModule.BackwardOutside]: { id: "backward-outside-modules", label: "backward of forward ops outside any module" },
  [NoModule.Optimizer]: { id: "optimizer", label: "optimizer step" },
  [NoModule.BeforeTrace]: { id: "launched-before-trace", label: "launched before the trace began (no launch record)" },
  [NoModule.Other]: { id: "other", label: "other (zero_grad, work after backward)" },
};

export function moduleBreakdown(ctx: AnalysisContext, attr: Attribution): ModulesResult {
  const { model, windowRows, steps } = ctx;
  const { cpu, gpu, strings } = model;

  // instances: one key per distinct span name; tree from forward (non-backward) calls
  const keyOfName = new Map<number, number>();
  const names: number[] = [];
  const parentKey: number[] = [];
  const calls: number[] = [];
  const recomputeCalls: number[] = [];
  const cpuForward: number[] = [];
  const firstStart: number[] = [];
  const keyOfRow = new Int32Array(cpu.length).fill(-1);
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== CpuKind.Module) continue;
    const nameId = cpu.name[i]!;
    let key = keyOfName.get(nameId);
    if (key === undefined) {
      key = names.length;
      keyOfName.set(nameId, key);
      names.push(nameId);
      parentKey.push(-2); // unknown until a forward call is seen
      calls.push(0);
      recomputeCalls.push(0);
      cpuForward.push(0);
      firstStart.push(Infinity);
    }
    keyOfRow[i] = key;
    const isBackwardContext = attr.phaseOfSlice[i] === 1; // recomputation inside backward
    const inWindow = cpu.start[i]! >= steps.windowStartNs && cpu.start[i]! < steps.windowEndNs;
    if (!isBackwardContext) {
      if (cpu.start[i]! < firstStart[key]!) firstStart[key] = cpu.start[i]!;
      if (parentKey[key] === -2) {
        const p = cpu.parent[i]!;
        const pm = p >= 0 ? attr.moduleOfSlice[p]! : -1;
        parentKey[key] = pm >= 0 ? keyOfName.get(cpu.name[pm]!)! : -1;
      }
      if (inWindow) {
        calls[key]!++;
        cpuForward[key]! += cpu.end[i]! - cpu.start[i]!;
      }
    } else if (inWindow) recomputeCalls[key]!++;
  }
  const k = names.length;
  for (let key = 0; key < k; key++) if (parentKey[key] === -2) parentKey[key] = -1;

  const fwdSelf = new Float64Array(k);
  const bwdSelf = new Float64Array(k);
  const recSelf = new Float64Array(k);
  const fwdIncl = new Float64Array(k);
  const bwdIncl = new Float64Array(k);
  const recIncl = new Float64Array(k);
  const unattributed = new Map<number, { totalNs: number; count: number }>();
  let total = 0;
  for (let j = 0; j < windowRows.length; j++) {
    const g = windowRows[j]!;
    const d = gpu.end[g]! - gpu.start[g]!;
    total += d;
    const m = attr.module[g]!;
    if (m < 0) {
      const u = unattributed.get(m) ?? { totalNs: 0, count: 0 };
      u.totalNs += d;
      u.count++;
      unattributed.set(m, u);
      continue;
    }
    const key = keyOfRow[m]!;
    const isRecompute = attr.recompute[g] === 1;
    const self = isRecompute ? recSelf : attr.phase[g] === 1 ? bwdSelf : fwdSelf;
    const incl = isRecompute ? recIncl : attr.phase[g] === 1 ? bwdIncl : fwdIncl;
    self[key]! += d;
    for (let a = key, guard = 0; a >= 0 && guard < 4096; a = parentKey[a]!, guard++) incl[a]! += d;
  }

  const pct = (x: number) => (total > 0 ? (100 * x) / total : 0);
  const shortName = (key: number) => moduleShortName(strings.get(names[key]!));
  const classOf = (key: number) => moduleClassOfSpan(strings.get(names[key]!));
  const instancesPerClass = new Map<string, number>();
  for (let key = 0; key < k; key++) instancesPerClass.set(classOf(key), (instancesPerClass.get(classOf(key)) ?? 0) + 1);
  const label = (key: number) => {
    if (isDottedPath(shortName(key)) || hasClassAndPath(strings.get(names[key]!))) return dottedLabel(shortName(key), parentKey[key]! >= 0 ? shortName(parentKey[key]!) : null);
    const cls = classOf(key);
    const idx = /_(\d+)$/.exec(shortName(key))?.[1];
    return (instancesPerClass.get(cls) ?? 0) > 1 && idx !== undefined ? `${cls}#${idx}` : cls;
  };
  const pathCache = new Map<number, string>();
  const depthOf = new Map<number, number>();
  const pathOf = (key: number): string => {
    let p = pathCache.get(key);
    if (p === undefined) {
      const parent = parentKey[key]!;
      p = parent >= 0 && parent !== key ? `${pathOf(parent)}/${label(key)}` : label(key);
      depthOf.set(key, parent >= 0 && parent !== key ? (depthOf.get(parent) ?? 0) + 1 : 0);
      pathCache.set(key, p);
    }
    return p;
  };

  const times = (f: number, fs: number, b: number, bs: number, r: number, rs: number): ModuleTimes => ({
    forwardNs: f,
    forwardSelfNs: fs,
    backwardNs: b,
    backwardSelfNs: bs,
    recomputeNs: r,
    recomputeSelfNs: rs,
    totalNs: f + b + r,
    selfNs: fs + bs + rs,
    pctOfKernelTime: pct(f + b + r),
  });

  const instances: ModuleInstanceRow[] = [];
  // tree order: a parent's first forward call starts before its children's
  const order = Array.from({ length: k }, (_, key) => key).sort((a, b) => firstStart[a]! - firstStart[b]! || a - b);
  for (const key of order) {
    const path = pathOf(key);
    instances.push({
      name: shortName(key),
      className: classOf(key),
      path,
      parentPath: parentKey[key]! >= 0 ? pathOf(parentKey[key]!) : null,
      depth: depthOf.get(key) ?? 0,
      calls: calls[key]!,
      recomputeCalls: recomputeCalls[key]!,
      cpuForwardNs: cpuForward[key]!,
      ...times(fwdIncl[key]!, fwdSelf[key]!, bwdIncl[key]!, bwdSelf[key]!, recIncl[key]!, recSelf[key]!),
    });
  }

  // classes: self times add up; inclusive counts an activity once per class on its ancestor chain
  const classRows = new Map<string, { instances: number; calls: number; cpu: number; t: Float64Array }>();
  for (let key = 0; key < k; key++) {
    const cls = classOf(key);
    const row = classRows.get(cls) ?? { instances: 0, calls: 0, cpu: 0, t: new Float64Array(6) };
    row.instances++;
    row.calls += calls[key]!;
    row.cpu += cpuForward[key]!;
    row.t[1]! += fwdSelf[key]!;
    row.t[3]! += bwdSelf[key]!;
    row.t[5]! += recSelf[key]!;
    classRows.set(cls, row);
  }
  const classIds = new Map<string, number>();
  const classOfKey = Int32Array.from({ length: k }, (_, key) => {
    const cls = classOf(key);
    if (!classIds.has(cls)) classIds.set(cls, classIds.size);
    return classIds.get(cls)!;
  });
  const classNames = [...classIds.keys()];
  const seen = new Int32Array(classNames.length).fill(-1);
  for (let j = 0; j < windowRows.length; j++) {
    const g = windowRows[j]!;
    const m = attr.module[g]!;
    if (m < 0) continue;
    const d = gpu.end[g]! - gpu.start[g]!;
    const slot = attr.recompute[g] === 1 ? 4 : attr.phase[g] === 1 ? 2 : 0;
    for (let a = keyOfRow[m]!, guard = 0; a >= 0 && guard < 4096; a = parentKey[a]!, guard++) {
      const c = classOfKey[a]!;
      if (seen[c] === j) continue;
      seen[c] = j;
      classRows.get(classNames[c]!)!.t[slot]! += d;
    }
  }
  const classes: ModuleClassRow[] = [...classRows].map(([className, r]) => ({
    className,
    instances: r.instances,
    calls: r.calls,
    cpuForwardNs: r.cpu,
    ...times(r.t[0]!, r.t[1]!, r.t[2]!, r.t[3]!, r.t[4]!, r.t[5]!),
  }));
  classes.sort((a, b) => b.totalNs - a.totalNs || a.className.localeCompare(b.className));

  const unattributedRows: UnattributedRow[] = [...unattributed].map(([code, u]) => ({ ...UNATTRIBUTED[code]!, totalNs: u.totalNs, count: u.count })).sort((a, b) => b.totalNs - a.totalNs);
  const unattributedNs = unattributedRows.reduce((s, u) => s + u.totalNs, 0);
  return { kernelTotalNs: total, attributedNs: total - unattributedNs, instances, classes, unattributed: unattributedRows, ...recordedModuleSource(ctx) };
}
