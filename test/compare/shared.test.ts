/**
 * compare over the 1.1B shared traces (skipped with a note when ../shared is
 * absent; the bundled tests in compare.test.ts cover the same features):
 * eager / SDPA / recompute-bs8 on one GPU, and the 2-GPU DDP run against the
 * single-GPU SDPA run (same model, batch 2 × 350 per rank) for the scaling
 * efficiency. Figures are recomputed from the raw JSON (reference.ts).
 */
import { describe, expect, it } from "vitest";
import { compareSummaries, type CompareRun } from "../../src/analysis/compare.js";
import { loadCompareRun } from "../../src/cli/compare.js";
import { sharedTrace } from "../helpers/paths.js";
import { readRaw } from "../helpers/raw.js";
import { medianOf, rawAttention, rawPeakMemory, rawStepNs, rawTokensPerStep } from "./reference.js";

const eager = sharedTrace("kineto/llama-1b-train-eager.json.gz");
const sdpa = sharedTrace("kineto/llama-1b-train-sdpa.json.gz");
const recompute = sharedTrace("kineto/llama-1b-train-recompute-bs8.json.gz");
const ddpDir = sharedTrace("multi-gpu");
const rank0 = sharedTrace("multi-gpu/ddp-2gpu-rank0.json.gz");
const rank1 = sharedTrace("multi-gpu/ddp-2gpu-rank1.json.gz");

function near(actual: number | null | undefined, expected: number, rel = 1e-6, abs = 5): void {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(Math.max(abs, Math.abs(expected) * rel));
}

describe("compare: 1.1B Llama configurations (shared traces)", () => {
  it.skipIf(!eager || !sdpa || !recompute)("eager / SDPA / recompute-bs8: tokens/step 700, 700, 2,800; attention forward and backward drop with SDPA", async () => {
    const paths = { eager: eager!, sdpa: sdpa!, recompute: recompute! };
    const labels = ["eager", "sdpa", "recompute"] as const;
    const c = compareSummaries(await Promise.all(labels.map(async (label) => ({ label, summary: await loadCompareRun(paths[label]) }))));
    expect(c.runs.map((r) => r.tokensPerStep)).toEqual([700, 700, 2800]);
    expect(c.runs.map((r) => r.batchShape)).toEqual(["2 x 350", "2 x 350", "8 x 350"]);
    const raw: Record<string, { att: ReturnType<typeof rawAttention>; steps: number[] }> = {};
    for (const [k, label] of labels.entries()) {
      const run = c.runs[k]!;
      const r = readRaw(paths[label]);
      const tok = rawTokensPerStep(r);
      const steps = rawStepNs(r);
      const att = rawAttention(r);
      raw[label] = { att, steps };
      expect(run.tokensPerStep).toBe(tok.tokens);
      near(run.stepTime!.medianNs, medianOf(steps));
      near(run.tokensPerS, tok.tokens / (medianOf(steps) / 1e9), 1e-6, 1e-6);
      near(run.attention!.forwardNs, att.forwardNs / steps.length);
      near(run.attention!.backwardNs, att.backwardNs / steps.length);
      near(run.attention!.recomputeNs, att.recomputeNs / steps.length);
      const mem = rawPeakMemory(r);
      expect(run.peakAllocatedBytes).toBe(mem.allocated);
      expect(run.peakReservedBytes).toBe(mem.reserved);
    }
    // SDPA (flash kernels) vs eager: attention time per step falls, forward and backward
    const perStep = (l: string, f: "forwardNs" | "backwardNs") => raw[l]!.att[f] / raw[l]!.steps.length;
    expect(perStep("sdpa", "forwardNs")).toBeLessThan(0.6 * perStep("eager", "forwardNs"));
    expect(perStep("sdpa", "backwardNs")).toBeLessThan(0.7 * perStep("eager", "backwardNs"));
    const [e, s] = [c.runs[0]!, c.runs[1]!];
    expect(s.attention!.forwardNs).toBeLessThan(e.attention!.forwardNs);
    expect(s.attention!.backwardNs).toBeLessThan(e.attention!.backwardNs);
    expect(c.scaling).toEqual([]);
  });

  it.skipIf(!sdpa || !ddpDir || !rank0 || !rank1)("2-GPU DDP vs single-GPU SDPA: scaling efficiency from the raw traces", async () => {
    const single = await loadCompareRun(sdpa!);
    const byDir = await loadCompareRun(ddpDir!);
    const byFiles = await loadCompareRun(`${rank0},${rank1}`);
    const c = compareSummaries([
      { label: "sdpa", summary: single },
      { label: "ddp", summary: byDir },
      { label: "ddp-files", summary: byFiles },
    ]);
    const run = (l: string): CompareRun => c.runs.find((r) => r.label === l)!;
    expect(c.scaling).toHaveLength(1);
    expect(c.scaling[0]!.baseline).toBe("sdpa");
    expect(run("ddp").gpuCount).toBe(2);

    // by hand: tokens from Input Dims, step times by the README's step definition
    const rs = readRaw(sdpa!);
    const singlePerGpu = rawTokensPerStep(rs).tokens / (medianOf(rawStepNs(rs)) / 1e9);
    const ranks = [readRaw(rank0!), readRaw(rank1!)];
    const tokens = ranks.reduce((a, r) => a + rawTokensPerStep(r).tokens, 0);
    expect(tokens).toBe(1400);
    const stepNs = medianOf(ranks.map((r) => medianOf(rawStepNs(r))));
    const ddpPerGpu = tokens / (stepNs / 1e9) / 2;
    const expected = ddpPerGpu / singlePerGpu;
    near(run("ddp").scalingEfficiency, expected, 1e-6, 1e-9);
    near(run("ddp-files").scalingEfficiency, expected, 1e-6, 1e-9);
    expect(run("sdpa").scalingEfficiency).toBe(1);
    // the figure quoted in the README
    expect(expected).toBeGreaterThan(0.73);
    expect(expected).toBeLessThan(0.75);
  });
});
