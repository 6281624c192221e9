/**
 * llmprof check: budgets (pass -> 0, fail -> 1 naming metric, limit and value,
 * bad budget -> 2), JUnit XML, Markdown verdict, baseline regressions.
 * Expected values are computed from the raw trace (test/helpers/raw.ts), not
 * copied from llmprof's output.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { evaluateBaseline, evaluateBudget, evaluateFindings, metricValue, parseBudget } from "../../src/analysis/budget.js";
import type { Summary } from "../../src/analysis/summary.js";
import { LlmprofError } from "../../src/errors.js";
import { loadTraces } from "../../parsers/registry.js";
import { tempDir } from "../reports/build.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture, ROOT } from "../helpers/paths.js";
import { readRaw, referenceSteps } from "../helpers/raw.js";

const SDPA = fixture("llama-tiny-train.json.gz");
const EAGER = fixture("llama-tiny-train-eager.json.gz");

/** Mean step duration in ms, from the raw steps. */
function refStepMs(path: string): number {
  const steps = referenceSteps(readRaw(path));
  return steps.reduce((a, s) => a + (s.end - s.start), 0) / steps.length / 1000;
}

async function summarize(path: string): Promise<Summary> {
  return analyzeModels(await loadTraces([path]));
}

function budgetFile(text: string, name = "budget.yml"): string {
  const p = join(tempDir("llmprof-check-"), name);
  writeFileSync(p, text);
  return p;
}

describe("llmprof check --budget", () => {
  it("a budget that holds passes (exit 0) and prints each line", () => {
    const step = refStepMs(SDPA);
    const b = budgetFile(`# llmprof budget\nstep_time_ms: ${Math.ceil(step * 2)}\ngpu_idle_pct: {max: 100, min: 1}\nexposed_comm_pct: 5\nmodules:\n  LlamaAttention:\n    forward_ms: 10\n`);
    const r = runCli(["check", SDPA, "--budget", b]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}step_time_ms = /m);
    expect(r.stdout).toMatch(/^PASS {2}modules\.LlamaAttention\.forward_ms = /m);
    expect(r.stdout).toContain("passed: 4 check(s) hold");
  });

  it("a budget that does not hold fails (exit 1) naming the metric, the limit and the value; JUnit has one testcase per line", () => {
    const step = refStepMs(SDPA);
    const limit = Math.floor(step / 2);
    const b = budgetFile(`step_time_ms: ${limit}\ngpu_idle_pct: 100\nphases.optimizer.kernel_ms: 100\n`);
    const dir = tempDir("llmprof-check-");
    const junit = join(dir, "junit.xml");
    const md = join(dir, "verdict.md");
    const r = runCli(["check", SDPA, "--budget", b, "--junit", junit, "--markdown", md]);
    expect(r.status, r.stderr).toBe(1);
    const line = r.stdout.split("\n").find((l) => l.startsWith("FAIL"))!;
    // value to the printed precision (3 decimals), computed from the raw steps
    expect(line).toBe(`FAIL  step_time_ms = ${step.toFixed(3)} ms exceeds the limit ${limit} ms`);
    expect(r.stdout).toContain("FAILED: 1 of 3 check(s)");

    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(readFileSync(junit, "utf8")) as {
      testsuites: { testsuite: { tests: string; failures: string; testcase: { name: string; failure?: { message: string } }[] } };
    };
    const suite = xml.testsuites.testsuite;
    expect(suite.testcase.map((t) => t.name)).toEqual(["step_time_ms", "gpu_idle_pct", "phases.optimizer.kernel_ms"]);
    expect(suite.tests).toBe("3");
    expect(suite.failures).toBe("1");
    const failure = suite.testcase[0]!.failure!;
    expect(failure.message).toContain("step_time_ms");
    expect(failure.message).toContain(`limit ${limit} ms`);
    expect(failure.message).toContain(`${step.toFixed(3)} ms`);
    expect(suite.testcase[1]!.failure).toBeUndefined();

    const verdict = readFileSync(md, "utf8");
    expect(verdict.startsWith("## llmprof check: ❌ 1 of 3 failed")).toBe(true);
    expect(verdict).toContain("step\\_time\\_ms");
  });

  it("a metric the run cannot compute fails its line instead of passing by vacuity", async () => {
    const s = await summarize(fixture("llama-tiny-train-nostack.json.gz"));
    const [noModules, noClass] = evaluateBudget(s, parseBudget("modules.LlamaAttention.forward_ms: 5\ncomm_overlap_pct: {min: 50}\n", "b.yml"));
    expect(noModules!.passed).toBe(false);
    expect(noModules!.message).toMatch(/no value \(modules not available: .*with_stack=True/);
    expect(noClass!.passed).toBe(false);
    expect(noClass!.message).toMatch(/no communication/);
  });

  it("bad budgets: exit 2 with one line naming the file and the problem", () => {
    const cases: [string, RegExp][] = [
      ["step_time: 120\n", /unknown metric "step_time"/],
      ["modules.LlamaAttention.fwd_ms: 1\n", /unknown figure "fwd_ms" for modules/],
      ["phases.warmup.kernel_ms: 1\n", /unknown phase "warmup"/],
      ["step_time_ms: fast\n", /the limit must be a number/],
      ["gpu_idle_pct: {min: 20, max: 10}\n", /min 20 is above max 10/],
      ["step_time_ms: [1\n", /malformed budget/],
      ["", /the budget is empty/],
      ["- 1\n- 2\n", /expected a mapping/],
    ];
    for (const [text, problem] of cases) {
      const b = budgetFile(text);
      expectCleanError(runCli(["check", SDPA, "--budget", b]), b, problem);
    }
    expectCleanError(runCli(["check", SDPA, "--budget", "/nonexistent/budget.yml"]), "/nonexistent/budget.yml", /no such file/);
    const r = runCli(["check", SDPA]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/check needs --budget/);
  });
});

