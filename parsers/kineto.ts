/**
 * PyTorch Profiler (Kineto) Chrome trace JSON, plain or gzip.
 *
 * Reads: the top-level object (`traceEvents` anywhere among its keys, metadata
 * such as deviceProperties / distributedInfo / with_stack) or a bare event array.
 * Events: cpu_op, user_annotation, python_function (nn.Module spans), cuda_runtime,
 * cuda_driver, kernel, gpu_memcpy, gpu_memset, gpu_user_annotation, fwdbwd flows,
 * `[memory]` instant events, thread_name metadata; older category spellings
 * (Operator, Kernel, Runtime, Memcpy, Memset) too.
 * Spec: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
 *
 * Streaming: the text is pulled into one reusable buffer and scanned byte by byte;
 * a unit (one event, one metadata value) cut by the buffer's end is re-read after
 * the next block arrives. Memory grows with the events kept, not with the text,
 * so traces beyond V8's 512 MB string limit are read. Timestamps keep full
 * precision: integer µs digits and fractional digits become integer ns.
 * Quirk: `ac2g` flows are not stored; the `correlation` arg says the same.
 */
import { TraceBuilder } from "../src/model/builder.js";
import type { TraceModel } from "../src/model/tables.js";
import { LlmprofError } from "../src/errors.js";
import { KinetoEventReader, formatEventCounts, type EventCountState } from "./kineto-event.js";
import { parseKinetoSplit } from "./kineto-split.js";
import { COMMA, JsonSyntaxError, LBRACE, LBRACKET, NEED_MORE, RBRACE, RBRACKET, Scanner, describeByte } from "./json/scanner.js";
import { BlockReader, openSource, type SourceOptions } from "./source.js";
import { readTopLevelMeta } from "./kineto-meta.js";

export const KINETO_FORMAT = "kineto-json";

