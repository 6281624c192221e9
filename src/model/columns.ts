/**
 * Growable typed-array columns used by the trace builder while parsing.
 * Each column doubles its capacity when full; `freeze()` returns a typed array
 * trimmed to the used length (a view when it already fits, so no extra copy).
 */

export class Float64Column {
  private data: Float64Array;
  length = 0;
  constructor(initial = 1024) {
    this.data = new Float64Array(initial);
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
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}

export class Int32Column {
  private data: Int32Array;
  length = 0;
  constructor(initial = 1024) {
    this.data = new Int32Array(initial);
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
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}

export class Uint8Column {
  private data: Uint8Array;
  length = 0;
  constructor(initial = 1024) {
    this.data = new Uint8Array(initial);
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = v;
  }
  get(i: number): number {
    return this.data[i]!;
  }
  private grow(): void {
    const next = new Uint8Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
  freeze(): Uint8Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}

/** Reorders a column by a permutation (out[i] = col[perm[i]]). */
export function permute<T extends Float64Array | Int32Array | Uint8Array>(col: T, perm: Int32Array): T {
  const out = new (col.constructor as { new (n: number): T })(perm.length);
  for (let i = 0; i < perm.length; i++) out[i] = col[perm[i]!]!;
  return out;
}
