/**
 * Parsing in worker threads (issue 18): the models and the whole summary are the
 * same as with one thread. Runs the compiled code (dist/), where the worker
 * script exists; vitest's TypeScript sources always parse in-process.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ROOT, fixture } from "../helpers/paths.js";
import { runCli } from "../helpers/cli.js";

const RANKS = [fixture("multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz"), fixture("multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz")];
const TP = [fixture("distributed/tp2-rank0.json.gz"), fixture("distributed/tp2-rank1.json.gz")];

interface Dist {
  loadTraces: typeof import("../../parsers/registry.js").loadTraces;
  workersAvailable: typeof import("../../parsers/parallel.js").workersAvailable;
}

async function dist(): Promise<Dist> {
  const registry = (await import(pathToFileURL(join(ROOT, "dist/parsers/registry.js")).href)) as typeof import("../../parsers/registry.js");
  const parallel = (await import(pathToFileURL(join(ROOT, "dist/parsers/parallel.js")).href)) as typeof import("../../parsers/parallel.js");
  return { loadTraces: registry.loadTraces, workersAvailable: parallel.workersAvailable };
}

describe("parsing several files in worker threads", () => {
  it("gives the same models as one thread, in input order, and progress adds up to the bytes read", async () => {
    const d = await dist();
    expect(d.workersAvailable()).toBe(true);
    const one = await d.loadTraces(RANKS, { threads: 1 });
    let last = 0;
    const two = await d.loadTraces(RANKS, { threads: 2, onProgress: (b) => (last = b) });
    expect(two.length).toBe(2);
    // every column byte for byte (NaN included), then strings, metadata and diagnostics
    const columns = (ms: typeof one) => ms.flatMap((m) => Object.entries(m).flatMap(([table, t]) => (t && typeof t === "object" ? Object.entries(t as object) : []).filter(([, v]) => ArrayBuffer.isView(v)).map(([k, v]) => [`${table}.${k}`, Buffer.from((v as Uint8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).byteLength)] as const)));
    const c1 = columns(one);
    const c2 = columns(two);
    expect(c2.map(([k]) => k)).toEqual(c1.map(([k]) => k));
    expect(c1.length).toBeGreaterThan(50);
    for (let i = 0; i < c1.length; i++) expect(c2[i]![1].equals(c1[i]![1]), c1[i]![0]).toBe(true);
    const rest = (ms: typeof one) => ms.map((m) => ({ strings: m.strings.values, meta: m.meta, diagnostics: m.diagnostics, lengths: [m.cpu.length, m.gpu.length, m.runtime.length, m.memory.length] }));
    expect(rest(two)).toEqual(rest(one));
    expect(two[1]!.strings.lookup("ProfilerStep#3")).toBe(one[1]!.strings.lookup("ProfilerStep#3"));
    expect(last).toBe(one[0]!.meta.bytesRead + one[1]!.meta.bytesRead);
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
