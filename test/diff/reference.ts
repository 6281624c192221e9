/**
 * Independent per-class module self times over the raw JSON (plain time
 * containment, no model, no parent pointers), fast enough for the 1.1B traces:
 * the CPU events of each thread are swept in time order with a stack, so the
 * events containing a time t are exactly those pushed (ts <= t) and not ended
 * (ts + dur >= t).
 *   forward self   kernels whose launch is not under an autograd engine slice
 *                  or Optimizer.step, by the innermost enclosing module span
 *   backward self  kernels launched under a backward op that a fwdbwd flow links
 *                  to a forward op (no module span between that op and the launch:
 *                  that would be recomputation), by the forward op's innermost module
 * Only GPU activities that start inside the profiled steps' window count.
 */
import { classOf, isModule } from "../helpers/containment.js";
import { isGpu, referenceSteps, type RawEvent, type RawTrace } from "../helpers/raw.js";

export interface ClassSelf {
  forwardNs: number;
  backwardNs: number;
}

interface Query {
  tid: unknown;
  t: number;
  id: number;
}

/** For each query, the CPU events on its thread containing its time (outermost first). */
function stab(raw: RawTrace, queries: Query[]): Map<number, RawEvent[]> {
  const byTid = new Map<unknown, RawEvent[]>();
  for (const e of raw.traceEvents) {
    if (e.ph !== "X" || !(e.cat === "cpu_op" || e.cat === "python_function" || e.cat === "user_annotation")) continue;
    const list = byTid.get(e.tid) ?? [];
    list.push(e);
    byTid.set(e.tid, list);
  }
  const out = new Map<number, RawEvent[]>();
  const qByTid = new Map<unknown, Query[]>();
  for (const q of queries) {
    const l = qByTid.get(q.tid) ?? [];
    l.push(q);
    qByTid.set(q.tid, l);
  }
  for (const [tid, qs] of qByTid) {
    const events = (byTid.get(tid) ?? []).sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
    qs.sort((a, b) => a.t - b.t);
    const stack: RawEvent[] = [];
    let i = 0;
    for (const q of qs) {
      while (i < events.length && events[i]!.ts! <= q.t) {
        const e = events[i++]!;
        while (stack.length && stack[stack.length - 1]!.ts! + stack[stack.length - 1]!.dur! < e.ts!) stack.pop();
        stack.push(e);
      }
      while (stack.length && stack[stack.length - 1]!.ts! + stack[stack.length - 1]!.dur! < q.t) stack.pop();
      out.set(
        q.id,
        stack.filter((e) => e.ts! + e.dur! >= q.t),
      );
    }
  }
  return out;
}

const innermost = (list: RawEvent[], pred: (e: RawEvent) => boolean) => {
  let best: RawEvent | undefined;
  for (const e of list) if (pred(e) && (!best || e.ts! >= best.ts!)) best = e;
  return best;
};

/** Per module class: forward and backward self kernel time over the window, ns. */
export function classSelfTimes(raw: RawTrace): Map<string, ClassSelf> {
  const steps = referenceSteps(raw);
  const from = steps[0]!.start;
  const to = steps[steps.length - 1]!.end;
  const launch = new Map<unknown, RawEvent>();
  for (const e of raw.traceEvents) if ((e.cat === "cuda_runtime" || e.cat === "cuda_driver") && e.args) launch.set(e.args["correlation"], e);
  const flowStart = new Map<unknown, { tid: unknown; ts: number }>();
  const flowEndAt = new Map<string, unknown>();
  for (const e of raw.traceEvents) {
    if (e.cat !== "fwdbwd") continue;
    if (e.ph === "s") flowStart.set(e.id, { tid: e.tid, ts: e.ts! });
    if (e.ph === "f") flowEndAt.set(`${e.tid}|${e.ts}`, e.id);
  }
  const kernels: { g: RawEvent; r: RawEvent }[] = [];
  for (const g of raw.traceEvents) {
    if (!isGpu(g) || g.ts! < from || g.ts! >= to) continue;
    const r = launch.get(g.args?.["correlation"]);
    if (r) kernels.push({ g, r });
  }
  const enc = stab(
    raw,
    kernels.map((k, id) => ({ tid: k.r.tid, t: k.r.ts!, id })),
  );
  // second pass: the module enclosing each linked forward op
  const srcQueries: Query[] = [];
  const bwdOf = new Map<number, number>();
  kernels.forEach((_, id) => {
    const list = enc.get(id)!;
    if (list.some((e) => (e.name ?? "").startsWith("Optimizer.step"))) return;
    const bwd = innermost(list, (e) => e.cat === "cpu_op" && flowEndAt.has(`${e.tid}|${e.ts}`));
    if (!bwd || list.some((e) => isModule(e) && e.ts! >= bwd.ts!)) return;
    const src = flowStart.get(flowEndAt.get(`${bwd.tid}|${bwd.ts}`));
    if (!src) return;
    bwdOf.set(id, srcQueries.length);
    srcQueries.push({ tid: src.tid, t: src.ts, id: srcQueries.length });
  });
  const srcEnc = stab(raw, srcQueries);
  const out = new Map<string, ClassSelf>();
  const acc = (cls: string) => {
    let v = out.get(cls);
    if (!v) out.set(cls, (v = { forwardNs: 0, backwardNs: 0 }));
    return v;
  };
  kernels.forEach(({ g }, id) => {
    const list = enc.get(id)!;
    const durNs = g.dur! * 1000;
    const q = bwdOf.get(id);
    if (q !== undefined) {
      const m = innermost(srcEnc.get(q)!, isModule);
      if (m) acc(classOf(m)).backwardNs += durNs;
      return;
    }
    if (list.some((e) => (e.name ?? "").startsWith("autograd::engine::evaluate_function") || (e.name ?? "").startsWith("Optimizer.step"))) return;
    const m = innermost(list, isModule);
    if (m) acc(classOf(m)).forwardNs += durNs;
  });
  return out;
}

/** Number of profiled steps (ProfilerStep#N annotations). */
export function stepCount(raw: RawTrace): number {
  return referenceSteps(raw).length;
}
