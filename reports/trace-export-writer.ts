/**
 * Streaming writer of a Chrome Trace Event Format file (the JSON Object Format):
 * `{"displayTimeUnit":"ns","otherData":{...},"traceEvents":[ ...events... ]}`.
 * Events are serialised one at a time into chunks of ~64 KiB and written with
 * backpressure, so the whole JSON text never sits in memory.
 * Times: the model holds integer ns; `ts` and `dur` are written in µs (the
 * format's unit) with exactly three decimals, i.e. the exact nanosecond.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";

/** One trace event; `tsNs`/`durNs` are absolute ns (source clock, may exceed 2^53 as bigint). */
export interface TraceEvent {
  ph: "X" | "B" | "E" | "i" | "C" | "M" | "s" | "f";
  name: string;
  cat?: string;
  pid: number;
  tid?: number;
  tsNs?: bigint;
  durNs?: number;
  /** Flow id (s/f). */
  id?: number;
  /** Instant scope (i): g, p or t. */
  s?: "g" | "p" | "t";
  /** Flow binding point (f): "e" binds to the enclosing slice. */
  bp?: "e";
  args?: Record<string, unknown>;
}

/** ns (bigint, may be negative) -> µs text with three decimals. */
export function microsText(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  const whole = abs / 1000n;
  const frac = (abs % 1000n).toString().padStart(3, "0");
  return `${negative ? "-" : ""}${whole}.${frac}`;
}

/** A duration in ns (a float in the model) -> µs text, rounded to the ns. */
export function durationText(ns: number): string {
  return microsText(BigInt(Math.max(0, Math.round(ns))));
}

export function eventJson(e: TraceEvent): string {
  // JSON.stringify escapes every string as RFC 8259 requires (lone surrogates too)
  let s = `{"ph":"${e.ph}","name":${JSON.stringify(e.name)}`;
  if (e.cat !== undefined) s += `,"cat":${JSON.stringify(e.cat)}`;
  s += `,"pid":${e.pid}`;
  if (e.tid !== undefined) s += `,"tid":${e.tid}`;
  if (e.tsNs !== undefined) s += `,"ts":${microsText(e.tsNs)}`;
  if (e.durNs !== undefined) s += `,"dur":${durationText(e.durNs)}`;
  if (e.id !== undefined) s += `,"id":${e.id}`;
  if (e.s !== undefined) s += `,"s":"${e.s}"`;
  if (e.bp !== undefined) s += `,"bp":"${e.bp}"`;
  if (e.args !== undefined) s += `,"args":${JSON.stringify(e.args, finiteOnly)}`;
  return s + "}";
}

/** NaN/Infinity are not JSON: written as null. */
function finiteOnly(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

const CHUNK = 64 * 1024;

export class TraceEventWriter {
  private buffer: string[] = [];
  private size = 0;
  private first = true;
  count = 0;

  constructor(
    private readonly out: Writable,
    private readonly otherData: Record<string, unknown>,
  ) {}

  async begin(): Promise<void> {
    await this.push(`{"displayTimeUnit":"ns","otherData":${JSON.stringify(this.otherData)},\n"traceEvents":[\n`);
  }

  async write(e: TraceEvent): Promise<void> {
    const text = (this.first ? "" : ",\n") + eventJson(e);
    this.first = false;
    this.count++;
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= CHUNK) await this.flush();
  }

  async writeAll(events: Iterable<TraceEvent>): Promise<void> {
    for (const e of events) await this.write(e);
  }

  async end(): Promise<void> {
    this.buffer.push("\n]}\n");
    await this.flush();
    this.out.end();
    await once(this.out, "finish");
  }

  private async flush(): Promise<void> {
    const text = this.buffer.join("");
    this.buffer = [];
    this.size = 0;
    await this.push(text);
  }

  private async push(text: string): Promise<void> {
    if (!this.out.write(text, "utf8")) await once(this.out, "drain");
  }
}
