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
