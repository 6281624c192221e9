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

  /**
   * innermostAt for many queries at once (query q: thread threadOf[rows[q]],
   * time timeOf[rows[q]]), same answers, one sweep per thread instead of a
   * binary search and a look-back per query: the queries of a thread are taken
   * in time order while a stack keeps the started slices that could still be
   * the answer (a slice is dropped once it has ended, or once a later-starting
   * slice outlives it, since that one wins every later query).
   */
  innermostAtEach(rows: ArrayLike<number>, threadOf: ArrayLike<number>, timeOf: ArrayLike<number>): Int32Array {
    const out = new Int32Array(rows.length).fill(-1);
    const byThread = new Map<number, number[]>();
    for (let q = 0; q < rows.length; q++) {
      const t = threadOf[rows[q]!]!;
      let qs = byThread.get(t);
      if (!qs) byThread.set(t, (qs = []));
      qs.push(q);
    }
    const { start, end } = this.model.cpu;
    for (const [thread, qs] of byThread) {
      const list = this.byThread.get(thread);
      if (!list) continue;
      const times = Float64Array.from(qs, (q) => timeOf[rows[q]!]!);
      const order = Int32Array.from(qs.keys());
      // allocator events come in time order: sort only when they do not
      let sorted = true;
      for (let k = 1; k < times.length && sorted; k++) sorted = times[k - 1]! <= times[k]!;
      if (!sorted) order.sort((a, b) => times[a]! - times[b]! || a - b);
      const stack = new Int32Array(list.length); // positions in `list`
      let top = 0;
      let next = 0;
      for (const o of order) {
        const t = times[o]!;
        if (Number.isNaN(t)) continue;
        for (; next < list.length && start[list[next]!]! <= t; next++) {
          const e = end[list[next]!]!;
          if (Number.isNaN(e)) continue; // never contains a time
          while (top > 0 && end[list[stack[top - 1]!]!]! <= e) top--;
          stack[top++] = next;
        }
        while (top > 0 && end[list[stack[top - 1]!]!]! < t) top--;
        // innermostAt looks back at most 4096 slices: keep its answers exactly
        if (top > 0 && stack[top - 1]! >= next - 4096) out[qs[o]!] = list[stack[top - 1]!]!;
      }
    }
    return out;
  }
}

const locators = new WeakMap<TraceModel, SliceLocator>();

/** The model's slice locator, built once and shared by the analyses that need it. */
export function slicesOf(model: TraceModel): SliceLocator {
  let l = locators.get(model);
  if (!l) locators.set(model, (l = new SliceLocator(model)));
  return l;
}
