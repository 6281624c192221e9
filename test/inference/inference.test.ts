/**
 * Prefill / decode separation, TTFT and TPOT, recomputed from the raw JSON:
 * forwards = top-level `nn.Module: LlamaForCausalLM_*` spans; a forward is a
 * decode when the aten::embedding op inside it has input [batch, 1]; its GPU
 * end = the latest end of the GPU events whose launching runtime call (by
 * correlation) starts inside the span on its thread.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { parseKineto } from "../../parsers/kineto.js";
import { loadTraces } from "../../parsers/registry.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { isGpu, readRaw, referenceGaps, type RawTrace } from "../helpers/raw.js";

interface RefForward {
  ts: number;
  end: number;
  decode: boolean;
  batch: number;
  tokens: number;
  gpuEnd: number;
}

function referenceForwards(raw: RawTrace): RefForward[] {
  const ev = raw.traceEvents;
  const launches = new Map<unknown, { ts: number; tid: unknown }>();
  for (const e of ev) if ((e.cat === "cuda_runtime" || e.cat === "cuda_driver") && e.args) launches.set(e.args["correlation"], { ts: e.ts!, tid: e.tid });
  const gpu = ev.filter(isGpu);
  const embeddings = ev.filter((e) => e.cat === "cpu_op" && e.name === "aten::embedding");
  const top = ev.filter((e) => e.cat === "python_function" && /^nn\.Module: LlamaForCausalLM_\d+$/.test(e.name ?? "")).sort((a, b) => a.ts! - b.ts!);
  return top.map((f) => {
    const end = f.ts! + f.dur!;
    const emb = embeddings.find((e) => e.tid === f.tid && e.ts! >= f.ts! && e.ts! <= end)!;
    const [batch, tokens] = (emb.args!["Input Dims"] as number[][])[1]!;
    let gpuEnd = -Infinity;
    for (const g of gpu) {
      const l = launches.get(g.args?.["correlation"]);
      if (l && l.tid === f.tid && l.ts >= f.ts! && l.ts < end) gpuEnd = Math.max(gpuEnd, g.ts! + g.dur!);
    }
    return { ts: f.ts!, end, decode: tokens === 1, batch: batch!, tokens: tokens!, gpuEnd };
  });
}

/** µs (raw, absolute) -> ns relative to the model origin, for comparing times. */
const closeNs = (ns: number | null, us: number) => {
  if (ns === null) throw new Error(`expected a figure close to ${us} µs, got null`);
  expect(Math.abs(ns - us * 1000)).toBeLessThanOrEqual(2);
};

