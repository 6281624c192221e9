/**
 * Independent figures for `compare`, by plain loops over the raw Kineto JSON
 * (no parser, no model, no attribution tables):
 *   tokens/step   Σ batch × seq of the `aten::embedding` calls (largest table, from
 *                 `Input Dims` [[vocab, hidden], [batch, seq]]) on the thread of the
 *                 ProfilerStep annotations, within each step's CPU span; median over steps
 *   step times    referenceSteps (README's step definition), ns
 *   attention     time containment: a GPU activity starting in the window counts for
 *                 attention when a module span of a class matching /Attention/ contains
 *                 its launch (forward), or contains the forward op that a fwdbwd flow
 *                 links to the backward op launching it (backward); launched under the
 *                 autograd engine inside a module span = recompute
 *   memory        max `Total Allocated` / `Total Reserved` of the CUDA `[memory]` events in the window
 */
import { classOf, isModule } from "../helpers/containment.js";
import { isGpu, referenceSteps, type RawEvent, type RawTrace } from "../helpers/raw.js";

export function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Step durations in ns, by referenceSteps. */
export function rawStepNs(raw: RawTrace): number[] {
  return referenceSteps(raw).map((s) => (s.end - s.start) * 1000);
}

export function rawWindow(raw: RawTrace): { from: number; to: number } {
  const steps = referenceSteps(raw);
  return { from: steps[0]!.start, to: steps[steps.length - 1]!.end };
}

export function rawTokensPerStep(raw: RawTrace): { tokens: number; batch: number; seq: number } {
  const steps = raw.traceEvents.filter((e) => e.cat === "user_annotation" && /^ProfilerStep#\d+$/.test(e.name ?? ""));
  const mainTid = steps[0]!.tid;
  const calls = raw.traceEvents
    .filter((e) => e.cat === "cpu_op" && e.name === "aten::embedding" && e.tid === mainTid)
    .map((e) => {
      const dims = e.args!["Input Dims"] as number[][];
      return { ts: e.ts!, vocab: dims[0]![0]!, batch: dims[1]![0]!, seq: dims[1]![1]! };
    });
  const vocab = Math.max(...calls.map((c) => c.vocab));
  const tokenCalls = calls.filter((c) => c.vocab === vocab);
  const perStep = steps.map((s) => tokenCalls.filter((c) => c.ts >= s.ts! && c.ts < s.ts! + s.dur!).reduce((a, c) => a + c.batch * c.seq, 0));
  return { tokens: medianOf(perStep), batch: tokenCalls[0]!.batch, seq: tokenCalls[0]!.seq };
}

export function rawPeakMemory(raw: RawTrace): { allocated: number; reserved: number } {
  const { from, to } = rawWindow(raw);
  let allocated = 0;
  let reserved = 0;
  for (const e of raw.traceEvents) {
    if (e.name !== "[memory]" || e.args?.["Device Type"] !== 1 || e.ts! < from || e.ts! >= to) continue;
    allocated = Math.max(allocated, Number(e.args["Total Allocated"]));
    reserved = Math.max(reserved, Number(e.args["Total Reserved"]));
  }
  return { allocated, reserved };
}

interface Query {
  tid: unknown;
  t: number;
  id: number;
}

/** For each query, the CPU events of its thread that contain its time: a sweep with a stack per thread. */
function stab(raw: RawTrace, queries: readonly Query[]): Map<number, RawEvent[]> {
  const byTid = new Map<unknown, RawEvent[]>();
  for (const e of raw.traceEvents) {
    if (e.ph !== "X" || !(e.cat === "cpu_op" || e.cat === "python_function" || e.cat === "user_annotation")) continue;
    const l = byTid.get(e.tid) ?? [];
    l.push(e);
    byTid.set(e.tid, l);
  }
  const qByTid = new Map<unknown, Query[]>();
  for (const q of queries) {
    const l = qByTid.get(q.tid) ?? [];
    l.push(q);
    qByTid.set(q.tid, l);
  }
  const out = new Map<number, RawEvent[]>();
  for (const [tid, qs] of qByTid) {
    const events = (byTid.get(tid) ?? []).sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
    qs.sort((a, b) => a.t - b.t);
    let open: RawEvent[] = [];
    let i = 0;
    for (const q of qs) {
      while (i < events.length && events[i]!.ts! <= q.t) open.push(events[i++]!);
      open = open.filter((e) => e.ts! + e.dur! >= q.t);
      out.set(q.id, open.slice());
    }
  }
  return out;
}

export interface RawAttention {
  forwardNs: number;
  backwardNs: number;
  recomputeNs: number;
}

/** Attention kernel time over the profiled window (totals, not per step). */
export function rawAttention(raw: RawTrace, pattern = /Attention/): RawAttention {
  const { from, to } = rawWindow(raw);
  const launch = new Map<unknown, RawEvent>();
  const flowStart = new Map<unknown, { tid: unknown; ts: number }>();
  const flowEndAt = new Map<string, unknown>();
  for (const e of raw.traceEvents) {
    if ((e.cat === "cuda_runtime" || e.cat === "cuda_driver") && e.args) launch.set(e.args["correlation"], e);
    if (e.cat === "fwdbwd" && e.ph === "s") flowStart.set(e.id, { tid: e.tid, ts: e.ts! });
    if (e.cat === "fwdbwd" && e.ph === "f") flowEndAt.set(`${e.tid}|${e.ts}`, e.id);
  }
  const acts = raw.traceEvents.filter((g) => isGpu(g) && g.ts! >= from && g.ts! < to);
  const launches: { g: RawEvent; r: RawEvent }[] = [];
  for (const g of acts) {
    const r = launch.get(g.args?.["correlation"]);
    if (r) launches.push({ g, r });
  }
  const enclosing = stab(
    raw,
    launches.map((x, id) => ({ tid: x.r.tid, t: x.r.ts!, id })),
  );
  const isAttn = (e: RawEvent) => isModule(e) && pattern.test(classOf(e));
  const result: RawAttention = { forwardNs: 0, backwardNs: 0, recomputeNs: 0 };
  const backward: { id: number; durNs: number; src: { tid: unknown; ts: number } }[] = [];
  launches.forEach(({ g }, id) => {
    const enc = enclosing.get(id)!;
    const durNs = g.dur! * 1000;
    if (enc.some((e) => e.cat === "user_annotation" && (e.name ?? "").startsWith("Optimizer.step"))) return;
    const engines = enc.filter((e) => (e.name ?? "").startsWith("autograd::engine::evaluate_function"));
    if (engines.length) {
      const engineTs = Math.max(...engines.map((e) => e.ts!));
      const recomputed = enc.filter((e) => isModule(e) && e.ts! >= engineTs);
      if (recomputed.length) {
        if (recomputed.some(isAttn)) result.recomputeNs += durNs;
        return;
      }
      const linked = enc.filter((e) => e.cat === "cpu_op" && flowEndAt.has(`${e.tid}|${e.ts}`)).sort((a, b) => b.ts! - a.ts!)[0];
      const src = linked ? flowStart.get(flowEndAt.get(`${linked.tid}|${linked.ts}`)) : undefined;
      if (src) backward.push({ id, durNs, src });
      return;
    }
    if (enc.some(isAttn)) result.forwardNs += durNs;
  });
  const fwdEnclosing = stab(
    raw,
    backward.map((b) => ({ tid: b.src.tid, t: b.src.ts, id: b.id })),
  );
  for (const b of backward) if (fwdEnclosing.get(b.id)!.some(isAttn)) result.backwardNs += b.durNs;
  return result;
}
