import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { parseKineto } from "../../parsers/kineto.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { readRaw, referenceSteps } from "../helpers/raw.js";

describe("memory", () => {
  it("peak allocated = max Total Allocated of the GPU memory events in the window; module forward allocations match containment", async () => {
    const path = fixture("llama-tiny-train.json.gz");
    const s = analyzeModels([await parseKineto(path)]);
    if (!s.memory.available) throw new Error("unavailable");
    const raw = readRaw(path);
    const steps = referenceSteps(raw);
    const [from, to] = [steps[0]!.start, steps[steps.length - 1]!.end];
    const events = raw.traceEvents.filter((e) => e.name === "[memory]" && e.args!["Device Type"] === 1 && e.ts! >= from && e.ts! < to);
    const dev = s.memory.devices[0]!;
    expect(dev.peakAllocatedBytes).toBe(Math.max(...events.map((e) => e.args!["Total Allocated"] as number)));
    expect(dev.peakReservedBytes).toBe(Math.max(...events.map((e) => e.args!["Total Reserved"] as number)));
    expect(dev.allocatedBytes).toBe(events.reduce((a, e) => a + Math.max(0, e.args!["Bytes"] as number), 0));

    // module rows + the outside line = all forward allocations
    const f = s.memory.forward!;
    const modules = f.modules.reduce((a, m) => a + m.allocatedBytes, 0);
    expect(modules + f.outsideModules.allocatedBytes).toBe(f.allocatedBytes);
    // independent: allocations on the main thread inside the top-level model's forward spans
    const top = raw.traceEvents.filter((e) => e.cat === "python_function" && e.name === "nn.Module: LlamaForCausalLM_0");
    const inside = events.filter((e) => top.some((m) => m.tid === e.tid && m.ts! <= e.ts! && e.ts! <= m.ts! + m.dur!));
    expect(modules).toBe(inside.reduce((a, e) => a + Math.max(0, e.args!["Bytes"] as number), 0));
  });

  it("traces without memory events say so", async () => {
    const s = analyzeModels([await parseKineto(fixture("llama-tiny-train-nostack.json.gz"))]);
    expect(s.memory.available).toBe(false);
    if (!s.memory.available) expect(s.memory.reason).toMatch(/profile_memory=True/);
  });
});

describe("throughput: tokens per step from the embedding's input shape", () => {
  const cases: [string, string | null, number][] = [
    ["tiny, batch 2 x 128", fixture("llama-tiny-train.json.gz"), 256],
    ["tiny recompute, batch 4 x 128", fixture("llama-tiny-train-recompute-bs4.json.gz"), 512],
    ["1B eager, batch 2 x 350", sharedTrace("kineto/llama-1b-train-eager.json.gz"), 700],
    ["1B recompute, batch 8 x 350", sharedTrace("kineto/llama-1b-train-recompute-bs8.json.gz"), 2800],
  ];
  for (const [label, path, expected] of cases) {
    it.skipIf(!path)(`${label}: ${expected} tokens per step`, async () => {
      const s = analyzeModels([await parseKineto(path!)]);
      if (!s.throughput.available || !s.steps.available) throw new Error("unavailable");
      const r = s.throughput.ranks[0]!;
      // independent: the embedding call's ids dims in the raw trace
      const raw = readRaw(path!);
      const emb = raw.traceEvents.find((e) => e.name === "aten::embedding")!;
      const ids = (emb.args!["Input Dims"] as number[][])[1]!;
      expect(ids[0]! * ids[1]!).toBe(expected);
      expect(r.tokensPerStep).toBe(expected);
      for (const st of r.steps) {
        const step = s.steps.items.find((x) => x.number === st.step)!;
        expect(st.tokensPerS).toBeCloseTo(expected / (step.durationNs / 1e9), 6);
      }
    });
  }
});
