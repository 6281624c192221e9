/**
 * Makes large Kineto traces by tiling the events of a real one:
 *   node dist/bench/tile.js --from trace.json.gz --size 1GB --out /tmp/big.json
 * Copy k repeats the source's traceEvents with
 *  - every `ts` shifted by k * (span of the source + gap), integer µs, so the
 *    fractional digits stay exactly as written;
 *  - ids made unique per copy: correlation, External id, flow `id`, Python id /
 *    parent id, Sequence number (one common stride keeps ac2g ids = correlations);
 *  - ProfilerStep#N renumbered so each copy has distinct step numbers;
 *  - metadata events (`"ph": "M"`) only in the first copy.
 * The text keeps the source's layout (whitespace, key order). Output is written
 * in chunks as it is produced; the big text never exists in memory.
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { pathToFileURL } from "node:url";
import { LBRACKET, NEED_MORE, RBRACKET, Scanner } from "../parsers/json/scanner.js";

export interface TileOptions {
  from: string;
  out: string;
  /** Target size in bytes of JSON text; whole copies are written, at least one. */
  sizeBytes: number;
  /** Idle time between copies, µs. */
  gapMicros?: number;
}

export interface TileResult {
  copies: number;
  bytes: number;
  eventsPerCopy: number;
}

const enum Hole {
  Ts,
  Id,
  Step,
}

/** The source events as literal pieces with holes for the values that change per copy. */
interface Template {
  pieces: string[]; // pieces.length === kinds.length + 1 per event, flattened
  kinds: Hole[];
  ints: number[]; // Ts: integer µs; Id/Step: the value
  fracs: string[]; // Ts: the rest of the literal after the integer part ("" or ".123")
  negs: boolean[]; // Ts: the literal has a minus sign (covers "-0.5")
  /** Event i's holes are [holeStart[i], holeStart[i+1]), pieces [holeStart[i] + i, ...]. */
  holeStart: number[];
  isMeta: boolean[];
}

const HOLE_RE = /"(ts|id|correlation|External id|Python id|Python parent id|Sequence number)":(\s*)(-?\d+)(\.\d+)?|ProfilerStep#(\d+)/g;
const DUR_RE = /"dur":\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/;
const META_RE = /"ph":\s*"M"/;

export function tile(options: TileOptions): TileResult {
  let src = readFileSync(options.from);
  if (src[0] === 0x1f && src[1] === 0x8b) src = gunzipSync(src);
  const { head, tail, sep, events } = splitEvents(src);
  if (events.length === 0) throw new Error(`${options.from}: no events to tile`);

  const t: Template = { pieces: [], kinds: [], ints: [], fracs: [], negs: [], holeStart: [], isMeta: [] };
  let minTs = Infinity;
  let maxEnd = -Infinity;
  let maxId = 0;
  let minStep = Infinity;
  let maxStep = -Infinity;
  let eventBytes = 0;
  let metaBytes = 0;
  for (const text of events) {
    t.holeStart.push(t.kinds.length);
    const meta = META_RE.test(text);
    t.isMeta.push(meta);
    eventBytes += text.length + sep.length;
    if (meta) metaBytes += text.length + sep.length;
    let last = 0;
    let ts = NaN;
    for (const m of text.matchAll(HOLE_RE)) {
      if (m[5] !== undefined) {
        const start = m.index + "ProfilerStep#".length;
        t.pieces.push(text.slice(last, start));
        t.kinds.push(Hole.Step);
        const n = Number(m[5]);
        t.ints.push(n);
        t.fracs.push("");
        t.negs.push(false);
        minStep = Math.min(minStep, n);
        maxStep = Math.max(maxStep, n);
        last = start + m[5].length;
        continue;
      }
      const key = m[1]!;
      const start = m.index + key.length + 3 + m[2]!.length;
      const intText = m[3]!;
      const fracText = m[4] ?? "";
      // exponents are not expected in Kineto ids/timestamps: leave such values alone
      if (/^[eE]/.test(text.slice(start + intText.length + fracText.length))) continue;
      if (key !== "ts" && fracText !== "") continue;
      t.pieces.push(text.slice(last, start));
      t.kinds.push(key === "ts" ? Hole.Ts : Hole.Id);
      const v = Number(intText);
      t.ints.push(v);
      t.fracs.push(fracText);
      t.negs.push(intText.startsWith("-"));
      if (key === "ts") ts = Number(intText + fracText);
      else maxId = Math.max(maxId, v);
      last = start + intText.length + fracText.length;
    }
    t.pieces.push(text.slice(last));
    if (Number.isFinite(ts)) {
      const d = DUR_RE.exec(text);
      const dur = d ? Number(d[1]) : 0;
      minTs = Math.min(minTs, ts);
      maxEnd = Math.max(maxEnd, ts + (Number.isFinite(dur) && dur > 0 ? dur : 0));
    }
  }
  t.holeStart.push(t.kinds.length);

  const shiftMicros = Number.isFinite(minTs) ? Math.ceil(maxEnd - minTs) + (options.gapMicros ?? 1000) : 0;
  const idStride = maxId + 1;
  const stepStride = Number.isFinite(minStep) ? maxStep - minStep + 1 : 0;
  const firstCopy = eventBytes + head.length + tail.length;
  const perCopy = eventBytes - metaBytes;
  const copies = Math.max(1, 1 + Math.round((options.sizeBytes - firstCopy) / Math.max(1, perCopy)));

  const fd = openSync(options.out, "w");
  let bytes = 0;
  let chunk = "";
  const flush = (force: boolean) => {
    if (chunk.length < 4 << 20 && !force) return;
    bytes += writeSync(fd, Buffer.from(chunk, "latin1"));
    chunk = "";
  };
  try {
    chunk += head;
    let first = true;
    for (let copy = 0; copy < copies; copy++) {
      const dt = copy * shiftMicros;
      const did = copy * idStride;
      const dstep = copy * stepStride;
      for (let e = 0; e < events.length; e++) {
        if (copy > 0 && t.isMeta[e]) continue;
        if (!first) chunk += sep;
        first = false;
        const h0 = t.holeStart[e]!;
        const h1 = t.holeStart[e + 1]!;
        let p = h0 + e;
        for (let h = h0; h < h1; h++) {
          chunk += t.pieces[p++]!;
          const kind = t.kinds[h]!;
          const v = t.ints[h]!;
          if (kind === Hole.Ts) chunk += shiftTs(t.negs[h]!, v, t.fracs[h]!, dt);
          else if (kind === Hole.Id) chunk += String(v + did);
          else chunk += String(v + dstep);
        }
        chunk += t.pieces[p]!;
        flush(false);
      }
    }
    chunk += tail;
    flush(true);
  } finally {
    closeSync(fd);
  }
  return { copies, bytes, eventsPerCopy: events.length };
}

