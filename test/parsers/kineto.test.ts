import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { CpuKind, GpuKind, type TraceModel } from "../../src/model/tables.js";
import { assertModelIntegrity } from "../helpers/integrity.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { readRaw, type RawTrace } from "../helpers/raw.js";

const TINY = fixture("llama-tiny-train.json.gz");
const tmp = mkdtempSync(join(tmpdir(), "llmprof-kineto-"));

/** Exact ns of a µs timestamp literal such as 4716031615223.134, from its digits. */
function nsOf(literal: string): bigint {
  const [i, f = ""] = literal.split(".");
  return BigInt(i!) * 1000n + BigInt((f + "000").slice(0, 3));
}

function countsFromRaw(raw: RawTrace) {
  const c = (pred: (e: RawTrace["traceEvents"][number]) => boolean) => raw.traceEvents.filter(pred).length;
  return {
    cpu: c((e) => e.ph === "X" && ["cpu_op", "user_annotation", "python_function"].includes(e.cat ?? "")),
    modules: c((e) => e.ph === "X" && e.cat === "python_function" && (e.name ?? "").startsWith("nn.Module: ")),
    runtime: c((e) => e.ph === "X" && (e.cat === "cuda_runtime" || e.cat === "cuda_driver")),
    kernels: c((e) => e.ph === "X" && e.cat === "kernel"),
    memcpy: c((e) => e.ph === "X" && e.cat === "gpu_memcpy"),
    memset: c((e) => e.ph === "X" && e.cat === "gpu_memset"),
    gpuRanges: c((e) => e.ph === "X" && e.cat === "gpu_user_annotation"),
    memory: c((e) => e.name === "[memory]"),
    flowsEnd: c((e) => e.cat === "fwdbwd" && e.ph === "f"),
  };
}

function modelCounts(m: TraceModel) {
  let modules = 0;
  for (let i = 0; i < m.cpu.length; i++) if (m.cpu.kind[i] === CpuKind.Module) modules++;
  const kinds = [0, 0, 0];
  for (let i = 0; i < m.gpu.length; i++) kinds[m.gpu.kind[i]!]!++;
  return {
    cpu: m.cpu.length,
    modules,
    runtime: m.runtime.length,
    kernels: kinds[GpuKind.Kernel],
    memcpy: kinds[GpuKind.Memcpy],
    memset: kinds[GpuKind.Memset],
    gpuRanges: m.gpuRanges.length,
    memory: m.memory.length,
    flowsEnd: m.fwdbwd.length,
  };
}

/** Every stored column, for comparing two parses of the same content. */
function fingerprint(m: TraceModel) {
  return {
    originNs: m.meta.originNs,
    cpu: [m.cpu.start, m.cpu.end, m.cpu.kind, m.cpu.seq, m.cpu.parent, m.cpu.flops].map((a) => Array.from(a)),
    cpuNames: Array.from(m.cpu.name, (i) => m.strings.get(i)),
    cpuDims: Array.from(m.cpu.inputDims, (i) => m.strings.get(i)),
    gpu: [m.gpu.start, m.gpu.end, m.gpu.launch, m.gpu.grid, m.gpu.bytes, m.gpu.stream].map((a) => Array.from(a)),
    gpuNames: Array.from(m.gpu.name, (i) => m.strings.get(i)),
    runtime: [m.runtime.start, m.runtime.correlation, m.runtime.cpuParent].map((a) => Array.from(a)),
    fwdbwd: [Array.from(m.fwdbwd.fwd), Array.from(m.fwdbwd.bwd)],
    memory: [Array.from(m.memory.time), Array.from(m.memory.totalAllocated)],
    eventCounts: m.meta.eventCounts,
  };
}

