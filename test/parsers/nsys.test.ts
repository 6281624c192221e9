/**
 * Nsight Systems readers on the bundled tiny training report (sqlite, JSON, Arrow,
 * parquetdir exports of one report): the four give the same model, and the model agrees
 * with plain SQL queries / a plain loop over the JSON lines.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { loadTraces } from "../../parsers/registry.js";
import { findNsys, parseNsysRep } from "../../parsers/nsys-rep.js";
import { LlmprofError } from "../../src/errors.js";
import { CpuKind, GpuKind, type TraceModel } from "../../src/model/tables.js";
import { findSteps } from "../../src/analysis/steps.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { assertModelIntegrity } from "../helpers/integrity.js";
import { fixture, sharedTrace } from "../helpers/paths.js";

const SQLITE = fixture("nsys/nsys-tiny-train.sqlite.gz");
const JSON_GZ = fixture("nsys/nsys-tiny-train.json.gz");
const ARROW = fixture("nsys/nsys-tiny-train.arrow.gz");
const PARQUET = fixture("nsys/nsys-tiny-train.parquetdir");
const tmp = mkdtempSync(join(tmpdir(), "llmprof-nsys-test-"));
const plainSqlite = join(tmp, "tiny.sqlite");
writeFileSync(plainSqlite, gunzipSync(readFileSync(SQLITE)));
const db = new Database(plainSqlite, { readonly: true });
afterAll(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

const q = <T>(sql: string, ...params: unknown[]): T => db.prepare(sql).get(...params) as T;

/** Every column that a format could get wrong, for comparing two parses of one report. */
function fingerprint(m: TraceModel) {
  const s = (i: number) => m.strings.get(i);
  return {
    originNs: m.meta.originNs,
    rank: m.meta.rank,
    cpu: [m.cpu.start, m.cpu.end, m.cpu.kind, m.cpu.seq, m.cpu.parent, m.cpu.depth, m.cpu.thread].map((a) => Array.from(a)),
    cpuNames: Array.from(m.cpu.name, s),
    cpuDims: Array.from(m.cpu.inputDims, s),
    runtime: [m.runtime.start, m.runtime.end, m.runtime.kind, m.runtime.correlation, m.runtime.cpuParent, m.runtime.thread].map((a) => Array.from(a)),
    runtimeNames: Array.from(m.runtime.name, s),
    gpu: [m.gpu.start, m.gpu.end, m.gpu.kind, m.gpu.launch, m.gpu.grid, m.gpu.block, m.gpu.bytes, m.gpu.stream, m.gpu.device, m.gpu.registers, m.gpu.sharedMemory, m.gpu.collective].map((a) =>
      Array.from(a),
    ),
    gpuNames: Array.from(m.gpu.name, s),
    fwdbwd: [Array.from(m.fwdbwd.fwd), Array.from(m.fwdbwd.bwd)],
    threads: [Array.from(m.threads.pid), Array.from(m.threads.tid), Array.from(m.threads.name, s)],
    eventCounts: m.meta.eventCounts,
  };
}

function kernelStats(m: TraceModel): { count: number; totalNs: number } {
  let count = 0;
  let totalNs = 0;
  for (let i = 0; i < m.gpu.length; i++) {
    if (m.gpu.kind[i] !== GpuKind.Kernel) continue;
    count++;
    totalNs += m.gpu.end[i]! - m.gpu.start[i]!;
  }
  return { count, totalNs };
}

