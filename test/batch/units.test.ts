/**
 * The parts of `llmprof batch` on their own (globs, shard hash, dates in paths,
 * report folder names, Parquet round trip, progress line), and runBatch from
 * the TypeScript sources, where the worker script is absent and the traces are
 * analysed in this thread.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { runBatch } from "../../src/batch/run.js";
import { splitGlob } from "../../src/batch/glob.js";
import { dateInPath, parseShard, safeFolderName, seriesOf, shardOf, shardedName } from "../../src/batch/naming.js";
import { poolMode } from "../../src/batch/pool.js";
import { formatProgress } from "../../src/batch/progress-bar.js";
import { csvTable, parquetTable, parquetTableName, readParquetTable } from "../../src/batch/tables.js";
import type { Column, Row } from "../../src/batch/columns.js";
import { fixture } from "../helpers/paths.js";
import { ODD_NAME, tempRoot } from "./helpers.js";

describe("globs", () => {
  const cases: [string, string, string[], string[]][] = [
    ["archive/*.json.gz", "archive", ["a.json.gz"], ["a.json", "x/a.json.gz"]],
    ["archive/**/*.json.gz", "archive", ["a.json.gz", "x/a.json.gz", "x/y/b.json.gz"], ["x/a.sqlite"]],
    ["/data/2024-0[1-3]-*/{rank0,rank1}.json.gz", "/data", ["2024-01-05/rank0.json.gz", "2024-03-31/rank1.json.gz"], ["2024-04-01/rank0.json.gz", "2024-01-05/rank2.json.gz"]],
    ["runs/**", "runs", ["a", "a/b/c.json"], []],
    ["*.json", ".", ["t.json"], ["d/t.json"]],
  ];
  it.each(cases)("%s", (pattern, base, yes, no) => {
    const g = splitGlob(pattern);
    expect(g.base).toBe(base);
    for (const p of yes) expect(g.matches(p), p).toBe(true);
    for (const p of no) expect(g.matches(p), p).toBe(false);
  });
});

describe("shards", () => {
  it("are the SHA-1 of the relative path mod n, plus 1", () => {
    for (const rel of ["a.json.gz", "nightly/2024-05-01/rank0.json.gz", ODD_NAME]) {
      const h = parseInt(createHash("sha1").update(rel).digest("hex").slice(0, 8), 16);
      expect(shardOf(rel, 7)).toBe((h % 7) + 1);
    }
  });

  it("spread names evenly and name outputs -k-of-n", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`nightly/run-${i}/trace.json.gz`, 4) - 1]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
    expect(shardedName("traces", { index: 2, count: 8 }, ".parquet")).toBe("traces-2-of-8.parquet");
    expect(shardedName("traces", null, ".parquet")).toBe("traces.parquet");
    expect(parseShard("2/8")).toEqual({ index: 2, count: 8 });
    for (const bad of ["0/3", "4/3", "1/0", "a/b", "1"]) expect(() => parseShard(bad)).toThrow(/--shard/);
  });
});

describe("dates in paths and series", () => {
  it("finds the last valid date", () => {
    expect(dateInPath("nightly/2024-05-01/llama.json.gz")?.ms).toBe(Date.UTC(2024, 4, 1));
    expect(dateInPath("2023-01-01/run_20240229/x.json")?.ms).toBe(Date.UTC(2024, 1, 29));
    expect(dateInPath("runs/20240230/x.json")).toBeNull();
    expect(dateInPath("job-1202405011/x.json")).toBeNull();
    expect(dateInPath("x.json")).toBeNull();
  });
  it("blanks the date in the series", () => {
    expect(seriesOf("nightly/2024_05_01/llama.json.gz")).toBe("nightly/{date}/llama.json.gz");
    expect(seriesOf("llama.json.gz")).toBe("llama.json.gz");
  });
});

describe("report folder names", () => {
  it("hold only safe characters, whatever the trace is called", () => {
    const names = [ODD_NAME, "../../etc/passwd", "..", ".hidden.json", "a/b/c.json.gz", "x".repeat(500), "日本語.json"];
    const folders = names.map((n) => safeFolderName(n));
    for (const f of folders) {
      expect(f).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/);
      expect(f).not.toContain("..");
    }
    expect(new Set(folders).size).toBe(names.length);
    expect(safeFolderName("a/b.json", "root1\u0000a/b.json")).not.toBe(safeFolderName("a/b.json", "root2\u0000a/b.json"));
  });
});

