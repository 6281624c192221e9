/**
 * Inference section on serving-engine steps: the SGLang decode step's TPOT and
 * tokens/s recomputed from the raw JSON (step window = outermost marker's CPU
 * start .. max(CPU end, end of the last GPU activity launched inside it)), and
 * the vLLM B200 prefill/decode step counts from its raw marker names.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { parseKineto } from "../../parsers/kineto.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { readRaw, referenceServingWindow } from "../helpers/raw.js";

const SGLANG = fixture("external/mi300-sglang-qwen3-8b-decode.json.gz");

describe("inference on SGLang serving steps", async () => {
  const raw = readRaw(SGLANG);
  const s = analyzeModels([await parseKineto(SGLANG)]);
  const { markers: decode, windowUs } = referenceServingWindow(raw, "step[DECODE bs=32]");

  it("is available with TPOT = mean decode step, no TTFT, and the per-kind rows", () => {
    const i = s.inference;
    if (!i.available) throw new Error(i.reason);
    expect(i.forwardSource).toBe("serving-steps");
    expect(i.ttftNs).toBeNull();
    expect(i.prefillCount).toBe(0);
    expect(i.decodeCount).toBe(decode.length);
    expect(i.tpotNs! / 1e3).toBeCloseTo(windowUs, 0);
    expect(i.decodeNs / 1e3).toBeCloseTo(windowUs, 0);
    expect(i.tokensPerS.decode!).toBeCloseTo(32 / (windowUs / 1e6), 3);
    expect(i.batchSize).toBe(32);
    expect(i.serving!.kinds.map((k) => [k.kind, k.steps, k.tokens])).toEqual([["decode", 1, 32]]);
    expect(i.cpuBound.pctOfSteps).toBeGreaterThanOrEqual(0);
    expect(i.cpuBound.pctOfSteps).toBeLessThanOrEqual(100);
  });
});

const VLLM = sharedTrace("external/tracelens/b200-vllm-gpt-oss-eager.json.gz");

describe.skipIf(!VLLM)("inference on vLLM B200 serving steps (../shared)", () => {
  it("counts prefill and decode steps as the raw marker names say", async () => {
    const raw = readRaw(VLLM!);
    const names = raw.traceEvents.filter((e) => e.ph === "X" && e.cat === "user_annotation" && /^execute_/.test(e.name ?? "")).map((e) => e.name!);
    const prefill = names.filter((n) => /_generation_0\(/.test(n)).length;
    const decode = names.filter((n) => /context_0\(/.test(n)).length;
    const s = analyzeModels([await parseKineto(VLLM!)]);
    const i = s.inference;
    if (!i.available) throw new Error(i.reason);
    expect(i.ttftNs).toBeNull();
    expect(i.prefillCount).toBe(prefill);
    expect(i.decodeCount).toBe(decode);
    const pct = i.serving!.kinds.reduce((a, k) => a + k.pctOfTime, 0);
    expect(pct).toBeCloseTo(100, 6);
  });
});
if (!VLLM) console.warn("skipping vLLM B200 inference test: ../shared/traces not present");
