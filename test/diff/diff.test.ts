/**
 * llmprof diff on real pairs: eager vs SDPA attention. The attention change is
 * checked in sign and size against per-class self times computed by plain time
 * containment over the raw JSON (reference.ts); the module classes the
 * attention implementation does not touch stay within noise.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { diffSummaries, pooledSd, sampleSd, type DiffResult, type DiffRow } from "../../src/analysis/diff.js";
import type { Summary } from "../../src/analysis/summary.js";
import { loadTraces } from "../../parsers/registry.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { readRaw, referenceSteps } from "../helpers/raw.js";
import { classSelfTimes, stepCount } from "./reference.js";

async function summarize(path: string): Promise<Summary> {
  return analyzeModels(await loadTraces([path]));
}

function rowOf(d: DiffResult, section: string, key: string, metric: string): DiffRow {
  const s = d.sections.find((x) => x.id === section);
  if (!s || !s.available) throw new Error(`section ${section} unavailable`);
  const r = s.rows.find((x) => x.key === key && x.metric === metric);
  if (!r) throw new Error(`no row ${section}/${key}/${metric}`);
  return r;
}

/** Classes whose code does not depend on the attention implementation. */
const UNTOUCHED = ["Linear", "LlamaMLP", "LlamaRMSNorm", "SiLUActivation", "Embedding", "LlamaRotaryEmbedding", "LlamaDecoderLayer", "LlamaForCausalLM"];
// Not in the list: LlamaModel's self time really changes, because the eager path
// builds a 4-D causal mask there (SDPA uses is_causal); and the inclusive times of
// the parents (DecoderLayer, Model, ForCausalLM) change with their attention child.

async function checkAttentionPair(basePath: string, headPath: string): Promise<void> {
  const [b, h] = [await summarize(basePath), await summarize(headPath)];
  const d = diffSummaries(b, h);
  expect(d.schema).toBe("llmprof.diff/1");

  const rawB = readRaw(basePath);
  const rawH = readRaw(headPath);
  const refB = classSelfTimes(rawB);
  const refH = classSelfTimes(rawH);
  const nb = stepCount(rawB);
  const nh = stepCount(rawH);
  const expectedDelta = (cls: string, f: "forwardNs" | "backwardNs") => (refH.get(cls)?.[f] ?? 0) / nh - (refB.get(cls)?.[f] ?? 0) / nb;

  for (const [metric, f] of [
    ["forwardSelfNs", "forwardNs"],
    ["backwardSelfNs", "backwardNs"],
  ] as const) {
    const r = rowOf(d, "moduleClasses", "LlamaAttention", metric);
    const expected = expectedDelta("LlamaAttention", f);
    // SDPA is faster: attention's own kernel time drops, by more than 15% per step
    expect(expected).toBeLessThan(0);
    expect(-expected / (refB.get("LlamaAttention")![f] / nb)).toBeGreaterThan(0.15);
    expect(r.deltaAbs!).toBeLessThan(0);
    expect(Math.abs(r.deltaAbs! - expected)).toBeLessThanOrEqual(Math.max(2, Math.abs(expected) * 1e-6));
    expect(r.verdict).toBe("significant");
    // the inclusive forward/backward of the class change the same way
    expect(rowOf(d, "moduleClasses", "LlamaAttention", metric.replace("Self", "")).verdict).toBe("significant");
  }

  for (const cls of UNTOUCHED) {
    const r = rowOf(d, "moduleClasses", cls, "selfNs");
    expect(r.verdict, `${cls} self ${r.base} -> ${r.head}`).toBe("not-significant");
    // independently: the class's self time moved by under 3% (or under 5 µs a step)
    const sb = ((refB.get(cls)?.forwardNs ?? 0) + (refB.get(cls)?.backwardNs ?? 0)) / nb;
    const sh = ((refH.get(cls)?.forwardNs ?? 0) + (refH.get(cls)?.backwardNs ?? 0)) / nh;
    expect(Math.abs(sh - sb) < Math.max(0.03 * sb, 5000), `${cls}: ${sb} -> ${sh}`).toBe(true);
  }
}

