/**
 * compare over the bundled real traces (always run): the tiny Llama eager /
 * SDPA / recompute-bs4 trio and the 2-GPU DDP fixture. Every figure checked is
 * recomputed independently from the raw JSON (reference.ts); none is copied
 * from the program's output.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { compareSummaries, uniqueLabels, type CompareResult, type CompareRun } from "../../src/analysis/compare.js";
import type { Summary } from "../../src/analysis/summary.js";
import { loadTraces } from "../../parsers/registry.js";
import { attributeRaw } from "../helpers/containment.js";
import { fixture } from "../helpers/paths.js";
import { isComm, readRaw, type RawTrace } from "../helpers/raw.js";
import { medianOf, rawAttention, rawPeakMemory, rawStepNs, rawTokensPerStep, rawWindow } from "./reference.js";

async function summarize(...paths: string[]): Promise<Summary> {
  return analyzeModels(await loadTraces(paths));
}

/** |a − b| within a relative tolerance (float µs -> ns in the reference), plus a few ns. */
function near(actual: number | null | undefined, expected: number, rel = 1e-6, absNs = 5): void {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(Math.max(absNs, Math.abs(expected) * rel));
}

const runOf = (c: CompareResult, label: string): CompareRun => c.runs.find((r) => r.label === label)!;

const TINY = {
  eager: fixture("llama-tiny-train-eager.json.gz"),
  sdpa: fixture("llama-tiny-train.json.gz"),
  recompute: fixture("llama-tiny-train-recompute-bs4.json.gz"),
};

/** The table figures of one single-GPU run against the raw trace. */
function checkAgainstRaw(run: CompareRun, raw: RawTrace, summary: Summary): void {
  const steps = rawStepNs(raw);
  const tok = rawTokensPerStep(raw);
  expect(run.gpuCount).toBe(1);
  expect(run.batchShape).toBe(`${tok.batch} x ${tok.seq}`);
  expect(run.tokensPerStep).toBe(tok.tokens);
  near(run.stepTime!.medianNs, medianOf(steps));
  near(run.stepTime!.minNs, Math.min(...steps));
  near(run.stepTime!.maxNs, Math.max(...steps));
  near(run.tokensPerS, tok.tokens / (medianOf(steps) / 1e9), 1e-6, 1e-6);
  near(run.tokensPerSPerGpu, tok.tokens / (medianOf(steps) / 1e9), 1e-6, 1e-6);

  // attention per step, by containment over the raw events
  const att = rawAttention(raw);
  const n = steps.length;
  near(run.attention!.forwardNs, att.forwardNs / n);
  near(run.attention!.backwardNs, att.backwardNs / n);
  near(run.attention!.recomputeNs, att.recomputeNs / n);

  // peak memory: the raw [memory] events, and the same as Summary.memory
  const mem = rawPeakMemory(raw);
  expect(run.peakAllocatedBytes).toBe(mem.allocated);
  expect(run.peakReservedBytes).toBe(mem.reserved);
  if (!summary.memory.available) throw new Error("memory unavailable");
  expect(run.peakAllocatedBytes).toBe(Math.max(...summary.memory.devices.map((d) => d.peakAllocatedBytes)));

  // phases: compute-kernel time per step by the raw attribution (attributeRaw)
  const { from, to } = rawWindow(raw);
  const attr = attributeRaw(raw, from, to);
  const compute = (phases: string[]) => attr.filter((a) => phases.includes(a.phase) && a.event.cat === "kernel" && !isComm(a.event)).reduce((s, a) => s + a.durNs, 0) / n;
  near(run.phases!.forward.computeKernelNs, compute(["forward"]));
  near(run.phases!.backward.computeKernelNs, compute(["backward", "recompute"]));
  near(run.phases!.recompute.computeKernelNs, compute(["recompute"]));
  near(run.phases!.optimizer.computeKernelNs, compute(["optimizer"]));
}

