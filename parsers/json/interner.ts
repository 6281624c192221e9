/**
 * Interns raw JSON string bytes without decoding them first: the bytes are
 * hashed (a sample for long strings), looked up in an open-addressing table and
 * compared natively; only a miss decodes the string and adds it to the trace's
 * string table. Names repeat millions of times, so almost every lookup hits.
 */
import type { StringTableBuilder } from "../../src/model/strings.js";
import { decodeString } from "./scanner.js";

export class ByteInterner {
  private slots: Int32Array; // entry + 1, 0 = empty
  private mask: number;
  private hashes = new Int32Array(256);
  private offsets = new Float64Array(256);
  private lengths = new Int32Array(256);
  private ids = new Int32Array(256);
  private count = 0;
  private arena = Buffer.alloc(1 << 16);
  private arenaUsed = 0;

  constructor(
    private readonly strings: StringTableBuilder,
    /** Strings longer than this are truncated (with a marker) before interning. */
    private readonly maxLength = 1 << 20,
  ) {
    this.slots = new Int32Array(1024);
    this.mask = 1023;
  }

  intern(buf: Buffer, s: number, e: number): number {
    const len = e - s;
    const h = hashBytes(buf, s, e);
    let slot = h & this.mask;
    for (;;) {
      const entry = this.slots[slot]! - 1;
      if (entry < 0) break;
      if (this.hashes[entry] === h && this.lengths[entry] === len && this.sameBytes(buf, s, e, this.offsets[entry]!)) return this.ids[entry]!;
      slot = (slot + 1) & this.mask;
    }
    let text = decodeString(buf, s, e);
    if (text.length > this.maxLength) text = `${text.slice(0, this.maxLength)}…[truncated ${text.length} chars]`;
    const id = this.strings.intern(text);
    this.insert(slot, h, buf, s, e, id);
    return id;
  }

  /** buf[s, e) equals the arena at `off`; a JS loop for short strings (a native call costs more). */
  private sameBytes(buf: Buffer, s: number, e: number, off: number): boolean {
    const len = e - s;
    const arena = this.arena;
    if (len > 48) return arena.compare(buf, s, e, off, off + len) === 0;
    const d = off - s;
    for (let p = s; p < e; p++) if (arena[p + d] !== buf[p]) return false;
    return true;
  }

  private insert(slot: number, h: number, buf: Buffer, s: number, e: number, id: number): void {
    const len = e - s;
    if (this.count === this.hashes.length) this.growEntries();
    if (this.arenaUsed + len > this.arena.length) {
      const next = Buffer.alloc(Math.max(this.arena.length * 2, this.arenaUsed + len));
      this.arena.copy(next, 0, 0, this.arenaUsed);
      this.arena = next;
    }
    buf.copy(this.arena, this.arenaUsed, s, e);
    const entry = this.count++;
    this.hashes[entry] = h;
    this.offsets[entry] = this.arenaUsed;
    this.lengths[entry] = len;
    this.ids[entry] = id;
    this.arenaUsed += len;
    this.slots[slot] = entry + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  private growEntries(): void {
    const n = this.hashes.length * 2;
    const grow = <T extends Int32Array | Float64Array>(a: T): T => {
      const next = new (a.constructor as { new (n: number): T })(n);
      next.set(a);
      return next;
    };
    this.hashes = grow(this.hashes);
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
    this.ids = grow(this.ids);
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let entry = 0; entry < this.count; entry++) {
      let slot = this.hashes[entry]! & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = entry + 1;
    }
  }
}

/**
 * Murmur3-style hash over the length and the bytes, four at a time (short
 * strings: all of them; long ones: the first and last 32 bytes and a strided
 * sample of the middle); a full compare settles equality, so the hash only
 * has to spread keys well.
 */
export function hashBytes(buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  let h = 0x811c9dc5 ^ len;
  if (len <= 64) {
    h = mixWords(h, buf, s, e);
  } else {
    h = mixWords(h, buf, s, s + 32);
    h = mixWords(h, buf, e - 32, e);
    const stride = Math.max(1, (len - 64) >> 5);
    let k = 0;
    for (let p = s + 32; p < e - 32; p += stride) k = Math.imul(k ^ buf[p]!, 0x01000193);
    h = mixWord(h, k);
  }
  // final avalanche: the table uses the low bits
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x7fffffff;
}

function mixWords(h: number, buf: Uint8Array, s: number, e: number): number {
  let p = s;
  for (const e4 = e - 3; p < e4; p += 4) h = mixWord(h, buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24));
  if (p === e) return h;
  let k = 0;
  for (; p < e; p++) k = (k << 8) | buf[p]!;
  return mixWord(h, k);
}

function mixWord(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
