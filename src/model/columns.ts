/**
 * Growable typed-array columns used by the trace builder while parsing.
 * Each column starts small (memory in proportion to the rows kept, even for a
 * report with thousands of near-empty processes) and doubles when full; `freeze()` returns a typed array
 * trimmed to the used length (a view when it already fits, so no extra copy);
 * `freezePermuted(perm)` reorders straight from the storage (no trimmed copy
 * first). Both release the storage: a column is frozen once, and dropping it
 * early keeps the peak memory of `TraceBuilder.freeze()` low.
 */

type Typed = Float64Array | Int32Array | Uint8Array;

// Three copies of one class, not a generic base: each keeps its element
// accesses monomorphic, which the parser's per-event pushes depend on.
export class Float64Column {
  private data: Float64Array;
  length = 0;
  constructor(initial = 64) {
    this.data = new Float64Array(Math.max(1, initial));
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = v;
  }
  get(i: number): number {
    return this.data[i]!;
  }
  set(i: number, v: number): void {
    this.data[i] = v;
  }
  private grow(): void {
    const next = new Float64Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
  freeze(): Float64Array {
    const out = this.length === this.data.length ? this.data : this.data.slice(0, this.length);
    this.data = new Float64Array(0);
    return out;
  }
  /** The used part, copied (the column stays usable). */
  snapshot(): Float64Array {
    return this.data.slice(0, this.length);
  }
  /** Appends values, each passed through `map` when given (remapping ids). */
  append(values: ArrayLike<number>, map?: (v: number) => number): void {
    const n = values.length;
    while (this.length + n > this.data.length) this.grow();
    const d = this.data;
    let at = this.length;
    if (map) for (let i = 0; i < n; i++) d[at++] = map(values[i]!);
    else if (values instanceof Float64Array) {
      d.set(values, at);
      at += n;
    } else for (let i = 0; i < n; i++) d[at++] = values[i]!;
    this.length = at;
  }
  /** out[i] = column[perm[i]]; perm.length must equal length. */
  freezePermuted(perm: Int32Array): Float64Array {
    const out = permute(this.data, perm);
    this.data = new Float64Array(0);
    return out;
  }
}

export class Int32Column {
  private data: Int32Array;
  length = 0;
  constructor(initial = 64) {
    this.data = new Int32Array(Math.max(1, initial));
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = v;
  }
  get(i: number): number {
    return this.data[i]!;
  }
  set(i: number, v: number): void {
    this.data[i] = v;
  }
  private grow(): void {
    const next = new Int32Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
  freeze(): Int32Array {
    const out = this.length === this.data.length ? this.data : this.data.slice(0, this.length);
    this.data = new Int32Array(0);
    return out;
  }
  /** The used part, copied (the column stays usable). */
  snapshot(): Int32Array {
    return this.data.slice(0, this.length);
  }
  /** Appends values, each passed through `map` when given (remapping ids). */
  append(values: ArrayLike<number>, map?: (v: number) => number): void {
    const n = values.length;
    while (this.length + n > this.data.length) this.grow();
    const d = this.data;
    let at = this.length;
    if (map) for (let i = 0; i < n; i++) d[at++] = map(values[i]!);
    else if (values instanceof Int32Array) {
      d.set(values, at);
      at += n;
    } else for (let i = 0; i < n; i++) d[at++] = values[i]!;
    this.length = at;
  }
  /** out[i] = column[perm[i]]; perm.length must equal length. */
  freezePermuted(perm: Int32Array): Int32Array {
    const out = permute(this.data, perm);
    this.data = new Int32Array(0);
    return out;
  }
}

export class Uint8Column {
  private data: Uint8Array;
  length = 0;
  constructor(initial = 64) {
    this.data = new Uint8Array(Math.max(1, initial));
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = v;
  }
  get(i: number): number {
    return this.data[i]!;
  }
  set(i: number, v: number): void {
    this.data[i] = v;
  }
  private grow(): void {
    const next = new Uint8Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
  freeze(): Uint8Array {
    const out = this.length === this.data.length ? this.data : this.data.slice(0, this.length);
    this.data = new Uint8Array(0);
    return out;
  }
  /** The used part, copied (the column stays usable). */
  snapshot(): Uint8Array {
    return this.data.slice(0, this.length);
  }
  /** Appends values, each passed through `map` when given (remapping ids). */
  append(values: ArrayLike<number>, map?: (v: number) => number): void {
    const n = values.length;
    while (this.length + n > this.data.length) this.grow();
    const d = this.data;
    let at = this.length;
    if (map) for (let i = 0; i < n; i++) d[at++] = map(values[i]!);
    else if (values instanceof Uint8Array) {
      d.set(values, at);
      at += n;
    } else for (let i = 0; i < n; i++) d[at++] = values[i]!;
    this.length = at;
  }
  /** out[i] = column[perm[i]]; perm.length must equal length. */
  freezePermuted(perm: Int32Array): Uint8Array {
    const out = permute(this.data, perm);
    this.data = new Uint8Array(0);
    return out;
  }
}

/** Reorders a column by a permutation (out[i] = col[perm[i]]); col may be longer than perm. */
export function permute<T extends Typed>(col: T, perm: Int32Array): T {
  const out = new (col.constructor as { new (n: number): T })(perm.length);
  for (let i = 0; i < perm.length; i++) out[i] = col[perm[i]!]!;
  return out;
}

/**
 * Permutation that orders rows by start ascending, then end descending, then
 * row ascending (a total order: the result is unique); null when the rows are
 * already in that order. Real traces arrive as a few long sorted runs (Kineto
 * writes each event kind in time order), so runs are found and merged
 * (O(n log runs), no comparator callbacks); input with many runs goes through
 * a stable LSD radix sort on the start times' bit patterns instead.
 */
export function sortOrder(start: Float64Array, end: Float64Array): Int32Array | null {
  // each loop in a function of its own: V8 compiles a hot loop on its own (OSR), and
  // code after it in the same function, not run yet, would throw that code away
  const runs = countRuns(start, end);
  if (runs === 1) return null;
  // NaN / Infinity: keep the comparator's exact behaviour
  if (!allFinite(start, end)) return comparatorOrder(start, end);
  if (runs <= 256) return mergeRuns(start, end);
  const perm = radixOrder(start);
  orderTies(perm, start, end);
  return perm;
}

/** Ordered runs (start asc, end desc) the rows fall into. */
function countRuns(start: Float64Array, end: Float64Array): number {
  let runs = 1;
  for (let i = 1; i < start.length; i++) {
    const d = start[i]! - start[i - 1]!;
    if (d < 0 || (d === 0 && end[i]! > end[i - 1]!)) runs++;
  }
  return runs;
}

function allFinite(start: Float64Array, end: Float64Array): boolean {
  for (let i = 0; i < start.length; i++) if (start[i]! - start[i]! !== 0 || end[i]! - end[i]! !== 0) return false;
  return true;
}

/** Row a goes before row b: start asc, end desc, row asc. */
function before(start: Float64Array, end: Float64Array, a: number, b: number): boolean {
  const sa = start[a]!;
  const sb = start[b]!;
  if (sa !== sb) return sa < sb;
  const ea = end[a]!;
  const eb = end[b]!;
  return ea !== eb ? ea > eb : a < b;
}

/** Natural merge sort: the table's ordered runs, merged pairwise until one is left. */
export function mergeRuns(start: Float64Array, end: Float64Array): Int32Array {
  const n = start.length;
  let src = new Int32Array(n);
  let dst = new Int32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  let bounds = runBounds(start, end);
  while (bounds.length > 2) {
    const next: number[] = [0];
    for (let k = 0; k + 1 < bounds.length; k += 2) {
      const hi = k + 2 < bounds.length ? bounds[k + 2]! : bounds[k + 1]!;
      mergePair(start, end, src, dst, bounds[k]!, bounds[k + 1]!, hi);
      next.push(hi);
    }
    [src, dst] = [dst, src];
    bounds = next;
  }
  return src;
}

/** Run boundaries: element k is where run k starts; the last element is n. */
function runBounds(start: Float64Array, end: Float64Array): number[] {
  const n = start.length;
  const b: number[] = [0];
  for (let i = 1; i < n; i++) if (!before(start, end, i - 1, i)) b.push(i);
  b.push(n);
  return b;
}

/** Merges the ordered runs src[lo, mid) and src[mid, hi) into dst[lo, hi). */
function mergePair(start: Float64Array, end: Float64Array, src: Int32Array, dst: Int32Array, lo: number, mid: number, hi: number): void {
  let i = lo;
  let j = mid;
  let o = lo;
  while (i < mid && j < hi) {
    const x = src[i]!;
    const y = src[j]!;
    if (before(start, end, y, x)) {
      dst[o++] = y;
      j++;
    } else {
      dst[o++] = x;
      i++;
    }
  }
  while (i < mid) dst[o++] = src[i++]!;
  while (j < hi) dst[o++] = src[j++]!;
}

/** The reference ordering (start asc, end desc, row asc) by a comparator sort. */
export function comparatorOrder(start: Float64Array, end: Float64Array): Int32Array {
  const perm = new Int32Array(start.length);
  for (let i = 0; i < perm.length; i++) perm[i] = i;
  perm.sort((a, b) => start[a]! - start[b]! || end[b]! - end[a]! || a - b);
  return perm;
}

/** Rows in ascending order of `key` (finite), ties by row: a stable LSD radix sort. */
export function radixOrder(key: Float64Array): Int32Array {
  const n = key.length;
  // sortable 64-bit patterns as (hi, lo) uint32 pairs: flip the sign bit of
  // positives, every bit of negatives; +0 for -0 (they compare equal)
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  const hiWord = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: u[1] is the high word
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = key[i]!;
    f[0] = v === 0 ? 0 : v;
    const h = u[hiWord]!;
    const l = u[1 - hiWord]!;
    if (h >>> 31) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
    idx[i] = i;
  }
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  let idx2 = new Int32Array(n);
  // 16-bit digits for big tables; 8-bit ones where a 65536-entry histogram would cost more than the keys
  const bits = n >= 1 << 17 ? 16 : 8;
  const radix = 1 << bits;
  const mask = radix - 1;
  const count = new Int32Array(radix);
  for (let pass = 0; pass < 64 / bits; pass++) {
    const src = pass < 32 / bits ? lo : hi;
    const shift = (pass * bits) & 31;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(src[i]! >>> shift) & mask]!++;
    if (count[(src[0]! >>> shift) & mask] === n) continue; // every key has this digit
    let sum = 0;
    for (let d = 0; d < radix; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const j = count[(src[i]! >>> shift) & mask]!++;
      hi2[j] = hi[i]!;
      lo2[j] = lo[i]!;
      idx2[j] = idx[i]!;
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    [idx, idx2] = [idx2, idx];
  }
  return idx;
}

/** Within runs of equal start (rows ascending), orders rows by end descending, stably. */
function orderTies(perm: Int32Array, start: Float64Array, end: Float64Array): void {
  const n = perm.length;
  let a = 0;
  while (a < n) {
    const s = start[perm[a]!]!;
    let b = a + 1;
    let ordered = true;
    while (b < n && start[perm[b]!]! === s) {
      if (end[perm[b]!]! > end[perm[b - 1]!]!) ordered = false;
      b++;
    }
    if (!ordered) {
      if (b - a <= 32) {
        // insertion sort: stable, and runs of equal starts are short in practice
        for (let i = a + 1; i < b; i++) {
          const r = perm[i]!;
          const e = end[r]!;
          let j = i - 1;
          while (j >= a && end[perm[j]!]! < e) {
            perm[j + 1] = perm[j]!;
            j--;
          }
          perm[j + 1] = r;
        }
      } else {
        const run = Array.from(perm.subarray(a, b)).sort((x, y) => end[y]! - end[x]! || x - y);
        perm.set(run, a);
      }
    }
    a = b;
  }
}
