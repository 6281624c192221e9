/**
 * Byte-level JSON scanning primitives over a window [pos, end) of a buffer that
 * holds part of a larger text. Reading past `end` throws NEED_MORE: the caller
 * keeps the bytes of the unit it was reading and retries once more text arrived.
 * Malformed text throws JsonSyntaxError with the offset within the buffer.
 * No strings are created here; values are returned as numbers or byte spans.
 */

/** Thrown when a value runs past the bytes read so far. */
export const NEED_MORE: unique symbol = Symbol("need-more");

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export const QUOTE = 34;
export const BACKSLASH = 92;
export const COMMA = 44;
export const COLON = 58;
export const LBRACE = 123;
export const RBRACE = 125;
export const LBRACKET = 91;
export const RBRACKET = 93;

/** skipScalar: 0 = part of the scalar, 1 = ends it (delimiter or whitespace), 2 = cannot follow a scalar. */
const SCALAR_CLASS = new Uint8Array(256);
for (const c of [COMMA, RBRACE, RBRACKET, 32, 10, 13, 9]) SCALAR_CLASS[c] = 1;
for (const c of [QUOTE, LBRACE, LBRACKET, COLON]) SCALAR_CLASS[c] = 2;
/** skipContainer: 1 for the bytes it must look at (quote, brackets, braces). */
const CONTAINER_CLASS = new Uint8Array(256);
for (const c of [QUOTE, LBRACE, LBRACKET, RBRACE, RBRACKET]) CONTAINER_CLASS[c] = 1;

/** Reusable cursor over a buffer window; fields are mutated in place. */
export class Scanner {
  buf: Buffer = Buffer.alloc(0);
  /** The same bytes, for reading four at a time. */
  view: DataView = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  pos = 0;
  end = 0;
  /** Set by scanString: span of the last string's raw bytes (without quotes). */
  strStart = 0;
  strEnd = 0;
  /** Set by readMicros: integer and fractional (in ns) parts of the last number. */
  // NaN, not 0: a double from the start, so V8 never widens the fields' representation
  // mid-parse (which throws away the optimised code of every function using the scanner)
  microsInt = NaN;
  fracNs = NaN;

  reset(buf: Buffer, pos: number, end: number): void {
    if (buf !== this.buf) this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /** Skips whitespace; returns the next byte (throws NEED_MORE at end). */
  peek(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    while (p < end) {
      const c = b[p]!;
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) {
        this.pos = p;
        return c;
      }
      p++;
    }
    this.pos = p;
    throw NEED_MORE;
  }

  expect(c: number): void {
    if (this.peek() !== c) {
      throw new JsonSyntaxError(`expected '${String.fromCharCode(c)}' but found ${describeByte(this.buf[this.pos]!)}`, this.pos);
    }
    this.pos++;
  }

  /** At an opening quote: records the raw span and moves past the closing quote. */
  scanString(): void {
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    if (b[p] !== QUOTE) throw new JsonSyntaxError(`expected a string but found ${describeByte(b[p]!)}`, p);
    const s = ++p;
    // short strings: a plain loop beats a native call
    const shortEnd = Math.min(end, s + 32);
    for (; p < shortEnd; p++) {
      const c = b[p]!;
      if (c === QUOTE) {
        this.strStart = s;
        this.strEnd = p;
        this.pos = p + 1;
        return;
      }
      if (c === BACKSLASH) break;
    }
    for (;;) {
      const q = b.indexOf(QUOTE, p);
      if (q < 0 || q >= end) throw NEED_MORE;
      // a quote preceded by an odd number of backslashes is escaped
      let k = q - 1;
      while (k >= s && b[k] === BACKSLASH) k--;
      if ((q - 1 - k) % 2 === 0) {
        this.strStart = s;
        this.strEnd = q;
        this.pos = q + 1;
        return;
      }
      p = q + 1;
    }
  }

  /** Moves past any JSON value. */
  skipValue(): void {
    const c = this.peek();
    if (c === QUOTE) {
      this.scanString();
      return;
    }
    if (c === LBRACE || c === LBRACKET) {
      this.skipContainer();
      return;
    }
    this.skipScalar();
  }

  /** Moves past a number or literal (true/false/null). */
  skipScalar(): void {
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    const s = p;
    let k = 0;
    while (p < end && (k = SCALAR_CLASS[b[p]!]!) === 0) p++;
    if (p >= end) throw NEED_MORE;
    if (k === 2) throw new JsonSyntaxError(`unexpected ${describeByte(b[p])}`, p);
    if (p === s) throw new JsonSyntaxError(`expected a value but found ${describeByte(b[p]!)}`, p);
    this.pos = p;
  }

