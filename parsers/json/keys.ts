/**
 * Matches raw key bytes against a fixed set of known keys without making strings:
 * a hash of the bytes picks a candidate, a byte compare confirms it.
 */
import { hashBytes } from "./interner.js";

export class KeyMatcher {
  private readonly byHash = new Map<number, { id: number; bytes: Buffer }>();

  constructor(keys: Readonly<Record<string, number>>) {
    for (const [key, id] of Object.entries(keys)) {
      const bytes = Buffer.from(key, "utf8");
      const h = hashBytes(bytes, 0, bytes.length);
      if (this.byHash.has(h)) throw new Error(`key hash collision: ${key}`);
      this.byHash.set(h, { id, bytes });
    }
  }

  /** Id of the key spelled by buf[s, e), or 0 when it is not a known key. */
  match(buf: Buffer, s: number, e: number): number {
    const hit = this.byHash.get(hashBytes(buf, s, e));
    if (hit === undefined || hit.bytes.length !== e - s) return 0;
    const b = hit.bytes;
    for (let i = 0; i < b.length; i++) if (b[i] !== buf[s + i]) return 0;
    return hit.id;
  }
}