describe("nsys exports of the bundled tiny training report", async () => {
  const [sqlite] = await loadTraces([SQLITE]);
  const [json] = await loadTraces([JSON_GZ]);
  const [arrow] = await loadTraces([ARROW]);
  const [parquet] = await loadTraces([PARQUET]);
  const all = { sqlite: sqlite!, json: json!, arrow: arrow!, parquet: parquet! };

  it("are detected by content as the four nsys formats, one model each", () => {
    expect(Object.values(all).map((m) => m.meta.format)).toEqual(["nsys-sqlite", "nsys-json", "nsys-arrow", "nsys-parquet"]);
  });

  it("satisfy the model invariants", () => {
    for (const m of Object.values(all)) assertModelIntegrity(m);
  });

  it("give identical models from sqlite, JSON, Arrow and Parquet", () => {
    const ref = fingerprint(all.sqlite);
    expect(fingerprint(all.json)).toEqual(ref);
    expect(fingerprint(all.arrow)).toEqual(ref);
    expect(fingerprint(all.parquet)).toEqual(ref);
  });

  it("give the same summary (kernels exact, kernel time within 1 µs)", () => {
    const ref = analyzeModels([all.sqlite]);
    for (const m of [all.json, all.arrow, all.parquet]) {
      const s = analyzeModels([m]);
      expect(s.steps).toEqual(ref.steps);
      expect(s.temporal).toEqual(ref.temporal);
      const got = s.kernels;
      const want = ref.kernels;
      if (!got.available || !want.available) throw new Error("kernels unavailable");
      expect(got.byCategory.map((c) => [c.category, c.count])).toEqual(want.byCategory.map((c) => [c.category, c.count]));
      got.byCategory.forEach((c, i) => expect(Math.abs(c.totalNs - want.byCategory[i]!.totalNs)).toBeLessThan(1000));
    }
  });

  it("keeps every kernel, memcpy and memset (counts and total time from SQL)", () => {
    const k = q<{ n: number; t: number }>("SELECT count(*) n, sum(end - start) t FROM CUPTI_ACTIVITY_KIND_KERNEL");
    const stats = kernelStats(all.sqlite);
    expect(stats.count).toBe(k.n);
    expect(Math.abs(stats.totalNs - k.t)).toBeLessThan(1000);
    const copies = q<{ n: number; b: number }>("SELECT count(*) n, sum(bytes) b FROM CUPTI_ACTIVITY_KIND_MEMCPY");
    const sets = q<{ n: number }>("SELECT count(*) n FROM CUPTI_ACTIVITY_KIND_MEMSET");
    let memcpy = 0;
    let memset = 0;
    let bytes = 0;
    for (let i = 0; i < all.sqlite.gpu.length; i++) {
      if (all.sqlite.gpu.kind[i] === GpuKind.Memcpy) {
        memcpy++;
        bytes += all.sqlite.gpu.bytes[i]!;
      } else if (all.sqlite.gpu.kind[i] === GpuKind.Memset) memset++;
    }
    expect([memcpy, memset, bytes]).toEqual([copies.n, sets.n, copies.b]);
  });

  it("counts kernels and kernel time of the JSON export like a plain loop over its lines", () => {
    let n = 0;
    let t = 0;
    for (const line of gunzipSync(readFileSync(JSON_GZ)).toString("utf8").split("\n")) {
      if (!line.startsWith('{"Type":79,')) continue;
      const e = (JSON.parse(line) as { CudaEvent: { startNs: string; endNs: string } }).CudaEvent;
      n++;
      t += Number(e.endNs) - Number(e.startNs);
    }
    const stats = kernelStats(all.json);
    expect(stats.count).toBe(n);
    expect(Math.abs(stats.totalNs - t)).toBeLessThan(1000);
  });

  it("links every GPU activity to its runtime call by correlation id", () => {
    const unlinked = q<{ n: number }>(
      "SELECT count(*) n FROM (SELECT correlationId FROM CUPTI_ACTIVITY_KIND_KERNEL UNION ALL SELECT correlationId FROM CUPTI_ACTIVITY_KIND_MEMCPY UNION ALL SELECT correlationId FROM CUPTI_ACTIVITY_KIND_MEMSET) g WHERE g.correlationId NOT IN (SELECT correlationId FROM CUPTI_ACTIVITY_KIND_RUNTIME)",
    );
    const m = all.sqlite;
    let missing = 0;
    for (let i = 0; i < m.gpu.length; i++) if (m.gpu.launch[i]! < 0) missing++;
    expect(missing).toBe(unlinked.n);
    expect(m.runtime.length).toBe(q<{ n: number }>("SELECT count(*) n FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE eventClass IN (0, 1)").n);
  });

  it("turns ProfilerStep#i NVTX ranges into the steps", () => {
    const rows = db.prepare("SELECT text FROM NVTX_EVENTS WHERE text GLOB 'ProfilerStep#[0-9]*' ORDER BY start").pluck().all() as string[];
    const steps = findSteps(all.sqlite);
    expect(steps.source).toBe("profiler-steps");
    expect(steps.steps.map((s) => s.name)).toEqual(rows);
  });

  it("turns emit_nvtx ranges into operators with seq and input sizes", () => {
    const m = all.sqlite;
    const row = q<{ start: number; end: number; text: string }>("SELECT start, end, text FROM NVTX_EVENTS WHERE text LIKE 'aten::mm, seq = %sizes = %' ORDER BY start LIMIT 1");
    const match = /^aten::mm, seq = (\d+), op_id = \d+, sizes = (\[.*?\]\]), input_op_ids/.exec(row.text)!;
    const origin = BigInt(m.meta.originNs);
    const start = Number(BigInt(row.start) - origin);
    let found = -1;
    for (let i = 0; i < m.cpu.length; i++) if (m.cpu.start[i] === start && m.strings.get(m.cpu.name[i]!) === "aten::mm") found = i;
    expect(found).toBeGreaterThanOrEqual(0);
    expect(m.cpu.kind[found]).toBe(CpuKind.Op);
    expect(m.cpu.seq[found]).toBe(Number(match[1]));
    expect(m.strings.get(m.cpu.inputDims[found]!)).toBe(match[2]);
    expect(m.cpu.end[found]).toBe(Number(BigInt(row.end) - origin));
    // user scopes stay annotations
    const names = new Map<string, number>();
    for (let i = 0; i < m.cpu.length; i++) if (m.cpu.kind[i] === CpuKind.Annotation) names.set(m.strings.get(m.cpu.name[i]!), (names.get(m.strings.get(m.cpu.name[i]!)) ?? 0) + 1);
    expect(names.get("Optimizer.step#AdamW.step")).toBe(q<{ n: number }>("SELECT count(*) n FROM NVTX_EVENTS WHERE text LIKE 'Optimizer.step#AdamW.step%'").n);
    expect([...names.keys()].some((n) => n.startsWith("aten::"))).toBe(false);
  });

  it("pairs forward and backward operators by seq (backward nodes on the autograd thread)", () => {
    const m = all.sqlite;
    const bwd = q<{ n: number }>("SELECT count(*) n FROM NVTX_EVENTS WHERE text LIKE '%Backward%, seq = %' AND text NOT LIKE 'autograd::engine::%'");
    expect(m.fwdbwd.length).toBe(bwd.n);
    for (let k = 0; k < m.fwdbwd.length; k++) {
      const f = m.fwdbwd.fwd[k]!;
      const b = m.fwdbwd.bwd[k]!;
      expect(m.cpu.seq[f]).toBe(m.cpu.seq[b]);
      expect(m.cpu.thread[f]).not.toBe(m.cpu.thread[b]);
      expect(m.strings.get(m.cpu.name[b]!)).toMatch(/Backward\d*$/);
    }
  });

  it("links runtime calls to the enclosing NVTX range on their thread", () => {
    const m = all.sqlite;
    const enclosed = q<{ n: number }>(
      "SELECT count(*) n FROM CUPTI_ACTIVITY_KIND_RUNTIME r WHERE r.eventClass IN (0, 1) AND EXISTS (SELECT 1 FROM NVTX_EVENTS v WHERE v.eventType = 59 AND v.globalTid = r.globalTid AND v.start <= r.start AND v.end >= r.start)",
    );
    let linked = 0;
    for (let r = 0; r < m.runtime.length; r++) if (m.runtime.cpuParent[r]! >= 0) linked++;
    expect(linked).toBe(enclosed.n);
    expect(linked).toBeGreaterThan(0);
  });

  it("reads the GPU description from TARGET_INFO_GPU", () => {
    const g = q<{ id: number; name: string; smCount: number }>("SELECT id, name, smCount FROM TARGET_INFO_GPU WHERE id IN (SELECT deviceId FROM CUPTI_ACTIVITY_KIND_KERNEL)");
    expect(all.sqlite.meta.devices).toMatchObject([{ id: g.id, name: g.name, smCount: g.smCount }]);
    expect(all.parquet.meta.devices).toEqual(all.sqlite.meta.devices);
  });

  it("never copies environments or command lines, and says the file holds them", () => {
    const secrets = [
      ...(db.prepare("SELECT value FROM META_DATA_CAPTURE WHERE name GLOB 'PROCESS_*:COMMAND' OR name GLOB 'PROCESS_*:ARGUMENT_*' OR name GLOB 'PROCESS_*:WORKING_DIR'").pluck().all() as string[]),
      ...(db.prepare("SELECT value FROM StringIds WHERE instr(value, char(0)) > 0").pluck().all() as string[]).flatMap((env) => env.split("\0")),
    ].filter((s) => s.length >= 4);
    expect(secrets.length).toBeGreaterThan(0);
    for (const m of Object.values(all)) {
      const text = JSON.stringify([m.strings.values, m.meta, analyzeModels([m])]);
      for (const s of secrets) expect(text.includes(s), `model/summary of ${m.meta.format} contains "${s.slice(0, 40)}"`).toBe(false);
      expect(m.meta.sensitiveContent).toEqual(expect.arrayContaining(["environment variables", "command lines"]));
    }
  });
});

