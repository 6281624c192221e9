/**
 * Nsight Systems SQLite export (`nsys export --type sqlite`), plain or gzip-compressed.
 *
 * Reads the tables listed in nsys-tables.ts (CUPTI kernel/memcpy/memset/sync/runtime,
 * NVTX_EVENTS, StringIds, ThreadNames, TARGET_INFO_GPU, and the metadata tables only to learn
 * versions and whether the report holds environments / command lines). The database is
 * opened read-only; a .sqlite.gz is inflated to a private temporary file that is deleted
 * afterwards (SQLite needs random access).
 * Quirks seen in real exports (nsys 2025.3): empty tables are left out (no SYNCHRONIZATION
 * table without syncs); NVTX text is in `text` or, for registered strings, `textId`;
 * a push/pop range still open at the end of the capture has `end` NULL.
 * Rows are read as JSON per rowid range (readTableAsJson; raw() iterate() for tables without
 * rowids) into reusable Float64Array chunks, then mapped by nsys-tables.ts.
 */
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import Database from "better-sqlite3";
import { LlmprofError } from "../src/errors.js";
import type { TraceModel } from "../src/model/tables.js";
import { NsysSink } from "./nsys-common.js";
import { READ_ORDER, TABLES, checkNsysTables, mapChunk, type TableChunk } from "./nsys-tables.js";
import { byteLimit, describeFsError, diskInflateLimit, isGzip, readHead, type SourceOptions } from "./source.js";

export const NSYS_SQLITE_FORMAT = "nsys-sqlite";
const SQLITE_MAGIC = "SQLite format 3\0";
const CHUNK_ROWS = 16384;
const DEFAULT_MAX_INFLATE = 64 * 2 ** 30;

export function sniffSqlite(head: Buffer): boolean {
  return head.length >= 16 && head.toString("latin1", 0, 16) === SQLITE_MAGIC;
}