/** True when the first bytes look like a Chrome / Kineto trace. */
export function sniffKineto(head: Buffer): boolean {
  const text = head.toString("utf8", 0, Math.min(head.length, 65536));
  const t = text.trimStart();
  if (t.startsWith("{")) return /"(traceEvents|schemaVersion|deviceProperties)"\s*:/.test(text);
  if (t.startsWith("[")) return /^\[\s*\{[^]*?"ph"\s*:/.test(t);
  return false;
}

export interface ParseOptions extends SourceOptions {
  /** Initial size of the read buffer. */
  blockBytes?: number;
  /** Largest single event or metadata value accepted. */
  maxUnitBytes?: number;
  onProgress?: (bytesRead: number) => void;
  /** Worker threads for parsing several files at once (default: the number of cores); 1 parses in this thread. */
  threads?: number;
  /** Plain files at least this large are cut into parts read by worker threads (default 64 MiB; see kineto-split.ts). */
  splitMinBytes?: number;
}

const enum State {
  Root,
  RootKey,
  RootAfterValue,
  Events,
  EventsAfterItem,
  Done,
}

/**
 * A part of the events array read on its own (issue 18): `start` is the byte
 * offset where reading begins (0: the whole head, root keys included; else the
 * first byte of an event inside traceEvents); reading stops at the first event
 * that starts at or after `stopAt` (unless `last`: then it reads to the end).
 * `baseMicros` is the time base of the whole file, so parts line up.
 */
export interface KinetoPart {
  start: number;
  stopAt: number;
  last: boolean;
  baseMicros: number;
  /** The file is a bare event array (no root object): what follows its `]` is the end. */
  rootIsArray?: boolean;
}

/** What reading the text (or a part of it) leaves behind, before freezing. */
export interface KinetoRead {
  builder: TraceBuilder;
  events: KinetoEventReader;
  meta: Record<string, string>;
  /** Byte offset of the event where a part stopped (-1: it read to the end). */
  stoppedAt: number;
  /** The root is a bare event array. */
  rootIsArray: boolean;
  bytesRead: number;
}

export async function parseKineto(path: string, options: ParseOptions = {}): Promise<TraceModel> {
  const split = await parseKinetoSplit(path, options);
  if (split) return split;
  const read = await readKineto(path, options);
  return finishKineto(read.builder, read.events, [read.events.countState()], read.meta, read.events.baseMicros, read.bytesRead);
}

/**
 * Metadata, counts and time base onto `builder`, then the frozen model. `events`
 * closes open B events and links flow-linked device rows (null for a merge of
 * parts, which have neither).
 */
export function finishKineto(builder: TraceBuilder, events: KinetoEventReader | null, counts: EventCountState[], meta: Record<string, string>, baseMicros: number, bytesRead: number): TraceModel {
  readTopLevelMeta(meta, builder, baseMicros);
  builder.meta.eventCounts = formatEventCounts(counts);
  builder.meta.bytesRead = bytesRead;
  builder.timeBaseNs = Number.isNaN(baseMicros) ? 0n : BigInt(baseMicros) * 1000n;
  events?.closeOpenBegins(builder.maxTimeNs());
  events?.resolveFlowLinkedDevice();
  return builder.freeze();
}

/** Reads the text of a trace, or of one part of it, into a builder. */
export async function readKineto(path: string, options: ParseOptions = {}, part?: KinetoPart): Promise<KinetoRead> {
  const builder = new TraceBuilder(KINETO_FORMAT, [path]);
  const source = openSource(path, part && part.start > 0 ? { ...options, startOffset: part.start } : options);
  const sc = new Scanner();
  const events = new KinetoEventReader(builder, sc);
  if (part) events.baseMicros = part.baseMicros;
  let stoppedAt = -1;
  const maxUnit = options.maxUnitBytes ?? 1 << 30;
  const reader = new BlockReader(source, path, options.blockBytes ?? 8 << 20, maxUnit, "a single event or value");
  let state = part && part.start > 0 ? State.Events : State.Root;
  let sawEvents = state === State.Events;
  let eventsDone = false;
  let rootIsArray = part?.rootIsArray ?? false;
  const meta: Record<string, string> = {};

  try {
    for (;;) {
      // refill: keep the unread tail, read more behind it
      await reader.fill();
      options.onProgress?.(reader.consumedBefore + reader.filled);
      const buf = reader.buf;
      const filled = reader.filled;
      const consumedBefore = reader.consumedBefore + (part?.start ?? 0);
      const eof = reader.eof;
      sc.reset(buf, 0, filled);
      let unitStart = 0;
      try {
        for (;;) {
          unitStart = sc.pos;
          if (state === State.Root) {
            if (consumedBefore === 0 && sc.pos === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) sc.pos = 3;
            const c = sc.peek();
            if (c === LBRACE) state = State.RootKey;
            else if (c === LBRACKET) {
              rootIsArray = true;
              sawEvents = true;
              state = State.Events;
            } else throw notATrace(path, `starts with ${describeByte(c)}, not a JSON object`);
            sc.pos++;
          } else if (state === State.RootKey) {
            const c = sc.peek();
            if (c === RBRACE) {
              sc.pos++;
              state = State.Done;
              break;
            }
            if (c === COMMA) {
              sc.pos++;
              continue;
            }
            sc.scanString();
            const key = sc.buf.toString("utf8", sc.strStart, sc.strEnd);
            sc.expect(58);
            if (key === "traceEvents") {
              if (sc.peek() !== LBRACKET) throw notATrace(path, "`traceEvents` is not an array");
              sc.pos++;
              sawEvents = true;
              state = State.Events;
            } else {
              const s = sc.pos;
              sc.skipValue();
              meta[key] = sc.buf.toString("utf8", s, sc.pos).trim();
              state = State.RootAfterValue;
            }
          } else if (state === State.RootAfterValue) {
            const c = sc.peek();
            if (c === COMMA) {
              sc.pos++;
              state = State.RootKey;
            } else if (c === RBRACE) {
              sc.pos++;
              state = State.Done;
              break;
            } else throw new JsonSyntaxError(`expected ',' or '}' after a top-level value but found ${describeByte(c)}`, sc.pos);
          } else if (state === State.Events) {
            const c = sc.peek();
            if (part && !part.last && consumedBefore + sc.pos >= part.stopAt) {
              stoppedAt = consumedBefore + sc.pos;
              state = State.Done;
              break;
            }
            if (c === RBRACKET) {
              sc.pos++;
              eventsDone = true;
              state = rootIsArray ? State.Done : State.RootAfterValue;
              if (rootIsArray) break;
              continue;
            }
            if (c !== LBRACE) {
              events.skipNonObject();
            } else events.read();
            state = State.EventsAfterItem;
          } else if (state === State.EventsAfterItem) {
            const c = sc.peek();
            if (c === COMMA) {
              sc.pos++;
              state = State.Events;
            } else if (c === RBRACKET) {
              sc.pos++;
              eventsDone = true;
              state = rootIsArray ? State.Done : State.RootAfterValue;
              if (rootIsArray) break;
            } else throw new JsonSyntaxError(`expected ',' or ']' between events but found ${describeByte(c)}`, sc.pos);
          } else break;
        }
      } catch (e) {
        if (e !== NEED_MORE) {
          if (e instanceof JsonSyntaxError) {
            const offset = consumedBefore + e.offset;
            if (!sawEvents || builder.eventsStored === 0) throw new LlmprofError(path, `not valid JSON at byte ${offset}: ${e.message}`);
            builder.diag("truncated-input", `invalid JSON at byte ${offset}: ${e.message}; events after it were not read`);
            builder.meta.partial = true;
            break;
          }
          throw e;
        }
        sc.pos = unitStart;
      }
      if (state === State.Done) break;
      if (eof) {
        // ran out of text mid-unit
        if (!sawEvents) {
          if (consumedBefore + filled === 0) throw new LlmprofError(path, "is empty");
          throw notATrace(path, filled - sc.pos > 0 || state !== State.Root ? "ends before any `traceEvents` array" : "has no JSON content");
        }
        if (!eventsDone) {
          // a cut before the first complete event leaves nothing to analyse: an error, not an empty partial result
          if (builder.eventsStored === 0) throw new LlmprofError(path, `no complete event before the cut at byte ${consumedBefore + filled}`);
          builder.diag("truncated-input", `the text ends at byte ${consumedBefore + filled} inside the events array${reader.truncated ? " (truncated gzip stream)" : ""}`);
          builder.meta.partial = true;
        } else builder.diag("unterminated-root");
        break;
      }
      // move the unread tail to the front
      reader.compact(sc.pos);
    }
    // trailing non-whitespace after a complete root is ignored (some writers append newlines/garbage)
  } finally {
    source.close();
  }
  if (!sawEvents) throw notATrace(path, "is JSON but has no `traceEvents` array: not a PyTorch Profiler / Chrome trace");
  return { builder, events, meta, stoppedAt, rootIsArray, bytesRead: source.delivered };
}

function notATrace(path: string, why: string): LlmprofError {
  return new LlmprofError(path, `not a PyTorch Profiler trace: ${why}`);
}
