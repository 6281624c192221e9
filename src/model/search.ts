/** Binary searches over anything sorted by a numeric key (rows, spans, typed arrays). */

/** First index i in [0, n) with key(i) >= t, keys ascending; n when there is none. */
export function lowerBound(n: number, key: (i: number) => number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(mid) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in [0, n) with key(i) > t, keys ascending: the number of keys <= t. */
export function upperBound(n: number, key: (i: number) => number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(mid) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
