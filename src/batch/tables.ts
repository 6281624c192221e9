/**
 * The batch tables on disk: Parquet (hyparquet-writer, read back with hyparquet)
 * and CSV (reports/csv.ts conventions). Every column gets its declared type even
 * when all its values are null, so all shards and runs share one schema. The
 * Parquet footer carries an "llmprof" key-value entry naming the table, which
 * is how a re-run recognises (and may replace or resume from) its own files.
 */
import { openSync, readSync, closeSync, fstatSync } from "node:fs";
import { asyncBufferFromFile, parquetMetadata, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { parquetWriteBuffer, type BasicType, type ColumnSource } from "hyparquet-writer";
import { renderCsv } from "../../reports/csv.js";
import { VERSION } from "../version.js";
import type { Cell, Column, ColumnType, Row } from "./columns.js";

export const BATCH_SCHEMA = "llmprof.batch/1";

const PARQUET_TYPES: Record<ColumnType, BasicType> = {
  string: "STRING",
  json: "STRING",
  double: "DOUBLE",
  int: "INT32",
  bigint: "INT64",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMP",
};

export function parquetTable(table: string, columns: readonly Column[], rows: readonly Row[]): Buffer {
  const columnData: ColumnSource[] = columns.map((col) => ({
    name: col.name,
    type: PARQUET_TYPES[col.type],
    nullable: true,
    data: rows.map((r) => toParquet(col.type, r[col.name] ?? null)),
  }));
  const marker = JSON.stringify({ schema: BATCH_SCHEMA, table, generator: `llmprof ${VERSION}` });
  const buffer = parquetWriteBuffer({ columnData, kvMetadata: [{ key: "llmprof", value: marker }], createdBy: `llmprof ${VERSION}` });
  return Buffer.from(buffer);
}

function toParquet(type: ColumnType, v: Cell): unknown {
  if (v === null) return null;
  switch (type) {
    case "bigint":
      return BigInt(Math.trunc(Number(v)));
    case "timestamp":
      return new Date(Number(v));
    case "int":
      return Math.trunc(Number(v));
    case "double":
      return typeof v === "number" && Number.isFinite(v) ? v : null;
    default:
      return v;
  }
}

/** The llmprof table name a Parquet file holds ("traces", "errors"), or null when it is not ours. */
export function parquetTableName(path: string): string | null {
  try {
    const footer = readFooter(path);
    if (!footer) return null;
    const meta = parquetMetadata(footer);
    const entry = meta.key_value_metadata?.find((kv) => kv.key === "llmprof");
    if (!entry?.value) return null;
    const parsed = JSON.parse(entry.value) as { schema?: unknown; table?: unknown };
    return parsed.schema === BATCH_SCHEMA && typeof parsed.table === "string" ? parsed.table : null;
  } catch {
    return null;
  }
}

/** The file's last bytes (footer and metadata), enough for parquetMetadata. */
function readFooter(path: string): ArrayBuffer | null {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size < 12) return null;
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, size - 8);
    if (tail.toString("latin1", 4) !== "PAR1") return null;
    const metaLength = tail.readUInt32LE(0);
    if (metaLength + 8 > size) return null;
    // parquetMetadata wants the file's end: metadata, its length and the magic
    const buf = Buffer.alloc(metaLength + 8);
    readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Rows of an earlier output, or null when the file is not our `table` with
 * exactly these columns (then nothing is reused).
 */
export async function readParquetTable(path: string, table: string, columns: readonly Column[]): Promise<Row[] | null> {
  if (parquetTableName(path) !== table) return null;
  const file = await asyncBufferFromFile(path);
  const meta = await parquetMetadataAsync(file);
  const names = meta.schema.slice(1).map((s) => s.name);
  if (names.length !== columns.length || names.some((n, i) => n !== columns[i]!.name)) return null;
  const objects = (await parquetReadObjects({ file, metadata: meta })) as Record<string, unknown>[];
  return objects.map((o) => {
    const row: Row = {};
    for (const col of columns) row[col.name] = fromParquet(o[col.name]);
    return row;
  });
}

function fromParquet(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return JSON.stringify(v);
}

/** CSV of a table: timestamps as ISO 8601 UTC, the rest as reports/csv.ts writes cells. */
export function csvTable(columns: readonly Column[], rows: readonly Row[]): string {
  return renderCsv({
    name: "batch",
    header: columns.map((c) => c.name),
    rows: rows.map((r) =>
      columns.map((c) => {
        const v = r[c.name] ?? null;
        return c.type === "timestamp" && typeof v === "number" ? new Date(v).toISOString() : v;
      }),
    ),
  });
}
