/**
 * Nsight Systems Arrow export (`nsys export --type arrow`), plain or gzip (streamed).
 *
 * The file is a sequence of Arrow IPC streams, one per table, each schema carrying the
 * table's name in its metadata (`table_name`), StringIds first. Read with apache-arrow's
 * RecordBatchReader.readAll over a byte stream, batch by batch; the tables and columns
 * are those of the sqlite export (nsys-tables.ts) with the same mapping.
 * Quirks seen in real exports (nsys 2025.3): integers are typed narrowly and unsigned
 * (ids Uint64, deviceId Uint32, start/end Int64); text is LargeUtf8; every reader of the
 * sequence must be drained before the next one opens.
 * apache-arrow is imported when an Arrow file is read, not when llmprof starts (issue 18).
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from "node:fs";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { DataType, RecordBatch, Vector } from "apache-arrow";
import { LlmprofError } from "../src/errors.js";
import type { TraceModel } from "../src/model/tables.js";
import { NsysSink } from "./nsys-common.js";
import { toFloat64 } from "./nsys-columns.js";
import { TABLES, checkNsysTables, mapChunk, missingColumns, type TableChunk } from "./nsys-tables.js";
import { byteLimit, describeFsError, isGzip, type SourceOptions } from "./source.js";

export const NSYS_ARROW_FORMAT = "nsys-arrow";

/** An Arrow IPC stream (0xFFFFFFFF continuation) or file (ARROW1) whose schema names an nsys table. */
export function sniffNsysArrow(head: Buffer): boolean {
  const ipc = (head.length >= 8 && head.readUInt32LE(0) === 0xffffffff) || head.toString("latin1", 0, 6) === "ARROW1";
  return ipc && head.includes("table_name") && (head.includes("StringIds") || head.includes("CUPTI_ACTIVITY_KIND_") || head.includes("NVTX_EVENTS"));
}

export async function parseNsysArrow(path: string, options: SourceOptions = {}): Promise<TraceModel[]> {
  const stream = openStream(path, options.maxTextBytes ?? 64 * 2 ** 30);
  const sink = new NsysSink(NSYS_ARROW_FORMAT, path, options.maxRanks);
  const tables = new Map<string, Set<string>>();
  // batches that arrive before StringIds wait for it (nsys writes StringIds first)
  const waiting: { table: string; batch: RecordBatch }[] = [];
  let rows = 0;
  const { DataType, RecordBatchReader } = await import("apache-arrow");
  try {
    for await (const reader of RecordBatchReader.readAll(stream as unknown as AsyncIterable<Uint8Array>)) {
      const table = reader.schema.metadata.get("table_name") ?? "";
      const cols = new Set(reader.schema.fields.map((f) => f.name));
      tables.set(table, cols);
      const lacking = missingColumns(table, cols);
      if (lacking.length > 0) throw new LlmprofError(path, `is an incomplete Nsight Systems Arrow export: missing ${lacking.join("; ")}`);
      const wanted = TABLES[table] !== undefined;
      for await (const batch of reader) {
        rows += batch.numRows;
        if (!wanted) continue;
        if (!sink.hasStrings && table !== "StringIds") waiting.push({ table, batch });
        else mapChunk(sink, table, new ArrowChunk(batch, DataType));
      }
      if (table === "StringIds") for (const w of waiting.splice(0)) mapChunk(sink, w.table, new ArrowChunk(w.batch, DataType));
    }
  } catch (e) {
    if (e instanceof LlmprofError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/unexpected end of file/i.test(msg)) throw new LlmprofError(path, "gzip stream ends early (truncated file)");
    if (tables.size === 0) throw new LlmprofError(path, `is not an Arrow IPC stream (${msg})`);
    throw new LlmprofError(path, `cannot read the Arrow stream after ${tables.size} tables (${msg}); the file may be cut short`);
  } finally {
    stream.destroy();
  }
  checkNsysTables(path, "an Arrow stream", tables);
  sink.bytesRead = rows;
  return sink.finish();
}

function openStream(path: string, limit: number): Readable {
  let gz: boolean;
  try {
    if (statSync(path).isDirectory()) throw new LlmprofError(path, "is a directory, expected an Arrow file");
    const fd = openSync(path, "r");
    const b = Buffer.alloc(2);
    const n = readSync(fd, b, 0, 2, 0);
    closeSync(fd);
    gz = isGzip(b.subarray(0, n));
  } catch (e) {
    if (e instanceof LlmprofError) throw e;
    throw new LlmprofError(path, describeFsError(e));
  }
  const file = createReadStream(path, { highWaterMark: 4 << 20 });
  if (!gz) return file;
  const guard = byteLimit(path, limit);
  // errors (a corrupt or cut gzip stream) surface through `guard`, which the Arrow reader consumes
  return pipeline(file, createGunzip({ chunkSize: 1 << 20 }), guard, () => {});
}

/** One record batch as a TableChunk; numeric columns are converted once, on first use. */
class ArrowChunk implements TableChunk {
  readonly rows: number;
  private readonly cache = new Map<string, Float64Array>();
  constructor(
    private readonly batch: RecordBatch,
    private readonly types: typeof DataType,
  ) {
    this.rows = batch.numRows;
  }

  num(column: string): Float64Array {
    let out = this.cache.get(column);
    if (out) return out;
    const child = this.batch.getChild(column);
    if (!child) out = new Float64Array(this.rows).fill(NaN);
    else if (child.data.length === 1 && !this.types.isBool(child.type) && (this.types.isInt(child.type) || this.types.isFloat(child.type))) {
      const d = child.data[0]!;
      out = toFloat64(d.values as ArrayLike<number>, d.offset, this.rows, d.nullCount > 0 ? (i) => d.getValid(i) : null);
    } else {
      // unusual layouts (several chunks, bit-packed booleans): the slow generic path
      out = new Float64Array(this.rows);
      for (let i = 0; i < this.rows; i++) {
        const v: unknown = child.get(i);
        out[i] = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? +v : NaN;
      }
    }
    this.cache.set(column, out);
    return out;
  }

  private readonly texts = new Map<string, Vector | null>();
  text(column: string, row: number): string | null {
    let child = this.texts.get(column);
    if (child === undefined) {
      child = this.batch.getChild(column);
      this.texts.set(column, child);
    }
    const v: unknown = child?.get(row);
    return typeof v === "string" ? v : null;
  }
}
