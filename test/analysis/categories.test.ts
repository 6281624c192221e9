/**
 * Kernel categories, checked against a second, plain classification over the
 * raw JSON: each kernel's launch (by correlation), the innermost cpu_op around
 * the launch on its thread, then a category decided by hand for the few
 * operator and kernel names of each bundled AMD trace (not llmprof's tables).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { attribute } from "../../src/analysis/attribution.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { CATEGORIES, Categorizer, DEFAULT_RULES, OPERATOR_RULES, MAX_NAME_CHARS } from "../../src/analysis/categories.js";
import { parseKineto } from "../../parsers/kineto.js";
import { loadTraces } from "../../parsers/registry.js";
import { containing, indexRaw, innermost } from "../helpers/containment.js";
import { fixture, SHARED_TRACES, sharedTrace } from "../helpers/paths.js";
import { readRaw, type RawEvent, type RawTrace } from "../helpers/raw.js";

/** Kernel time (ns) per category, by a reference decision over (launching op name or null, kernel name). */
function referenceTotals(raw: RawTrace, decide: (op: string | null, kernel: string) => string): Map<string, number> {
  const index = indexRaw(raw);
  const totals = new Map<string, number>();
  for (const e of raw.traceEvents) {
    if (e.ph !== "X" || !["kernel", "gpu_memcpy", "gpu_memset"].includes(e.cat ?? "")) continue;
    let category: string;
    if (e.cat !== "kernel") category = "memory";
    else {
      const launch: RawEvent | undefined = index.launch.get(e.args?.["correlation"]);
      const op = launch ? innermost(containing(index, launch.tid, launch.ts!), (c) => c.cat === "cpu_op") : undefined;
      category = decide(op?.name ?? null, e.name ?? "");
    }
    totals.set(category, (totals.get(category) ?? 0) + Math.round(e.dur! * 1000));
  }
  return totals;
}

async function llmprofTotals(path: string): Promise<{ totals: Map<string, number>; sources: Set<string> }> {
  const model = await parseKineto(path);
  const { categories, sources, sourceLabels } = new Categorizer().classifyWithSources(model, attribute(model).op);
  const totals = new Map<string, number>();
  const used = new Set<string>();
  for (let i = 0; i < model.gpu.length; i++) {
    const c = CATEGORIES[categories[i]!]!;
    totals.set(c, (totals.get(c) ?? 0) + (model.gpu.end[i]! - model.gpu.start[i]!));
    used.add(sourceLabels[sources[i]!]!);
  }
  return { totals, sources: used };
}

function expectSameTotals(got: Map<string, number>, want: Map<string, number>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [c, ns] of want) expect(Math.abs(got.get(c)! - ns), c).toBeLessThanOrEqual(50); // µs in the file, rounding per event
}

