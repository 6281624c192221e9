/**
 * Sharding (k/n partitions cover every trace exactly once, hive parts <table>/shard=k-of-n/) and
 * resuming (a re-run keeps unchanged traces' rows, re-analyses a touched one),
 * through the built CLI.
 */
import { existsSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { makeArchive, readParquet, tracesUnder, type Archive, type TableRow } from "./helpers.js";

let archive: Archive;
beforeAll(() => {
  archive = makeArchive();
});

const key = (r: TableRow) => `${String(r["file"])}#${String(r["rank"])}`;

describe("--shard k/n", () => {
  it("shards 1/3, 2/3 and 3/3 together cover every trace exactly once", async () => {
    const out = join(archive.root, "sharded");
    const all: TableRow[] = [];
    const failed: TableRow[] = [];
    const files: string[][] = [];
    for (const k of [1, 2, 3]) {
      const r = runCli(["batch", archive.input, "--out", out, "--shard", `${k}/3`, "--jobs", "1"]);
      expect([0, 1]).toContain(r.status);
      expect(r.stderr).toMatch(new RegExp(`shard ${k}/3`));
      const part = (table: string, ext: string) => join(out, table, `shard=${k}-of-3`, `part-${k}-of-3${ext}`);
      for (const f of ["traces", "errors", "runs"]) expect(existsSync(part(f, ".parquet")), `${f} part ${k}-of-3`).toBe(true);
      expect(existsSync(part("traces", ".csv"))).toBe(true);
      expect(existsSync(join(out, "manifests", `shard=${k}-of-3.json`))).toBe(true);
      const rows = await readParquet(part("traces", ".parquet"));
      const errors = await readParquet(part("errors", ".parquet"));
      all.push(...rows);
      failed.push(...errors);
      files.push([...new Set([...rows, ...errors].map((x) => String(x["file"])))]);
    }
    expect(existsSync(join(out, "traces.parquet"))).toBe(false);
    const traced = [...new Set(all.map((r) => String(r["file"])))].sort();
    expect(traced).toEqual(tracesUnder(archive.input, archive.bad));
    expect(failed.map((e) => e["file"]).sort()).toEqual(archive.bad);
    // no (file, rank) twice, no file in two shards
    expect(new Set(all.map(key)).size).toBe(all.length);
    const seen = files.flat();
    expect(new Set(seen).size).toBe(seen.length);
    // every shard got some of the 17 traces: the hash spreads them
    for (const f of files) expect(f.length).toBeGreaterThan(0);
  });
});

describe("resuming", () => {
  it("skips unchanged traces, keeps their rows, and re-analyses a touched one", async () => {
    const input = `${archive.input}/multi-gpu`;
    const tiny = join(archive.input, "llama-tiny-train.json.gz");
    const out = join(archive.root, "resume");
    const first = runCli(["batch", input, tiny, "--out", out, "--jobs", "2"]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/3 traces: 3 analysed, 0 unchanged \(kept\), 0 failed/);
    const rows1 = await readParquet(join(out, "traces.parquet"));

    const second = runCli(["batch", input, tiny, "--out", out, "--jobs", "2"]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/3 traces: 0 analysed, 3 unchanged \(kept\), 0 failed/);
    const rows2 = await readParquet(join(out, "traces.parquet"));
    expect(rows2).toEqual(rows1);

    // a new mtime: that trace (only) is analysed again
    const later = new Date(Date.now() + 60_000);
    utimesSync(tiny, later, later);
    const third = runCli(["batch", input, tiny, "--out", out, "--jobs", "2"]);
    expect(third.stderr).toMatch(/3 traces: 1 analysed, 2 unchanged \(kept\), 0 failed/);
    const rows3 = await readParquet(join(out, "traces.parquet"));
    const touched = rows3.find((r) => r["file"] === "llama-tiny-train.json.gz")!;
    expect((touched["mtime"] as Date).getTime()).toBe(later.getTime());
    expect((touched["analysed_at"] as Date).getTime()).toBeGreaterThan((rows1.find((r) => r["file"] === "llama-tiny-train.json.gz")!["analysed_at"] as Date).getTime());
    expect(rows3.filter((r) => r["file"] !== "llama-tiny-train.json.gz")).toEqual(rows1.filter((r) => r["file"] !== "llama-tiny-train.json.gz"));

    const forced = runCli(["batch", input, tiny, "--out", out, "--force", "--jobs", "2"]);
    expect(forced.stderr).toMatch(/3 traces: 3 analysed, 0 unchanged \(kept\), 0 failed/);
  });
});
