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
 * Tables are read as JSON pages of rows (nsys-sqlite-ranges.ts), by a worker thread
 * when more than one thread is allowed (nsys-sqlite-worker.ts: SQLite writes the next
 * pages while this thread parses and maps the current ones), into reusable
 * Float64Array chunks, then mapped by nsys-tables.ts.
 */
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Worker } from "node:worker_threads";
import { createGunzip } from "node:zlib";
import Database from "better-sqlite3";
import { LlmprofError } from "../src/errors.js";
import type { TraceModel } from "../src/model/tables.js";
import { NsysSink } from "./nsys-common.js";
import { READ_ORDER, TABLES, checkNsysTables, mapChunk, type TableChunk } from "./nsys-tables.js";
import { byteLimit, describeFsError, diskInflateLimit, isGzip, readHead, type SourceOptions } from "./source.js";
import { CHUNK_ROWS, columnsOf, rawPieces, type RawPiece, type TablePiece, type TablePlan } from "./nsys-sqlite-ranges.js";
import type { SqliteWorkerData, SqliteWorkerMessage } from "./nsys-sqlite-worker.js";
import { defaultThreads, scriptAvailable } from "./parallel.js";

export const NSYS_SQLITE_FORMAT = "nsys-sqlite";
const SQLITE_MAGIC = "SQLite format 3\0";
const DEFAULT_MAX_INFLATE = 64 * 2 ** 30;

export function sniffSqlite(head: Buffer): boolean {
  return head.length >= 16 && head.toString("latin1", 0, 16) === SQLITE_MAGIC;
}

/** Options of the SQLite reader: `threads` 1 reads the tables in this thread, more lets a worker thread read them. */
export interface SqliteOptions extends SourceOptions {
  threads?: number;
}

export async function parseNsysSqlite(path: string, options: SqliteOptions = {}, format = NSYS_SQLITE_FORMAT): Promise<TraceModel[]> {
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
    return await readDatabase(path, dbPath, format, options);
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

async function readDatabase(file: string, dbPath: string, format: string, options: SqliteOptions): Promise<TraceModel[]> {
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
    const plan = READ_ORDER.filter((t) => tables.has(t)).map((t) => planOf(t, tables.get(t)!));
    const sink = new NsysSink(format, file, options.maxRanks);
    sink.bytesRead = statSync(dbPath).size;
    const views = new Map(plan.map((t) => [t.table, new PieceView(t)]));
    const plans = new Map(plan.map((t) => [t.table, t]));
    const pieces = (options.threads ?? defaultThreads()) > 1 && sqliteWorkerAvailable() ? piecesFromWorker(dbPath, plan) : inThisThread(db, plan);
    for await (const piece of pieces) {
      const columns = "raw" in piece ? columnsOf(piece.raw, plans.get(piece.raw.table)!) : piece;
      mapChunk(sink, columns.table, views.get(columns.table)!.of(columns));
    }
    return sink.finish();
  } catch (e) {
    if (e instanceof LlmprofError) throw e;
    throw new LlmprofError(file, `cannot read the SQLite database: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    db.close();
  }
}

/** The columns llmprof reads of `table` that the export has, numbers first. */
function planOf(table: string, present: ReadonlySet<string>): TablePlan {
  const spec = TABLES[table]!;
  const numeric = [...spec.numeric, ...(spec.optional ?? [])].filter((c) => present.has(c));
  const text = [...(spec.text ?? []), ...(spec.optionalText ?? [])].filter((c) => present.has(c));
  return { table, columns: [...numeric, ...text], numeric: numeric.length };
}

const SQLITE_WORKER = new URL("./nsys-sqlite-worker.js", import.meta.url);

/** Whether the worker script exists (the compiled build; not when running the TypeScript sources). */
export function sqliteWorkerAvailable(): boolean {
  return scriptAvailable(SQLITE_WORKER);
}

/** The pieces read in this thread (`--threads 1`, or no compiled worker script), parsed where they are mapped. */
function* inThisThread(db: Database.Database, plan: readonly TablePlan[]): Generator<TablePiece | { raw: RawPiece }> {
  for (const raw of rawPieces(db, plan)) yield { raw };
}

/** The pieces as a worker thread reads them (nsys-sqlite-worker.ts), taken one at a time. */
async function* piecesFromWorker(dbPath: string, plan: TablePlan[]): AsyncGenerator<TablePiece | { raw: RawPiece }> {
  const taken = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(SQLITE_WORKER, { workerData: { dbPath, plan, taken } satisfies SqliteWorkerData });
  const queue: SqliteWorkerMessage[] = [];
  let wake: (() => void) | null = null;
  const push = (m: SqliteWorkerMessage) => {
    queue.push(m);
    wake?.();
  };
  worker.on("message", push);
  worker.on("error", (e) => push({ error: e instanceof Error ? e.message : String(e) }));
  worker.on("exit", (code) => push({ error: `the reading thread stopped (exit code ${code})` }));
  try {
    for (;;) {
      if (queue.length === 0) await new Promise<void>((r) => (wake = r));
      wake = null;
      const m = queue.shift()!;
      if ("end" in m) return;
      if ("error" in m) throw new Error(m.error);
      Atomics.add(taken, 0, 1);
      Atomics.notify(taken, 0);
      yield "piece" in m ? m.piece : { raw: m.raw };
    }
  } finally {
    void worker.terminate();
  }
}

/** A table's pieces as TableChunks: columns by name (absent optional columns read as NaN / null). */
class PieceView implements TableChunk {
  private piece: TablePiece | null = null;
  private readonly numIndex = new Map<string, number>();
  private readonly textIndex = new Map<string, number>();
  private static readonly absent = new Float64Array(CHUNK_ROWS).fill(NaN);

  constructor(plan: TablePlan) {
    plan.columns.forEach((c, i) => (i < plan.numeric ? this.numIndex.set(c, i) : this.textIndex.set(c, i - plan.numeric)));
  }

  of(piece: TablePiece): this {
    this.piece = piece;
    return this;
  }

  get rows(): number {
    return this.piece?.rows ?? 0;
  }

  num(column: string): Float64Array {
    const i = this.numIndex.get(column);
    return i === undefined ? PieceView.absent : this.piece!.num[i]!;
  }

  text(column: string, row: number): string | null {
    const i = this.textIndex.get(column);
    return i === undefined ? null : (this.piece!.text[i]![row] ?? null);
  }
}