export async function parseNsysSqlite(path: string, options: SourceOptions = {}, format = NSYS_SQLITE_FORMAT): Promise<TraceModel[]> {
  const head = await readHead(path, 16);
  if (!sniffSqlite(head)) throw new LlmprofError(path, "is not an SQLite database");
  let tmp: string | null = null;
  try {
    let dbPath = path;
    if (isGzip(rawMagic(path))) {
      tmp = mkdtempSync(join(tmpdir(), "llmprof-nsys-"));
      dbPath = join(tmp, "export.sqlite");
      // bounded relative to the input and TMPDIR's free space: a small bomb cannot fill the disk
      const limit = diskInflateLimit(statSync(path).size, tmp, options.maxTextBytes);
      await inflate(path, dbPath, Math.min(limit.bytes, DEFAULT_MAX_INFLATE), limit.why);
    }
    return readDatabase(path, dbPath, format, options.maxRanks);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

function rawMagic(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(2);
    const n = readSync(fd, b, 0, 2, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

async function inflate(path: string, target: string, limit: number, why: string): Promise<void> {
  const guard = byteLimit(path, limit, why);
  try {
    await pipeline(createReadStream(path), createGunzip(), guard, createWriteStream(target, { mode: 0o600 }));
  } catch (e) {
    if (e instanceof LlmprofError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/unexpected end of file/i.test(msg)) throw new LlmprofError(path, "gzip stream ends early (truncated file); a cut SQLite database cannot be read");
    throw new LlmprofError(path, `cannot inflate: ${msg}`);
  }
}

function readDatabase(file: string, dbPath: string, format: string, maxRanks?: number): TraceModel[] {
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new LlmprofError(file, `cannot open the SQLite database: ${e instanceof Error ? e.message : describeFsError(e)}`);
  }
  try {
    const tables = new Map<string, Set<string>>();
    let names: string[];
    try {
      names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]).filter((n) => typeof n === "string");
    } catch (e) {
      throw new LlmprofError(file, `is not a readable SQLite database (${e instanceof Error ? e.message : String(e)})`);
    }
    for (const name of names) {
      const cols = TABLES[name] ? (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(name) as string[]) : [];
      tables.set(name, new Set(cols));
    }
    checkNsysTables(file, "an SQLite database", tables);
    const sink = new NsysSink(format, file, maxRanks);
    sink.bytesRead = statSync(dbPath).size;
    for (const table of READ_ORDER) {
      const cols = tables.get(table);
      if (cols) readTable(db, sink, table, cols);
    }
    return sink.finish();
  } catch (e) {
    if (e instanceof LlmprofError) throw e;
    throw new LlmprofError(file, `cannot read the SQLite database: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    db.close();
  }
}

function readTable(db: Database.Database, sink: NsysSink, table: string, present: ReadonlySet<string>): void {
  const spec = TABLES[table]!;
  const numeric = [...spec.numeric, ...(spec.optional ?? [])].filter((c) => present.has(c));
  const text = [...(spec.text ?? []), ...(spec.optionalText ?? [])].filter((c) => present.has(c));
  const all = [...numeric, ...text];
  if (all.length === 0) {
    // only the row count matters (ProcessStreams); never read its contents
    const n = db.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number;
    mapChunk(sink, table, new RowChunk(0, [], []).withRows(n));
    return;
  }
  const chunk = new RowChunk(CHUNK_ROWS, numeric, text);
  if (!readTableAsJson(db, sink, table, all, chunk)) readTableByRows(db, sink, table, all, chunk);
}

/**
 * A table read in rowid ranges of CHUNK_ROWS, each range as one JSON text that
 * SQLite writes (`json_group_array(json_array(...))`) and JSON.parse reads: about
 * 40% less time than stepping the rows one by one for the activity tables,
 * where better-sqlite3's per-row cost dominates (issue 18). SQLite writes
 * integers exactly and doubles with 17 digits, so the numbers are the ones
 * stepping gives (a test compares the two paths). False (nothing read) for a table
 * without rowids; the caller then steps its rows.
 */
function readTableAsJson(db: Database.Database, sink: NsysSink, table: string, columns: readonly string[], chunk: RowChunk): boolean {
  const rangeOf = (values: readonly string[]) => `SELECT json_group_array(json_array(${values.join(", ")})) FROM "${table}" WHERE rowid >= ? AND rowid < ?`;
  let bounds: unknown[];
  let fast: Database.Statement;
  try {
    bounds = db.prepare(`SELECT min(rowid), max(rowid) FROM "${table}"`).raw(true).get() as unknown[];
    fast = db.prepare(rangeOf(columns.map((c) => `"${c}"`))).pluck();
  } catch {
    return false;
  }
  // JSON holds no BLOB: a range with one is read again with each BLOB made NULL in a number
  // column (NaN, as Number(buffer) on the other path) and text in a text column (its bytes)
  let safe: Database.Statement | null = null;
  const safeStatement = () =>
    (safe ??= db.prepare(rangeOf(columns.map((c, k) => `CASE WHEN typeof("${c}") = 'blob' THEN ${k < chunk.numCols.length ? "NULL" : `CAST("${c}" AS TEXT)`} ELSE "${c}" END`))).pluck());
  const [lo, hi] = bounds;
  if (typeof lo !== "number" || typeof hi !== "number") return true; // empty table
  for (let from = lo; from <= hi; from += CHUNK_ROWS) {
    let text: string;
    try {
      text = fast.get(from, from + CHUNK_ROWS) as string;
    } catch {
      text = safeStatement().get(from, from + CHUNK_ROWS) as string;
    }
    const rows = JSON.parse(text) as unknown[][];
    if (rows.length === 0) continue;
    for (const row of rows) fillRow(chunk, row);
    mapChunk(sink, table, chunk);
    chunk.rows = 0;
  }
  return true;
}

/** A table read row by row (raw arrays), CHUNK_ROWS at a time. */
function readTableByRows(db: Database.Database, sink: NsysSink, table: string, columns: readonly string[], chunk: RowChunk): void {
  const stmt = db.prepare(`SELECT ${columns.map((c) => `"${c}"`).join(", ")} FROM "${table}"`).raw(true);
  for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
    fillRow(chunk, row);
    if (chunk.rows === CHUNK_ROWS) {
      mapChunk(sink, table, chunk);
      chunk.rows = 0;
    }
  }
  if (chunk.rows > 0) mapChunk(sink, table, chunk);
}

/** Appends one row (numeric columns first, then text, as RowChunk was made) to the chunk. */
function fillRow(chunk: RowChunk, row: readonly unknown[]): void {
  const r = chunk.rows++;
  const nNum = chunk.numCols.length;
  for (let k = 0; k < nNum; k++) chunk.numCols[k]![r] = toNumber(row[k]);
  for (let k = 0; k < chunk.textCols.length; k++) {
    const v = row[nNum + k];
    chunk.textCols[k]![r] = typeof v === "string" ? v : v === null || v === undefined ? null : String(v);
  }
}

function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v === null || v === undefined) return NaN;
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

/** Reusable buffer of up to CHUNK_ROWS rows; absent optional columns read as NaN. */
class RowChunk implements TableChunk {
  rows = 0;
  readonly numCols: Float64Array[];
  readonly textCols: (string | null)[][];
  private readonly numIndex = new Map<string, number>();
  private readonly textIndex = new Map<string, number>();
  private readonly absent: Float64Array;

  constructor(capacity: number, numeric: readonly string[], text: readonly string[]) {
    this.numCols = numeric.map(() => new Float64Array(capacity));
    this.textCols = text.map(() => new Array<string | null>(capacity).fill(null));
    numeric.forEach((c, i) => this.numIndex.set(c, i));
    text.forEach((c, i) => this.textIndex.set(c, i));
    this.absent = new Float64Array(capacity).fill(NaN);
  }

  withRows(n: number): this {
    this.rows = n;
    return this;
  }

  num(column: string): Float64Array {
    const i = this.numIndex.get(column);
    return i === undefined ? this.absent : this.numCols[i]!;
  }

  text(column: string, row: number): string | null {
    const i = this.textIndex.get(column);
    return i === undefined ? null : (this.textCols[i]![row] ?? null);
  }
}