describe("tables", () => {
  const columns: Column[] = [
    { name: "s", type: "string" },
    { name: "d", type: "double" },
    { name: "i", type: "int" },
    { name: "n", type: "bigint" },
    { name: "b", type: "bool" },
    { name: "t", type: "timestamp" },
    { name: "j", type: "json" },
  ];
  const rows: Row[] = [
    { s: ODD_NAME, d: 1.25, i: 3, n: 2 ** 40, b: true, t: Date.UTC(2024, 4, 1, 12), j: '{"a":1}' },
    { s: null, d: null, i: null, n: null, b: null, t: null, j: null },
  ];

  it("round-trip through Parquet with their types, nulls included", async () => {
    const dir = tempRoot();
    const path = join(dir, "t.parquet");
    writeFileSync(path, parquetTable("traces", columns, rows));
    expect(parquetTableName(path)).toBe("traces");
    expect(await readParquetTable(path, "traces", columns)).toEqual(rows);
    // another table name, or other columns: nothing to resume from
    expect(await readParquetTable(path, "errors", columns)).toBeNull();
    expect(await readParquetTable(path, "traces", columns.slice(1))).toBeNull();
    // an empty table keeps its schema
    writeFileSync(path, parquetTable("traces", columns, []));
    expect(await readParquetTable(path, "traces", columns)).toEqual([]);
  });

  it("do not take someone else's Parquet file for theirs", () => {
    const path = join(tempRoot(), "other.parquet");
    writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData: [{ name: "x", data: [1, 2], type: "INT32" }] })));
    expect(parquetTableName(path)).toBeNull();
    writeFileSync(path, "not parquet at all");
    expect(parquetTableName(path)).toBeNull();
  });

  it("write CSV with ISO timestamps and quoted odd names", () => {
    const csv = csvTable(columns, rows);
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("s,d,i,n,b,t,j");
    expect(lines[1]).toContain("2024-05-01T12:00:00.000Z");
    expect(lines[1]!.startsWith('"..\\..\\évil')).toBe(true);
    expect(lines[2]).toBe(",,,,,,");
  });
});

describe("progress line", () => {
  it("shows the bar, the rate and the time left", () => {
    const line = formatProgress({ total: 10, done: 5, failed: 1, bytesTotal: 200e6, bytesDone: 100e6, elapsedMs: 20_000 }, 120);
    expect(line).toMatch(/^\[#+\.+\] 5\/10 traces, 1 failed, 0\.3\/s, 5\.0 MB\/s, ETA 20s$/);
  });
});

describe("runBatch from the TypeScript sources", () => {
  it("analyses in this thread when the worker script is missing, with the same rows", async () => {
    expect(poolMode()).toBe("in-process");
    const out = join(tempRoot(), "out");
    const progress: number[] = [];
    const result = await runBatch({ inputs: [fixture("multi-gpu")], outDir: out, jobs: 2, reports: true, onProgress: (p) => progress.push(p.done) });
    expect(result.mode).toBe("in-process");
    expect(result.rows.map((r) => [r["file"], r["rank"]])).toEqual([
      ["l2-ddp-straggler-2gpu-rank0.json.gz", 0],
      ["l2-ddp-straggler-2gpu-rank1.json.gz", 1],
    ]);
    expect(progress).toEqual([0, 1, 2]);
    expect(readdirSync(join(out, "reports"))).toHaveLength(2);
    expect(readdirSync(out).sort()).toEqual(["errors.csv", "errors.parquet", "index.html", "manifest.json", "reports", "runs.csv", "runs.parquet", "traces.csv", "traces.parquet"]);
    const again = await runBatch({ inputs: [fixture("multi-gpu")], outDir: out, reports: true });
    expect([again.analysed, again.skipped]).toEqual([0, 2]);
    expect(again.rows).toEqual(result.rows);
    // both steps of the fixture (ProfilerStep#2, #3) name the straggler by default
    expect(result.runs[0]!["straggler_steps"]).toBe(2);

    // other analysis options: the earlier rows are not reused, and the runs table's straggler analysis uses them too
    const narrowed = await runBatch({ inputs: [fixture("multi-gpu")], outDir: out, reports: true, analysis: { steps: { from: 3, to: 3 } } });
    expect([narrowed.analysed, narrowed.skipped]).toEqual([2, 0]);
    expect(narrowed.rows.map((r) => r["step_count"])).toEqual([1, 1]);
    expect(narrowed.runs[0]!["straggler_steps"]).toBe(1);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { options: { analysis: string } };
    expect(JSON.parse(manifest.options.analysis)).toEqual({ steps: { from: 3, to: 3 } });
    // the same options again (keys in another order): reused
    const same = await runBatch({ inputs: [fixture("multi-gpu")], outDir: out, reports: true, analysis: { steps: { to: 3, from: 3 } } });
    expect([same.analysed, same.skipped]).toEqual([0, 2]);
  });
});
