/**
 * Attribution of every GPU activity to the CPU code that launched it: phase
 * (forward / backward / optimizer / other), the innermost operator, the module
 * whose forward produced it, and whether it is recomputation.
 *
 * Launch chain: GPU activity -> runtime call (by correlation) -> innermost CPU
 * slice enclosing the call on its thread -> that slice's ancestors.
 *  - optimizer: an ancestor annotation `Optimizer.step#...`;
 *  - backward:  an ancestor is an autograd engine slice
 *               (`autograd::engine::evaluate_function: ...`) or a backward op
 *               linked to a forward op; its module is the innermost module of
 *               the linked forward op (fwdbwd flows; sequence numbers when the
 *               trace has no flows);
 *  - recomputation: backward work launched under a module forward span
 *               (activation checkpointing re-runs the forward inside backward);
 *  - forward:   not the above, and launched under a module span or before the
 *               step's first backward slice starts;
 *  - other:     the rest (zero_grad, work after backward outside the optimizer,
 *               and activities with no launch record: queued before the trace).
 */
import { CpuKind, type TraceModel } from "../model/tables.js";
import { upperBound } from "../model/search.js";
import { STEP_NAME } from "./steps.js";

export const Phase = { Forward: 0, Backward: 1, Optimizer: 2, Other: 3 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];
export const PHASE_NAMES = ["forward", "backward", "optimizer", "other"] as const;

/** Why an activity has no module (values of `module` below -1). */
export const NoModule = {
  /** forward work outside any module span */
  ForwardOutside: -2,
  /** backward work whose backward op has no forward op (AccumulateGrad, DDP hooks...) */
  BackwardUnlinked: -3,
  /** backward op linked to a forward op that ran outside any module */
  BackwardOutside: -4,
  Optimizer: -5,
  /** no launch record: queued before profiling began */
  BeforeTrace: -6,
  Other: -7,
} as const;

export interface Attribution {
  /** Phase of each GPU activity. */
  readonly phase: Uint8Array;
  /** Innermost CPU operator (CpuKind.Op row) that launched it, -1 none. */
  readonly op: Int32Array;
  /** Module span row (forward call) it belongs to, or a NoModule code (< -1). */
  readonly module: Int32Array;
  /** 1 when the activity is recomputed forward work inside backward. */
  readonly recompute: Uint8Array;
  /** Per CPU slice: innermost enclosing module span row (itself for modules), -1 none. */
  readonly moduleOfSlice: Int32Array;
  /** Per CPU slice: phase of the code it belongs to (same rules, by the slice's own start). */
  readonly phaseOfSlice: Uint8Array;
  /** Per CPU slice: the forward op row a backward op is linked to, -1 none. */
  readonly forwardOf: Int32Array;
  /** True when the trace has module spans at all. */
  readonly hasModules: boolean;
  /** True when some backward op could be linked to a forward op. */
  readonly hasLinks: boolean;
}

const ENGINE_PREFIX = "autograd::engine::evaluate_function";
const OPTIMIZER_PREFIX = "Optimizer.step";

