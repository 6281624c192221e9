/**
 * Independent attribution by plain time containment over the raw JSON events
 * (no parent pointers, no model): for each GPU activity, the launching runtime
 * call (by correlation) and the CPU events on the same thread that contain it.
 */
import type { RawEvent, RawTrace } from "./raw.js";

export interface RawIndex {
  launch: Map<unknown, RawEvent>;
  /** CPU X events per tid, sorted by ts. */
  cpuByTid: Map<unknown, RawEvent[]>;
}

export function indexRaw(raw: RawTrace): RawIndex {
  const launch = new Map<unknown, RawEvent>();
  const cpuByTid = new Map<unknown, RawEvent[]>();
  for (const e of raw.traceEvents) {
    if ((e.cat === "cuda_runtime" || e.cat === "cuda_driver") && e.args) launch.set(e.args["correlation"], e);
    if (e.ph === "X" && (e.cat === "cpu_op" || e.cat === "python_function" || e.cat === "user_annotation")) {
      const list = cpuByTid.get(e.tid) ?? [];
      list.push(e);
      cpuByTid.set(e.tid, list);
    }
  }
  for (const list of cpuByTid.values()) list.sort((a, b) => a.ts! - b.ts!);
  return { launch, cpuByTid };
}

/** CPU events on `tid` whose [ts, ts+dur] contains time t, outermost first. */
export function containing(index: RawIndex, tid: unknown, t: number): RawEvent[] {
  return (index.cpuByTid.get(tid) ?? []).filter((e) => e.ts! <= t && t <= e.ts! + e.dur!);
}

export function innermost(events: RawEvent[], pred: (e: RawEvent) => boolean): RawEvent | undefined {
  let best: RawEvent | undefined;
  for (const e of events) if (pred(e) && (!best || e.ts! >= best.ts!)) best = e;
  return best;
}

export const isModule = (e: RawEvent) => e.cat === "python_function" && (e.name ?? "").startsWith("nn.Module: ");
export const classOf = (e: RawEvent) => (e.name ?? "").slice("nn.Module: ".length).replace(/_\d+$/, "");

export interface RawAttribution {
  event: RawEvent;
  durNs: number;
  phase: "forward" | "backward" | "recompute" | "optimizer" | "other";
  /** Class of the module the kernel belongs to (forward: innermost module; backward: the linked forward op's). */
  className: string | null;
  op: RawEvent | undefined;
  launch: RawEvent | undefined;
}

/**
 * Per GPU activity in [from, to): phase, module class and launching operator,
 * by time containment on the raw events and the raw fwdbwd flows (a second,
 * plain implementation of src/analysis/attribution.ts for the tests).
 */
export function attributeRaw(raw: RawTrace, from: number, to: number): RawAttribution[] {
  const index = indexRaw(raw);
  const flowStart = new Map<unknown, { tid: unknown; ts: number }>();
  const flowEndAt = new Map<string, unknown>();
  for (const e of raw.traceEvents) {
    if (e.cat !== "fwdbwd") continue;
    if (e.ph === "s") flowStart.set(e.id, { tid: e.tid, ts: e.ts! });
    if (e.ph === "f") flowEndAt.set(`${e.tid}|${e.ts}`, e.id);
  }
  const out: RawAttribution[] = [];
  for (const g of raw.traceEvents) {
    if (g.ph !== "X" || !["kernel", "gpu_memcpy", "gpu_memset"].includes(g.cat ?? "") || g.ts! < from || g.ts! >= to) continue;
    const r = index.launch.get(g.args?.["correlation"]);
    const base = { event: g, durNs: g.dur! * 1000, launch: r };
    if (!r) {
      out.push({ ...base, phase: "other", className: null, op: undefined });
      continue;
    }
    const enc = containing(index, r.tid, r.ts!);
    const op = innermost(enc, (e) => e.cat === "cpu_op");
    if (enc.some((e) => e.cat === "user_annotation" && (e.name ?? "").startsWith("Optimizer.step"))) {
      out.push({ ...base, phase: "optimizer", className: null, op });
      continue;
    }
    const engine = innermost(enc, (e) => (e.name ?? "").startsWith("autograd::engine::evaluate_function"));
    if (engine) {
      const mod = innermost(enc, (e) => isModule(e) && e.ts! >= engine.ts!);
      if (mod) {
        out.push({ ...base, phase: "recompute", className: classOf(mod), op });
        continue;
      }
      const bwd = innermost(enc, (e) => e.cat === "cpu_op" && flowEndAt.has(`${e.tid}|${e.ts}`));
      const src = bwd ? flowStart.get(flowEndAt.get(`${bwd.tid}|${bwd.ts}`)) : undefined;
      const m = src ? innermost(containing(index, src.tid, src.ts), isModule) : undefined;
      out.push({ ...base, phase: "backward", className: m ? classOf(m) : null, op });
      continue;
    }
    const m = innermost(enc, isModule);
    out.push({ ...base, phase: "forward", className: m ? classOf(m) : null, op });
  }
  return out;
}