/** The literal `[-]intPart frac` (frac "" or ".ddd") plus whole µs `shift`, fraction digits kept. */
export function shiftTs(neg: boolean, intPart: number, frac: string, shift: number): string {
  if (!neg || frac === "") return `${neg && intPart === 0 && shift === 0 ? "-" : ""}${intPart + shift}${frac}`;
  // negative with a fraction: add in scaled integers so no digit is lost
  const digits = frac.slice(1);
  const scale = 10n ** BigInt(digits.length);
  const v = BigInt(intPart) * scale - BigInt(digits) + BigInt(shift) * scale;
  const a = v < 0n ? -v : v;
  return `${v < 0n ? "-" : ""}${a / scale}.${(a % scale).toString().padStart(digits.length, "0")}`;
}

/** The text before the first event, between events, and after the last; and each event's text. */
function splitEvents(src: Buffer): { head: string; tail: string; sep: string; events: string[] } {
  const sc = new Scanner();
  sc.reset(src, 0, src.length);
  const text = (s: number, e: number) => src.toString("latin1", s, e);
  try {
    let arrayStart: number;
    if (sc.peek() === LBRACKET) arrayStart = sc.pos;
    else {
      sc.expect(123);
      for (;;) {
        if (sc.peek() === 44) sc.pos++;
        sc.peek();
        sc.scanString();
        const key = text(sc.strStart, sc.strEnd);
        sc.expect(58);
        if (key === "traceEvents") {
          arrayStart = sc.pos;
          break;
        }
        sc.skipValue();
      }
    }
    sc.expect(LBRACKET);
    const spans: number[] = [];
    for (;;) {
      let c = sc.peek();
      if (c === RBRACKET) break;
      if (c === 44) {
        sc.pos++;
        c = sc.peek();
      }
      const s = sc.pos;
      sc.skipValue();
      spans.push(s, sc.pos);
    }
    const close = sc.pos;
    if (spans.length === 0) return { head: text(0, close), tail: text(close, src.length), sep: ",", events: [] };
    const events: string[] = [];
    for (let i = 0; i < spans.length; i += 2) events.push(text(spans[i]!, spans[i + 1]!));
    const sep = spans.length >= 4 ? text(spans[1]!, spans[2]!) : ", ";
    void arrayStart;
    return { head: text(0, spans[0]!), tail: text(spans[spans.length - 1]!, src.length), sep, events };
  } catch (e) {
    if (e === NEED_MORE) throw new Error("the source trace is truncated", { cause: e });
    throw e;
  }
}

/** "250MB", "1GB", "1.5e9" -> bytes (decimal units); "2GiB" -> binary units. */
export function parseSize(s: string): number {
  const m = /^\s*([\d.]+(?:e\d+)?)\s*(?:([kmgt])(i)?b?)?\s*$/i.exec(s);
  if (!m) throw new Error(`bad size: ${s}`);
  const power = m[2] ? "kmgt".indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.round(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
}

function main(argv: string[]): void {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const from = arg("--from");
  const out = arg("--out");
  const size = arg("--size");
  if (!from || !out || !size) {
    process.stderr.write("usage: node dist/bench/tile.js --from <trace.json[.gz]> --size <250MB|1GB|...> --out <file.json> [--gap-us N]\n");
    process.exit(2);
  }
  const gap = arg("--gap-us");
  const t0 = performance.now();
  const r = tile({ from, out, sizeBytes: parseSize(size), gapMicros: gap === undefined ? undefined : Number(gap) });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`${out}: ${(r.bytes / 1e6).toFixed(0)} MB, ${r.copies} copies of ${r.eventsPerCopy} events, ${s} s\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main(process.argv.slice(2));
