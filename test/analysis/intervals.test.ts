import { describe, expect, it } from "vitest";
import { clip, gaps, intersect, measure, measureWithin, subtract, union, unionOfPairs } from "../../src/analysis/intervals.js";

const set = (...pairs: [number, number][]) =>
  unionOfPairs(
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  );
const pairs = (s: { starts: Float64Array; ends: Float64Array; length: number }) => Array.from({ length: s.length }, (_, i) => [s.starts[i], s.ends[i]]);

describe("interval sets (hand-computed cases)", () => {
  const a = set([0, 10], [5, 15], [20, 30], [30, 32]);
  const b = set([12, 22], [40, 50]);
  it("merges overlapping and touching intervals", () => {
    expect(pairs(a)).toEqual([
      [0, 15],
      [20, 32],
    ]);
    expect(measure(a)).toBe(27);
  });
  it("union, intersection, difference", () => {
    expect(pairs(union(a, b))).toEqual([
      [0, 32],
      [40, 50],
    ]);
    expect(pairs(intersect(a, b))).toEqual([
      [12, 15],
      [20, 22],
    ]);
    expect(pairs(subtract(a, b))).toEqual([
      [0, 12],
      [22, 32],
    ]);
    expect(pairs(subtract(b, a))).toEqual([
      [15, 20],
      [40, 50],
    ]);
  });
  it("measure within a window and clipping", () => {
    expect(measureWithin(a, 10, 25)).toBe(5 + 5);
    expect(pairs(clip(a, 10, 25))).toEqual([
      [10, 15],
      [20, 25],
    ]);
    expect(pairs(gaps(a, -5, 40))).toEqual([
      [-5, 0],
      [15, 20],
      [32, 40],
    ]);
  });
  it("ignores zero-length intervals", () => {
    expect(measure(set([1, 1], [2, 3]))).toBe(1);
  });
});