describe("kernel categories on AMD traces (bundled fixtures)", () => {
  it("MI250 minitoy: operator first (every kernel of aten::mm/addmm is GEMM, the bias elementwise too), then names", async () => {
    const path = fixture("external/mi250_minitoy_train_ROCm6_2_kineto.json.gz");
    const want = referenceTotals(readRaw(path), (op, k) => {
      if (op === "aten::mm" || op === "aten::addmm") return "gemm";
      if (k.includes("multi_tensor_apply_kernel")) return "optimizer";
      if (k.includes("reduce_kernel")) return "reduction";
      if (k.includes("elementwise_kernel")) return "elementwise";
      return `unexpected ${k}`;
    });
    expect(want.get("gemm")).toBeGreaterThan(0);
    const { totals, sources } = await llmprofTotals(path);
    expectSameTotals(totals, want);
    expect(sources).toContain("operator:aten::addmm");
    expect(sources).toContain("operator:aten::mm");
  });

  it("SGLang on MI300X: HIP-graph kernels have no operator, so their names decide (Tensile, paged attention, aiter, sgl_hip)", async () => {
    const path = fixture("external/mi300-sglang-qwen3-8b-decode.json.gz");
    // by hand, from the 20-odd distinct names of this trace
    const byName: [RegExp, string][] = [
      [/^Cijk_/, "gemm"],
      [/paged_attention|store_kvcache|flashinfer_kv_indices/, "attention"],
      [/rmsnorm/, "normalisation"],
      [/rotary_embedding|gather_kernel/, "embedding"],
      [/multi_tensor_apply/, "optimizer"],
      [/reduce_kernel|rocprim/, "reduction"],
      [/act_and_mul|elementwise_kernel|index_kernel/, "elementwise"],
    ];
    const want = referenceTotals(readRaw(path), (_op, k) => byName.find(([re]) => re.test(k))?.[1] ?? "other");
    const { totals } = await llmprofTotals(path);
    expectSameTotals(totals, want);
    const other = want.get("other") ?? 0;
    const all = [...want.values()].reduce((a, b) => a + b, 0);
    expect(other / all).toBeLessThan(0.05);
  });

  it("summary.json names the deciding rule of each kernel name", async () => {
    const s = analyzeModels([await parseKineto(fixture("external/mi250_minitoy_train_ROCm6_2_kineto.json.gz"))]);
    expect(s.kernels.available).toBe(true);
    if (!s.kernels.available) return;
    for (const k of s.kernels.byName) expect(k.categorySource, k.name).toMatch(/^(operator:|name:[a-z]+#\d+$|config:\d+$|memcpy$|collective$|none$)/);
    const cijk = s.kernels.byName.filter((k) => k.name.startsWith("Cijk_"));
    expect(cijk.length).toBeGreaterThan(0);
    for (const k of cijk) expect([k.category, k.categorySource]).toEqual(["gemm", expect.stringMatching(/^operator:aten::(add)?mm$/)]);
  });

  it("a kernel name launched by operators of two categories is split, and the name rows add up to the category totals", async () => {
    const s = analyzeModels([await parseKineto(fixture("l2-train-gpu-bound-bs8.json.gz"))]);
    if (!s.kernels.available) throw new Error("no kernels");
    // cub's radix sort runs under aten::embedding_dense_backward (embedding) and under other ops (sort: a reduction by name)
    const sort = s.kernels.byName.find((k) => k.name.includes("DeviceRadixSort") && k.splitByCategory);
    expect(sort?.splitByCategory?.map((p) => p.category)).toContain("embedding");
    expect(sort!.splitByCategory!.reduce((a, p) => a + p.count, 0)).toBe(sort!.count);
    const byCat = new Map<string, number>();
    for (const k of s.kernels.byName) for (const p of k.splitByCategory ?? [k]) byCat.set(p.category, (byCat.get(p.category) ?? 0) + p.totalNs);
    for (const c of s.kernels.byCategory) expect(byCat.get(c.category), c.category).toBe(c.totalNs);
  });
});

describe("built-in patterns run in linear time", () => {
  // adversarial names: each rule's own words repeated, so a backtracking pattern would rescan them
  const words = (pattern: string) => pattern.match(/[A-Za-z_]{3,}/g) ?? ["a"];
  const rules = [...OPERATOR_RULES, ...DEFAULT_RULES];
  it("names are cut at MAX_NAME_CHARS before matching", () => {
    const c = new Categorizer();
    expect(c.ofName("x".repeat(MAX_NAME_CHARS) + "gemm")).toBe("other");
    expect(c.ofName("x".repeat(MAX_NAME_CHARS - 4) + "gemm")).toBe("gemm");
  });
  /**
   * Worst growth factor of the time `re` takes to reject names made of each unit
   * repeated, from `small` to 16 x `small` characters (names it accepts may stop
   * early, so they are not timed).
   */
  const growth = (re: RegExp, units: readonly string[], small = 8_192, reps = 10): number => {
    let worst = 0;
    for (const unit of units) {
      const make = (n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
      if (re.test(make(small)) || re.test(make(16 * small))) continue;
      const time = (n: number): number => {
        const s = make(n);
        const t0 = process.hrtime.bigint();
        for (let k = 0; k < reps; k++) re.test(s);
        return Number(process.hrtime.bigint() - t0);
      };
      time(small); // warm up the regex compiler
      const t1 = Math.min(time(small), time(small), time(small));
      const t16 = Math.min(time(16 * small), time(16 * small), time(16 * small));
      worst = Math.max(worst, t16 / Math.max(t1, 1));
    }
    return worst;
  };
  const unitsOf = (pattern: string): string[] => {
    const w = words(pattern);
    // each word alone, cut short by one letter, followed by "_", and all of them joined
    return [...w, ...w.map((x) => x.slice(0, -1)), ...w.map((x) => `${x}_`), `${w.join("_")}_-`];
  };
  it.each(rules.map((r, i) => [i, r.category, r.pattern] as const))("rule %i (%s): time grows at most linearly with the name", (_i, _c, pattern) => {
    // 16x longer: linear gives ~16x, quadratic ~256x; allow noise up to 100x
    // a busy machine can stall one measurement: re-measure before calling it super-linear
    const re = new RegExp(pattern, "i");
    let worst = growth(re, unitsOf(pattern));
    for (let retry = 0; retry < 2 && worst >= 100; retry++) worst = Math.min(worst, growth(re, unitsOf(pattern)));
    expect(worst).toBeLessThan(100);
  });
  it("the test catches a quadratic pattern (the old XLA reduction rule)", () => {
    const old = "reduce[_a-z]*fusion";
    expect(growth(new RegExp(old, "i"), unitsOf(old), 1_024, 1)).toBeGreaterThan(100);
  });
});

// ---- shared traces (skipped without ../shared) ----

const externalDir = join(SHARED_TRACES, "external");
const sharedFiles = (() => {
  try {
    const ext = ["hta", "tracelens"].flatMap((d) => readdirSync(join(externalDir, d)).map((f) => `external/${d}/${f}`));
    const own = ["kineto", "nsys", "multi-gpu", "jax"].flatMap((d) =>
      readdirSync(join(SHARED_TRACES, d))
        .filter((f) => /\.(json\.gz|xplane\.pb|sqlite\.gz)$/.test(f))
        .map((f) => `${d}/${f}`),
    );
    return [...ext, ...own];
  } catch {
    sharedTrace("external");
    return [];
  }
})();

describe("kernel categories on every shared trace", () => {
  // without ../shared there is nothing to iterate: a skipped entry keeps the suite non-empty (vitest fails empty suites)
  if (sharedFiles.length === 0) it.skip("../shared/traces is not here: the every-trace check is skipped", () => undefined);
  else
    it.each(sharedFiles)(
      '%s: "other" is at most 5% of kernel time',
      async (rel) => {
        const models = await loadTraces([join(SHARED_TRACES, rel)]);
        for (const model of models) {
          const s = analyzeModels([model]);
          if (!s.kernels.available || s.kernels.totalNs === 0) continue;
          const other = s.kernels.byCategory.find((c) => c.category === "other")?.totalNs ?? 0;
          expect(other / s.kernels.totalNs).toBeLessThanOrEqual(0.05);
        }
      },
      120_000,
    );
});

/** TraceLens's published GEMM share (% of kernel time) from its ops_summary_by_category.csv. */
function tracelensGemmPct(gpu: string): number | null {
  const p = sharedTrace(`external/tracelens-reference/${gpu}__Qwen_Qwen1.5-0.5B-Chat__1016005_perf_report_csvs__ops_summary_by_category.csv`);
  if (!p) return null;
  const row = readFileSync(p, "utf8")
    .split("\n")
    .find((l) => l.startsWith("GEMM,"));
  return row ? Number(row.split(",")[3]) : null;
}

describe("GEMM share of the Qwen1.5-0.5B step vs TraceLens", () => {
  // TraceLens's GEMM category: kernels whose launching op is a matmul-family aten op; it counts only kernels with a launch record
  const GEMM_OPS = new Set(["aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::matmul", "aten::linear", "aten::_scaled_mm"]);
  for (const gpu of ["h100", "mi300"]) {
    const path = sharedTrace(`external/tracelens/${gpu}-qwen1.5-0.5b.json.gz`);
    const published = tracelensGemmPct(gpu);
    it.skipIf(!path || published === null)(
      `${gpu}: raw-JSON GEMM share by launching op, and llmprof's, within 3 points of TraceLens`,
      async () => {
        const raw = readRaw(path!);
        const index = indexRaw(raw);
        let gemm = 0;
        let all = 0;
        for (const e of raw.traceEvents) {
          if (e.ph !== "X" || e.cat !== "kernel") continue;
          const launch = index.launch.get(e.args?.["correlation"]);
          if (!launch) continue;
          const op = innermost(containing(index, launch.tid, launch.ts!), (c) => c.cat === "cpu_op");
          all += e.dur!;
          if (op && GEMM_OPS.has(op.name!)) gemm += e.dur!;
        }
        const rawPct = (100 * gemm) / all;
        expect(Math.abs(rawPct - published!)).toBeLessThanOrEqual(3);
        const s = analyzeModels([await parseKineto(path!)]);
        if (!s.kernels.available) throw new Error("no kernels");
        const ours = s.kernels.byCategory.find((c) => c.category === "gemm")?.pctOfKernelTime ?? 0;
        expect(Math.abs(ours - published!)).toBeLessThanOrEqual(3);
      },
      120_000,
    );
  }
});
