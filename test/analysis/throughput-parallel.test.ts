/**
 * Tokens of a multi-rank run: ranks of one tensor-parallel group embed the same
 * tokens (counted once); data-parallel ranks embed their own (summed). Tokens per
 * step are read from the raw aten::embedding "Input Dims" of each rank, step times
 * from the raw ProfilerStep windows (helpers/raw.ts), never from llmprof.
 */
import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { fixture } from "../helpers/paths.js";
import { readRaw, referenceSteps } from "../helpers/raw.js";

/** Tokens embedded per step on one rank: Σ of the index tensor's element count over the embedding calls / steps. */
function rawTokensPerStep(path: string): number {
  const raw = readRaw(path);
  const steps = referenceSteps(raw).length;
  let tokens = 0;
  for (const e of raw.traceEvents) {
    if (e.name !== "aten::embedding") continue;
    const dims = (e.args?.["Input Dims"] as number[][])[1]!;
    tokens += dims.reduce((a, b) => a * b, 1);
  }
  return tokens / steps;
}

const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};
/** The run's step time: median over ranks of each rank's median step (µs). */
const rawStepUs = (paths: string[]) => medianOf(paths.map((p) => medianOf(referenceSteps(readRaw(p)).map((s) => s.end - s.start))));

describe("tokens per second over ranks", () => {
  it("TP=2: both ranks embed the same 4 x 256 tokens, counted once", async () => {
    const paths = [0, 1].map((r) => fixture(`distributed/tp2-rank${r}.json.gz`));
    const perRank = paths.map(rawTokensPerStep);
    expect(perRank[0]).toBe(perRank[1]);
    const s = analyzeModels(await Promise.all(paths.map((p) => parseKineto(p))));
    expect(s.throughput.available).toBe(true);
    if (!s.throughput.available) return;
    expect(s.throughput.tokensNotSummedRanks).toEqual([1]);
    const expected = perRank[0]! / (rawStepUs(paths) / 1e6);
    expect(Math.abs(s.throughput.globalTokensPerS - expected) / expected).toBeLessThan(0.005);
  });

  it("DDP: each rank embeds its own tokens, summed", async () => {
    const paths = [0, 1].map((r) => fixture(`multi-gpu/l2-ddp-straggler-2gpu-rank${r}.json.gz`));
    const tokens = paths.map(rawTokensPerStep).reduce((a, b) => a + b, 0);
    const s = analyzeModels(await Promise.all(paths.map((p) => parseKineto(p))));
    expect(s.throughput.available).toBe(true);
    if (!s.throughput.available) return;
    expect(s.throughput.tokensNotSummedRanks).toEqual([]);
    const expected = tokens / (rawStepUs(paths) / 1e6);
    expect(Math.abs(s.throughput.globalTokensPerS - expected) / expected).toBeLessThan(0.005);
  });
});
