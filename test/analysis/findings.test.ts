/**
 * Each rule fires on a real trace and stays silent on another; each finding's
 * cost is recomputed independently from the raw JSON. Where no real trace
 * shows the problem, a real trace is minimally edited in the test (said so).
 */
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import type { AnalysisOptions } from "../../src/analysis/context.js";
import type { Finding } from "../../src/analysis/findings.js";
import type { Summary } from "../../src/analysis/summary.js";
import { parseKineto } from "../../parsers/kineto.js";
import { attributeRaw, containing, indexRaw, innermost } from "../helpers/containment.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { isComm, isGpu, readRaw, referenceGapCauses, referenceSteps, referenceTemporal, type RawTrace } from "../helpers/raw.js";

const TINY = fixture("llama-tiny-train.json.gz");
const EAGER = fixture("llama-tiny-train-eager.json.gz");
const RECOMPUTE = fixture("llama-tiny-train-recompute-bs4.json.gz");
const INFER = fixture("llama-tiny-infer-bs2.json.gz");
const GPU_BOUND = fixture("l2-train-gpu-bound-bs8.json.gz");
const RANK0 = fixture("multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz");
const RANK1 = fixture("multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz");

const cache = new Map<string, Summary>();
async function summary(path: string, options: AnalysisOptions = {}): Promise<Summary> {
  const key = `${path}|${JSON.stringify(options)}`;
  if (!cache.has(key)) cache.set(key, analyzeModels([await parseKineto(path)], options));
  return cache.get(key)!;
}
async function finding(path: string, id: string, options: AnalysisOptions = {}): Promise<Finding | undefined> {
  const s = await summary(path, options);
  if (!s.findings.available) throw new Error(s.findings.reason);
  return s.findings.findings.find((f) => f.id === id);
}
async function silent(path: string, id: string, options: AnalysisOptions = {}): Promise<void> {
  const s = await summary(path, options);
  if (!s.findings.available) throw new Error(s.findings.reason);
  expect(s.findings.findings.map((f) => f.id)).not.toContain(id);
  expect(s.findings.passed).toContain(id);
}
const window = (raw: RawTrace) => {
  const st = referenceSteps(raw);
  return [st[0]!.start, st[st.length - 1]!.end] as const;
};
const near = (a: number | null, b: number) => expect(Math.abs((a ?? NaN) - b)).toBeLessThanOrEqual(Math.max(2, Math.abs(b) * 1e-3));

