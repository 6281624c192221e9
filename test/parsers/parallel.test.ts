/**
 * Parsing in worker threads (issue 18): the models and the whole summary are the
 * same as with one thread. Runs the compiled code (dist/), where the worker
 * script exists; vitest's TypeScript sources always parse in-process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ROOT, fixture } from "../helpers/paths.js";
import { runCli } from "../helpers/cli.js";

const RANKS = [fixture("multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz"), fixture("multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz")];
const TP = [fixture("distributed/tp2-rank0.json.gz"), fixture("distributed/tp2-rank1.json.gz")];

interface Dist {
  loadTraces: typeof import("../../parsers/registry.js").loadTraces;
  sqliteWorkerAvailable: typeof import("../../parsers/nsys-sqlite.js").sqliteWorkerAvailable;
  workersAvailable: typeof import("../../parsers/parallel.js").workersAvailable;
  parseKinetoSplit: typeof import("../../parsers/kineto-split.js").parseKinetoSplit;
}

async function dist(): Promise<Dist> {
  const load = async <T>(rel: string) => (await import(pathToFileURL(join(ROOT, "dist", rel)).href)) as T;
  const registry = await load<typeof import("../../parsers/registry.js")>("parsers/registry.js");
  const parallel = await load<typeof import("../../parsers/parallel.js")>("parsers/parallel.js");
  const split = await load<typeof import("../../parsers/kineto-split.js")>("parsers/kineto-split.js");
  const sqlite = await load<typeof import("../../parsers/nsys-sqlite.js")>("parsers/nsys-sqlite.js");
  return { loadTraces: registry.loadTraces, workersAvailable: parallel.workersAvailable, parseKinetoSplit: split.parseKinetoSplit, sqliteWorkerAvailable: sqlite.sqliteWorkerAvailable };
}

type Model = Awaited<ReturnType<Dist["loadTraces"]>>[number];

/** Every column byte for byte (NaN included), then strings, metadata and diagnostics, as equal as one thread makes them. */
function expectSameModels(got: readonly Model[], want: readonly Model[]): void {
  const columns = (ms: readonly Model[]) =>
    ms.flatMap((m) =>
      Object.entries(m).flatMap(([table, t]) =>
        (t && typeof t === "object" ? Object.entries(t as object) : [])
          .filter(([, v]) => ArrayBuffer.isView(v))
          .map(([k, v]) => [`${table}.${k}`, Buffer.from((v as Uint8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).byteLength)] as const),
      ),
    );
  const c1 = columns(want);
  const c2 = columns(got);
  expect(c2.map(([k]) => k)).toEqual(c1.map(([k]) => k));
  expect(c1.length).toBeGreaterThan(50);
  for (let i = 0; i < c1.length; i++) expect(c2[i]![1].equals(c1[i]![1]), c1[i]![0]).toBe(true);
  const rest = (ms: readonly Model[]) =>
    ms.map((m) => ({ strings: m.strings.values, meta: m.meta, diagnostics: m.diagnostics, lengths: [m.cpu.length, m.gpu.length, m.runtime.length, m.memory.length] }));
  expect(rest(got)).toEqual(rest(want));
}

