/**
 * Sets of disjoint, sorted time intervals [start, end) in ns, and the set
 * operations the temporal figures are defined with (union, intersection,
 * difference, clipping, measure).
 */
import { upperBound } from "../model/search.js";

export interface IntervalSet {
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  readonly length: number;
}

export const EMPTY: IntervalSet = { starts: new Float64Array(0), ends: new Float64Array(0), length: 0 };

/**
 * Union of the intervals of the given rows; `start`/`end` must be sorted by start
 * (tables in the model are), rows in increasing order.
 */
export function unionOfRows(start: Float64Array, end: Float64Array, rows: ArrayLike<number>): IntervalSet {
  const s = new Float64Array(rows.length);
  const e = new Float64Array(rows.length);
  let n = 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    const a = start[i]!;
    const b = end[i]!;
    if (b <= a) continue; // zero-length activity adds no time
    if (n > 0 && a <= e[n - 1]!) {
      if (b > e[n - 1]!) e[n - 1] = b;
    } else {
      s[n] = a;
      e[n] = b;
      n++;
    }
  }
  return { starts: s.subarray(0, n), ends: e.subarray(0, n), length: n };
}

/** Union of arbitrary (unsorted) intervals. */
export function unionOfPairs(starts: ArrayLike<number>, ends: ArrayLike<number>): IntervalSet {
  const order = Array.from({ length: starts.length }, (_, i) => i).sort((a, b) => starts[a]! - starts[b]!);
  return unionOfRows(Float64Array.from(starts), Float64Array.from(ends), order);
}

export function measure(set: IntervalSet): number {
  let t = 0;
  for (let i = 0; i < set.length; i++) t += set.ends[i]! - set.starts[i]!;
  return t;
}

export function union(a: IntervalSet, b: IntervalSet): IntervalSet {
  const n = a.length + b.length;
  const s = new Float64Array(n);
  const e = new Float64Array(n);
  let i = 0;
  let j = 0;
  let m = 0;
  while (i < a.length || j < b.length) {
    let x: number;
    let y: number;
    if (j >= b.length || (i < a.length && a.starts[i]! <= b.starts[j]!)) {
      x = a.starts[i]!;
      y = a.ends[i++]!;
    } else {
      x = b.starts[j]!;
      y = b.ends[j++]!;
    }
    if (m > 0 && x <= e[m - 1]!) {
      if (y > e[m - 1]!) e[m - 1] = y;
    } else {
      s[m] = x;
      e[m] = y;
      m++;
    }
  }
  return { starts: s.subarray(0, m), ends: e.subarray(0, m), length: m };
}

export function intersect(a: IntervalSet, b: IntervalSet): IntervalSet {
  // each step emits at most one piece and advances i or j: a.length + b.length pieces at most
  const s = new Float64Array(a.length + b.length);
  const e = new Float64Array(a.length + b.length);
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a.starts[i]!, b.starts[j]!);
    const hi = Math.min(a.ends[i]!, b.ends[j]!);
    if (lo < hi) {
      s[n] = lo;
      e[n++] = hi;
    }
    if (a.ends[i]! < b.ends[j]!) i++;
    else j++;
  }
  return trimmed(s, e, n);
}

/** a minus b. */
export function subtract(a: IntervalSet, b: IntervalSet): IntervalSet {
  // a piece ends at an end of a or at a start of b: a.length + b.length pieces
  // at most for disjoint sets (grown below should a caller pass overlapping ones)
  let s: Float64Array = new Float64Array(a.length + b.length);
  let e: Float64Array = new Float64Array(a.length + b.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    let lo = a.starts[i]!;
    const hi = a.ends[i]!;
    while (j < b.length && b.ends[j]! <= lo) j++;
    let k = j;
    while (k < b.length && b.starts[k]! < hi) {
      if (b.starts[k]! > lo) {
        if (n >= s.length) {
          s = grown(s);
          e = grown(e);
        }
        s[n] = lo;
        e[n++] = b.starts[k]!;
      }
      lo = Math.max(lo, b.ends[k]!);
      if (lo >= hi) break;
      k++;
    }
    if (lo < hi) {
      if (n >= s.length) {
        s = grown(s);
        e = grown(e);
      }
      s[n] = lo;
      e[n++] = hi;
    }
  }
  return trimmed(s, e, n);
}

function grown(a: Float64Array): Float64Array {
  const next = new Float64Array(a.length * 2 + 2);
  next.set(a);
  return next;
}

/** The first n intervals, in arrays of their own size. */
function trimmed(s: Float64Array, e: Float64Array, n: number): IntervalSet {
  return { starts: s.slice(0, n), ends: e.slice(0, n), length: n };
}

/** Measure of the part of `set` inside [from, to), without building a new set. */
export function measureWithin(set: IntervalSet, from: number, to: number): number {
  let i = lowerBoundEnd(set, from);
  let t = 0;
  for (; i < set.length && set.starts[i]! < to; i++) {
    const lo = Math.max(set.starts[i]!, from);
    const hi = Math.min(set.ends[i]!, to);
    if (hi > lo) t += hi - lo;
  }
  return t;
}

export function clip(set: IntervalSet, from: number, to: number): IntervalSet {
  const s: number[] = [];
  const e: number[] = [];
  for (let i = lowerBoundEnd(set, from); i < set.length && set.starts[i]! < to; i++) {
    const lo = Math.max(set.starts[i]!, from);
    const hi = Math.min(set.ends[i]!, to);
    if (hi > lo) {
      s.push(lo);
      e.push(hi);
    }
  }
  return { starts: Float64Array.from(s), ends: Float64Array.from(e), length: s.length };
}

/** First interval whose end is after t. */
function lowerBoundEnd(set: IntervalSet, t: number): number {
  return upperBound(set.length, (i) => set.ends[i]!, t);
}

/** Gaps of the complement of `set` inside [from, to). */
export function gaps(set: IntervalSet, from: number, to: number): IntervalSet {
  return subtract({ starts: Float64Array.of(from), ends: Float64Array.of(to), length: to > from ? 1 : 0 }, set);
}
