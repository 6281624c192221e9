/**
 * The two ways the SQLite reader reads a table give the same model: in rowid
 * ranges as JSON (the usual path) and row by row (tables without rowids). The
 * fixture is copied with every table llmprof reads rebuilt WITHOUT ROWID (same
 * rows, same order: the new primary key is the old rowid), which sends every
 * table down the row-by-row path; the models must be equal value for value.
 * Values the JSON path could bend are checked by hand: a NULL end, an integer
 * past 2^53, a fractional double, a BLOB where a number belongs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { loadTraces } from "../../parsers/registry.js";
import { TABLES } from "../../parsers/nsys-tables.js";
import { GpuKind, type TraceModel } from "../../src/model/tables.js";
import { fixture } from "../helpers/paths.js";

const tmp = mkdtempSync(join(tmpdir(), "llmprof-nsys-paths-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function inflated(name: string, as: string): string {
  const path = join(tmp, as);
  writeFileSync(path, gunzipSync(readFileSync(fixture(name))));
  return path;
}

/** Rebuilds each table llmprof reads as a WITHOUT ROWID table with the same rows in the same order. */
function withoutRowids(path: string): string[] {
  const db = new Database(path);
  const rebuilt: string[] = [];
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    for (const t of tables.filter((name) => TABLES[name] !== undefined)) {
      const cols = db.prepare("SELECT name, type FROM pragma_table_info(?)").all(t) as { name: string; type: string }[];
      const list = cols.map((c) => `"${c.name}"`).join(", ");
      db.exec(`CREATE TABLE "${t}_k" ("_k" INTEGER NOT NULL PRIMARY KEY, ${cols.map((c) => `"${c.name}" ${c.type}`).join(", ")}) WITHOUT ROWID`);
      db.exec(`INSERT INTO "${t}_k" SELECT rowid, ${list} FROM "${t}" ORDER BY rowid`);
      db.exec(`DROP TABLE "${t}"`);
      db.exec(`ALTER TABLE "${t}_k" RENAME TO "${t}"`);
      rebuilt.push(t);
    }
  } finally {
    db.close();
  }
  return rebuilt;
}

/** Every column of every table of a model as plain arrays, the string table and the metadata but the file names. */
function contents(m: TraceModel): unknown {
  const tables: Record<string, unknown> = {};
  const { threads, cpu, runtime, gpu, gpuRanges, collectives, fwdbwd, memory } = m;
  for (const [name, table] of Object.entries({ threads, cpu, runtime, gpu, gpuRanges, collectives, fwdbwd, memory })) {
    const cols: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(table as unknown as Record<string, unknown>)) cols[k] = ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v;
    tables[name] = cols;
  }
  return { tables, strings: [...m.strings.values], meta: { ...m.meta, files: [], bytesRead: 0 }, diagnostics: m.diagnostics };
}

