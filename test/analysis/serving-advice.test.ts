/**
 * Findings on serving-engine steps give the engine's advice: the host-bound and
 * step-start rules evaluated on a real training trace, then on the same summary
 * with its steps marked as a serving engine's (a minimal edit: the one field the
 * rules read to choose), and on the B200 vLLM eager trace (shared) where the
 * host-bound finding fires by itself.
 */
import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { createContext } from "../../src/analysis/context.js";
import type { Finding, RuleInput } from "../../src/analysis/findings.js";
import { hostBound } from "../../src/analysis/rules/idle-rules.js";
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
});
