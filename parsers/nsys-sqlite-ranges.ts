/**
 * The SQL side of reading an nsys SQLite export: each table llmprof reads, in
 * the order the sink needs them, as pieces of text SQLite writes. Used in the
 * thread that maps the rows (nsys-sqlite.ts) or in a worker beside it
 * (nsys-sqlite-worker.ts), so that SQLite writes the next pieces while the
 * current ones are parsed and mapped (issue 18).
 *
 * A table is read in rowid ranges of CHUNK_ROWS, each range as one JSON text
 * (`json_group_array(json_array(...))`) that JSON.parse reads: about 40% less
 * time than stepping the rows one by one for the activity tables, where
 * better-sqlite3's per-row cost dominates. SQLite writes integers exactly and
 * doubles with 17 digits, so the numbers are the ones stepping gives. A table
 * without rowids is stepped row by row; a table of which only the row count
 * matters (ProcessStreams) is counted.
 */
import type Database from "better-sqlite3";

export const CHUNK_ROWS = 16384;

/** A table to read: its columns, numbers first (`numeric` of them), then text. */
export interface TablePlan {
  table: string;
  columns: string[];
  numeric: number;
}

/** A piece as SQLite gives it: a range's JSON text, rows stepped one by one, or a table's row count. */
export type RawPiece = { table: string; json: string } | { table: string; rows: unknown[][] } | { table: string; count: number };

/**
 * Up to CHUNK_ROWS rows of a table as columns (in plan order: `num` the numbers,
 * NULL = NaN; `text` the rest), plain data that a worker can post (the number
 * columns' buffers transferred). A counted table has `rows` and no columns.
 */
export interface TablePiece {
  table: string;
  rows: number;
  num: Float64Array[];
  text: (string | null)[][];
}

/** The pieces of every planned table, in plan order, as SQLite gives them (columnsOf makes them columns). */
export function* rawPieces(db: Database.Database, plan: readonly TablePlan[]): Generator<RawPiece> {
  for (const t of plan) {
    if (t.columns.length === 0) yield { table: t.table, count: db.prepare(`SELECT count(*) FROM "${t.table}"`).pluck().get() as number };
    else if (!hasRowids(db, t.table)) yield* steppedRows(db, t);
    else yield* jsonRanges(db, t);
  }
}

function hasRowids(db: Database.Database, table: string): boolean {
  try {
    db.prepare(`SELECT rowid FROM "${table}" LIMIT 1`);
    return true;
  } catch {
    return false;
  }
}

function* jsonRanges(db: Database.Database, { table, columns, numeric }: TablePlan): Generator<RawPiece> {
  const rangeOf = (values: readonly string[]) => `SELECT json_group_array(json_array(${values.join(", ")})) FROM "${table}" WHERE rowid >= ? AND rowid < ?`;
  const fast = db.prepare(rangeOf(columns.map((c) => `"${c}"`))).pluck();
  // JSON holds no BLOB: a range with one is read again with each BLOB made NULL in a number
  // column (NaN, as Number(buffer) when stepping) and text in a text column (its bytes)
  let safe: Database.Statement | null = null;
  const safeStatement = () => (safe ??= db.prepare(rangeOf(columns.map((c, k) => `CASE WHEN typeof("${c}") = 'blob' THEN ${k < numeric ? "NULL" : `CAST("${c}" AS TEXT)`} ELSE "${c}" END`))).pluck());
  const [lo, hi] = db.prepare(`SELECT min(rowid), max(rowid) FROM "${table}"`).raw(true).get() as unknown[];
  if (typeof lo !== "number" || typeof hi !== "number") return; // empty table
  for (let from = lo; from <= hi; from += CHUNK_ROWS) {
    let json: string;
    try {
      json = fast.get(from, from + CHUNK_ROWS) as string;
    } catch {
      json = safeStatement().get(from, from + CHUNK_ROWS) as string;
    }
    if (json !== "[]") yield { table, json };
  }
}

function* steppedRows(db: Database.Database, { table, columns }: TablePlan): Generator<RawPiece> {
  const stmt = db.prepare(`SELECT ${columns.map((c) => `"${c}"`).join(", ")} FROM "${table}"`).raw(true);
  let rows: unknown[][] = [];
  for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
    rows.push(row);
    if (rows.length === CHUNK_ROWS) {
      yield { table, rows };
      rows = [];
    }
  }
  if (rows.length > 0) yield { table, rows };
}

/** A raw piece as columns (`plan`: its table's). */
export function columnsOf(raw: RawPiece, plan: TablePlan): TablePiece {
  const { table, numeric } = plan;
  if ("count" in raw) return { table, rows: raw.count, num: [], text: [] };
  const rows = "json" in raw ? (JSON.parse(raw.json) as unknown[][]) : raw.rows;
  const texts = plan.columns.length - numeric;
  const n = rows.length;
  const num = Array.from({ length: numeric }, () => new Float64Array(n));
  const text = Array.from({ length: texts }, () => new Array<string | null>(n));
  for (let r = 0; r < n; r++) {
    const row = rows[r]!;
    for (let k = 0; k < numeric; k++) num[k]![r] = toNumber(row[k]);
    for (let k = 0; k < texts; k++) {
      const v = row[numeric + k];
      text[k]![r] = typeof v === "string" ? v : v === null || v === undefined ? null : String(v);
    }
  }
  return { table, rows: n, num, text };
}

function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v === null || v === undefined) return NaN;
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}
