/**
 * Serving-engine steps: the marker grammar on the real names of the TraceLens
 * traces, and the SGLang decode step's window and tokens/s recomputed from the
 * raw JSON (step window = marker's CPU start .. max(CPU end, end of the last GPU
 * activity launched inside it), README "Steps").
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { parseServingMarker } from "../../src/analysis/serving.js";
import { parseKineto } from "../../parsers/kineto.js";
import { fixture } from "../helpers/paths.js";
import { readRaw, referenceServingWindow } from "../helpers/raw.js";

const SGLANG = fixture("external/mi300-sglang-qwen3-8b-decode.json.gz");

describe("serving-engine step markers", () => {
  it("reads kind, batch and tokens from the marker names", () => {
    expect(parseServingMarker("step[DECODE bs=32]")).toEqual({ format: "sglang-step", kind: "decode", batchSize: 32, tokens: 32 });
    expect(parseServingMarker("step[EXTEND bs=15 toks=15360]")).toEqual({ format: "sglang-step", kind: "prefill", batchSize: 15, tokens: 15360 });
    // names from the TraceLens vLLM traces (MI300 HIP graph, B200 eager)
    expect(parseServingMarker("execute_32_context_0(sq0sk0sqsq0sqsk0)_generation_32(sq32sk55086sqsq32sqsk55086)")).toEqual({
      format: "execute-context-generation",
      kind: "decode",
      batchSize: 32,
      tokens: 32,
    });
    expect(parseServingMarker("execute_context_1(888_788544)_generation_0(0)")).toEqual({ format: "execute-context-generation", kind: "prefill", batchSize: 1, tokens: 888 });
    expect(parseServingMarker("execute_context_2(100_5)_generation_3(sq3sk9)")?.kind).toBe("mixed");
    expect(parseServingMarker("ProfilerStep#3")).toBeNull();
    expect(parseServingMarker("step[DECODE]")).toBeNull();
  });
});

describe("SGLang decode trace", async () => {
  const raw = readRaw(SGLANG);
  const s = analyzeModels([await parseKineto(SGLANG)]);
  const { markers: decode, windowUs } = referenceServingWindow(raw, "step[DECODE bs=32]");

  it("finds one decode step of batch 32 with its window and tokens/s", () => {
    expect(decode.length).toBe(1);
    if (!s.steps.available) throw new Error(s.steps.reason);
    expect(s.steps.source).toBe("serving-steps");
    expect(s.steps.count).toBe(1);
    expect(s.steps.items[0]!.durationNs / 1e3).toBeCloseTo(windowUs, 0);
    const kinds = s.steps.serving!.kinds;
    expect(kinds.map((k) => k.kind)).toEqual(["decode"]);
    const d = kinds[0]!;
    expect(d.steps).toBe(1);
    expect(d.meanBatchSize).toBe(32);
    expect(d.tokens).toBe(32);
    expect(d.tokensPerS!).toBeCloseTo(32 / (windowUs / 1e6), 3);
    expect(d.pctOfTime).toBeCloseTo(100, 6);
  });
});