describe(".nsys-rep reports", () => {
  it("without nsys on PATH: a clear error with the command to run", async () => {
    const rep = join(tmp, "run one.nsys-rep");
    writeFileSync(rep, "not really a report");
    const saved = process.env["PATH"];
    process.env["PATH"] = join(tmp, "empty-bin");
    try {
      await expect(loadTraces([rep])).rejects.toThrow(LlmprofError);
      await expect(loadTraces([rep])).rejects.toThrow(/nsys export --type sqlite --output '.*run one\.sqlite' '.*run one\.nsys-rep'/);
    } finally {
      process.env["PATH"] = saved;
    }
  });

  it("with nsys on PATH: exports to a temporary sqlite (checked with a stand-in nsys that copies the fixture)", async () => {
    const bin = join(tmp, "bin");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(bin, { recursive: true });
    const log = join(tmp, "nsys-args.txt");
    // a stand-in for nsys: records its argv (one per line) and writes the fixture to --output
    writeFileSync(
      join(bin, "nsys"),
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${log}'\nout=""\nwhile [ $# -gt 0 ]; do if [ "$1" = "--output" ]; then out="$2"; fi; shift; done\n/bin/cp '${plainSqlite}' "$out"\n`,
    );
    chmodSync(join(bin, "nsys"), 0o755);
    const rep = join(tmp, "report; rm -rf x.nsys-rep");
    writeFileSync(rep, "");
    const saved = process.env["PATH"];
    process.env["PATH"] = bin;
    try {
      const models = await parseNsysRep(rep);
      const [ref] = await loadTraces([SQLITE]);
      expect(models).toHaveLength(1);
      expect(models[0]!.meta.files).toEqual([rep]);
      expect(models[0]!.meta.format).toBe("nsys-rep");
      expect(fingerprint(models[0]!)).toEqual(fingerprint(ref!));
      const argv = readFileSync(log, "utf8").trim().split("\n");
      expect(argv.slice(0, 5)).toEqual(["export", "--type", "sqlite", "--force-overwrite", "true"]);
      expect(argv[argv.length - 1]).toBe(rep); // passed as one argument, no shell
    } finally {
      process.env["PATH"] = saved;
    }
  });

  const nsys = findNsys();
  const realRep = process.env["LLMPROF_NSYS_REP"];
  it.skipIf(!nsys || !realRep)("a real report gives the same model as its sqlite export (needs nsys on PATH and LLMPROF_NSYS_REP)", async () => {
    const models = await parseNsysRep(realRep!);
    for (const m of models) assertModelIntegrity(m);
    const sqlite = process.env["LLMPROF_NSYS_REP_SQLITE"];
    if (sqlite) expect(models.map(fingerprint)).toEqual((await loadTraces([sqlite])).map(fingerprint));
  });
  if (!nsys || !realRep) process.stderr.write("[skip] real .nsys-rep test: needs `nsys` on PATH and LLMPROF_NSYS_REP=<report> (LLMPROF_NSYS_REP_SQLITE=<its sqlite export> to compare)\n");
});

