/**
 * XPlane (JAX) parser: the same run exported as XPlane protobuf and as Chrome
 * JSON (fixtures/jax, from ../shared/traces/jax). Kernel totals from the JSON,
 * read with JSON.parse: events of the process whose process_name is
 * "/device:GPU:0".
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import protobuf from "protobufjs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { LlmprofError } from "../../src/errors.js";
import { GpuKind } from "../../src/model/tables.js";
import { detectFormat } from "../../parsers/registry.js";
import { readHead } from "../../parsers/source.js";
import { parseXPlane, sniffXPlane } from "../../parsers/xplane.js";
import { XPLANE_PROTO } from "../../parsers/xplane-proto.js";
import { assertModelIntegrity } from "../helpers/integrity.js";
import { fixture } from "../helpers/paths.js";
import { readRaw } from "../helpers/raw.js";

const PB = fixture("jax/vm.xplane.pb");
const JSON_EXPORT = fixture("jax/vm.trace.json.gz");

function jsonKernels(): Map<string, { count: number; us: number }> {
  const raw = readRaw(JSON_EXPORT);
  const gpuPid = raw.traceEvents.find((e) => e.ph === "M" && e.name === "process_name" && e.args?.["name"] === "/device:GPU:0")!.pid;
  const out = new Map<string, { count: number; us: number }>();
  for (const e of raw.traceEvents) {
    if (e.ph !== "X" || e.pid !== gpuPid) continue;
    const r = out.get(e.name!) ?? { count: 0, us: 0 };
    r.count++;
    r.us += e.dur!;
    out.set(e.name!, r);
  }
  return out;
}

describe("XPlane parser (JAX)", () => {
  it("is detected from its content, and the other formats' fixtures are not taken for it", async () => {
    expect((await detectFormat(PB)).id).toBe("xplane");
    for (const other of [
      "llama-tiny-train.json.gz",
      "jax/vm.trace.json.gz",
      "nsys/nsys-tiny-train.sqlite.gz",
      "nsys/nsys-tiny-train.arrow.gz",
      "nsys/nsys-tiny-train.json.gz",
      "hw/h100-nvidia-smi-q.xml",
    ]) {
      expect(sniffXPlane(await readHead(fixture(other))), other).toBe(false);
    }
    // JSON that happens to start with a newline (0x0a, XSpace's first tag byte)
    expect(sniffXPlane(Buffer.from('\n{"traceEvents": [{"ph": "X", "name": "a", "ts": 1, "dur": 2}]}'))).toBe(false);
  });

  it("kernel totals agree with the JSON export of the same run within 1% (count, time, per name)", () => {
    const m = parseXPlane(PB);
    assertModelIntegrity(m);
    expect(m.meta.format).toBe("xplane");
    const ref = jsonKernels();
    const byName = new Map<string, { count: number; ns: number }>();
    for (let g = 0; g < m.gpu.length; g++) {
      const name = m.strings.get(m.gpu.name[g]!);
      const r = byName.get(name) ?? { count: 0, ns: 0 };
      r.count++;
      r.ns += m.gpu.end[g]! - m.gpu.start[g]!;
      byName.set(name, r);
    }
    const refTotal = [...ref.values()].reduce((a, r) => a + r.us * 1000, 0);
    const total = [...byName.values()].reduce((a, r) => a + r.ns, 0);
    expect(m.gpu.length).toBe([...ref.values()].reduce((a, r) => a + r.count, 0));
    expect(Math.abs(total - refTotal) / refTotal).toBeLessThan(0.01);
    expect([...byName.keys()].sort()).toEqual([...ref.keys()].sort());
    for (const [name, r] of ref) {
      const got = byName.get(name)!;
      expect(got.count, name).toBe(r.count);
      expect(Math.abs(got.ns - r.us * 1000) / (r.us * 1000), name).toBeLessThan(0.01);
    }
  });

  it("fills devices, streams, kernel details and launch links", () => {
    const m = parseXPlane(PB);
    expect(m.meta.devices).toEqual([{ id: 0, name: "NVIDIA H100 80GB HBM3", totalMemoryBytes: 85017493504, computeCapability: "9.0", smCount: 132 }]);
    expect(m.meta.versions["jax_version"]).toBe("0.11.2");
    expect(new Set(m.gpu.stream)).toEqual(new Set([14])); // "Stream #14(Compute)"
    expect([...m.gpu.kind].every((k) => k === GpuKind.Kernel)).toBe(true);
    // the first kernel of the JSON export: kernel_details "regs:168 static_shared:0 dynamic_shared:213188 grid:2,66,1 block:384,1,1"
    const raw = readRaw(JSON_EXPORT);
    const first = raw.traceEvents.filter((e) => e.ph === "X" && e.args?.["kernel_details"]).sort((a, b) => a.ts! - b.ts!)[0]!;
    const details = String(first.args!["kernel_details"]);
    const num = (k: string) => Number(new RegExp(`${k}:(\\d+)`).exec(details)![1]);
    expect(m.strings.get(m.gpu.name[0]!)).toBe(first.name);
    expect(m.gpu.registers[0]).toBe(num("regs"));
    expect(m.gpu.sharedMemory[0]).toBe(num("static_shared") + num("dynamic_shared"));
    expect([...m.gpu.grid.subarray(0, 3)]).toEqual(/grid:([\d,]+)/.exec(details)![1]!.split(",").map(Number));
    // every kernel ran inside a CUDA graph launched by a cuGraphLaunch call with its correlation_id
    for (let g = 0; g < m.gpu.length; g++) {
      const r = m.gpu.launch[g]!;
      expect(r).toBeGreaterThanOrEqual(0);
      expect(m.strings.get(m.runtime.name[r]!)).toBe("cuGraphLaunch");
    }
    const corr = new Set(Array.from(m.gpu.correlation));
    const jsonCorr = new Set(raw.traceEvents.filter((e) => e.ph === "X" && e.args?.["correlation_id"] !== undefined && e.pid === 1).map((e) => Number(e.args!["correlation_id"])));
    expect(corr).toEqual(jsonCorr);
  });

  it("the temporal, kernel and operator breakdowns work unchanged", () => {
    const s = analyzeModels([parseXPlane(PB)]);
    expect(s.temporal.available && s.kernels.available && s.operators.available).toBe(true);
    if (!s.kernels.available || !s.operators.available) return;
    const refUs = [...jsonKernels().values()].reduce((a, r) => a + r.us, 0);
    expect(Math.abs(s.kernels.totalNs - refUs * 1000) / (refUs * 1000)).toBeLessThan(0.01);
    // kernels launched under the XLA thunk `command_buffer_1` (the kernels' hlo_op)
    expect(s.operators.byName[0]!.name).toBe("command_buffer_1");
  });

  it("truncated or foreign protobuf gives a one-line error naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "llmprof-xplane-"));
    const cut = join(dir, "cut.xplane.pb");
    writeFileSync(cut, readFileSync(PB).subarray(0, 100_000));
    expect(() => parseXPlane(cut)).toThrow(LlmprofError);
    expect(() => parseXPlane(cut)).toThrow(/cut\.xplane\.pb: not a readable XPlane protobuf/);
  });

  it("reads gzip-compressed XPlane files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llmprof-xplane-"));
    const gz = join(dir, "vm.xplane.pb.gz");
    writeFileSync(gz, gzipSync(readFileSync(PB)));
    expect((await detectFormat(gz)).id).toBe("xplane");
    expect(parseXPlane(gz).gpu.length).toBe(parseXPlane(PB).gpu.length);
  });

  it("a device `Steps` line becomes ProfilerStep#N steps (a small XSpace written with the same schema)", () => {
    // two steps of 1 ms on a Steps line, step_num 7 and 8; one 100 µs kernel in each
    const XSpace = protobuf.parse(XPLANE_PROTO).root.lookupType("tensorflow.profiler.XSpace");
    const msg = XSpace.fromObject({
      planes: [
        {
          id: 1,
          name: "/device:GPU:0",
          eventMetadata: { 1: { id: 1, name: "7" }, 2: { id: 2, name: "8" }, 3: { id: 3, name: "gemm_kernel" } },
          statMetadata: { 1: { id: 1, name: "step_num" }, 2: { id: 2, name: "gpu_device_name" } },
          stats: [{ metadataId: 2, strValue: "NVIDIA H100 80GB HBM3" }],
          lines: [
            {
              id: 100,
              name: "Steps",
              timestampNs: 1000,
              events: [
                { metadataId: 1, offsetPs: 0, durationPs: 1e9, stats: [{ metadataId: 1, int64Value: 7 }] },
                { metadataId: 2, offsetPs: 1e9, durationPs: 1e9, stats: [{ metadataId: 1, int64Value: 8 }] },
              ],
            },
            {
              id: 5,
              name: "Stream #5(Compute)",
              timestampNs: 1000,
              events: [
                { metadataId: 3, offsetPs: 2e8, durationPs: 1e8 },
                { metadataId: 3, offsetPs: 1.2e9, durationPs: 1e8 },
              ],
            },
          ],
        },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), "llmprof-xplane-"));
    const file = join(dir, "steps.xplane.pb");
    writeFileSync(file, XSpace.encode(msg).finish());
    const s = analyzeModels([parseXPlane(file)]);
    if (!s.steps.available || !s.kernels.available) throw new Error("unavailable");
    expect(s.steps.source).toBe("profiler-steps");
    expect(s.steps.items.map((x) => [x.number, x.durationNs])).toEqual([
      [7, 1e6],
      [8, 1e6],
    ]);
    expect(s.kernels.totalNs).toBe(2e5);
  });
});

describe("JAX / TensorFlow Chrome trace JSON (the same run as the XPlane file)", () => {
  it("reads the /device:GPU:N process's events as GPU activity: kernel count and time equal the raw JSON's", async () => {
    const { loadTraces } = await import("../../parsers/registry.js");
    const { readRaw: read } = await import("../helpers/raw.js");
    const path = fixture("jax/vm.trace.json.gz");
    const [m] = await loadTraces([path]);
    const raw = read(path);
    const gpuPid = raw.traceEvents.find((e) => e.ph === "M" && e.name === "process_name" && String(e.args?.["name"]).startsWith("/device:GPU:"))!.pid;
    const kernels = raw.traceEvents.filter((e) => e.ph === "X" && e.pid === gpuPid);
    expect(m!.gpu.length).toBe(kernels.length);
    let total = 0;
    for (let i = 0; i < m!.gpu.length; i++) total += m!.gpu.end[i]! - m!.gpu.start[i]!;
    expect(Math.abs(total - kernels.reduce((a, e) => a + e.dur! * 1000, 0))).toBeLessThan(kernels.length);
    expect(m!.meta.partial).toBe(false);
  });
});
