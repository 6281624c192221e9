import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { parseKineto } from "../../parsers/kineto.js";
import { containing, indexRaw, innermost } from "../helpers/containment.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { isGpu, readRaw, referenceSteps } from "../helpers/raw.js";

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(2, Math.abs(b) * 1e-6));

for (const [label, path] of [
  ["tiny fixture", fixture("llama-tiny-train.json.gz")],
  ["shared sdpa", sharedTrace("kineto/llama-1b-train-sdpa.json.gz")],
] as const) {
  describe(`phases and operators (${label})`, () => {
    it.skipIf(!path)("phase kernel times add up to each step's kernel time; optimizer time matches containment", async () => {
      const s = analyzeModels([await parseKineto(path!)]);
      if (!s.phases.available || !s.kernels.available || !s.operators.available) throw new Error("unavailable");
      let stepsTotal = 0;
      for (const st of s.phases.steps) {
        const main = st.phases.filter((p) => p.phase !== "recompute");
        expect(main.reduce((a, p) => a + p.kernelNs, 0)).toBeCloseTo(st.kernelTotalNs, 3);
        stepsTotal += st.kernelTotalNs;
      }
      expect(stepsTotal).toBeCloseTo(s.kernels.totalNs, 3);

      const raw = readRaw(path!);
      const index = indexRaw(raw);
      const steps = referenceSteps(raw);
      const [from, to] = [steps[0]!.start, steps[steps.length - 1]!.end];
      let optimizer = 0;
      let mmSelf = 0;
      let mmFlops = 0;
      for (const g of raw.traceEvents) {
        if (!isGpu(g) || g.ts! < from || g.ts! >= to) continue;
        const r = index.launch.get(g.args?.["correlation"]);
        if (!r) continue;
        const enc = containing(index, r.tid, r.ts!);
        if (enc.some((e) => e.cat === "user_annotation" && (e.name ?? "").startsWith("Optimizer.step"))) optimizer += g.dur! * 1000;
        const op = innermost(enc, (e) => e.cat === "cpu_op");
        if (op?.name === "aten::mm") mmSelf += g.dur! * 1000;
      }
      for (const e of raw.traceEvents) {
        if (e.cat === "cpu_op" && e.name === "aten::mm" && e.ts! >= from && e.ts! < to) {
          const [a, b] = e.args!["Input Dims"] as number[][];
          mmFlops += 2 * a![0]! * a![1]! * b![1]!;
        }
      }
      close(s.phases.total.find((p) => p.phase === "optimizer")!.kernelNs, optimizer);
      const mm = s.operators.byName.find((o) => o.name === "aten::mm")!;
      close(mm.gpuSelfNs, mmSelf);
      expect(mm.flops).toBe(mmFlops);
      expect(mm.tflopsPerS).toBeCloseTo(mmFlops / mm.gpuTotalNs / 1e3, 9);
    });
  });
}
