import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import type { Summary } from "../../src/analysis/summary.js";
import { parseKineto } from "../../parsers/kineto.js";
import { attributeRaw } from "../helpers/containment.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { isGpu, readRaw, referenceSteps, type RawTrace } from "../helpers/raw.js";

async function summarize(path: string): Promise<Summary> {
  return analyzeModels([await parseKineto(path)]);
}

function windowOf(raw: RawTrace): [number, number] {
  const steps = referenceSteps(raw);
  return [steps[0]!.start, steps[steps.length - 1]!.end];
}

/**
 * Forward / backward self GPU time of a module class, from the plain containment
 * attribution of test/helpers (attributeRaw: innermost module span around the
 * launch; for backward, the module of the forward op the raw fwdbwd flow leads to).
 */
function referenceSelf(raw: RawTrace, phase: "forward" | "backward", className: string): number {
  const [from, to] = windowOf(raw);
  return attributeRaw(raw, from, to)
    .filter((k) => k.launch && k.phase === phase && k.className === className)
    .reduce((a, k) => a + k.durNs, 0);
}
const referenceForwardSelf = (raw: RawTrace, c: string) => referenceSelf(raw, "forward", c);
const referenceBackwardSelf = (raw: RawTrace, c: string) => referenceSelf(raw, "backward", c);

function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(2, expected * 1e-6));
}

describe("module breakdown", () => {
  it("tiny trace: totals add up and two module classes' self times match containment", async () => {
    const path = fixture("llama-tiny-train.json.gz");
    const s = await summarize(path);
    if (!s.modules.available || !s.kernels.available) throw new Error("modules unavailable");
    const m = s.modules;
    const selfSum = m.instances.reduce((a, r) => a + r.selfNs, 0);
    const unattributed = m.unattributed.reduce((a, u) => a + u.totalNs, 0);
    expect(selfSum + unattributed).toBeCloseTo(s.kernels.totalNs, 3);
    expect(m.kernelTotalNs).toBeCloseTo(s.kernels.totalNs, 3);
    const raw = readRaw(path);
    for (const cls of ["LlamaRMSNorm", "LlamaAttention", "Linear"]) {
      const row = m.classes.find((c) => c.className === cls)!;
      expectClose(row.forwardSelfNs, referenceForwardSelf(raw, cls));
      expectClose(row.backwardSelfNs, referenceBackwardSelf(raw, cls));
    }
    // the tree: 2 decoder layers, each under LlamaModel, called once per step
    const layers = m.instances.filter((i) => i.className === "LlamaDecoderLayer");
    expect(layers.map((l) => l.path)).toEqual(["LlamaForCausalLM/LlamaModel/LlamaDecoderLayer#0", "LlamaForCausalLM/LlamaModel/LlamaDecoderLayer#1"]);
    expect(layers.every((l) => l.calls === 2)).toBe(true);
  });

  it("no module spans (with_stack=False): unavailable with how to record them; operators and phases still there", async () => {
    const s = await summarize(fixture("llama-tiny-train-nostack.json.gz"));
    expect(s.modules.available).toBe(false);
    if (!s.modules.available) expect(s.modules.reason).toMatch(/with_stack=True/);
    expect(s.operators.available).toBe(true);
    expect(s.phases.available).toBe(true);
  });

  it("recomputation: the forward re-run inside backward is recognised", async () => {
    const path = fixture("llama-tiny-train-recompute-bs4.json.gz");
    const s = await summarize(path);
    if (!s.modules.available || !s.phases.available) throw new Error("unavailable");
    expect(s.phases.recomputeDetected).toBe(true);
    const layer = s.modules.classes.find((c) => c.className === "LlamaDecoderLayer")!;
    expect(layer.recomputeNs).toBeGreaterThan(0);
    // independent: kernels launched on the autograd thread under a module span that is itself under the backward engine
    const raw = readRaw(path);
    const [from, to] = windowOf(raw);
    const expected = attributeRaw(raw, from, to)
      .filter((k) => k.phase === "recompute")
      .reduce((a, k) => a + k.durNs, 0);
    const recompute = s.phases.total.find((p) => p.phase === "recompute")!;
    expectClose(recompute.kernelNs, expected);
    expect(recompute.kernelNs).toBeGreaterThan(0);
  });

  for (const name of ["kineto/llama-1b-train-sdpa.json.gz", "kineto/llama-1b-train-eager.json.gz"]) {
    const path = sharedTrace(name);
    it.skipIf(!path)(`${name}: 22 decoder layers per step; the paper's modules with forward and backward time`, async () => {
      const s = await summarize(path!);
      if (!s.modules.available) throw new Error("unavailable");
      const cls = (c: string) => (s.modules.available ? s.modules.classes.find((r) => r.className === c) : undefined);
      expect(cls("LlamaDecoderLayer")?.instances).toBe(22);
      expect(cls("LlamaDecoderLayer")?.calls).toBe(44);
      for (const c of ["Embedding", "LlamaRMSNorm", "LlamaAttention", "LlamaMLP", "Linear", "SiLUActivation"]) {
        expect(cls(c)?.forwardNs, c).toBeGreaterThan(0);
        expect(cls(c)?.backwardNs, c).toBeGreaterThan(0);
      }
      const raw = readRaw(path!);
      expectClose(cls("LlamaRMSNorm")!.forwardSelfNs, referenceForwardSelf(raw, "LlamaRMSNorm"));
      expectClose(cls("LlamaAttention")!.backwardSelfNs, referenceBackwardSelf(raw, "LlamaAttention"));
    });
  }

  const compiled = sharedTrace("kineto/llama-1b-train-compiled.json.gz");
  it.skipIf(!compiled)("torch.compile trace: Triton kernels categorised, modules unavailable with the reason", async () => {
    const s = await summarize(compiled!);
    expect(s.modules.available).toBe(false);
    if (!s.kernels.available) throw new Error("no kernels");
    const triton = s.kernels.byCategory.find((c) => c.category === "triton");
    const raw = readRaw(compiled!);
    const [from, to] = windowOf(raw);
    const expected = raw.traceEvents.filter((e) => isGpu(e) && e.ts! >= from && e.ts! < to && (e.name ?? "").startsWith("triton_")).length;
    expect(expected).toBeGreaterThan(0);
    expect(triton?.count).toBe(expected);
  });
});