describe("budget vocabulary", () => {
  it("flat and nested paths, YAML and JSON, mean the same", () => {
    const flat = parseBudget("modules.LlamaAttention.forward_ms: 5\nstep_time_ms: {max: 120}\n", "a.yml");
    const nested = parseBudget("modules:\n  LlamaAttention:\n    forward_ms: 5\nstep_time_ms: 120\n", "b.yml");
    const json = parseBudget('{"modules": {"LlamaAttention": {"forward_ms": 5}}, "step_time_ms": 120}', "c.json");
    const expected = [
      { metric: "modules.LlamaAttention.forward_ms", max: 5, min: null },
      { metric: "step_time_ms", max: 120, min: null },
    ];
    expect(flat).toEqual(expected);
    expect(nested).toEqual(expected);
    expect(json).toEqual(expected);
    expect(() => parseBudget("a: {b: 1}", "x.yml")).toThrow(LlmprofError);
  });

  it("values follow their definitions (per step, from the summary fields)", async () => {
    const s = await summarize(SDPA);
    if (!s.steps.available || !s.modules.available || !s.temporal.available || !s.kernels.available) throw new Error("unavailable");
    const v = (p: string) => {
      const m = metricValue(s, p);
      if (m.value === null) throw new Error(m.reason);
      return m.value;
    };
    expect(v("step_time_ms")).toBeCloseTo(refStepMs(SDPA), 6);
    const att = s.modules.classes.find((c) => c.className === "LlamaAttention")!;
    expect(v("modules.LlamaAttention.forward_ms")).toBeCloseTo(att.forwardNs / s.steps.count / 1e6, 12);
    expect(v("gpu_idle_pct")).toBeCloseTo(s.temporal.devices[0]!.total.idlePct, 12);
    expect(v("kernel_time_ms")).toBeCloseTo(s.kernels.totalNs / s.steps.count / 1e6, 12);
    const mm = s.operators.available ? s.operators.byName.find((o) => o.name === "aten::mm")! : null;
    expect(v("operators.aten::mm.gpu_self_ms")).toBeCloseTo(mm!.gpuSelfNs / s.steps.count / 1e6, 12);
  });
});