describe("parsing several files in worker threads", () => {
  it("gives the same models as one thread, in input order, and progress adds up to the bytes read", async () => {
    const d = await dist();
    expect(d.workersAvailable()).toBe(true);
    const one = await d.loadTraces(RANKS, { threads: 1 });
    let last = 0;
    const two = await d.loadTraces(RANKS, { threads: 2, onProgress: (b) => (last = b) });
    expect(two.length).toBe(2);
    expectSameModels(two, one);
    expect(two[1]!.strings.lookup("ProfilerStep#3")).toBe(one[1]!.strings.lookup("ProfilerStep#3"));
    expect(last).toBe(one[0]!.meta.bytesRead + one[1]!.meta.bytesRead);
  });

  it("more files than threads: each lane parses several files in its one worker, with the models of one thread", async () => {
    const d = await dist();
    const files = [...RANKS, ...TP, fixture("llama-tiny-train.json.gz")];
    const one = await d.loadTraces(files, { threads: 1 });
    const two = await d.loadTraces(files, { threads: 2 });
    expect(two.map((m) => m.meta.files[0])).toEqual(files);
    expectSameModels(two, one);
  });

  it("a file that cannot be read among several fails the load with its own one-line error, whichever lane held it", () => {
    const r = runCli(["analyze", ...RANKS, fixture("README.md"), ...TP, "--threads", "2"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("README.md");
  });

  it("`analyze --threads 1` and `--threads 2` write the same summary.json (two tensor-parallel ranks)", () => {
    const a = runCli(["analyze", ...TP, "-f", "json", "--threads", "1"]);
    const b = runCli(["analyze", ...TP, "-f", "json", "--threads", "2"]);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    const sa = JSON.parse(a.stdout) as { ranks: { available: boolean } };
    expect(sa.ranks.available).toBe(true);
    expect(JSON.parse(b.stdout)).toEqual(sa);
  });

  it("an unreadable rank fails cleanly naming the file, with several threads too", () => {
    const r = runCli(["analyze", RANKS[0]!, fixture("README.md"), "--threads", "2"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("README.md");
  });

  it("--threads rejects what is not a whole number", () => {
    const r = runCli(["analyze", RANKS[0]!, "--threads", "0"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--threads: expected a whole number/);
  });
});

describe("an Nsight SQLite export read with a reading thread beside the mapping", () => {
  it("gives the model one thread gives (two exports: module hooks; two GPUs)", async () => {
    const d = await dist();
    expect(d.sqliteWorkerAvailable()).toBe(true);
    for (const f of ["nsys/nsys-l4-train-hooks-step1.sqlite.gz", "nsys/nsys-l2-ddp-2gpu.sqlite.gz"]) {
      const one = await d.loadTraces([fixture(f)], { threads: 1 });
      const two = await d.loadTraces([fixture(f)], { threads: 2 });
      expectSameModels(two, one);
    }
  });

  it("a table page that cannot be read fails in the reading thread cleanly, naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "llmprof-bad-sqlite-"));
    try {
      const db = gunzipSync(readFileSync(fixture("nsys/nsys-l2-ddp-2gpu.sqlite.gz")));
      // two pages of a table's data overwritten: the schema still reads, the rows do not
      const at = Math.floor((db.length * 0.4) / 4096) * 4096;
      db.fill(0xff, at, at + 8192);
      const bad = join(dir, "bad.sqlite");
      writeFileSync(bad, db);
      const r = runCli(["analyze", bad, "--threads", "2"]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("bad.sqlite: cannot read the SQLite database");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("one plain-JSON trace cut into parts read by worker threads", () => {
  const tmp = () => mkdtempSync(join(tmpdir(), "llmprof-split-"));

  it.each([
    ["llama-tiny-train.json.gz", 3],
    ["distributed/ep2-moe-a2a-rank0.json.gz", 2], // collectives with split sizes, process groups
  ])("gives the model one thread gives (%s, %i parts: every column, string, count and diagnostic)", async (name, parts) => {
    const d = await dist();
    const dir = tmp();
    try {
      const plain = join(dir, "trace.json");
      writeFileSync(plain, gunzipSync(readFileSync(fixture(name))));
      const split = await d.parseKinetoSplit(plain, { threads: parts, splitMinBytes: 0 });
      expect(split).not.toBeNull(); // really cut, not the sequential fallback
      const [one] = await d.loadTraces([plain], { threads: 1 });
      if (name.includes("a2a")) expect(one!.collectives.length).toBeGreaterThan(0);
      expectSameModels([split!], [one!]);
      const [viaLoad] = await d.loadTraces([plain], { threads: 2, splitMinBytes: 0 });
      expectSameModels([viaLoad!], [one!]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a bare event array (compact JSON, no root object) cuts and merges to the same model", async () => {
    const d = await dist();
    const dir = tmp();
    try {
      const events = (JSON.parse(gunzipSync(readFileSync(fixture("llama-tiny-train-nostack.json.gz"))).toString("utf8")) as { traceEvents: unknown[] }).traceEvents;
      const plain = join(dir, "bare.json");
      writeFileSync(plain, JSON.stringify(events));
      const split = await d.parseKinetoSplit(plain, { threads: 4, splitMinBytes: 0 });
      expect(split).not.toBeNull();
      const [one] = await d.loadTraces([plain], { threads: 1 });
      expect(one!.diagnostics.map((x) => x.id)).not.toContain("unterminated-root");
      expectSameModels([split!], [one!]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a guessed cut inside a string is caught: the file is read by one thread, with the same result", async () => {
    const d = await dist();
    const dir = tmp();
    try {
      // a 3 MB string full of `}, {` across the middle of the file: the cut guessed there is no event start
      const text = gunzipSync(readFileSync(fixture("llama-tiny-train-nostack.json.gz"))).toString("utf8");
      const mid = text.indexOf('"args": {', text.length / 2);
      const noise = `"note": "${"x}, {y".repeat(600_000)}", `;
      const trap = text.slice(0, mid + 9) + noise + text.slice(mid + 9);
      const plain = join(dir, "trap.json");
      writeFileSync(plain, trap);
      expect(await d.parseKinetoSplit(plain, { threads: 2, splitMinBytes: 0 })).toBeNull();
      const [one] = await d.loadTraces([plain], { threads: 1 });
      const [two] = await d.loadTraces([plain], { threads: 2, splitMinBytes: 0 });
      expectSameModels([two!], [one!]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