  /**
   * Moves past an object or array, tracking depth and strings. Ordinary bytes
   * are passed by a table lookup; strings inside are skipped inline (big args
   * arrays such as Input Strides / Concrete Inputs are skipped here).
   */
  skipContainer(): void {
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    let depth = 0;
    while (p < end) {
      const c = b[p]!;
      if (CONTAINER_CLASS[c] === 0) {
        p++;
        continue;
      }
      if (c === QUOTE) {
        p++;
        for (;;) {
          if (p >= end) throw NEED_MORE;
          const d = b[p]!;
          if (d === QUOTE) break;
          p += d === BACKSLASH ? 2 : 1;
        }
        p++;
        continue;
      }
      if (c === LBRACE || c === LBRACKET) depth++;
      else if (--depth === 0) {
        this.pos = p + 1;
        return;
      }
      p++;
    }
    throw NEED_MORE;
  }

  /** True when the next value is a number (after whitespace). */
  atNumber(): boolean {
    const c = this.peek();
    return c === 45 || (c >= 48 && c <= 57);
  }

  /**
   * Reads a number without losing precision on microsecond timestamps with
   * fractional digits: sets microsInt (the integer part, signed) and fracNs (the
   * fraction scaled by 1000, signed). Returns false for a non-number value (which it skips).
   */
  readMicros(): boolean {
    const b = this.buf;
    const end = this.end;
    let c = this.peek();
    if (!(c === 45 || (c >= 48 && c <= 57))) {
      this.skipValue();
      return false;
    }
    let p = this.pos;
    const s = p;
    let neg = false;
    if (c === 45) {
      neg = true;
      p++;
    }
    let ip = 0;
    let digits = 0;
    while (p < end) {
      c = b[p]!;
      if (c < 48 || c > 57) break;
      ip = ip * 10 + (c - 48);
      digits++;
      p++;
    }
    let frac = 0;
    if (p < end && b[p] === 46) {
      p++;
      let scale = 100;
      while (p < end) {
        c = b[p]!;
        if (c < 48 || c > 57) break;
        frac += (c - 48) * scale;
        scale /= 10;
        p++;
      }
    }
    if (p >= end) throw NEED_MORE;
    c = b[p]!;
    if (c === 101 || c === 69 || digits === 0 || digits > 15) {
      // exponent or too many digits: take the slow, exact-enough route
      this.pos = s;
      this.skipScalar();
      const v = Number(b.toString("latin1", s, this.pos));
      if (!Number.isFinite(v)) return false;
      const whole = Math.trunc(v);
      this.microsInt = whole;
      this.fracNs = (v - whole) * 1000;
      return true;
    }
    this.pos = p;
    this.microsInt = neg ? -ip : ip;
    this.fracNs = neg ? -frac : frac;
    return true;
  }

  /** Reads a plain number; NaN for a non-number value (which it skips). */
  readNumber(): number {
    let c = this.peek();
    if (c >= 48 && c <= 57) {
      // fast path for the common unsigned integer (ids, pids, counts); same value as below
      const b = this.buf;
      const end = this.end;
      let p = this.pos;
      let ip = 0;
      let digits = 0;
      while (p < end) {
        c = b[p]!;
        if (c < 48 || c > 57) break;
        ip = ip * 10 + (c - 48);
        digits++;
        p++;
      }
      if (p >= end) throw NEED_MORE;
      if (c !== 46 && c !== 101 && c !== 69 && digits <= 15) {
        this.pos = p;
        return ip;
      }
    }
    if (!this.readMicros()) return NaN;
    return this.microsInt + this.fracNs / 1000;
  }

  /** Moves past the ':' after a key (usually right there). */
  colon(): void {
    if (this.pos < this.end && this.buf[this.pos] === COLON) this.pos++;
    else this.expect(COLON);
  }
}

export function describeByte(c: number | undefined): string {
  if (c === undefined) return "end of input";
  if (c >= 32 && c < 127) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, "0")}`;
}

/** Decodes a raw JSON string span (escapes included) into a JS string. */
export function decodeString(buf: Buffer, s: number, e: number): string {
  const raw = buf.toString("utf8", s, e);
  if (raw.indexOf("\\") < 0) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}
