#!/usr/bin/env node
/**
 * Shrinks an Nsight Systems SQLite export to what llmprof reads, for a fixture:
 *   node tools/shrink-nsys-sqlite.mjs IN.sqlite[.gz] OUT.sqlite [--step N]   (then gzip -9n OUT.sqlite)
 * Keeps the tables parsers/nsys-tables.ts reads (activity, NVTX, strings, thread names,
 * GPU info, the export's product version, the driver versions) with every row and
 * column, drops the rest (scheduling, diagnostics, capture metadata with command lines
 * and working directories, the recording machine's environment), keeps only the
 * StringIds rows that a kept column references, then VACUUMs. Deterministic: the same
 * input gives the same bytes. `--step N` also keeps only the NVTX range `ProfilerStep#N`:
 * the NVTX ranges and runtime calls (any thread) that start inside it, and the GPU
 * activities those calls launched (by correlation id).
 */
import { copyFileSync, createReadStream, createWriteStream, existsSync, rmSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import Database from "better-sqlite3";

const KEEP = new Set([
  "StringIds",
  "CUPTI_ACTIVITY_KIND_KERNEL",
  "CUPTI_ACTIVITY_KIND_MEMCPY",
  "CUPTI_ACTIVITY_KIND_MEMSET",
  "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION",
  "CUPTI_ACTIVITY_KIND_RUNTIME",
  "NVTX_EVENTS",
  "ThreadNames",
  "TARGET_INFO_GPU",
  "TARGET_INFO_SYSTEM_ENV",
  "TARGET_INFO_SESSION_START_TIME",
  "META_DATA_EXPORT",
  "ENUM_NSYS_EVENT_TYPE",
]);
/** Rows kept of the key/value tables: versions only. */
const KEEP_ROWS = {
  TARGET_INFO_SYSTEM_ENV: ["NvDriverVersion", "CudaDriverVersion"],
  META_DATA_EXPORT: ["EXPORT_PRODUCT_VERSION", "EXPORT_SCHEMA_VERSION"],
};
/** Columns holding StringIds ids, per kept table. */
const STRING_COLUMNS = {
  CUPTI_ACTIVITY_KIND_KERNEL: ["demangledName", "shortName", "mangledName"],
  CUPTI_ACTIVITY_KIND_RUNTIME: ["nameId"],
  NVTX_EVENTS: ["textId"],
  ThreadNames: ["nameId"],
};

const [input, output, stepFlag, stepArg] = process.argv.slice(2);
const step = stepFlag === "--step" ? Number(stepArg) : null;
if (!input || !output || (stepFlag !== undefined && !Number.isInteger(step))) {
  console.error("usage: node tools/shrink-nsys-sqlite.mjs IN.sqlite[.gz] OUT.sqlite [--step N]");
  process.exit(2);
}
if (existsSync(output)) {
  console.error(`${output}: exists; not overwritten`);
  process.exit(2);
}
try {
  if (input.endsWith(".gz")) await pipeline(createReadStream(input), createGunzip(), createWriteStream(output, { flags: "wx" }));
  else copyFileSync(input, output);
} catch (e) {
  rmSync(output, { force: true });
  console.error(`${input}: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}

const db = new Database(output);
try {
  shrink(db);
} catch (e) {
  db.close();
  rmSync(output, { force: true });
  console.error(`${input}: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
db.close();
// better-sqlite3 may leave a journal when interrupted; a clean close leaves none
for (const extra of [`${output}-journal`, `${output}-wal`]) if (existsSync(extra)) rmSync(extra);

/** Drops, deletes and vacuums in place (see the header). */
function shrink(db) {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
  for (const t of tables) if (!KEEP.has(t)) db.exec(`DROP TABLE "${t}"`);
  for (const [t, names] of Object.entries(KEEP_ROWS)) {
    if (tables.includes(t)) db.prepare(`DELETE FROM "${t}" WHERE name NOT IN (${names.map(() => "?").join(", ")})`).run(...names);
  }
  if (step !== null) keepStep(db, step);
  const columnsOf = (t) => db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(t);
  const refs = Object.entries(STRING_COLUMNS)
    .filter(([t]) => tables.includes(t))
    .flatMap(([t, cols]) => cols.filter((c) => columnsOf(t).includes(c)).map((c) => `SELECT "${c}" FROM "${t}" WHERE "${c}" IS NOT NULL`));
  // (a NULL in a NOT IN list would keep every row)
  db.exec(`DELETE FROM StringIds WHERE id NOT IN (${refs.join(" UNION ")})`);
  db.exec("VACUUM");
}

/** Deletes every activity outside the NVTX range ProfilerStep#`step` (see the header). */
function keepStep(db, step) {
  const range = db
    .prepare(
      `SELECT n.start, n.end FROM NVTX_EVENTS n LEFT JOIN StringIds s ON s.id = n.textId
       WHERE coalesce(n.text, s.value) = ? ORDER BY n.start LIMIT 1`,
    )
    .get(`ProfilerStep#${step}`);
  if (!range) throw new Error(`no NVTX range ProfilerStep#${step}`);
  const outside = "(start < @start OR start >= @end)";
  db.prepare(`DELETE FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE ${outside}`).run(range);
  db.prepare(`DELETE FROM NVTX_EVENTS WHERE ${outside}`).run(range);
  for (const t of ["CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_MEMCPY", "CUPTI_ACTIVITY_KIND_MEMSET"]) {
    db.exec(`DELETE FROM "${t}" WHERE correlationId IS NULL OR correlationId NOT IN (SELECT correlationId FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE correlationId IS NOT NULL)`);
  }
  if (db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'CUPTI_ACTIVITY_KIND_SYNCHRONIZATION'").pluck().get()) {
    db.prepare(`DELETE FROM CUPTI_ACTIVITY_KIND_SYNCHRONIZATION WHERE ${outside}`).run(range);
  }
}
