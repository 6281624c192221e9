/**
 * Module tables from two recordings of the same model and steps (4 decoder layers of
 * the TinyLlama-1.1B shape, training, one H200): Nsight Systems with the README's
 * forward-hook ranges ("Class: path") + emit_nvtx, and Kineto with_stack. Each side's
 * per-class forward kernel time is recomputed from its raw file (SQL over the export;
 * the raw JSON), and the two tables must agree: same classes, forward (and backward)
 * per class within 5%.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { loadTraces } from "../../parsers/registry.js";
import type { Summary } from "../../src/analysis/summary.js";
import { fixture } from "../helpers/paths.js";
import { readNsysSqlite } from "../helpers/nsys-raw.js";
import { readRaw, type RawEvent } from "../helpers/raw.js";

const NSYS = fixture("nsys/nsys-l4-train-hooks-step1.sqlite.gz");
const KINETO = fixture("l4-train-kineto-stack-step3.json.gz");

type ClassRows = Summary["modules"] extends infer S ? (S extends { available: true; classes: infer C } ? C : never) : never;
const classesOf = (s: Summary): ClassRows => {
  if (!s.modules.available) throw new Error(s.modules.reason);
  return s.modules.classes;
};

/** Raw nsys: per class, the kernels/memcpy/memset whose runtime call starts inside a hook range of that class on the same thread (once per class). */
function rawNsysForward(): Map<string, number> {
  const raw = readNsysSqlite(NSYS);
  const byClass = new Map<string, number>();
  const classes = new Set(raw.modules.map((r) => r.name.slice(0, r.name.indexOf(": "))));
  for (const cls of classes) {
    const spans = raw.modules.filter((r) => r.name.startsWith(`${cls}: `));
    let ns = 0;
    for (const l of raw.launches) if (spans.some((r) => r.tid === l.tid && l.start >= r.start && l.start <= r.end)) ns += l.kernelNs;
    byClass.set(cls, ns);
  }
  return byClass;
}

/** Raw Kineto: per class, the GPU activities whose launch (by correlation) lies inside an `nn.Module: Class_k` span of that class on the same thread. */
function rawKinetoForwardUs(): Map<string, number> {
  const events = readRaw(KINETO).traceEvents;
  const gpuByCorrelation = new Map<number, number>();
  for (const e of events)
    if (e.ph === "X" && ["kernel", "gpu_memcpy", "gpu_memset"].includes(e.cat ?? ""))
      gpuByCorrelation.set(Number(e.args?.["correlation"]), (gpuByCorrelation.get(Number(e.args?.["correlation"])) ?? 0) + e.dur!);
  const launches = events.filter((e) => (e.cat === "cuda_runtime" || e.cat === "cuda_driver") && gpuByCorrelation.has(Number(e.args?.["correlation"])));
  const spans = events.filter((e) => e.ph === "X" && e.name?.startsWith("nn.Module: "));
  const classOf = (e: RawEvent) => e.name!.slice("nn.Module: ".length).replace(/_\d+$/, "");
  const byClass = new Map<string, number>();
  for (const cls of new Set(spans.map(classOf))) {
    const mine = spans.filter((e) => classOf(e) === cls);
    let us = 0;
    for (const l of launches) if (mine.some((m) => m.pid === l.pid && m.tid === l.tid && l.ts! >= m.ts! && l.ts! <= m.ts! + m.dur!)) us += gpuByCorrelation.get(Number(l.args?.["correlation"]))!;
    byClass.set(cls, us);
  }
  return byClass;
}

describe("modules from the forward-hook NVTX ranges (Nsight Systems) vs Kineto with_stack, same model", async () => {
  const [nsys, kineto] = await Promise.all([loadTraces([NSYS]), loadTraces([KINETO])]);
  const nsysSummary = analyzeModels(nsys);
  const kinetoSummary = analyzeModels(kineto);
  const n = classesOf(nsysSummary);
  const k = classesOf(kinetoSummary);
  const row = (rows: ClassRows, cls: string) => rows.find((r) => r.className === cls)!;

  it("both are one profiled step; the nsys table names its source", () => {
    expect(nsysSummary.steps.available && nsysSummary.steps.count).toBe(1);
    expect(kinetoSummary.steps.available && kinetoSummary.steps.count).toBe(1);
  });

  it("nsys: forward kernel time per class equals the raw SQL recomputation", () => {
    const ref = rawNsysForward();
    expect(new Set(n.map((r) => r.className))).toEqual(new Set(ref.keys()));
    // the 10 classes of a Llama (the root module, LlamaModel, decoder layer, attention, MLP, norms, ...)
    expect(ref.size).toBe(10);
    for (const [cls, ns] of ref) expect(row(n, cls).forwardNs, cls).toBe(ns);
  });

  it("Kineto: forward kernel time per class equals the raw JSON recomputation", () => {
    const ref = rawKinetoForwardUs();
    expect(new Set(k.map((r) => r.className))).toEqual(new Set(ref.keys()));
    for (const [cls, us] of ref) expect(Math.abs(row(k, cls).forwardNs - us * 1000), cls).toBeLessThanOrEqual(5 + us * 1e-6);
  });

  it("the two tables match: same classes and instances, forward and backward per class within 5%", () => {
    expect(n.map((r) => r.className).sort()).toEqual(k.map((r) => r.className).sort());
    for (const kr of k) {
      const nr = row(n, kr.className);
      expect(nr.instances, kr.className).toBe(kr.instances);
      expect(Math.abs(nr.forwardNs / kr.forwardNs - 1), `${kr.className} forward`).toBeLessThan(0.05);
      // backward: the nsys side pairs backward ops with their forward op through emit_nvtx sequence numbers
      if (kr.backwardNs === 0) expect(nr.backwardNs, kr.className).toBe(0);
      else expect(Math.abs(nr.backwardNs / kr.backwardNs - 1), `${kr.className} backward`).toBeLessThan(0.05);
    }
  });

  it("the efficiency table's module classes are the same on both sides (class from the range's prefix)", () => {
    const names = (s: Summary) => (s.efficiency.available ? s.efficiency.byModuleClass.map((r) => r.name).sort() : []);
    expect(names(nsysSummary).length).toBeGreaterThan(0);
    expect(names(nsysSummary)).toEqual(names(kinetoSummary));
  });

  it("module-based findings agree: no unfused-attention on either side (a projection under self_attn is not attention)", () => {
    const ids = (s: Summary) => (s.findings.available ? s.findings.findings.map((f) => f.id).sort() : []);
    expect(ids(kinetoSummary).length).toBeGreaterThan(0);
    expect(ids(kinetoSummary)).not.toContain("unfused-attention");
    expect(ids(nsysSummary)).toEqual(ids(kinetoSummary));
  });

  it("nsys instances are named by module path under their parents (model/model/layers.3/mlp)", () => {
    if (!nsysSummary.modules.available) throw new Error(nsysSummary.modules.reason);
    const paths = nsysSummary.modules.instances.map((i) => i.path);
    expect(paths).toContain("model/model/layers.3/mlp/down_proj");
    expect(nsysSummary.modules.instances.find((i) => i.path === "model/model/layers.3/mlp")!.className).toBe("LlamaMLP");
  });
});
