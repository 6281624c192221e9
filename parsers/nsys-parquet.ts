/**
 * Nsight Systems Parquet export (`nsys export --type parquetdir`): a directory holding one
 * Parquet file per table. Read with hyparquet's parquetScan, one row range (row group) at a
 * time, only the columns nsys-tables.ts lists; the rows go through the same mapping as the
 * sqlite and Arrow readers.
 * A file's table is named by its `table_name` key-value metadata when present (as in the
 * Arrow export), else by its file name: `<TABLE>.parquet`, or `<prefix>_<TABLE>.parquet`.
 * Not yet checked against a real parquetdir export (none recorded when this was written):
 * 64-bit integer columns may arrive as BigInt or Number and are converted either way.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { FileMetaData } from "hyparquet";
import { LlmprofError } from "../src/errors.js";
import type { TraceModel } from "../src/model/tables.js";
import { NsysSink } from "./nsys-common.js";
import { arrayToFloat64, toFloat64 } from "./nsys-columns.js";
import { ACTIVITY_TABLES, READ_ORDER, TABLES, checkNsysTables, mapChunk, type TableChunk } from "./nsys-tables.js";
import { describeFsError } from "./source.js";

export const NSYS_PARQUET_FORMAT = "nsys-parquet";

/** Known table names, longest first, so that `x_CUPTI_ACTIVITY_KIND_KERNEL` finds the whole name. */
const KNOWN = [...new Set([...Object.keys(TABLES), ...ACTIVITY_TABLES])].sort((a, b) => b.length - a.length);

function tableOfFileName(file: string): string | null {
  if (!file.toLowerCase().endsWith(".parquet")) return null;
  const stem = file.slice(0, -".parquet".length);
  for (const t of KNOWN) if (stem === t || stem.endsWith(`_${t}`) || stem.endsWith(`-${t}`) || stem.endsWith(`.${t}`)) return t;
  return null;
}

/** True when `dir` looks like an nsys parquetdir export (a StringIds or activity table file). */
export function sniffNsysParquetDir(dir: string): boolean {
  try {
    return readdirSync(dir).some((f) => {
      const t = tableOfFileName(f);
      return t === "StringIds" || (t !== null && ACTIVITY_TABLES.includes(t));
    });
  } catch {
    return false;
  }
}

export async function parseNsysParquetDir(dir: string): Promise<TraceModel[]> {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new LlmprofError(dir, "is not a directory (a parquetdir export is one)");
    entries = readdirSync(dir)
      .filter((f) => f.toLowerCase().endsWith(".parquet"))
      .sort();
  } catch (e) {
    if (e instanceof LlmprofError) throw e;
    throw new LlmprofError(dir, describeFsError(e));
  }
  // imported when a parquetdir is read, not when llmprof starts (issue 18)
  const { asyncBufferFromFile, parquetMetadataAsync, parquetScan, parquetSchema } = await import("hyparquet");
  const files = new Map<string, { path: string; metadata: FileMetaData; columns: Set<string> }>();
  for (const f of entries) {
    const path = join(dir, f);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    } catch (e) {
      throw new LlmprofError(path, `is not a readable Parquet file (${e instanceof Error ? e.message : String(e)})`);
    }
    const named = metadata.key_value_metadata?.find((kv) => kv.key === "table_name")?.value;
    const table = named ?? tableOfFileName(f) ?? basename(f, ".parquet");
    const columns = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
    files.set(table, { path, metadata, columns });
  }
  checkNsysTables(dir, "a Parquet directory", new Map([...files].map(([t, f]) => [t, f.columns])));
  const sink = new NsysSink(NSYS_PARQUET_FORMAT, dir);
  let rows = 0;
  for (const table of READ_ORDER) {
    const f = files.get(table);
    if (!f) continue;
    const spec = TABLES[table]!;
    const numeric = [...spec.numeric, ...(spec.optional ?? [])].filter((c) => f.columns.has(c));
    const text = [...(spec.text ?? []), ...(spec.optionalText ?? [])].filter((c) => f.columns.has(c));
    try {
      const file = await asyncBufferFromFile(f.path);
      const scan = await parquetScan({ file, metadata: f.metadata, columns: [...numeric, ...text] });
      for (const range of scan.ranges) {
        const n = range.rowEnd - range.rowStart;
        const chunk = new ParquetChunk(n);
        for (const c of numeric) chunk.setNum(c, await scan.readColumn({ column: c, ...range }));
        for (const c of text) chunk.setText(c, await scan.readColumn({ column: c, ...range }));
        rows += n;
        mapChunk(sink, table, chunk);
      }
      if (scan.ranges.length === 0 && numeric.length + text.length === 0) mapChunk(sink, table, new ParquetChunk(Number(f.metadata.num_rows)));
    } catch (e) {
      if (e instanceof LlmprofError) throw e;
      throw new LlmprofError(f.path, `cannot read table ${table} (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  sink.bytesRead = rows;
  return sink.finish();
}

class ParquetChunk implements TableChunk {
  private readonly nums = new Map<string, Float64Array>();
  private readonly texts = new Map<string, ArrayLike<unknown>>();
  private absent: Float64Array | null = null;
  constructor(readonly rows: number) {}

  setNum(column: string, values: ArrayLike<unknown> | BigInt64Array | BigUint64Array): void {
    const typed = ArrayBuffer.isView(values) && !(values instanceof DataView);
    this.nums.set(column, typed ? toFloat64(values as ArrayLike<number> | BigInt64Array | BigUint64Array, 0, this.rows, null) : arrayToFloat64(values as ArrayLike<unknown>));
  }

  setText(column: string, values: ArrayLike<unknown>): void {
    this.texts.set(column, values);
  }

  num(column: string): Float64Array {
    const v = this.nums.get(column);
    if (v) return v;
    return (this.absent ??= new Float64Array(this.rows).fill(NaN));
  }

  text(column: string, row: number): string | null {
    const v = this.texts.get(column)?.[row];
    return typeof v === "string" ? v : null;
  }
}
