/**
 * The scripts that cut real recordings down to fixtures (tools/cut-kineto-step.mjs,
 * tools/shrink-nsys-sqlite.mjs): deterministic, never overwrite, and what they keep of a
 * step is what that step launched, recounted from the original file.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { fixture, ROOT } from "../helpers/paths.js";
import { readNsysSqlite } from "../helpers/nsys-raw.js";
import { readRaw } from "../helpers/raw.js";
import { tempDir } from "../reports/build.js";

const run = (script: string, ...args: string[]) => spawnSync(process.execPath, [join(ROOT, "tools", script), ...args], { encoding: "utf8" });
const dir = tempDir("llmprof-fixture-tools-");

describe("tools/cut-kineto-step.mjs", () => {
  const input = fixture("llama-tiny-train.json.gz");
  const raw = readRaw(input);
  const step = raw.traceEvents.find((e) => e.cat === "user_annotation" && /^ProfilerStep#\d+$/.test(e.name ?? ""))!;
  const n = step.name!.slice("ProfilerStep#".length);

  it("keeps the step's CPU events and exactly the GPU activities they launched; same bytes twice; refuses to overwrite", () => {
    const a = join(dir, "a.json.gz");
    const b = join(dir, "b.json.gz");
    expect(run("cut-kineto-step.mjs", input, a, n).status).toBe(0);
    expect(run("cut-kineto-step.mjs", input, b, n).status).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const again = run("cut-kineto-step.mjs", input, a, n);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("not overwritten");

    // from the original: launches starting inside the step's CPU range, and the GPU work with their correlation
    const inside = (ts: number | undefined) => ts !== undefined && ts >= step.ts! && ts < step.ts! + step.dur!;
    const launches = new Set(raw.traceEvents.filter((e) => (e.cat === "cuda_runtime" || e.cat === "cuda_driver") && inside(e.ts)).map((e) => e.args?.["correlation"]));
    const gpu = raw.traceEvents.filter((e) => ["kernel", "gpu_memcpy", "gpu_memset"].includes(e.cat ?? "") && launches.has(e.args?.["correlation"]));
    const cut = readRaw(a);
    const cutGpu = cut.traceEvents.filter((e) => ["kernel", "gpu_memcpy", "gpu_memset"].includes(e.cat ?? ""));
    expect(gpu.length).toBeGreaterThan(0);
    expect(cutGpu.length).toBe(gpu.length);
    expect(cut.traceEvents.filter((e) => /^ProfilerStep#/.test(e.name ?? "") && e.cat === "user_annotation").map((e) => e.name)).toEqual([step.name]);
    expect(JSON.stringify(cut)).not.toContain('"traceName"');
  });

  it("names a missing step in one line and exits 2", () => {
    const r = run("cut-kineto-step.mjs", input, join(dir, "none.json.gz"), "999");
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("ProfilerStep#999");
  });
});

describe("tools/shrink-nsys-sqlite.mjs", () => {
  const input = fixture("nsys/nsys-tiny-train.sqlite.gz");
  const original = readNsysSqlite(input);

  it("--step 1: the kernels left are those launched inside ProfilerStep#1 of the original; same bytes twice", () => {
    const a = join(dir, "a.sqlite");
    const b = join(dir, "b.sqlite");
    const ra = run("shrink-nsys-sqlite.mjs", input, a, "--step", "1");
    expect(ra.status, ra.stderr).toBe(0);
    expect(run("shrink-nsys-sqlite.mjs", input, b, "--step", "1").status).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const gz = join(dir, "a.sqlite.gz");
    writeFileSync(gz, gzipSync(readFileSync(a)));
    const shrunk = readNsysSqlite(gz);
    const step1 = original.steps[1]!;
    const expected = original.kernels.filter((k) => k.launchedAt !== null && k.launchedAt >= step1.start && k.launchedAt < step1.end);
    expect(expected.length).toBeGreaterThan(0);
    expect(shrunk.kernels.map((k) => [k.name, k.start, k.end])).toEqual(expected.map((k) => [k.name, k.start, k.end]));
    expect(shrunk.steps.map((s) => s.name)).toEqual(["ProfilerStep#1"]);
    // only the strings a kept row names are left: no environment block, no command line
    const db = new Database(a, { readonly: true });
    try {
      const strings = db.prepare("SELECT value FROM StringIds").pluck().all() as string[];
      const named = new Set<string>([...shrunk.kernels.map((k) => k.name)]);
      expect(strings.length).toBeGreaterThan(named.size);
      expect(strings.filter((v) => v.includes("\0") && v.includes("="))).toEqual([]);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
      expect(tables).not.toContain("META_DATA_CAPTURE");
      const unreferenced = db
        .prepare(
          `SELECT count(*) FROM StringIds WHERE id NOT IN (
             SELECT demangledName FROM CUPTI_ACTIVITY_KIND_KERNEL UNION SELECT shortName FROM CUPTI_ACTIVITY_KIND_KERNEL
             UNION SELECT mangledName FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE mangledName IS NOT NULL
             UNION SELECT nameId FROM CUPTI_ACTIVITY_KIND_RUNTIME UNION SELECT textId FROM NVTX_EVENTS WHERE textId IS NOT NULL
             UNION SELECT nameId FROM ThreadNames)`,
        )
        .pluck()
        .get();
      expect(unreferenced).toBe(0);
    } finally {
      db.close();
    }
  });

  it("names a missing step in one line, exits 2 and leaves no output file", () => {
    const out = join(dir, "none.sqlite");
    const r = run("shrink-nsys-sqlite.mjs", input, out, "--step", "99");
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("no NVTX range ProfilerStep#99");
    expect(existsSync(out)).toBe(false);
  });
});
