/**
 * Point queries on CPU slices: which slice was running on a thread at a time.
 * Built once per model (rows per thread, in start order).
 */
import type { TraceModel } from "../model/tables.js";

export class SliceLocator {
  private readonly byThread = new Map<number, Int32Array>();

  constructor(private readonly model: TraceModel) {
    const lists = new Map<number, number[]>();
    const { cpu } = model;
    for (let i = 0; i < cpu.length; i++) {
      const t = cpu.thread[i]!;
      let list = lists.get(t);
      if (!list) lists.set(t, (list = []));
      list.push(i);
    }
    for (const [t, list] of lists) this.byThread.set(t, Int32Array.from(list));
  }

  /** Innermost slice on `thread` whose [start, end] contains t, -1 none. */
  innermostAt(thread: number, t: number): number {
    const list = this.byThread.get(thread);
    if (!list) return -1;
    const { start, end } = this.model.cpu;
    // upperBound over the thread's start times, inline: called once per memory event and kernel
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (start[list[mid]!]! <= t) lo = mid + 1;
      else hi = mid;
    }
    // the latest-starting slice still running at t is the innermost one
    for (let k = lo - 1; k >= 0 && k >= lo - 4096; k--) {
      const i = list[k]!;
      if (end[i]! >= t) return i;
    }
    return -1;
  }
}

const locators = new WeakMap<TraceModel, SliceLocator>();

/** The model's slice locator, built once and shared by the analyses that need it. */
export function slicesOf(model: TraceModel): SliceLocator {
  let l = locators.get(model);
  if (!l) locators.set(model, (l = new SliceLocator(model)));
  return l;
}
