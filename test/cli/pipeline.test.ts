/**
 * One pipeline (src/io/analyse-traces.ts) and one set of analysis flags (src/cli/analysis-flags.ts):
 * diff, check, compare and batch honour --config as analyze does, and the report's
 * timeline takes its categories from the analysis contexts. The reference is the raw
 * JSON: with a config rule that sends every kernel to "other", the "other" time is the
 * sum of the raw kernel durations in the window, and memory copies stay "memory".
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyseTraces } from "../../src/io/analyse-traces.js";
import { runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";
import { readRaw } from "../helpers/raw.js";
import { rawStepNs, rawWindow } from "../compare/reference.js";

const dir = mkdtempSync(join(tmpdir(), "llmprof-pipeline-"));
const config = join(dir, "all-other.yml");
writeFileSync(config, 'categories:\n  - { category: other, pattern: "." }\n');
const BASE = fixture("llama-tiny-train-eager.json.gz");
const HEAD = fixture("llama-tiny-train.json.gz");

/** Kernel time (cat "kernel", start in the window) per step, in ns, from the raw JSON. */
function rawKernelNsPerStep(path: string): number {
  const raw = readRaw(path);
  const { from, to } = rawWindow(raw);
  let us = 0;
  for (const e of raw.traceEvents) if (e.ph === "X" && e.cat === "kernel" && e.ts! >= from && e.ts! < to) us += e.dur!;
  return (us * 1000) / rawStepNs(raw).length;
}

/** The cells of one CSV line (RFC 4180 quotes: the JSON columns hold commas). */
function csvCells(line: string): string[] {
  const out: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted && ch === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      out.push(cell);
      cell = "";
    } else cell += ch;
  }
  out.push(cell);
  return out;
}

const near = (a: number | null | undefined, b: number) => expect(Math.abs((a ?? NaN) - b)).toBeLessThanOrEqual(Math.max(5, b * 1e-6));

describe("analysis flags on every command", () => {
  it("diff --config classifies the kernels of both runs by the config", () => {
    const r = runCli(["diff", BASE, HEAD, "--config", config, "--format", "json"]);
    expect(r.status, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as { sections: { id: string; available: boolean; rows: { key: string; metric: string; base: number; head: number }[] }[] };
    const cats = d.sections.find((s) => s.id === "kernelCategories")!;
    // rows are keyed by category label: every kernel is "Other", copies and sets stay memory
    const keys = new Set(cats.rows.map((x) => x.key));
    expect(keys.size).toBe(3);
    expect(keys.has("all kernels") && keys.has("Other")).toBe(true);
    const other = cats.rows.find((x) => x.key === "Other")!;
    near(other.base, rawKernelNsPerStep(BASE));
    near(other.head, rawKernelNsPerStep(HEAD));
  });

  it("check --config evaluates the budget on the configured categories", () => {
    const budget = join(dir, "budget.yml");
    writeFileSync(budget, "categories:\n  gemm:\n    time_ms: 0\n");
    expect(runCli(["check", HEAD, "--budget", budget]).status).toBe(1);
    const r = runCli(["check", HEAD, "--budget", budget, "--config", config]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("compare --tokens-per-step applies to trace inputs", () => {
    const r = runCli(["compare", BASE, HEAD, "--tokens-per-step", "1000", "--format", "json"]);
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as { runs: { tokensPerStep: number }[] };
    expect(c.runs.map((x) => x.tokensPerStep)).toEqual([1000, 1000]);
  });

  it("batch --config: the traces table is classified by the config", () => {
    const out = join(dir, "batch");
    const r = runCli(["batch", HEAD, "--out", out, "--jobs", "1", "--config", config]);
    expect(r.status, r.stderr).toBe(0);
    const [header, row] = readFileSync(join(out, "traces.csv"), "utf8").trim().split("\n").map(csvCells);
    const cells = Object.fromEntries(header!.map((h, i) => [h, row![i]]));
    expect(Number(cells["kernel_gemm_ms_per_step"])).toBe(0);
    near(Number(cells["kernel_other_ms_per_step"]) * 1e6, rawKernelNsPerStep(HEAD));
  });

  it("info --config counts communication kernels as the analyses classify them", () => {
    const cfg = join(dir, "elementwise-comm.yml");
    writeFileSync(cfg, 'categories:\n  - { category: communication, pattern: "elementwise" }\n');
    const raw = readRaw(HEAD);
    const expected = raw.traceEvents.filter((e) => e.ph === "X" && e.cat === "kernel" && /elementwise/.test(e.name ?? "")).length;
    expect(expected).toBeGreaterThan(0);
    const r = runCli(["info", HEAD, "--json", "--config", cfg]);
    expect(r.status, r.stderr).toBe(0);
    const [info] = JSON.parse(r.stdout) as { capabilities: { analysis: string; reason: string }[] }[];
    expect(info!.capabilities.find((c) => c.analysis === "communication")!.reason).toBe(`${expected} collective kernels`);
  });

  it("the report timeline takes the categories of the analysis (config rules included)", async () => {
    const run = await analyseTraces([HEAD], { categoryRules: [{ category: "other", pattern: "." }] });
    const t = run.timeline();
    const used = new Set(t.streams.flatMap((s) => s.category.map((c) => t.categories[c])));
    expect(used).toEqual(new Set(["other", "memory"]));
    expect(run.timeline()).toBe(t);
  });
});
