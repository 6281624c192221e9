/**
 * Matches raw key bytes against a fixed set of known keys without making strings.
 * A collision-free slot is computed from the length and three bytes of the key
 * (first, middle, last: no loop over the bytes), then one byte compare confirms it.
 * Keys are matched millions of times per trace, so this is on the hot path.
 */
export class KeyMatcher {
  private readonly mask: number;
  private readonly mulLen: number;
  private readonly mulMid: number;
  /** Per slot: key id (0 = empty), and the key's bytes in `bytes` at `offsets`. */
  private readonly ids: Int32Array;
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly maxLength: number;

  constructor(keys: Readonly<Record<string, number>>) {
    const list = Object.entries(keys).map(([k, id]) => ({ b: Buffer.from(k, "utf8"), id }));
    for (const { b, id } of list) {
      if (b.length === 0) throw new Error("empty key");
      if (!(id > 0)) throw new Error(`key id must be > 0: ${b.toString()}`);
    }
    let total = 0;
    for (const { b } of list) total += b.length;
    this.bytes = new Uint8Array(total);
    this.maxLength = Math.max(...list.map((k) => k.b.length));
    const { size, a, m } = findSlots(list.map((k) => k.b));
    this.mask = size - 1;
    this.mulLen = a;
    this.mulMid = m;
    this.ids = new Int32Array(size);
    this.offsets = new Int32Array(size);
    this.lengths = new Int32Array(size);
    let off = 0;
    for (const { b, id } of list) {
      const slot = slotOf(b, 0, b.length, a, m, size - 1);
      this.ids[slot] = id;
      this.offsets[slot] = off;
      this.lengths[slot] = b.length;
      this.bytes.set(b, off);
      off += b.length;
    }
  }

  /** Id of the key spelled by buf[s, e), or 0 when it is not a known key. */
  match(buf: Uint8Array, s: number, e: number): number {
    const len = e - s;
    if (len <= 0 || len > this.maxLength) return 0;
    const slot = slotOf(buf, s, e, this.mulLen, this.mulMid, this.mask);
    if (this.lengths[slot] !== len) return 0;
    const bytes = this.bytes;
    const off = this.offsets[slot]! - s;
    for (let p = s; p < e; p++) if (bytes[off + p] !== buf[p]) return 0;
    return this.ids[slot]!;
  }
}

function slotOf(b: Uint8Array, s: number, e: number, mulLen: number, mulMid: number, mask: number): number {
  const len = e - s;
  return (len * mulLen + b[s]! * 7 + b[s + (len >> 1)]! * mulMid + b[e - 1]! * 3) & mask;
}

/** A table size and multipliers that give every key its own slot. */
function findSlots(keys: readonly Uint8Array[]): { size: number; a: number; m: number } {
  for (let size = 64; size <= 1 << 16; size *= 2) {
    for (let a = 1; a < 64; a++) {
      for (let m = 1; m < 16; m++) {
        const used = new Set<number>();
        let ok = true;
        for (const b of keys) {
          const s = slotOf(b, 0, b.length, a, m, size - 1);
          if (used.has(s)) {
            ok = false;
            break;
          }
          used.add(s);
        }
        if (ok) return { size, a, m };
      }
    }
  }
  throw new Error("no collision-free key table");
}