describe("nsys SQLite: JSON ranges and row-by-row reading agree", () => {
  it("gives the same model when every table is read row by row (hook-module fixture)", async () => {
    const viaJson = inflated("nsys/nsys-l4-train-hooks-step1.sqlite.gz", "json.sqlite");
    const viaRows = inflated("nsys/nsys-l4-train-hooks-step1.sqlite.gz", "rows.sqlite");
    const rebuilt = withoutRowids(viaRows);
    expect(rebuilt).toEqual(expect.arrayContaining(["StringIds", "CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_RUNTIME", "NVTX_EVENTS"]));
    const [a] = await loadTraces([viaJson]);
    const [b] = await loadTraces([viaRows]);
    expect(a!.gpu.length).toBeGreaterThan(0);
    expect(contents(b!)).toEqual({ ...(contents(a!) as object), diagnostics: expect.anything() });
    expect(b!.meta.eventCounts).toEqual(a!.meta.eventCounts);
  });

  it("reads tables whose rowids are sparse, huge or negative in rowid order, page by page", async () => {
    const plain = inflated("nsys/nsys-l4-train-nonvtx.sqlite.gz", "dense.sqlite");
    const sparse = inflated("nsys/nsys-l4-train-nonvtx.sqlite.gz", "sparse.sqlite");
    const db = new Database(sparse);
    try {
      // rowids 10^12 apart (a reader that walked every rowid range would never finish), and one table shifted below zero
      db.exec("UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET rowid = rowid * 1000000000000");
      db.exec("UPDATE CUPTI_ACTIVITY_KIND_RUNTIME SET rowid = rowid - 4611686018427387904");
      expect(db.prepare("SELECT max(rowid) FROM CUPTI_ACTIVITY_KIND_KERNEL").pluck().safeIntegers(true).get()).toBeGreaterThan(10n ** 15n);
    } finally {
      db.close();
    }
    const [want] = await loadTraces([plain]);
    const [got] = await loadTraces([sparse]);
    expect(want!.gpu.length).toBeGreaterThan(3000);
    expect(contents(got!)).toEqual({ ...(contents(want!) as object), diagnostics: expect.anything() });
  });

  it("reads text stored as a BLOB as that text, on both paths", async () => {
    const plain = inflated("nsys/nsys-l4-train-hooks-step1.sqlite.gz", "plain.sqlite");
    const blobs = inflated("nsys/nsys-l4-train-hooks-step1.sqlite.gz", "blobs.sqlite");
    const db = new Database(blobs);
    try {
      // every fifth string and NVTX text as a BLOB of the same UTF-8 bytes
      expect(db.prepare("UPDATE StringIds SET value = CAST(value AS BLOB) WHERE id % 5 = 0").run().changes).toBeGreaterThan(0);
      expect(db.prepare("UPDATE NVTX_EVENTS SET text = CAST(text AS BLOB) WHERE text IS NOT NULL AND rowid % 5 = 0").run().changes).toBeGreaterThan(0);
    } finally {
      db.close();
    }
    const [want] = await loadTraces([plain]);
    const [viaJson] = await loadTraces([blobs]);
    withoutRowids(blobs);
    const [viaRows] = await loadTraces([blobs]);
    const same = { ...(contents(want!) as object), diagnostics: expect.anything() };
    expect(contents(viaJson!)).toEqual(same);
    expect(contents(viaRows!)).toEqual(same);
  });

  it("keeps 2^53 + 1, fractional doubles and BLOBs as stepping does", async () => {
    const path = inflated("nsys/nsys-l4-train-nonvtx.sqlite.gz", "edge.sqlite");
    const db = new Database(path);
    let kernel: { start: number; end: number };
    let copy: { start: number };
    try {
      kernel = db.prepare(`SELECT start, "end" FROM CUPTI_ACTIVITY_KIND_KERNEL ORDER BY start LIMIT 1`).get() as { start: number; end: number };
      copy = db.prepare(`SELECT start FROM CUPTI_ACTIVITY_KIND_MEMCPY ORDER BY start LIMIT 1`).get() as { start: number };
      // the first kernel: a BLOB grid (no grid: 0) and fractional times; the first copy: 2^53 + 1 bytes
      db.prepare(`UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET gridX = x'0102', start = start + 0.25, "end" = "end" + 0.75 WHERE start = ?`).run(kernel.start);
      db.prepare(`UPDATE CUPTI_ACTIVITY_KIND_MEMCPY SET bytes = 9007199254740993 WHERE start = ?`).run(copy.start);
    } finally {
      db.close();
    }
    const [m] = await loadTraces([path]);
    const gpu = m!.gpu;
    const kernels: number[] = [];
    for (let i = 0; i < gpu.length; i++) if (gpu.kind[i] === GpuKind.Kernel) kernels.push(i);
    const first = kernels.reduce((a, b) => (gpu.start[b]! < gpu.start[a]! ? b : a));
    expect(gpu.grid[3 * first]).toBe(0);
    expect(gpu.end[first]! - gpu.start[first]!).toBe(kernel.end - kernel.start + 0.5);
    // stepping gives Number(9007199254740993) = 9007199254740992, and so must the JSON text
    const copies: number[] = [];
    for (let i = 0; i < gpu.length; i++) if (gpu.kind[i] === GpuKind.Memcpy) copies.push(i);
    const firstCopy = copies.reduce((a, b) => (gpu.start[b]! < gpu.start[a]! ? b : a));
    expect(gpu.bytes[firstCopy]).toBe(9007199254740992);
  });
});
