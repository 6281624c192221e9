/**
 * One large plain-JSON Kineto trace read by several worker threads (issue 18):
 * the events array is cut into byte ranges at event boundaries, each range is
 * read by its own worker into a builder of its own, and the parts are appended
 * in file order to one builder, which then freezes as usual. The result is the
 * model a sequential read gives, exactly (a test compares them): strings and
 * threads are re-interned in their order of first use, ids remapped.
 *
 * Cut points are guessed (`}` `,` `{` near each nominal offset) and checked:
 * the part before a cut must stop exactly on it, i.e. the cut is an event start
 * as the sequential reader sees it. Any doubt means a sequential read instead:
 * a guessed cut inside a string, a part that fails, or state that crosses events
 * (B/E pairs, string pids, see KinetoEventReader.unsplittable). gzip input is
 * not cut (inflation is sequential); several files go to workers whole
 * (parallel.ts).
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { TraceBuilder, type BuilderParts } from "../src/model/builder.js";
import type { TraceModel } from "../src/model/tables.js";
import type { EventCountState } from "./kineto-event.js";
import { KINETO_FORMAT, finishKineto, readKineto, type KinetoPart, type ParseOptions } from "./kineto.js";
import { defaultThreads, runWorker, workersAvailable } from "./parallel.js";
import { isGzip } from "./source.js";

/** Files smaller than this are read by one thread: starting workers costs more than it saves. */
export const SPLIT_MIN_BYTES = 64 << 20;
/** Bytes searched after a nominal cut for an event boundary. */
const SEARCH_BYTES = 1 << 20;

/** What a worker sends back for one part. */
export interface PartResult {
  parts: BuilderParts;
  counts: EventCountState;
  meta: Record<string, string>;
  stoppedAt: number;
  unsplittable: string | null;
}

/** The part of `path` described by `part`, read in this thread (the worker's job). */
export async function readKinetoPart(path: string, options: ParseOptions, part: KinetoPart): Promise<PartResult> {
  const read = await readKineto(path, options, part);
  return {
    parts: read.builder.exportParts(),
    counts: read.events.countState(),
    meta: read.meta,
    stoppedAt: read.stoppedAt,
    unsplittable: read.events.unsplittable(),
  };
}

/** The model read by several threads, or null when the file is better read by one (the caller then does). */
export async function parseKinetoSplit(path: string, options: ParseOptions): Promise<TraceModel | null> {
  const threads = Math.floor(options.threads ?? defaultThreads());
  if (threads < 2 || !workersAvailable()) return null;
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return null;
    size = st.size;
  } catch {
    return null; // the sequential reader reports it in its own words
  }
  if (size < (options.splitMinBytes ?? SPLIT_MIN_BYTES)) return null;
  const fd = openSync(path, "r");
  const cuts: number[] = [];
  try {
    const magic = Buffer.alloc(2);
    readSync(fd, magic, 0, 2, 0);
    if (isGzip(magic)) return null;
    for (let k = 1; k < threads; k++) {
      const cut = eventStartAfter(fd, Math.floor((size * k) / threads));
      if (cut < 0 || cut <= (cuts[cuts.length - 1] ?? 0)) return null;
      cuts.push(cut);
    }
  } finally {
    closeSync(fd);
  }
  // the time base: the first timestamp of the file, read by the ordinary reader from its head
  const { onProgress, threads: _t, ...plain } = options;
  const head = await readKineto(path, plain, { start: 0, stopAt: Math.min(SEARCH_BYTES, cuts[0]!), last: false, baseMicros: NaN }).catch(() => null);
  if (!head || head.stoppedAt < 0 || Number.isNaN(head.events.baseMicros)) return null;
  const baseMicros = head.events.baseMicros;
  const starts = [0, ...cuts];
  let delivered = 0;
  const results = await Promise.all(
    starts.map((start, k) => {
      const part: KinetoPart = { start, stopAt: starts[k + 1] ?? size, last: k === starts.length - 1, baseMicros, rootIsArray: head.rootIsArray };
      return runWorker<PartResult>({ file: path, options: plain, part }, (bytes) => {
        delivered += bytes;
        onProgress?.(delivered);
      }).catch(() => null);
    }),
  );
  for (let k = 0; k < results.length; k++) {
    const r = results[k];
    if (!r || r.unsplittable !== null) return null;
    if (k < results.length - 1 && r.stoppedAt !== starts[k + 1]) return null; // a guessed cut was not an event start
  }
  const builder = new TraceBuilder(KINETO_FORMAT, [path]);
  const meta: Record<string, string> = {};
  for (const r of results as PartResult[]) {
    builder.appendParts(r.parts);
    Object.assign(meta, r.meta);
  }
  onProgress?.(size);
  return finishKineto(
    builder,
    null,
    (results as PartResult[]).map((r) => r.counts),
    meta,
    baseMicros,
    size,
  );
}

/** Offset of the `{` of the first `}` `,` `{` at or after `from` (a likely event start), -1 none. */
function eventStartAfter(fd: number, from: number): number {
  const buf = Buffer.allocUnsafe(SEARCH_BYTES);
  const n = readSync(fd, buf, 0, SEARCH_BYTES, from);
  const m = /\}\s*,\s*\{/.exec(buf.toString("latin1", 0, n));
  return m ? from + m.index + m[0].length - 1 : -1;
}
