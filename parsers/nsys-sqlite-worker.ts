/**
 * Worker-thread side of reading an nsys SQLite export (nsys-sqlite.ts): opens
 * the database read-only and posts its tables' pieces (nsys-sqlite-ranges.ts) in
 * order while the main thread maps the ones before. The two share the work by
 * how far ahead this thread is: while the main thread still has pieces to take,
 * this one also turns its JSON into columns (their buffers transferred); when
 * the main thread has taken everything (it waits), the JSON goes as it is and
 * the main thread parses it. It never gets more than AHEAD pieces ahead (a
 * shared counter), so the text waiting in between stays small whatever the size
 * of the export.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { columnsOf, rawPieces, type RawPiece, type TablePiece, type TablePlan } from "./nsys-sqlite-ranges.js";

/** What the main thread sends: the database, the tables, and the counter of pieces it has taken (Int32Array over a SharedArrayBuffer). */
export interface SqliteWorkerData {
  dbPath: string;
  plan: TablePlan[];
  taken: Int32Array;
}

/** A message to the main thread: a piece (as columns or as SQLite gave it), the end, or an error. */
export type SqliteWorkerMessage = { piece: TablePiece } | { raw: RawPiece } | { end: true } | { error: string };

const AHEAD = 4;

const port = parentPort;
if (!port) throw new Error("llmprof sqlite worker: not started as a worker thread");
const { dbPath, plan, taken } = workerData as SqliteWorkerData;
const plans = new Map(plan.map((t) => [t.table, t]));

try {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    let posted = 0;
    for (const raw of rawPieces(db, plan)) {
      let seen = Atomics.load(taken, 0);
      for (; posted - seen >= AHEAD; seen = Atomics.load(taken, 0)) Atomics.wait(taken, 0, seen, 1000);
      if (posted > seen) {
        const piece = columnsOf(raw, plans.get(raw.table)!);
        port.postMessage(
          { piece } satisfies SqliteWorkerMessage,
          piece.num.map((c) => c.buffer as ArrayBuffer),
        );
      } else port.postMessage({ raw } satisfies SqliteWorkerMessage);
      posted++;
    }
  } finally {
    db.close();
  }
  port.postMessage({ end: true } satisfies SqliteWorkerMessage);
} catch (e) {
  port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies SqliteWorkerMessage);
}