describe("findings", () => {
  it("host-bound: fires on the tiny trace with the host-bound idle as cost; silent on the GPU-bound trace", async () => {
    const f = (await finding(TINY, "host-bound"))!;
    near(f.costNs, referenceGapCauses(readRaw(TINY), 0).hostBound);
    expect(f.severity).toBe("high");
    expect(f.evidence.length).toBeGreaterThan(0);
    await silent(GPU_BOUND, "host-bound");
  });

  it("synchronization: fires on the inference trace (cost = idle after syncs); silent on the tiny training trace", async () => {
    const f = (await finding(INFER, "synchronization"))!;
    near(f.costNs, referenceGapCauses(readRaw(INFER), 0).synchronization);
    expect(f.evidence.some((e) => /item|local_scalar|Synchronize|copy/i.test(e.label))).toBe(true);
    await silent(TINY, "synchronization");
  });

  it("step-start-wait: fires on the straggler rank (it sleeps before each step); silent on the tiny trace", async () => {
    const f = (await finding(RANK1, "step-start-wait"))!;
    near(f.costNs, referenceGapCauses(readRaw(RANK1), 1).beforeFirst);
    await silent(TINY, "step-start-wait");
  });

  it("exposed-communication: fires on DDP rank 0 (it waits for rank 1); silent on rank 1", async () => {
    const f = (await finding(RANK0, "exposed-communication"))!;
    const raw = readRaw(RANK0);
    const [a, b] = window(raw);
    const ref = referenceTemporal(raw, 0, a, b);
    near(f.costNs, (ref.comm - ref.overlap) * 1000);
    await silent(RANK1, "exposed-communication");
  });

  it("unfused-attention: fires on eager attention (cost = GEMM + softmax kernels of the attention modules); silent with SDPA", async () => {
    const f = (await finding(EAGER, "unfused-attention"))!;
    const raw = readRaw(EAGER);
    const [a, b] = window(raw);
    const expected = attributeRaw(raw, a, b)
      .filter((k) => k.className !== null && /Attention/.test(k.className) && k.phase !== "optimizer")
      // kernels of the attention module itself (not its Linear children, whose innermost module is Linear)
      .filter((k) => /gemm|nvjet|cutlass|cublas|softmax|matmul/i.test(k.event.name ?? ""))
      .reduce((s, k) => s + k.durNs, 0);
    near(f.costNs, expected);
    await silent(TINY, "unfused-attention");
  });

  it("fp32-gemm: fires on the tiny trace (FP32 rotary bmm; info); silent on the DDP trace", async () => {
    const f = (await finding(TINY, "fp32-gemm"))!;
    const raw = readRaw(TINY);
    const [a, b] = window(raw);
    const expected = attributeRaw(raw, a, b)
      .filter((k) => /gemm|nvjet|cutlass|cublas/i.test(k.event.name ?? "") && JSON.stringify(k.op?.args?.["Input type"] ?? []).includes('"float"'))
      .reduce((s, k) => s + k.durNs, 0);
    near(f.costNs, expected);
    expect(f.severity).toBe("info");
    await silent(RANK0, "fp32-gemm");
  });

  it("unfused-optimizer: fires on DDP (foreach AdamW, 88 kernels per step); silent with fused AdamW", async () => {
    const f = (await finding(RANK0, "unfused-optimizer"))!;
    const raw = readRaw(RANK0);
    const [a, b] = window(raw);
    near(
      f.costNs,
      attributeRaw(raw, a, b)
        .filter((k) => k.phase === "optimizer")
        .reduce((s, k) => s + k.durNs, 0),
    );
    await silent(GPU_BOUND, "unfused-optimizer");
  });

  it("tiny-kernels: fires on the tiny trace (cost = launch time not covered by the kernel); silent on the GPU-bound trace", async () => {
    const f = (await finding(TINY, "tiny-kernels"))!;
    const raw = readRaw(TINY);
    const [a, b] = window(raw);
    const launch = indexRaw(raw).launch;
    let expected = 0;
    for (const e of raw.traceEvents) {
      if (e.cat !== "kernel" || e.ts! < a || e.ts! >= b) continue;
      const r = launch.get(e.args?.["correlation"]);
      if (r && e.dur! < r.dur!) expected += (r.dur! - e.dur!) * 1000;
    }
    near(f.costNs, expected);
    await silent(GPU_BOUND, "tiny-kernels");
  });

  it("memory-churn: fires on the recompute trace (reserved − allocated at peak); silent on the tiny trace", async () => {
    const f = (await finding(RECOMPUTE, "memory-churn"))!;
    const raw = readRaw(RECOMPUTE);
    const [a, b] = window(raw);
    const mem = raw.traceEvents.filter((e) => e.name === "[memory]" && e.args!["Device Type"] === 1 && e.ts! >= a && e.ts! < b);
    const reserved = Math.max(...mem.map((e) => e.args!["Total Reserved"] as number));
    const allocated = Math.max(...mem.map((e) => e.args!["Total Allocated"] as number));
    expect(f.costBytes).toBe(reserved - allocated);
    await silent(TINY, "memory-churn");
  });

  it("recomputation: fires on the recompute trace (cost = recomputed kernels); silent without checkpointing", async () => {
    const f = (await finding(RECOMPUTE, "recomputation"))!;
    const raw = readRaw(RECOMPUTE);
    const [a, b] = window(raw);
    near(
      f.costNs,
      attributeRaw(raw, a, b)
        .filter((k) => k.phase === "recompute")
        .reduce((s, k) => s + k.durNs, 0),
    );
    await silent(TINY, "recomputation");
  });

  it("slow-layer: fires when one layer's kernels are made slower (the tiny trace edited in this test); silent on the real traces", async () => {
    // edit: every kernel launched under nn.Module: LlamaDecoderLayer_1's forward spans runs 3x longer
    const raw = JSON.parse(gunzipSync(readFileSync(TINY)).toString("utf8")) as RawTrace;
    const index = indexRaw(raw);
    for (const e of raw.traceEvents) {
      if (!isGpu(e)) continue;
      const r = index.launch.get(e.args?.["correlation"]);
      if (!r) continue;
      const m = innermost(containing(index, r.tid, r.ts!), (x) => x.cat === "python_function" && x.name === "nn.Module: LlamaDecoderLayer_1");
      if (m) e.dur = Math.round(e.dur! * 3 * 1000) / 1000;
    }
    const dir = mkdtempSync(join(tmpdir(), "llmprof-slow-"));
    const edited = join(dir, "tiny-slow-layer.json.gz");
    writeFileSync(edited, gzipSync(JSON.stringify(raw)));
    // two layers cannot show a spread: compare against the median only (madFactor 0)
    const options = { findings: { thresholds: { "slow-layer.minInstances": 2, "slow-layer.madFactor": 0 } } };
    const f = (await finding(edited, "slow-layer", options))!;
    expect(f.evidence[0]!.label).toMatch(/LlamaDecoderLayer#1$/);
    // independent: per-layer totals (forward + backward + recompute) by containment on the edited events
    const [a, b] = window(raw);
    const totals = [0, 1].map((k) =>
      attributeRaw(raw, a, b)
        .filter((x) => x.phase !== "optimizer" && layerOf(raw, x) === k)
        .reduce((s, x) => s + x.durNs, 0),
    );
    near(f.costNs, (totals[1]! - totals[0]!) / 2); // median of two layers = their mean
    await silent(GPU_BOUND, "slow-layer", options);
    const big = sharedTrace("kineto/llama-1b-train-sdpa.json.gz");
    if (big) await silent(big, "slow-layer");
  });

  it("rules can be disabled and their thresholds changed from options", async () => {
    const s = await summary(TINY, { findings: { disable: ["host-bound"], thresholds: { "tiny-kernels.minPctShorter": 99.9 } } });
    if (!s.findings.available) throw new Error("unavailable");
    expect(s.findings.disabled).toEqual(["host-bound"]);
    expect(s.findings.findings.map((f) => f.id)).not.toContain("tiny-kernels");
  });

  it("communication kernels exist in the DDP fixture (sanity for the communication rules)", () => {
    expect(readRaw(RANK0).traceEvents.some(isComm)).toBe(true);
  });
});

/** Which decoder layer (0/1) a kernel's module path belongs to, by containment of its launch (forward) or linked forward op. */
function layerOf(raw: RawTrace, k: ReturnType<typeof attributeRaw>[number]): number {
  const index = indexRaw(raw);
  const r = k.launch;
  if (!r) return -1;
  const inLayer = (tid: unknown, ts: number) => {
    const m = innermost(containing(index, tid, ts), (x) => x.cat === "python_function" && /^nn\.Module: LlamaDecoderLayer_\d+$/.test(x.name ?? ""));
    return m ? Number(/_(\d+)$/.exec(m.name!)![1]) : -1;
  };
  if (k.phase === "forward" || k.phase === "recompute") return inLayer(r.tid, r.ts!);
  // backward: follow the flow from the innermost flow-target op to its forward op
  const ends = new Map<string, unknown>();
  const starts = new Map<unknown, { tid: unknown; ts: number }>();
  for (const e of raw.traceEvents) {
    if (e.cat !== "fwdbwd") continue;
    if (e.ph === "f") ends.set(`${e.tid}|${e.ts}`, e.id);
    if (e.ph === "s") starts.set(e.id, { tid: e.tid, ts: e.ts! });
  }
  const bwd = innermost(containing(index, r.tid, r.ts!), (e) => e.cat === "cpu_op" && ends.has(`${e.tid}|${e.ts}`));
  const src = bwd ? starts.get(ends.get(`${bwd.tid}|${bwd.ts}`)) : undefined;
  return src ? inLayer(src.tid, src.ts) : -1;
}
