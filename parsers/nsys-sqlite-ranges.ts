/**
 * The SQL side of reading an nsys SQLite export: each table llmprof reads, in
 * the order the sink needs them, as pieces of text SQLite writes. Used in the
 * thread that maps the rows (nsys-sqlite.ts) or in a worker beside it
 * (nsys-sqlite-worker.ts), so that SQLite writes the next pieces while the
 * current ones are parsed and mapped (issue 18).
 *
 * A table is read CHUNK_ROWS rows at a time in rowid order (jsonPager), each
 * page as one JSON text (`json_group_array(json_array(...))`) that JSON.parse
 * reads: about 40% less time than stepping the rows one by one for the
 * activity tables, where better-sqlite3's per-row cost dominates. SQLite writes
 * integers exactly and doubles with 17 digits, so the numbers are the ones
 * stepping gives. A table
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

/** A piece as SQLite gives it: a page's JSON text, rows stepped one by one, or a table's row count. */
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
    if (t.columns.length === 0) {
      yield { table: t.table, count: db.prepare(`SELECT count(*) FROM "${t.table}"`).pluck().get() as number };
      continue;
    }
    const pager = jsonPager(db, t);
    yield* pager ? jsonPages(t.table, pager) : steppedRows(db, t);
  }
}

/** Reads a table's pages: the JSON text of the rows with rowid in (after, through]. */
type Pager = { lastOfPage: (after: bigint) => bigint | undefined; json: (after: bigint, through: bigint) => string };

const MAX_ROWID = 2n ** 63n - 1n;

/**
 * The statements that read `table` CHUNK_ROWS rows at a time in rowid order, or
 * null when the table has no rowids. A page's end is found by walking the rowid
 * b-tree (keyset paging: sparse or huge rowids cost nothing), then its rows are
 * read as one rowid range, which SQLite scans in rowid order, the order
 * stepping gives. (An ORDER BY inside json_group_array states that order but
 * costs ~50% more.)
 */
function jsonPager(db: Database.Database, { table, columns, numeric }: TablePlan): Pager | null {
  const rangeOf = (values: readonly string[]) => `SELECT json_group_array(json_array(${values.join(", ")})) FROM "${table}" WHERE rowid > ? AND rowid <= ?`;
  let last: Database.Statement;
  let fast: Database.Statement;
  try {
    last = db
      .prepare(`SELECT rowid FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT 1 OFFSET ${CHUNK_ROWS - 1}`)
      .pluck()
      .safeIntegers(true);
    fast = db.prepare(rangeOf(columns.map((c) => `"${c}"`))).pluck();
  } catch {
    return null;
  }
  // JSON holds no BLOB: a page with one is read again with each BLOB made NULL in a number
  // column (NaN, as Number(buffer) when stepping) and text in a text column (its bytes)
  let safe: Database.Statement | null = null;
  const safeStatement = () => (safe ??= db.prepare(rangeOf(columns.map((c, k) => `CASE WHEN typeof("${c}") = 'blob' THEN ${k < numeric ? "NULL" : `CAST("${c}" AS TEXT)`} ELSE "${c}" END`))).pluck());
  return {
    lastOfPage: (after) => last.get(after) as bigint | undefined,
    json: (after, through) => {
      try {
        return fast.get(after, through) as string;
      } catch {
        return safeStatement().get(after, through) as string;
      }
    },
  };
}

function* jsonPages(table: string, pager: Pager): Generator<RawPiece> {
  for (let after = -(2n ** 63n); ;) {
    const end = pager.lastOfPage(after);
    const json = pager.json(after, end ?? MAX_ROWID);
    if (json !== "[]") yield { table, json };
    if (end === undefined) return;
    after = end;
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