describe("diff: eager vs SDPA attention", () => {
  it("bundled tiny pair: LlamaAttention forward and backward drop, the other classes stay within noise", async () => {
    await checkAttentionPair(fixture("llama-tiny-train-eager.json.gz"), fixture("llama-tiny-train.json.gz"));
  });

  const eager = sharedTrace("kineto/llama-1b-train-eager.json.gz");
  const sdpa = sharedTrace("kineto/llama-1b-train-sdpa.json.gz");
  it.skipIf(!eager || !sdpa)("1.1B pair (shared traces): the same", async () => {
    await checkAttentionPair(eager!, sdpa!);
  });
});

describe("diff: the noise rule", () => {
  it("step time: threshold = 2 × pooled sample standard deviation of the per-step durations (from the raw steps)", async () => {
    const bp = fixture("llama-tiny-train-eager.json.gz");
    const hp = fixture("llama-tiny-train.json.gz");
    const d = diffSummaries(await summarize(bp), await summarize(hp));
    const durs = (p: string) => referenceSteps(readRaw(p)).map((s) => (s.end - s.start) * 1000);
    const db = durs(bp);
    const dh = durs(hp);
    const sd = (v: number[]) => {
      const m = v.reduce((a, x) => a + x, 0) / v.length;
      return Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
    };
    // both runs have 2 steps: the pooled variance is the mean of the two variances
    const pooled = Math.sqrt((sd(db) ** 2 + sd(dh) ** 2) / 2);
    const mean = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length;
    const r = rowOf(d, "steps", "step", "stepTimeNs");
    expect(r.noiseModel).toBe("per-step");
    expect(r.base!).toBeCloseTo(mean(db), -1);
    expect(r.head!).toBeCloseTo(mean(dh), -1);
    expect(r.thresholdAbs! / (2 * pooled)).toBeCloseTo(1, 4);
    expect(r.verdict).toBe(Math.abs(mean(dh) - mean(db)) > 2 * pooled ? "significant" : "not-significant");
  });

  it("sample and pooled standard deviations by hand", () => {
    expect(sampleSd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(sampleSd([5])).toBeNull();
    // (1·1² + 3·2²) / 4 = 13/4
    expect(pooledSd(1, 2, 2, 4)).toBeCloseTo(Math.sqrt(13 / 4), 12);
    expect(pooledSd(null, 1, 3, 3)).toBeCloseTo(3, 12);
    expect(pooledSd(null, 1, null, 1)).toBeNull();
  });

  it("a run against itself: every change is 0 and nothing is significant", async () => {
    const s = await summarize(fixture("llama-tiny-train.json.gz"));
    const d = diffSummaries(s, s);
    for (const sec of d.sections)
      if (sec.available)
        for (const r of sec.rows) {
          expect(r.deltaAbs ?? 0).toBe(0);
          expect(r.verdict).not.toBe("significant");
        }
  });

  it("one profiled step per run: noise cannot be estimated, and the diff says so", async () => {
    const s = await summarize(fixture("llama-tiny-infer-bs2.json.gz"));
    const d = diffSummaries(s, s);
    expect(d.notes.join("\n")).toMatch(/one profiled step per run/);
    const r = rowOf(d, "steps", "step", "stepTimeNs");
    expect(r.noiseModel).toBe("none");
  });

  it("different formats and a rank directory: Kineto DDP (2 files) vs the Nsight Systems report of the same model", async () => {
    const b = analyzeModels(await loadTraces([fixture("multi-gpu")]));
    const h = analyzeModels(await loadTraces([fixture("nsys/nsys-l2-ddp-2gpu.sqlite.gz")]));
    const d = diffSummaries(b, h);
    expect(d.base.files.length).toBe(2);
    expect(d.notes.join("\n")).toMatch(/different trace formats/);
    // nsys has no module spans: the module sections say why, the rest compare
    const mods = d.sections.find((s) => s.id === "moduleClasses")!;
    expect(mods.available).toBe(false);
    if (!mods.available) expect(mods.reason).toMatch(/^head: /);
    const overlap = d.sections.find((s) => s.id === "overlap")!;
    expect(overlap.available).toBe(true);
    // per step: the kernel total of each run over its step count
    const k = rowOf(d, "kernelCategories", "all kernels", "totalNs");
    if (!b.kernels.available || !h.kernels.available || !b.steps.available || !h.steps.available) throw new Error("unavailable");
    expect(k.base).toBeCloseTo(b.kernels.totalNs / b.steps.count, 3);
    expect(k.head).toBeCloseTo(h.kernels.totalNs / h.steps.count, 3);
  });
});
