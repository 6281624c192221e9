/**
 * A CPU-only trace (HolisticTraceAnalysis test data): the CPU analyses work and
 * every device analysis states why it is missing. Counts recomputed from the raw JSON.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { parseKineto } from "../../parsers/kineto.js";
import { fixture } from "../helpers/paths.js";
import { readRaw } from "../helpers/raw.js";

const CPU_ONLY = fixture("external/hta-cpu-only-rank-34.pt.trace.json.gz");

describe("CPU-only trace", async () => {
  const raw = readRaw(CPU_ONLY);
  const s = analyzeModels([await parseKineto(CPU_ONLY)]);

  it("has steps and operators, as the raw JSON does", () => {
    const steps = raw.traceEvents.filter((e) => e.ph === "X" && e.cat === "user_annotation" && /^ProfilerStep#\d+$/.test(e.name ?? ""));
    if (!s.steps.available) throw new Error(s.steps.reason);
    expect(s.steps.count).toBe(steps.length);
    if (!s.operators.available) throw new Error(s.operators.reason);
    // without GPU work the window is the step's CPU span; operators are those starting in it
    const st = steps[0]!;
    expect(s.steps.items[0]!.durationNs / 1e3).toBeCloseTo(st.dur!, 0);
    const inWindow = raw.traceEvents.filter((e) => e.ph === "X" && e.cat === "cpu_op" && e.ts! >= st.ts! && e.ts! < st.ts! + st.dur!);
    expect(new Set(s.operators.byName.map((o) => o.name))).toEqual(new Set(inWindow.map((e) => e.name)));
    expect(s.operators.byName.reduce((t, o) => t + o.calls, 0)).toBe(inWindow.length);
  });

  it("says why the device analyses are missing", () => {
    expect(raw.traceEvents.some((e) => ["kernel", "gpu_memcpy", "gpu_memset"].includes(e.cat ?? ""))).toBe(false);
    for (const section of [s.temporal, s.kernels, s.idle, s.findings, s.phases]) {
      expect(section.available).toBe(false);
      if (!section.available) expect(section.reason).toMatch(/CPU-only/);
    }
  });
});