const sharedSqlite = sharedTrace("nsys/nsys-llama-1b-train.sqlite.gz");
const sharedJson = sharedTrace("nsys/nsys-llama-1b-train.json.gz");
const sharedArrow = sharedTrace("nsys/nsys-llama-1b-infer-bs8.arrow.gz");

describe.skipIf(!sharedSqlite || !sharedJson)("the shared Llama-1.1B training report: sqlite vs JSON export", () => {
  it("identical models; kernel count and time equal a direct SQL query", async () => {
    const [s] = await loadTraces([sharedSqlite!]);
    const [j] = await loadTraces([sharedJson!]);
    assertModelIntegrity(s!);
    assertModelIntegrity(j!);
    expect(fingerprint(j!)).toEqual(fingerprint(s!));
    const path = join(tmp, "1b.sqlite");
    writeFileSync(path, gunzipSync(readFileSync(sharedSqlite!)));
    const big = new Database(path, { readonly: true });
    const k = big.prepare("SELECT count(*) n, sum(end - start) t FROM CUPTI_ACTIVITY_KIND_KERNEL").get() as { n: number; t: number };
    big.close();
    const stats = kernelStats(j!);
    expect(stats.count).toBe(k.n);
    expect(Math.abs(stats.totalNs - k.t)).toBeLessThan(1000);
  });
});

describe.skipIf(!sharedArrow)("the shared inference Arrow export", () => {
  it("parses into one model with the generate range, satisfying the invariants", async () => {
    const models = await loadTraces([sharedArrow!]);
    expect(models).toHaveLength(1);
    const m = models[0]!;
    assertModelIntegrity(m);
    expect(m.meta.format).toBe("nsys-arrow");
    let generate = 0;
    for (let i = 0; i < m.cpu.length; i++) if (m.strings.get(m.cpu.name[i]!) === "generate" && m.cpu.kind[i] === CpuKind.Annotation) generate++;
    expect(generate).toBe(1);
    expect(kernelStats(m).count).toBeGreaterThan(0);
  });
});