describe("llmprof check --baseline", () => {
  it("eager attention against an SDPA baseline: the attention module's regression fails, untouched classes pass", async () => {
    const items = evaluateBaseline(await summarize(SDPA), await summarize(EAGER), { maxRegressionPct: 5 });
    const byMetric = new Map(items.map((i) => [i.metric, i]));
    const att = byMetric.get("modules.LlamaAttention.total_ms")!;
    expect(att.passed).toBe(false);
    expect(att.message).toMatch(/^modules\.LlamaAttention\.total_ms = [\d.]+ ms exceeds ≤ [\d.]+ ms \(base [\d.]+ ms \+ 5%\), change \+\d/);
    for (const cls of ["Linear", "LlamaMLP", "LlamaRMSNorm"]) expect(byMetric.get(`modules.${cls}.total_ms`)!.passed, cls).toBe(true);
  });

  it("a run against its own summary passes (exit 0); the Markdown verdict says so", () => {
    const dir = tempDir("llmprof-check-");
    const summary = join(dir, "summary.json");
    expect(runCli(["analyze", SDPA, "-o", summary]).status).toBe(0);
    const md = join(dir, "check.md");
    const r = runCli(["check", SDPA, "--baseline", summary, "--max-regression", "5%", "--markdown", md]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}step_time_ms = /m);
    expect(readFileSync(md, "utf8").startsWith("## llmprof check: ✅ passed")).toBe(true);
    expectCleanError(runCli(["check", SDPA, "--baseline", summary, "--max-regression", "lots"]), "--max-regression", /expected a percentage/);
  });
});

describe("--fail-on", () => {
  it("accepts the documented severities and rejects others", async () => {
    const s = await summarize(SDPA);
    const r = evaluateFindings(s, "high");
    // the summary may or may not carry findings yet; either way the answer is well-formed
    if (typeof r === "string") expect(r.length).toBeGreaterThan(0);
    else for (const i of r) expect(i.kind).toBe("finding");
    expectCleanError(runCli(["check", SDPA, "--fail-on", "catastrophic"]), "--fail-on", /unknown severity "catastrophic"/);
  });

  it("fails on a finding at or above the severity", async () => {
    const s = { ...(await summarize(SDPA)) } as unknown as Record<string, unknown>;
    s["findings"] = {
      available: true,
      findings: [
        { id: "host-bound", title: "GPU waits for the CPU", severity: "high", costPctOfWindow: 90 },
        { id: "tiny", title: "t", severity: "low" },
      ],
    };
    const items = evaluateFindings(s as unknown as Summary, "medium");
    if (typeof items === "string") throw new Error(items);
    expect(items.map((i) => [i.metric, i.passed])).toEqual([["findings.host-bound", false]]);
    expect(items[0]!.message).toContain("cost 90.0% of the window");
  });
});

describe("examples/", () => {
  it("examples/budget.yml uses only known metrics and holds for the bundled tiny training trace", () => {
    const r = runCli(["check", SDPA, "--budget", join(ROOT, "examples/budget.yml")]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/passed: \d+ check\(s\) hold/);
  });

  it("the GitHub Actions example parses and runs analyze, check --budget, the upload and the comment", () => {
    const wf = parseYaml(readFileSync(join(ROOT, "examples/github-actions/llmprof.yml"), "utf8")) as { jobs: { profile: { steps: { run?: string; uses?: string }[] } } };
    const steps = wf.jobs.profile.steps;
    const runs = steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/npx llmprof analyze /);
    expect(runs).toMatch(/npx llmprof check .*\n?.*--budget examples\/budget\.yml/);
    expect(steps.some((s) => s.uses?.startsWith("actions/upload-artifact"))).toBe(true);
    expect(steps.some((s) => s.uses?.startsWith("actions/github-script"))).toBe(true);
  });
});
