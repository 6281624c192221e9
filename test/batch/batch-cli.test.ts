/**
 * `llmprof batch` end to end, through the built CLI (dist/, worker threads):
 * one row per good trace and rank with the figures `analyze` gives for that
 * file, the bad files in the errors table, reports and index written only under
 * --out whatever the trace names, exit codes, and CSV = Parquet.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { expectClose, expectedFor, makeArchive, readParquet, snapshot, tracesUnder, type Archive, type TableRow } from "./helpers.js";

let archive: Archive;
let rows: TableRow[];
let errors: TableRow[];
let run: ReturnType<typeof runCli>;
let before: Map<string, number>;

beforeAll(() => {
  archive = makeArchive();
  before = snapshot(archive.root, archive.out);
  run = runCli(["batch", archive.input, "--out", archive.out, "--reports", "--jobs", "2"]);
});

describe("llmprof batch over the fixtures", () => {
  it("exits 1 because two traces failed, and says so", async () => {
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/2 failed/);
    expect(run.stderr).toMatch(/2 worker threads/);
    rows = await readParquet(join(archive.out, "traces.parquet"));
    errors = await readParquet(join(archive.out, "errors.parquet"));
  });

  it("lists exactly the two bad files as errors, with size, mtime and a reason", () => {
    expect(errors.map((e) => e["file"]).sort()).toEqual(archive.bad);
    for (const e of errors) {
      expect(Number(e["size_bytes"])).toBeGreaterThan(0);
      expect(e["mtime"]).toBeInstanceOf(Date);
      expect(String(e["error"]).length).toBeGreaterThan(5);
      expect(e["root"]).toBe(archive.input);
    }
    expect(errors.find((e) => e["file"] === "corrupt-copy.json.gz")!["error"]).toMatch(/gzip/);
    expect(errors.find((e) => e["file"] === "not-a-trace.json.gz")!["error"]).toMatch(/unrecognised format/);
  });

  it("has one row per good trace and rank, with analyze's figures", async () => {
    const expectedFiles = tracesUnder(archive.input, archive.bad);
    expect(expectedFiles).toContain(archive.odd);
    expect(new Set(rows.map((r) => r["file"]))).toEqual(new Set(expectedFiles));
    let compared = 0;
    for (const file of expectedFiles) {
      const expected = await expectedFor(join(archive.input, file));
      const mine = rows.filter((r) => r["file"] === file);
      expect(
        mine.map((r) => r["rank"]),
        file,
      ).toEqual(expected.map((e) => e.rank));
      expected.forEach((e, i) => {
        const row = mine[i]!;
        expect(row["ranks_in_file"]).toBe(expected.length);
        for (const [col, value] of Object.entries(e.values)) {
          expectClose(row[col], value, `${file} rank ${e.rank} ${col}`);
          compared++;
        }
      });
    }
    // steps, GPU time, phases, kernel categories, idle and modules of every trace
    expect(compared).toBeGreaterThan(15 * expectedFiles.length);
  });

  it("gives an nsys report of a 2-GPU job one row per rank", () => {
    const ddp = rows.filter((r) => r["file"] === "nsys/nsys-l2-ddp-2gpu.sqlite.gz");
    expect(ddp.map((r) => [r["rank"], r["world_size"]])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(ddp.every((r) => (r["exposed_comm_pct"] as number) > 0 && (r["comm_ms_per_step"] as number) > 0)).toBe(true);
  });

  it("records the trace metadata", () => {
    const tiny = rows.find((r) => r["file"] === "llama-tiny-train.json.gz")!;
    expect(tiny["format"]).toBe("kineto-json");
    expect(tiny["gpu_model"]).toBe("NVIDIA H100 80GB HBM3");
    expect(Number(tiny["size_bytes"])).toBe(readFileSync(join(archive.input, "llama-tiny-train.json.gz")).length);
    expect(tiny["partial"]).toBe(false);
    expect(tiny["mtime"]).toBeInstanceOf(Date);
    expect(tiny["run_date_source"]).toBe("mtime");
    expect(JSON.parse(String(tiny["module_classes_json"]))).toHaveProperty("LlamaDecoderLayer");
    expect(rows.find((r) => r["file"] === "nsys/nsys-tiny-train.parquetdir")!["format"]).toBe("nsys-parquet");
  });

  it("writes the same rows as CSV", () => {
    const csv = readFileSync(join(archive.out, "traces.csv"), "utf8");
    const header = csv.slice(0, csv.indexOf("\r\n")).split(",");
    expect(header).toEqual(Object.keys(rows[0]!));
    // one CSV record per row (the odd name's newline is inside a quoted field)
    expect(csv.split("\r\n").length - 2).toBe(rows.length);
    expect(readFileSync(join(archive.out, "errors.csv"), "utf8")).toContain("corrupt-copy.json.gz");
  });

  it("writes only under --out, with sanitised report folders linked from the rows", () => {
    expect(snapshot(archive.root, archive.out)).toEqual(before);
    const folders = readdirSync(join(archive.out, "reports"));
    expect(folders.length).toBe(new Set(rows.map((r) => r["file"])).size);
    for (const f of folders) {
      expect(f).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
      expect(f).not.toMatch(/\.\./);
    }
    for (const r of rows) {
      expect(r["report"]).toMatch(/^reports\/[A-Za-z0-9._-]+\/report\.html$/);
      expect(existsSync(join(archive.out, String(r["report"])))).toBe(true);
    }
    const odd = rows.find((r) => r["file"] === archive.odd)!;
    expect(readFileSync(join(archive.out, String(odd["report"])), "utf8")).toMatch(/^<!DOCTYPE html>/);
  });

  it("writes an index that escapes trace names", () => {
    const html = readFileSync(join(archive.out, "index.html"), "utf8");
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("\\u003cimg src=x");
  });
});

describe("llmprof batch refuses what it must not do", () => {
  it("does not overwrite a file that is not an llmprof output (exit 2), unless --force", () => {
    const a = makeArchive();
    const out = join(a.root, "out");
    runCli(["batch", join(a.input, "llama-tiny-train.json.gz"), "--out", out]);
    writeFileSync(join(out, "traces.csv"), "my,own\n1,2\n");
    const r = runCli(["batch", join(a.input, "llama-tiny-train.json.gz"), "--out", out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/traces\.csv.*not an llmprof output/);
    const forced = runCli(["batch", join(a.input, "llama-tiny-train.json.gz"), "--out", out, "--force"]);
    expect(forced.status, forced.stderr).toBe(0);
  });

  it("exits 2 on bad usage", () => {
    const a = makeArchive();
    for (const args of [
      ["--shard", "4/3"],
      ["--shard", "x"],
      ["--jobs", "0"],
    ]) {
      const r = runCli(["batch", a.input, "--out", join(a.root, "o"), ...args]);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(runCli(["batch", join(a.root, "missing"), "--out", join(a.root, "o")]).status).toBe(2);
    expect(runCli(["batch", `${a.input}/*.nothing`, "--out", join(a.root, "o")]).status).toBe(2);
  });

  it("exits 0 when every trace is analysed", () => {
    const a = makeArchive();
    const r = runCli(["batch", `${a.input}/multi-gpu/*.json.gz`, "--out", join(a.root, "o")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 traces: 2 analysed, 0 unchanged \(kept\), 0 failed/);
  });
});
