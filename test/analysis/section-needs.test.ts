/**
 * Declared needs (analyze.ts SECTIONS, context.ts NEEDS): every section, run on a
 * context that throws on any shared data it did not declare, gives the same
 * section as the normal run. Fixtures cover one GPU, two ranks with communication,
 * inference, an nsys export, JAX and a CPU-only trace, so each section's paths run.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels, runSections } from "../../src/analysis/analyze.js";
import { contextWithNeeds, createContext } from "../../src/analysis/context.js";
import { loadTraces } from "../../parsers/registry.js";
import { fixture } from "../helpers/paths.js";

const CASES: Record<string, string[]> = {
  "one GPU": [fixture("llama-tiny-train.json.gz")],
  "two ranks": [fixture("multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz"), fixture("multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz")],
  inference: [fixture("llama-tiny-infer-bs2.json.gz")],
  "pipeline parallel": [fixture("distributed/pp2-1f1b-m4-rank0.json.gz"), fixture("distributed/pp2-1f1b-m4-rank1.json.gz")],
  "nsys sqlite": [fixture("nsys/nsys-l2-ddp-2gpu.sqlite.gz")],
  "JAX scopes": [fixture("jax/scopes.xplane.pb.gz")],
  "CPU only": [fixture("external/hta-cpu-only-rank-34.pt.trace.json.gz")],
};

describe("sections declare what they read", () => {
  for (const [name, paths] of Object.entries(CASES)) {
    it(`${name}: each section computes the same from only its declared needs`, async () => {
      const models = [...(await loadTraces(paths))].sort((a, b) => (a.meta.rank ?? 0) - (b.meta.rank ?? 0));
      const { findings: _findings, ...expected } = analyzeModels(models);
      const contexts = models.map((m) => createContext(m));
      const strict = runSections({ models, contexts, primary: contexts[0]!, options: {} }, true);
      expect(JSON.parse(JSON.stringify(strict))).toEqual(JSON.parse(JSON.stringify(expected)));
    });
  }

  it("reading an undeclared need throws, naming the section and the need", () => {
    return loadTraces([fixture("llama-tiny-train.json.gz")]).then((models) => {
      const ctx = contextWithNeeds(createContext(models[0]!), ["steps"], "section test");
      expect(ctx.steps.steps.length).toBeGreaterThan(0);
      expect(() => ctx.attribution).toThrow(/section test reads attribution without declaring the need "attribution"/);
    });
  });
});