for (const [label, path, expected] of [
  ["tiny fixture (batch 2, 64 prompt, 8 new tokens)", fixture("llama-tiny-infer-bs2.json.gz"), { batch: 2, prompt: 64, decode: 7 }],
  ["shared 1.1B (batch 8, 512 prompt, 32 new tokens)", sharedTrace("kineto/llama-1b-infer-bs8.json.gz"), { batch: 8, prompt: 512, decode: 31 }],
] as const) {
  describe(`inference (${label})`, () => {
    it.skipIf(!path)("separates prefill from decode and reports TTFT, TPOT and tokens/s as recomputed from the raw JSON", async () => {
      const model = await parseKineto(path!);
      const s = analyzeModels([model]);
      if (!s.inference.available) throw new Error(s.inference.reason);
      const inf = s.inference;
      const raw = readRaw(path!);
      const ref = referenceForwards(raw);
      const refDecode = ref.filter((f) => f.decode).length;
      // the recording recipe: N new tokens = 1 prefill + N-1 decode forwards
      expect(refDecode).toBe(expected.decode);
      expect(inf.decodeCount).toBe(refDecode);
      expect(inf.prefillCount).toBe(ref.length - refDecode);
      expect(inf.forwardSource).toBe("module-spans");
      expect(inf.modelClass).toBe("LlamaForCausalLM");
      expect(inf.batchSize).toBe(expected.batch);
      expect(inf.promptTokens).toBe(expected.prompt);
      expect(inf.forwards.map((f) => f.kind)).toEqual(ref.map((f) => (f.decode ? "decode" : "prefill")));

      // TTFT: ProfilerStep CPU start -> GPU end of the prefill forward
      const origin = Number(BigInt(model.meta.originNs)) / 1000; // µs; only differences matter below
      const step = raw.traceEvents.find((e) => e.cat === "user_annotation" && /^ProfilerStep#/.test(e.name ?? ""))!;
      const prefill = ref.find((f) => !f.decode)!;
      closeNs(inf.ttftNs, prefill.gpuEnd - step.ts!);
      expect(inf.generations[0]!.startSource).toBe("profiler-step");
      closeNs(inf.generations[0]!.startNs, step.ts! - origin);

      // TPOT: mean of the differences of consecutive forwards' GPU ends
      const diffs = ref.slice(1).map((f, k) => f.gpuEnd - ref[k]!.gpuEnd);
      const decodeUs = diffs.reduce((a, b) => a + b, 0);
      closeNs(inf.decodeNs, decodeUs);
      expect(inf.tpotNs!).toBeCloseTo((decodeUs * 1000) / refDecode, 0);
      const sorted = [...diffs].sort((a, b) => a - b);
      closeNs(inf.decodeStep!.p50Ns, sorted[Math.ceil(0.5 * sorted.length) - 1]!);
      closeNs(inf.decodeStep!.maxNs, sorted[sorted.length - 1]!);
      const mean = decodeUs / diffs.length;
      // sample standard deviation (n − 1), the spread diff and compare use
      const std = Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / (diffs.length - 1));
      expect(Math.abs(inf.decodeStep!.stdNs - std * 1000)).toBeLessThan(5);

      // tokens/s: decode forwards × batch / decode time; all tokens / (last GPU end − step start)
      expect(inf.tokensPerS.decode!).toBeCloseTo((refDecode * expected.batch) / (decodeUs * 1e-6), 3);
      const totalUs = ref[ref.length - 1]!.gpuEnd - step.ts!;
      expect(inf.tokensPerS.total!).toBeCloseTo((ref.length * expected.batch) / (totalUs * 1e-6), 3);
      expect(inf.generatedTokensPerSequence).toBe(expected.decode + 1);
    });

    it.skipIf(!path)("splits decode time into attention, MLP, other, outside-forward and idle, and flags CPU-bound steps", async () => {
      const s = analyzeModels([await parseKineto(path!)]);
      if (!s.inference.available) throw new Error(s.inference.reason);
      const b = s.inference.decodeBreakdown!;
      expect(b.source).toBe("modules");
      for (const part of [b.attention, b.mlp, b.otherModules, b.outsideForward, b.gpuIdle]) expect(part.ns!).toBeGreaterThan(0);
      // one stream: activity sums + idle tile the decode time (activities cut at step edges make a tiny excess)
      const sum = b.attention.ns! + b.mlp.ns! + b.otherModules.ns! + b.outsideForward.ns! + b.gpuIdle.ns!;
      expect(Math.abs(sum - s.inference.decodeNs) / s.inference.decodeNs).toBeLessThan(0.01);
      for (const st of s.inference.decodeSteps) {
        expect(st.gpuIdlePct).toBeCloseTo((100 * st.gpuIdleNs) / st.durationNs, 9);
        expect(st.cpuBound).toBe(st.hostBoundPct > 30);
      }
      expect(s.inference.cpuBound.steps).toBe(s.inference.decodeSteps.filter((x) => x.hostBoundPct > 30).length);
    });

    it.skipIf(!path)("CPU-bound decode steps: host-bound idle of the step > 30%, the same definition and threshold as the launch section's steps", async () => {
      const model = await parseKineto(path!);
      const s = analyzeModels([model]);
      if (!s.inference.available || !s.launch.available) throw new Error("inference and launch expected");
      expect(s.inference.cpuBound.thresholdPct).toBe(30);
      expect(s.launch.cpuBoundHostBoundPct).toBe(s.inference.cpuBound.thresholdPct);
      // host-bound time per decode step recomputed from the raw gaps (µs → ns, clipped to the step)
      const raw = readRaw(path!);
      const device = Number(raw.traceEvents.find(isGpu)!.args!["device"]);
      const origin = Number(BigInt(model.meta.originNs)) / 1000;
      const hostBound = referenceGaps(raw, device).filter((g) => g.cause === "hostBound");
      let flagged = 0;
      for (const st of s.inference.decodeSteps) {
        const from = st.startNs / 1000 + origin;
        const to = st.endNs / 1000 + origin;
        const refNs = hostBound.reduce((a, g) => a + Math.max(0, Math.min(to, g.end) - Math.max(from, g.start)), 0) * 1000;
        // µs text of large timestamps: a few ns of rounding per gap
        expect(Math.abs(st.hostBoundNs - refNs)).toBeLessThan(100);
        expect(st.hostBoundNs).toBeLessThanOrEqual(st.gpuIdleNs + 1);
        if ((100 * refNs) / st.durationNs > 30) flagged++;
      }
      expect(s.inference.cpuBound.steps).toBe(flagged);
      // one config threshold moves both verdicts
      const strict = analyzeModels([model], { idle: { cpuBoundHostBoundPct: 99.9 } });
      if (!strict.inference.available || !strict.launch.available) throw new Error("inference and launch expected");
      expect(strict.inference.cpuBound.thresholdPct).toBe(99.9);
      expect(strict.launch.cpuBoundHostBoundPct).toBe(99.9);
      expect(strict.launch.steps.filter((x) => x.verdict === "cpu-bound").length).toBe(strict.launch.steps.filter((x) => x.hostBoundPct > 99.9).length);
    });
  });
}