export function attribute(model: TraceModel): Attribution {
  const { cpu, gpu, runtime, strings } = model;
  const n = cpu.length;

  // per distinct name: flags (engine slice, optimizer annotation, step annotation)
  // dense by string index (slot name + 1: a nameless slice has -1), -1 = not yet computed: read for every slice
  const nameFlags = new Int8Array(strings.length + 1).fill(-1);
  const flagsOf = (name: number): number => {
    let f = nameFlags[name + 1]!;
    if (f < 0) {
      const s = strings.get(name);
      f = (s.startsWith(ENGINE_PREFIX) ? 1 : 0) | (s.startsWith(OPTIMIZER_PREFIX) ? 2 : 0) | (STEP_NAME.test(s) ? 4 : 0);
      nameFlags[name + 1] = f;
    }
    return f;
  };

  const forwardOf = linkBackwardToForward(model);
  let hasLinks = false;
  for (let i = 0; i < n; i++)
    if (forwardOf[i]! >= 0) {
      hasLinks = true;
      break;
    }

  // Each pass over the rows is a local function of its own: V8 compiles a hot loop
  // on its own (on-stack replacement) and, were the passes one function, would throw
  // that code away at the next pass and compile the whole function again, once per pass.

  // one pass in row order: a parent row always precedes its children
  const opOf = new Int32Array(n).fill(-1);
  const moduleOf = new Int32Array(n).fill(-1);
  const bwdOf = new Int32Array(n).fill(-1); // nearest linked backward op
  const state = new Uint8Array(n); // bit0 in engine, bit1 in optimizer, bit2 module below engine (recompute)
  let hasModules = false;
  const markStates = (): void => {
    for (let i = 0; i < n; i++) {
      const p = cpu.parent[i]!;
      const kind = cpu.kind[i]!;
      const f = flagsOf(cpu.name[i]!);
      let st = p >= 0 ? state[p]! : 0;
      opOf[i] = kind === CpuKind.Op ? i : p >= 0 ? opOf[p]! : -1;
      bwdOf[i] = forwardOf[i]! >= 0 ? i : p >= 0 ? bwdOf[p]! : -1;
      if (kind === CpuKind.Module) {
        hasModules = true;
        moduleOf[i] = i;
        if (st & 1) st |= 4;
      } else moduleOf[i] = p >= 0 ? moduleOf[p]! : -1;
      if (f & 1 || forwardOf[i]! >= 0) st |= 1;
      if (f & 2) st |= 2;
      state[i] = st;
    }
  };
  markStates();

  // first backward slice of each step (by start), to tell forward from "after backward"
  const stepStarts: number[] = [];
  const firstBackward: number[] = [];
  const findSteps = (): void => {
    for (let i = 0; i < n; i++) {
      if (cpu.kind[i] === CpuKind.Annotation && flagsOf(cpu.name[i]!) & 4) {
        stepStarts.push(cpu.start[i]!);
        firstBackward.push(Infinity);
      }
    }
  };
  findSteps();
  // -1 before the first step: treated as one region
  const stepOf = (t: number): number => upperBound(stepStarts.length, (i) => stepStarts[i]!, t) - 1;
  let firstBackwardNoStep = Infinity;
  const findFirstBackward = (): void => {
    for (let i = 0; i < n; i++) {
      if (!(state[i]! & 1)) continue;
      const s = stepOf(cpu.start[i]!);
      if (s >= 0) firstBackward[s] = Math.min(firstBackward[s]!, cpu.start[i]!);
      else firstBackwardNoStep = Math.min(firstBackwardNoStep, cpu.start[i]!);
    }
  };
  findFirstBackward();
  const beforeBackward = (t: number): boolean => {
    const s = stepOf(t);
    return t < (s >= 0 ? firstBackward[s]! : firstBackwardNoStep);
  };

  // classify(slice, t) writes its answer here (no object per call: runs for every slice and activity)
  let outPhase: Phase = Phase.Other;
  let outModule = -1;
  let outRecompute = false;
  const classify = (slice: number, t: number): void => {
    outRecompute = false;
    if (slice < 0) {
      const fwd = beforeBackward(t);
      outPhase = fwd ? Phase.Forward : Phase.Other;
      outModule = fwd ? NoModule.ForwardOutside : NoModule.Other;
      return;
    }
    const st = state[slice]!;
    if (st & 2) {
      outPhase = Phase.Optimizer;
      outModule = NoModule.Optimizer;
      return;
    }
    if (st & 1) {
      outPhase = Phase.Backward;
      if (st & 4 && moduleOf[slice]! >= 0) {
        outModule = moduleOf[slice]!;
        outRecompute = true;
        return;
      }
      const b = bwdOf[slice]!;
      if (b < 0) outModule = NoModule.BackwardUnlinked;
      else {
        const m = moduleOf[forwardOf[b]!]!;
        outModule = m >= 0 ? m : NoModule.BackwardOutside;
      }
      return;
    }
    const m = moduleOf[slice]!;
    if (m >= 0) {
      outPhase = Phase.Forward;
      outModule = m;
    } else if (beforeBackward(t)) {
      outPhase = Phase.Forward;
      outModule = NoModule.ForwardOutside;
    } else {
      outPhase = Phase.Other;
      outModule = NoModule.Other;
    }
  };

  const phaseOfSlice = new Uint8Array(n);
  const classifySlices = (): void => {
    for (let i = 0; i < n; i++) {
      classify(i, cpu.start[i]!);
      phaseOfSlice[i] = outPhase;
    }
  };
  classifySlices();

  const phase = new Uint8Array(gpu.length);
  const op = new Int32Array(gpu.length).fill(-1);
  const module = new Int32Array(gpu.length);
  const recompute = new Uint8Array(gpu.length);
  const classifyActivities = (): void => {
    for (let g = 0; g < gpu.length; g++) {
      const r = gpu.launch[g]!;
      if (r < 0) {
        phase[g] = Phase.Other;
        module[g] = NoModule.BeforeTrace;
        continue;
      }
      const slice = runtime.cpuParent[r]!;
      classify(slice, runtime.start[r]!);
      phase[g] = outPhase;
      module[g] = outModule;
      recompute[g] = outRecompute ? 1 : 0;
      op[g] = slice >= 0 ? opOf[slice]! : -1;
    }
  };
  classifyActivities();
  return { phase, op, module, recompute, moduleOfSlice: moduleOf, phaseOfSlice, forwardOf, hasModules, hasLinks };
}

/**
 * forwardOf[bwd op row] = forward op row, from fwdbwd flows; when the trace has
 * none, from sequence numbers (a backward op on another thread carrying the
 * sequence number of a forward op).
 */
function linkBackwardToForward(model: TraceModel): Int32Array {
  const { cpu, fwdbwd } = model;
  const out = new Int32Array(cpu.length).fill(-1);
  if (fwdbwd.length > 0) {
    for (let k = 0; k < fwdbwd.length; k++) out[fwdbwd.bwd[k]!] = fwdbwd.fwd[k]!;
    return out;
  }
  // sequence-number fallback: the first op of each (thread, seq) is the forward op
  const firstBySeq = new Map<number, number>();
  for (let i = 0; i < cpu.length; i++) {
    const s = cpu.seq[i]!;
    if (Number.isNaN(s) || cpu.kind[i] !== CpuKind.Op) continue;
    const f = firstBySeq.get(s);
    if (f === undefined) firstBySeq.set(s, i);
    else if (cpu.thread[f] !== cpu.thread[i] && out[i]! < 0 && !hasSameSeqAncestor(model, i, s)) out[i] = f;
  }
  return out;
}

/** True when an ancestor carries the same sequence number (nested ops of one backward node link once). */
function hasSameSeqAncestor(model: TraceModel, row: number, seq: number): boolean {
  for (let p = model.cpu.parent[row]!; p >= 0; p = model.cpu.parent[p]!) if (model.cpu.seq[p] === seq) return true;
  return false;
}
