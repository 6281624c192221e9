/**
 * MFU recomputed from the raw JSON: FLOPs by hand-written formulas over each
 * cpu_op's `Input Dims` (2·M·K·N per aten::mm, 2·B·M·K·N per aten::bmm,
 * 4·B·H·S·Sk·D per SDPA forward, 8·… per SDPA backward), step windows by the
 * reference definition, peak = H100 SXM bf16 dense 989.4 TFLOP/s.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { parseKineto } from "../../parsers/kineto.js";
import { containing, indexRaw, innermost } from "../helpers/containment.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { isGpu, readRaw, referenceSteps, type RawEvent } from "../helpers/raw.js";

const PEAK = 989.4e12; // FLOP/s, NVIDIA H100 SXM datasheet: BF16 1,979 TFLOPS with sparsity -> 989.4 dense

function refFlops(e: RawEvent): number {
  const d = (e.args?.["Input Dims"] ?? []) as number[][];
  const n = e.name ?? "";
  if (n === "aten::mm") return 2 * d[0]![0]! * d[0]![1]! * d[1]![1]!;
  if (n === "aten::addmm") return 2 * d[1]![0]! * d[1]![1]! * d[2]![1]!;
  if (n === "aten::bmm") return 2 * d[0]![0]! * d[0]![1]! * d[0]![2]! * d[1]![2]!;
  if (/^aten::_scaled_dot_product_\w+_attention$/.test(n)) {
    const [b, h, s, dd] = d[0]!;
    return 4 * b! * h! * s! * d[1]![2]! * dd!;
  }
  if (/^aten::_scaled_dot_product_\w+_attention_backward$/.test(n)) {
    const [b, h, s, dd] = d[1]!;
    return 8 * b! * h! * s! * d[2]![2]! * dd!;
  }
  return 0;
}

for (const [label, path] of [
  ["tiny fixture", fixture("llama-tiny-train.json.gz")],
  ["shared 1.1B sdpa", sharedTrace("kineto/llama-1b-train-sdpa.json.gz")],
] as const) {
  describe(`MFU (${label})`, () => {
    it.skipIf(!path)("per-step and window MFU equal FLOPs / step time / 989.4 TFLOP/s from the raw JSON", async () => {
      const s = analyzeModels([await parseKineto(path!)]);
      if (!s.efficiency.available) throw new Error(s.efficiency.reason);
      const eff = s.efficiency;
      expect(eff.hardware.deviceName).toBe("NVIDIA H100 80GB HBM3");
      expect(eff.peakDtype).toBe("bf16");
      expect(eff.peakTflopsPerS).toBe(989.4);

      const raw = readRaw(path!);
      const steps = referenceSteps(raw);
      expect(eff.steps.map((x) => x.step)).toEqual(steps.map((x) => x.number));
      let windowFlops = 0;
      for (const [k, st] of steps.entries()) {
        let flops = 0;
        for (const e of raw.traceEvents) if (e.cat === "cpu_op" && e.ts! >= st.start && e.ts! < st.end) flops += refFlops(e);
        windowFlops += flops;
        const seconds = (st.end - st.start) * 1e-6;
        const row = eff.steps[k]!;
        expect(row.flops).toBe(flops);
        expect(row.mfuPct!).toBeCloseTo((100 * flops) / seconds / PEAK, 6);
      }
      const seconds = (steps[steps.length - 1]!.end - steps[0]!.start) * 1e-6;
      expect(eff.window.flops).toBe(windowFlops);
      expect(eff.window.mfuPct!).toBeCloseTo((100 * windowFlops) / seconds / PEAK, 6);
      expect(eff.window.achievedTflopsPerS).toBeCloseTo(windowFlops / seconds / 1e12, 6);
    });

    it.skipIf(!path)("aten::mm: FLOPs over the kernel time under aten::mm calls (containment), and its roofline point", async () => {
      const s = analyzeModels([await parseKineto(path!)]);
      if (!s.efficiency.available) throw new Error(s.efficiency.reason);
      const raw = readRaw(path!);
      const index = indexRaw(raw);
      const steps = referenceSteps(raw);
      const [from, to] = [steps[0]!.start, steps[steps.length - 1]!.end];
      let kernelUs = 0;
      let flops = 0;
      for (const g of raw.traceEvents) {
        if (!isGpu(g) || g.ts! < from || g.ts! >= to) continue;
        const r = index.launch.get(g.args?.["correlation"]);
        if (!r) continue;
        if (innermost(containing(index, r.tid, r.ts!), (e) => e.cat === "cpu_op" && e.name === "aten::mm")) kernelUs += g.dur!;
      }
      for (const e of raw.traceEvents) if (e.cat === "cpu_op" && e.name === "aten::mm" && e.ts! >= from && e.ts! < to) flops += refFlops(e);
      const mm = s.efficiency.byOperator.find((r) => r.name === "aten::mm")!;
      expect(mm.flops).toBe(flops);
      expect(Math.abs(mm.kernelNs - kernelUs * 1000)).toBeLessThanOrEqual(Math.max(2, kernelUs * 1e-3));
      expect(mm.pctOfPeak!).toBeCloseTo((100 * flops) / (kernelUs * 1e-6) / PEAK, 1);

      // roofline of the top mm shape: intensity = 2MKN / (2 bytes × (MK + KN + MN)) for bf16, ridge = 989.4e12 / 3350e9
      const top = s.efficiency.roofline.find((r) => r.name === "aten::mm")!;
      const [[m, k], [, n]] = JSON.parse(top.inputDims) as [[number, number], [number, number]];
      expect(top.arithmeticIntensityFlopsPerByte).toBeCloseTo((2 * m * k * n) / (2 * (m * k + k * n + m * n)), 9);
      expect(top.ridgeFlopsPerByte!).toBeCloseTo(989.4e12 / 3350e9, 9);
      expect(top.bound).toBe(top.arithmeticIntensityFlopsPerByte < 989.4e12 / 3350e9 ? "memory" : "compute");
    });
  });
}

describe("MFU against a user peak", () => {
  it("--peak-tflops scales MFU and nothing else", async () => {
    const model = await parseKineto(fixture("llama-tiny-train.json.gz"));
    const a = analyzeModels([model]);
    const b = analyzeModels([model], { hardware: { peakTflops: 494.7 } });
    if (!a.efficiency.available || !b.efficiency.available) throw new Error("unavailable");
    expect(b.efficiency.window.flops).toBe(a.efficiency.window.flops);
    expect(b.efficiency.window.mfuPct!).toBeCloseTo(2 * a.efficiency.window.mfuPct!, 9);
    expect(b.efficiency.hardware.tflopsSource).toBe("--peak-tflops");
  });

  it("says why MFU is unknown when the GPU is not in the table", async () => {
    const model = await parseKineto(fixture("llama-tiny-train.json.gz"));
    const s = analyzeModels([model], { hardware: { gpuInfo: [{ name: "Tesla T4", memoryTotalBytes: null, maxSmClockMHz: null }] } });
    if (!s.efficiency.available) throw new Error(s.efficiency.reason);
    expect(s.efficiency.window.mfuPct).toBeNull();
    expect(s.efficiency.mfuUnavailableReason).toMatch(/Tesla T4.*--peak-tflops/);
  });
});
