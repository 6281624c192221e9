/** Distribution summaries used by several analyses. */

export interface Distribution {
  count: number;
  meanNs: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  minNs: number;
  maxNs: number;
}

/** Nearest-rank percentiles (p in 0..100) of the values; NaN-free input expected. */
export function distribution(values: ArrayLike<number>): Distribution {
  const n = values.length;
  if (n === 0) return { count: 0, meanNs: 0, p50Ns: 0, p90Ns: 0, p99Ns: 0, minNs: 0, maxNs: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const pick = (p: number) => nearestRank(sorted, p);
  return { count: n, meanNs: sum / n, p50Ns: pick(50), p90Ns: pick(90), p99Ns: pick(99), minNs: sorted[0]!, maxNs: sorted[n - 1]! };
}

/** Nearest-rank percentile (p in 0..100) of ascending values; NaN when empty. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
}

/** Sample standard deviation (n−1), the one spread of the project (diff, compare, inference); null with fewer than 2 values. */
export function sampleSd(values: readonly number[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return Math.sqrt(ss / (n - 1));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
