/**
 * A blocking copy entered just after the GPU ran dry (SGLang decode on MI300,
 * fixtures/external: `hipMemcpyWithStream`, PyTorch's blocking copy on ROCm,
 * starts 0.28 ms into a 463 ms gap and covers the rest of it) makes the gap a
 * synchronization, not host-bound. Figures from the raw JSON.
 */
import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { fixture } from "../helpers/paths.js";
import { isGpu, readRaw } from "../helpers/raw.js";

const SGLANG = fixture("external/mi300-sglang-qwen3-8b-decode.json.gz");

describe("a synchronising call covering most of a gap", () => {
  it("classifies the gap as synchronization, with the operator around the call as culprit", async () => {
    const raw = readRaw(SGLANG);
    const copy = raw.traceEvents.find((e) => e.cat === "cuda_runtime" && e.name === "hipMemcpyWithStream" && e.dur! > 100_000)!;
    const copyEnd = copy.ts! + copy.dur!;
    // the gap by hand: from the last GPU activity ending before the copy began to the next one (the copy's own transfer, near its end)
    const gpu = raw.traceEvents.filter(isGpu);
    const gapStart = Math.max(...gpu.filter((e) => e.ts! + e.dur! <= copy.ts!).map((e) => e.ts! + e.dur!));
    const gapEnd = Math.min(...gpu.filter((e) => e.ts! >= gapStart).map((e) => e.ts!));
    expect(copy.ts! - gapStart).toBeGreaterThan(0); // the copy began after the GPU ran dry
    expect(2 * (Math.min(copyEnd, gapEnd) - copy.ts!)).toBeGreaterThan(gapEnd - gapStart);

    const s = analyzeModels([await parseKineto(SGLANG)]);
    if (!s.idle.available) throw new Error(s.idle.reason);
    const gap = s.idle.largestGaps[0]!;
    expect(gap.durationNs / 1000).toBeCloseTo(gapEnd - gapStart, 2);
    expect(gap.cause).toBe("synchronization");
    expect(gap.culprit).toBe("aten::copy_");
    if (!s.findings.available) throw new Error(s.findings.reason);
    expect(s.findings.findings[0]!.id).toBe("synchronization");
    expect(s.findings.findings.some((f) => f.id === "host-bound")).toBe(false);
  });
});