describe("inference on other traces", () => {
  it("is unavailable, with the reason, for a training trace", async () => {
    const s = analyzeModels([await parseKineto(fixture("llama-tiny-train.json.gz"))]);
    expect(s.inference.available).toBe(false);
    if (!s.inference.available) expect(s.inference.reason).toMatch(/training|backward|single forward/);
  });

  it("a stricter CPU-bound threshold flags no more steps than the default", async () => {
    const model = await parseKineto(fixture("llama-tiny-infer-bs2.json.gz"));
    const s = analyzeModels([model], { idle: { cpuBoundHostBoundPct: 99.9 } });
    if (!s.inference.available) throw new Error(s.inference.reason);
    expect(s.inference.cpuBound.thresholdPct).toBe(99.9);
    expect(s.inference.cpuBound.steps).toBe(s.inference.decodeSteps.filter((x) => x.hostBoundPct > 99.9).length);
  });

  const nsys = sharedTrace("nsys/nsys-llama-1b-infer-bs8.arrow.gz");
  it.skipIf(!nsys)("nsys (no module spans, no shapes): forwards from aten::embedding ranges inside the NVTX `generate` range", async () => {
    const [model] = await loadTraces([nsys!]);
    const s = analyzeModels([model!]);
    if (!s.inference.available) throw new Error(s.inference.reason);
    const inf = s.inference;
    // independent count: aten::embedding NVTX ranges inside `generate` (the recipe: 32 new tokens = 1 prefill + 31 decode)
    const { cpu, strings } = model!;
    let gen = -1;
    for (let i = 0; i < cpu.length; i++) if (strings.get(cpu.name[i]!) === "generate") gen = i;
    let embeddings = 0;
    for (let i = 0; i < cpu.length; i++) {
      if (strings.get(cpu.name[i]!) === "aten::embedding" && cpu.start[i]! >= cpu.start[gen]! && cpu.start[i]! < cpu.end[gen]!) embeddings++;
    }
    expect(embeddings).toBe(32);
    expect(inf.forwardSource).toBe("embedding-ops");
    expect(inf.classification).toBe("position");
    expect(inf.prefillCount).toBe(1);
    expect(inf.decodeCount).toBe(31);
    expect(inf.generations[0]!.startSource).toBe("generate-annotation");
    expect(inf.generations[0]!.startNs).toBe(cpu.start[gen]!);
    // unknown batch: no tokens/s, no MLP split
    expect(inf.batchSize).toBeNull();
    expect(inf.tokensPerS.decode).toBeNull();
    expect(inf.decodeBreakdown!.source).toBe("kernel-categories");
    expect(inf.decodeBreakdown!.mlp.ns).toBeNull();
    // prefill (8 × 512 tokens) does far more GPU work than any decode forward
    const prefill = inf.forwards.find((f) => f.kind === "prefill")!;
    for (const f of inf.forwards.filter((x) => x.kind === "decode")) expect(prefill.kernelNs).toBeGreaterThan(3 * f.kernelNs);
  });
});