describe("compare: bundled tiny Llama runs (eager, SDPA, recompute batch 4)", () => {
  it("the table matches the raw traces: tokens/step 256, 256, 512; step time; attention; memory; phases", async () => {
    const labels = ["eager", "sdpa", "recompute"] as const;
    const summaries = await Promise.all(labels.map((l) => summarize(TINY[l])));
    const c = compareSummaries(labels.map((label, k) => ({ label, summary: summaries[k]! })));
    expect(c.schema).toBe("llmprof.compare/1");
    expect(c.runs.map((r) => r.label)).toEqual(["eager", "sdpa", "recompute"]);
    // tokens/step by hand: batch 2 × 128 and batch 4 × 128
    expect(c.runs.map((r) => r.tokensPerStep)).toEqual([2 * 128, 2 * 128, 4 * 128]);
    labels.forEach((l, k) => checkAgainstRaw(runOf(c, l), readRaw(TINY[l]), summaries[k]!));

    // eager -> SDPA: attention forward and backward time drop (independently: raw containment)
    const ae = rawAttention(readRaw(TINY.eager));
    const as = rawAttention(readRaw(TINY.sdpa));
    expect(as.forwardNs).toBeLessThan(ae.forwardNs);
    expect(as.backwardNs).toBeLessThan(ae.backwardNs);
    expect(runOf(c, "sdpa").attention!.forwardNs).toBeLessThan(runOf(c, "eager").attention!.forwardNs);
    expect(runOf(c, "sdpa").attention!.backwardNs).toBeLessThan(runOf(c, "eager").attention!.backwardNs);
    // only the recompute run recomputes attention
    expect(runOf(c, "recompute").attention!.recomputeNs).toBeGreaterThan(0);
    expect(runOf(c, "sdpa").attention!.recomputeNs).toBe(0);

    // no scaling: one GPU each, and the three differ in attention kernels / batch / recomputation
    expect(c.scaling).toEqual([]);
    for (const r of c.runs) expect(r.scalingEfficiency).toBeNull();
    expect(runOf(c, "eager").configuration.attention).toBe("unfused");
    expect(runOf(c, "sdpa").configuration.attention).toBe("fused");
    expect(runOf(c, "recompute").configuration.recomputation).toBe(true);
    expect(runOf(c, "sdpa").configuration.model).toBe(runOf(c, "eager").configuration.model);
    expect(runOf(c, "sdpa").configuration.model).toMatch(/LlamaAttention×2\b.*; embedding 32000×256$/);
    expect(c.notes.join("\n")).toMatch(/no scaling efficiency/);
  });

  it("MFU and GPU idle come from the summary's efficiency and temporal sections", async () => {
    const s = await summarize(TINY.sdpa);
    const c = compareSummaries([{ label: "a", summary: s }]);
    const r = c.runs[0]!;
    if (!s.efficiency.available || !s.temporal.available) throw new Error("sections unavailable");
    expect(r.mfuPct).toBe(s.efficiency.window.mfuPct);
    const d = s.temporal.devices[0]!.total;
    near(r.gpuIdlePct, (100 * d.idleNs) / d.windowNs, 1e-12, 1e-9);
    expect(r.exposedCommunicationPct).toBe(0);
  });
});

describe("compare: scaling efficiency on the bundled 2-GPU DDP fixture", () => {
  const dir = fixture("multi-gpu");
  const rank0 = fixture("multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz");
  const rank1 = fixture("multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz");

  it("matches the raw traces (the run's rank 0 alone as the 1-GPU baseline: same model and batch per rank)", async () => {
    // No bundled single-GPU run of the l2 model at batch 2 × 350 exists; rank 0's
    // trace read alone is one: it checks the arithmetic and the grouping rule.
    const c = compareSummaries([
      { label: "ddp", summary: await summarize(dir) },
      { label: "one", summary: await summarize(rank0) },
    ]);
    const ddp = runOf(c, "ddp");
    const one = runOf(c, "one");
    expect(ddp.gpuCount).toBe(2);
    expect(ddp.ranks).toBe(2);
    expect(one.gpuCount).toBe(1);
    expect(c.scaling).toHaveLength(1);
    expect(c.scaling[0]!.baseline).toBe("one");

    const raws = [readRaw(rank0), readRaw(rank1)];
    const tokens = raws.map((r) => rawTokensPerStep(r).tokens);
    expect(tokens).toEqual([700, 700]);
    const rankMedians = raws.map((r) => medianOf(rawStepNs(r)));
    const ddpTokensPerS = (tokens[0]! + tokens[1]!) / (medianOf(rankMedians) / 1e9);
    const oneTokensPerS = tokens[0]! / (rankMedians[0]! / 1e9);
    near(ddp.tokensPerStep, 1400, 0, 0);
    near(ddp.tokensPerS, ddpTokensPerS, 1e-6, 1e-6);
    near(ddp.tokensPerSPerGpu, ddpTokensPerS / 2, 1e-6, 1e-6);
    near(one.scalingEfficiency, 1, 0, 0);
    near(ddp.scalingEfficiency, ddpTokensPerS / 2 / oneTokensPerS, 1e-6, 1e-9);
    expect(ddp.scalingBaseline).toBe("one");
    // DDP's wrapper class does not make it another model
    expect(ddp.configuration.model).toBe(one.configuration.model);
    expect(ddp.exposedCommunicationPct!).toBeGreaterThan(0);
  });

  it("the bundled single-GPU l2 run (batch 8 × 1024) is another configuration: no scaling", async () => {
    const c = compareSummaries([
      { label: "ddp", summary: await summarize(dir) },
      { label: "l2-bs8", summary: await summarize(fixture("l2-train-gpu-bound-bs8.json.gz")) },
    ]);
    expect(c.scaling).toEqual([]);
    expect(runOf(c, "l2-bs8").batchShape).toBe("8 x 1024");
    expect(runOf(c, "ddp").unavailable["scaling"]).toMatch(/no other run/);
  });

  it("a model of another size with the same module classes (tiny vs l2, 2 layers each) has another model signature", async () => {
    const tiny = await summarize(TINY.sdpa);
    const l2 = await summarize(fixture("l2-train-gpu-bound-bs8.json.gz"));
    const c = compareSummaries([
      { label: "tiny", summary: tiny },
      { label: "l2", summary: l2 },
    ]);
    // same classes and instance counts (2 layers each): the embedding shape tells them apart
    expect(runOf(c, "tiny").configuration.model).not.toBe(runOf(c, "l2").configuration.model);
    expect(runOf(c, "l2").configuration.model).toMatch(/embedding 32000×2048$/);
  });
});

describe("compare: labels", () => {
  it("repeated labels get a suffix", () => {
    expect(uniqueLabels(["a", "a", "b", "a", " "])).toEqual(["a", "a (2)", "b", "a (3)", "run"]);
  });
});
