/**
 * Nsight Systems vs PyTorch Profiler on the same workload (separate runs): the per-step
 * kernel time of each category agrees within 10%. A kernel belongs to the step whose CPU
 * span contains its launch (so the Kineto trace's optimizer kernels queued in the
 * unprofiled warm-up step, which have no launch record, are left out, as nsys never sees
 * them inside a step either).
 */
import { describe, expect, it } from "vitest";
import { loadTraces } from "../../parsers/registry.js";
import { CATEGORIES, Categorizer } from "../../src/analysis/categories.js";
import { findSteps } from "../../src/analysis/steps.js";
import type { TraceModel } from "../../src/model/tables.js";
import { assertModelIntegrity } from "../helpers/integrity.js";
import { sharedTrace } from "../helpers/paths.js";

/** Mean kernel ns per step by category, by a plain loop over the model. */
function perStepByCategory(m: TraceModel): Map<string, number> {
  const cats = new Categorizer().classify(m);
  const steps = findSteps(m).steps;
  const out = new Map<string, number>();
  for (let g = 0; g < m.gpu.length; g++) {
    const r = m.gpu.launch[g]!;
    if (r < 0) continue;
    const t = m.runtime.start[r]!;
    if (!steps.some((s) => t >= s.cpuStartNs && t < s.cpuEndNs)) continue;
    const c = CATEGORIES[cats[g]!]!;
    out.set(c, (out.get(c) ?? 0) + (m.gpu.end[g]! - m.gpu.start[g]!) / steps.length);
  }
  return out;
}

const nsysPath = sharedTrace("nsys/nsys-llama-1b-train.sqlite.gz");
const kinetoPath = sharedTrace("kineto/llama-1b-train-sdpa.json.gz");

describe.skipIf(!nsysPath || !kinetoPath)("Llama-1.1B training: nsys vs Kineto", () => {
  it("per-step kernel time by category agrees within 10%", async () => {
    const [nsys] = await loadTraces([nsysPath!]);
    const [kineto] = await loadTraces([kinetoPath!]);
    assertModelIntegrity(nsys!);
    const a = perStepByCategory(nsys!);
    const b = perStepByCategory(kineto!);
    let totalA = 0;
    let totalB = 0;
    for (const c of CATEGORIES) {
      totalA += a.get(c) ?? 0;
      totalB += b.get(c) ?? 0;
    }
    for (const c of CATEGORIES) {
      const x = a.get(c) ?? 0;
      const y = b.get(c) ?? 0;
      const row = `${c}: nsys ${(x / 1e6).toFixed(3)} ms, kineto ${(y / 1e6).toFixed(3)} ms per step`;
      // categories under 1% of the step are too small for a relative bound
      if (y > 0.01 * totalB) expect(Math.abs(x - y) / y, row).toBeLessThan(0.1);
      else expect(Math.abs(x - y), row).toBeLessThan(0.01 * totalB);
    }
    expect(Math.abs(totalA - totalB) / totalB).toBeLessThan(0.1);
    expect(a.get("gemm")).toBeGreaterThan(0);
    expect(a.get("attention")).toBeGreaterThan(0);
  });
});
