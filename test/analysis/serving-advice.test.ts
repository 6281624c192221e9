/**
 * Findings on serving-engine steps give the engine's advice: the host-bound and
 * step-start rules evaluated on a real training trace, then on the same summary
 * with its steps marked as a serving engine's (a minimal edit: the one field the
 * rules read to choose), and on the B200 vLLM eager trace (shared) where the
 * host-bound finding fires by itself. JAX programs get JAX's advice, and a trace
 * without steps gets no "waits at the start of each step" finding.
 */
import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { createContext } from "../../src/analysis/context.js";
import type { Finding, RuleInput } from "../../src/analysis/findings.js";
import { hostBound, stepStartWait } from "../../src/analysis/rules/idle-rules.js";
import { loadTraces } from "../../parsers/registry.js";
import { fixture, sharedTrace } from "../helpers/paths.js";

describe("advice on serving-engine steps", () => {
  it("host-bound: torch.compile/CUDA graphs for a training loop, the engine's graph options for a serving engine", async () => {
    const model = await parseKineto(fixture("llama-tiny-train.json.gz"));
    const summary = analyzeModels([model]);
    if (!summary.steps.available) throw new Error("no steps");
    const input = (s: RuleInput["summary"]): RuleInput => ({ summary: s, ctx: createContext(model), thresholds: hostBound.defaults });
    const training = hostBound.evaluate(input(summary)) as Finding;
    expect(training.how).toMatch(/reduce-overhead/);
    const serving = hostBound.evaluate(input({ ...summary, steps: { ...summary.steps, source: "serving-steps" } })) as Finding;
    expect(serving.how).toMatch(/--enforce-eager/);
    expect(serving.how).toMatch(/--cuda-graph-max-bs/);
    expect(serving.costNs).toBe(training.costNs);
  });

  const b200 = sharedTrace("external/tracelens/b200-vllm-gpt-oss-eager.json.gz");
  it.skipIf(!b200)("B200 vLLM eager prefill (shared): the host-bound finding names vLLM's eager mode", async () => {
    const s = analyzeModels([await parseKineto(b200!)]);
    if (!s.findings.available) throw new Error(s.findings.reason);
    const f = s.findings.findings.find((x) => x.id === "host-bound")!;
    expect(f.how).toMatch(/--enforce-eager/);
  });

  it("JAX (XPlane fixture): host-bound advice is jax.jit / lax.scan, not torch.compile", async () => {
    const s = analyzeModels(await loadTraces([fixture("jax/scopes.xplane.pb.gz")]));
    if (!s.findings.available) throw new Error(s.findings.reason);
    const f = s.findings.findings.find((x) => x.id === "host-bound")!;
    expect(f.how).toMatch(/jax\.jit/);
    expect(f.how).toMatch(/lax\.scan/);
    expect(f.how).not.toMatch(/torch/);
  });

  it("no steps (the window is the span of all GPU work): step-start-wait is not evaluated, with the reason", async () => {
    const [model] = await loadTraces([fixture("jax/scopes.xplane.pb.gz")]);
    const s = analyzeModels([model!]);
    if (!s.steps.available) throw new Error("no steps");
    expect(s.steps.source).toBe("gpu-span");
    const r = stepStartWait.evaluate({ summary: s, ctx: createContext(model!), thresholds: stepStartWait.defaults });
    expect(r).toMatch(/no steps/);
  });

  const jaxMi300 = sharedTrace("external/tracelens/mi300-jax-conv.xplane.pb");
  it.skipIf(!jaxMi300)("JAX on 8 MI300 (shared): devices that start later no longer read as 'waits at the start of each step'", async () => {
    const s = analyzeModels(await loadTraces([jaxMi300!]));
    if (!s.findings.available) throw new Error(s.findings.reason);
    expect(s.findings.findings.map((f) => f.id)).not.toContain("step-start-wait");
    expect(s.findings.notEvaluated.map((n) => n.id)).toContain("step-start-wait");
  });
});
