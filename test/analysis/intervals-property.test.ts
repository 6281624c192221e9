import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { intersect, subtract, unionOfPairs, type IntervalSet } from "../../src/analysis/intervals.js";

/** Unit cells [t, t+1) covered by a set of integer intervals: a brute-force model of a set. */
function cells(set: IntervalSet): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < set.length; i++) for (let t = set.starts[i]!; t < set.ends[i]!; t++) out.add(t);
  return out;
}

const intervals = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 12 })).map(([s, d]) => [s, s + d] as const),
  { maxLength: 25 },
);
const toSet = (list: readonly (readonly [number, number])[]) =>
  unionOfPairs(
    list.map((p) => p[0]),
    list.map((p) => p[1]),
  );

function disjointSorted(set: IntervalSet): boolean {
  for (let i = 0; i < set.length; i++) {
    if (!(set.starts[i]! < set.ends[i]!)) return false;
    if (i > 0 && !(set.ends[i - 1]! <= set.starts[i]!)) return false;
  }
  return set.starts.length === set.length && set.ends.length === set.length;
}

describe("intersect and subtract agree with a cell-by-cell model", () => {
  it("on random integer interval sets", () => {
    fc.assert(
      fc.property(intervals, intervals, (x, y) => {
        const a = toSet(x);
        const b = toSet(y);
        const ca = cells(a);
        const cb = cells(b);
        const inter = intersect(a, b);
        const diff = subtract(a, b);
        expect(disjointSorted(inter)).toBe(true);
        expect(disjointSorted(diff)).toBe(true);
        expect([...cells(inter)].sort((p, q) => p - q)).toEqual([...ca].filter((t) => cb.has(t)).sort((p, q) => p - q));
        expect([...cells(diff)].sort((p, q) => p - q)).toEqual([...ca].filter((t) => !cb.has(t)).sort((p, q) => p - q));
      }),
      { numRuns: 500 },
    );
  });

  it("subtract grows its output when given overlapping (non-canonical) sets", () => {
    // three copies of the same interval: more pieces than a.length + b.length
    const a: IntervalSet = { starts: Float64Array.of(0, 0, 0), ends: Float64Array.of(10, 10, 10), length: 3 };
    const b: IntervalSet = { starts: Float64Array.of(2, 6), ends: Float64Array.of(3, 7), length: 2 };
    const d = subtract(a, b);
    expect(d.length).toBe(9);
    expect(Array.from(d.starts)).toEqual([0, 3, 7, 0, 3, 7, 0, 3, 7]);
  });
});
