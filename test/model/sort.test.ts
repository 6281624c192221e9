import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Float64Column, Int32Column, Uint8Column, comparatorOrder, mergeRuns, radixOrder, sortOrder } from "../../src/model/columns.js";

/** The order sortOrder must produce: the comparator sort's, or identity (null) when already sorted. */
function expected(start: Float64Array, end: Float64Array): number[] {
  return Array.from(comparatorOrder(start, end));
}

function actual(start: Float64Array, end: Float64Array): number[] {
  const p = sortOrder(start, end);
  return p ? Array.from(p) : Array.from(start, (_, i) => i);
}

const f64 = (xs: number[]) => Float64Array.from(xs);

describe("sortOrder (start asc, end desc, row asc)", () => {
  it("returns null for empty, single and already sorted tables", () => {
    expect(sortOrder(f64([]), f64([]))).toBeNull();
    expect(sortOrder(f64([5]), f64([6]))).toBeNull();
    expect(sortOrder(f64([1, 1, 2, 3]), f64([9, 4, 3, 3]))).toBeNull();
  });

  it("orders equal starts by end descending, then by row", () => {
    const start = f64([3, 1, 1, 1, 1, 0]);
    const end = f64([4, 2, 5, 2, 5, 1]);
    expect(actual(start, end)).toEqual([5, 2, 4, 1, 3, 0]);
  });

  it("handles negative times, -0 and +0, and fractional ns", () => {
    const start = f64([0, -0, -5.5, 2.25, -1e12, 1e15, 0.5, -0.5]);
    const end = f64([1, 2, 0, 3, 0, 2e15, 1, 0]);
    expect(actual(start, end)).toEqual(expected(start, end));
  });

  it("falls back to the comparator for NaN and Infinity", () => {
    const start = f64([2, NaN, 1, Infinity, -Infinity]);
    const end = f64([3, 1, 2, Infinity, 0]);
    expect(actual(start, end)).toEqual(expected(start, end));
  });

  it("sorts a long run of equal starts (more than the insertion-sort limit) on the radix path", () => {
    const n = 5000;
    const start = new Float64Array(n);
    const end = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      start[i] = (i * 7919) % 13 === 0 ? 42 : (i * 104729) % 977; // many runs, and a long run of 42s
      end[i] = start[i]! + ((i * 31) % 50);
    }
    expect(actual(start, end)).toEqual(expected(start, end));
  });

  it("merges a few long sorted runs (the layout of real traces)", () => {
    const n = 30000;
    const start = new Float64Array(n);
    const end = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const block = i % 3; // three interleaved time-ordered streams, written one after another
      start[i] = Math.floor(i / 3) * 10 + block;
      end[i] = start[i]! + (i % 7);
    }
    const shuffled = [0, 1, 2].flatMap((b) => Array.from({ length: n / 3 }, (_, k) => k * 3 + b));
    const s2 = Float64Array.from(shuffled, (i) => start[i]!);
    const e2 = Float64Array.from(shuffled, (i) => end[i]!);
    expect(actual(s2, e2)).toEqual(expected(s2, e2));
    expect(Array.from(mergeRuns(s2, e2))).toEqual(expected(s2, e2));
  });

  it("agrees with the comparator sort on arbitrary tables (property)", () => {
    const time = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, -0));
    fc.assert(
      fc.property(fc.array(fc.tuple(time, time), { maxLength: 300 }), (rows) => {
        const start = Float64Array.from(rows, (r) => r[0]);
        const end = Float64Array.from(rows, (r) => r[1]);
        expect(actual(start, end)).toEqual(expected(start, end));
        expect(Array.from(mergeRuns(start, end))).toEqual(expected(start, end));
      }),
      { numRuns: 300 },
    );
  });

  it("radixOrder is a stable ascending sort of finite keys, with 8- and 16-bit digits", () => {
    for (const n of [1, 2, 1000, (1 << 17) + 3]) {
      const key = new Float64Array(n);
      for (let i = 0; i < n; i++) key[i] = ((i * 2654435761) % 1000) - 500 + (i % 3) * 0.25;
      const want = Array.from(key, (_, i) => i).sort((a, b) => key[a]! - key[b]! || a - b);
      expect(Array.from(radixOrder(key))).toEqual(want);
    }
  });
});

describe("columns", () => {
  it("grow, freeze to the used length, and reorder by a permutation", () => {
    const f = new Float64Column(2);
    const i = new Int32Column(1);
    const u = new Uint8Column(1);
    for (let k = 0; k < 5; k++) {
      f.push(k + 0.5);
      i.push(-k);
      u.push(k * 2);
    }
    expect(Array.from(f.freeze())).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
    const perm = Int32Array.from([4, 0, 3, 1, 2]);
    expect(Array.from(i.freezePermuted(perm))).toEqual([-4, 0, -3, -1, -2]);
    expect(Array.from(u.freezePermuted(perm))).toEqual([8, 0, 6, 2, 4]);
  });
});