describe("Kineto parser on the bundled tiny training trace", async () => {
  const raw = readRaw(TINY);
  const model = await parseKineto(TINY);

  it("keeps every event of the kinds the analyses use", () => {
    expect(modelCounts(model)).toEqual(countsFromRaw(raw));
  });

  it("satisfies the model invariants", () => assertModelIntegrity(model));

  it("keeps sub-microsecond precision: times are exact integer ns from the text's digits", async () => {
    const { readFileSync } = await import("node:fs");
    const { gunzipSync } = await import("node:zlib");
    const text = gunzipSync(readFileSync(TINY)).toString("utf8");
    // the first kernel event's ts and dur literals, read from the text itself
    const m = /"cat": "kernel", "name": "[^"]*", "pid": \d+, "tid": \d+,\s*"ts": ([\d.]+), "dur": ([\d.]+)/.exec(text)!;
    const origin = BigInt(model.meta.originNs);
    const start = nsOf(m[1]!) - origin;
    const dur = nsOf(m[2]!);
    let found = false;
    for (let i = 0; i < model.gpu.length; i++) {
      if (BigInt(model.gpu.start[i]!) === start) {
        expect(BigInt(model.gpu.end[i]! - model.gpu.start[i]!)).toBe(dur);
        found = true;
      }
    }
    expect(found).toBe(true);
  });

  it("reads the trace metadata", () => {
    expect(model.meta.devices[0]?.name).toBe("NVIDIA H100 80GB HBM3");
    expect(model.meta.options["withStack"]).toBe(true);
    expect(model.meta.versions["cudaRuntime"]).toBe("13.0");
    expect(model.meta.partial).toBe(false);
  });

  it("links every kernel that has a launch record, and only those", () => {
    const corr = new Set(raw.traceEvents.filter((e) => e.cat === "cuda_runtime" || e.cat === "cuda_driver").map((e) => e.args!["correlation"]));
    const expected = raw.traceEvents.filter((e) => ["kernel", "gpu_memcpy", "gpu_memset"].includes(e.cat ?? "") && corr.has(e.args!["correlation"])).length;
    let linked = 0;
    for (let i = 0; i < model.gpu.length; i++) if (model.gpu.launch[i]! >= 0) linked++;
    expect(linked).toBe(expected);
  });

  it("binds fwdbwd flows to a forward op on the main thread and a backward op on the autograd thread", () => {
    expect(model.fwdbwd.length).toBeGreaterThan(0);
    for (let k = 0; k < model.fwdbwd.length; k++) {
      const f = model.fwdbwd.fwd[k]!;
      const b = model.fwdbwd.bwd[k]!;
      expect(model.cpu.thread[f]).not.toBe(model.cpu.thread[b]);
      expect(model.cpu.start[b]!).toBeGreaterThan(model.cpu.start[f]!);
    }
  });

  it("gives the same model whatever the block size (events cut at every buffer boundary)", async () => {
    const small = await parseKineto(TINY, { blockBytes: 4096 });
    expect(fingerprint(small)).toEqual(fingerprint(model));
  });

  it("gives the same model from plain JSON as from gzip", async () => {
    const { readFileSync } = await import("node:fs");
    const { gunzipSync } = await import("node:zlib");
    const plain = join(tmp, "tiny.json");
    writeFileSync(plain, gunzipSync(readFileSync(TINY)));
    const m2 = await parseKineto(plain);
    expect(fingerprint(m2)).toEqual(fingerprint(model));
  });

  it("reads keys in any order: traceEvents first, keys of each event reversed", async () => {
    const reordered: Record<string, unknown> = { traceEvents: raw.traceEvents.map(reverseKeys) };
    for (const [k, v] of Object.entries(raw)) if (k !== "traceEvents") reordered[k] = v;
    const path = join(tmp, "reordered.json.gz");
    writeFileSync(path, gzipSync(JSON.stringify(reordered)));
    const m2 = await parseKineto(path);
    expect(modelCounts(m2)).toEqual(modelCounts(model));
    // JSON.stringify re-prints numbers (dropping trailing zeros): times must still agree
    expect(Array.from(m2.gpu.start)).toEqual(Array.from(model.gpu.start));
    expect(Array.from(m2.cpu.end)).toEqual(Array.from(model.cpu.end));
  });
  it("reads events whose spacing, key order and unknown keys change from one event to the next like the plain file (key runs are learnt per transition)", async () => {
    // four layouts in a fixed pseudo-random sequence, so each transition sees runs
    // that differ in spacing, in the key that follows, and in keys that share a prefix
    const layouts = [
      (e: object) => JSON.stringify(e),
      (e: object) => JSON.stringify(e, null, 2),
      (e: object) => JSON.stringify(reverseKeys(e)),
      (e: object) => JSON.stringify({ nam: 1, ...e, names: "x", args: { ...((e as { args?: object }).args ?? {}), "External i": 7 } }, null, 1),
    ];
    let seed = 7;
    const pick = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % layouts.length;
    };
    const plain = join(tmp, "plain.json");
    const mixed = join(tmp, "mixed.json");
    writeFileSync(plain, JSON.stringify({ traceEvents: raw.traceEvents }));
    writeFileSync(mixed, `{"traceEvents": [${raw.traceEvents.map((e) => layouts[pick()]!(e)).join(",\n")}]}`);
    // Input Dims is kept as written: compare it re-printed
    const canonical = (m: TraceModel) => ({ ...fingerprint(m), cpuDims: Array.from(m.cpu.inputDims, (i) => (i < 0 ? null : JSON.stringify(JSON.parse(m.strings.get(i))))) });
    const expected = canonical(await parseKineto(plain));
    expect(canonical(await parseKineto(mixed))).toEqual(expected);
    expect(canonical(await parseKineto(mixed, { blockBytes: 4096 }))).toEqual(expected);
  });
});

function reverseKeys(e: object): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e).reverse()) out[k] = v && typeof v === "object" && !Array.isArray(v) ? reverseKeys(v) : v;
  return out;
}

describe("Kineto parser on the shared traces", () => {
  const names = [
    "kineto/llama-1b-train-sdpa.json.gz",
    "kineto/llama-1b-train-eager.json.gz",
    "kineto/llama-1b-train-nostack.json.gz",
    "kineto/llama-1b-train-compiled.json.gz",
    "multi-gpu/ddp-2gpu-rank0.json.gz",
  ];
  for (const name of names) {
    const path = sharedTrace(name);
    it.skipIf(!path)(`${name}: counts match the raw JSON and the model is consistent`, async () => {
      const m = await parseKineto(path!);
      expect(modelCounts(m)).toEqual(countsFromRaw(readRaw(path!)));
      assertModelIntegrity(m);
    });
  }
  const ddp = sharedTrace("multi-gpu/ddp-2gpu-rank1.json.gz");
  it.skipIf(!ddp)("reads distributedInfo and the collective args of NCCL kernels", async () => {
    const m = await parseKineto(ddp!);
    expect(m.meta.rank).toBe(1);
    expect(m.meta.worldSize).toBe(2);
    const raw = readRaw(ddp!);
    const expected = raw.traceEvents.filter((e) => e.cat === "kernel" && e.args && "Collective name" in e.args);
    let withColl = 0;
    let nelems = 0;
    for (let i = 0; i < m.gpu.length; i++) {
      const c = m.gpu.collective[i]!;
      if (c >= 0) {
        withColl++;
        nelems += m.collectives.inNelems[c]!;
      }
    }
    expect(withColl).toBe(expected.length);
    expect(nelems).toBe(expected.reduce((s, e) => s + (e.args!["In msg nelems"] as number), 0));
  });
});
