/**
 * `llmprof compare` end to end (the built CLI in dist/): outputs, labels,
 * summary.json and comma-joined runs, clean errors, Markdown escaping, and the
 * HTML page in headless Chromium (charts drawn, hostile labels shown as text,
 * no network, no script errors).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLabel } from "../../src/cli/compare.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";
import { chromiumAvailable, launch, openReport } from "../reports/browser.js";

const dir = mkdtempSync(join(tmpdir(), "llmprof-compare-"));
const EAGER = fixture("llama-tiny-train-eager.json.gz");
const SDPA = fixture("llama-tiny-train.json.gz");
const RECOMPUTE = fixture("llama-tiny-train-recompute-bs4.json.gz");
const HOSTILE = `<img src=x onerror=alert(1)>|"&'`;

function oneLineError(r: { status: number | null; stderr: string }, problem: RegExp): void {
  const lines = r.stderr.trim().split("\n");
  expect(r.status).toBe(2);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(problem);
}

describe("llmprof compare (CLI)", () => {
  it("writes compare.html, compare.json and compare.md into a directory and the table on stdout", () => {
    const out = join(dir, "out");
    const r = runCli(["compare", EAGER, SDPA, RECOMPUTE, "--label", "eager", "--label", "sdpa", "-o", `${out}/`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^llmprof compare: 3 runs/);
    expect(r.stdout).toMatch(/tokens \/ step \(all ranks\)\s+256\s+256\s+512/);
    for (const f of ["compare.html", "compare.json", "compare.md"]) expect(existsSync(join(out, f))).toBe(true);
    const json = JSON.parse(readFileSync(join(out, "compare.json"), "utf8")) as { schema: string; runs: { label: string; tokensPerStep: number }[] };
    expect(json.schema).toBe("llmprof.compare/1");
    // third label defaults to the file name without its trace extension
    expect(json.runs.map((x) => x.label)).toEqual(["eager", "sdpa", "llama-tiny-train-recompute-bs4"]);
    expect(json.runs.map((x) => x.tokensPerStep)).toEqual([2 * 128, 2 * 128, 4 * 128]);
    const md = readFileSync(join(out, "compare.md"), "utf8");
    expect(md).toMatch(/^## llmprof compare: 3 runs/);
    expect(md).toContain("| figure | eager | sdpa | llama-tiny-train-recompute-bs4 |");
    // re-running over its own outputs is allowed
    expect(runCli(["compare", EAGER, SDPA, "-o", `${out}/`]).status).toBe(0);
  });

  it("reads summary.json runs and comma-joined rank files", () => {
    const summary = join(dir, "sdpa-summary", "summary.json");
    expect(runCli(["analyze", SDPA, "-o", summary]).status).toBe(0);
    const ranks = `${fixture("multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz")},${fixture("multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz")}`;
    const r = runCli(["compare", summary, ranks, "--format", "json"]);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { runs: { label: string; gpuCount: number; ranks: number; tokensPerStep: number }[] };
    expect(json.runs.map((x) => x.label)).toEqual(["sdpa-summary", "l2-ddp-straggler-2gpu"]);
    expect(json.runs[1]).toMatchObject({ gpuCount: 2, ranks: 2, tokensPerStep: 1400 });
  });

  it("single-file outputs by extension; refuses to overwrite a file that is not llmprof's", () => {
    const md = join(dir, "table.md");
    const r = runCli(["compare", EAGER, SDPA, "-o", md]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(md, "utf8")).toMatch(/^## llmprof compare/);
    const other = join(dir, "notes.md");
    writeFileSync(other, "my notes\n");
    expectCleanError(runCli(["compare", EAGER, SDPA, "-o", other]), other, /not an llmprof output/);
  });

  it("bad usage: one clean line, exit 2", () => {
    oneLineError(runCli(["compare", SDPA]), /at least two runs/);
    oneLineError(runCli(["compare", EAGER, SDPA, "--format", "pdf"]), /unknown format "pdf"/);
    oneLineError(runCli(["compare", EAGER, SDPA, "--label", "a", "--label", "b", "--label", "c"]), /--label given 3 times for 2 runs/);
    const missing = join(dir, "nope-rank1.json.gz");
    expectCleanError(runCli(["compare", EAGER, `${SDPA},${missing}`]), missing, /no such file/);
  });

  it("Markdown escapes labels", () => {
    const r = runCli(["compare", EAGER, SDPA, "--label", HOSTILE, "--format", "md"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("<img");
    expect(r.stdout).toContain("&lt;img src=x onerror=alert(1)&gt;\\|");
    // every table line keeps its column count: figure + 2 runs
    for (const line of r.stdout.split("\n").filter((l) => l.startsWith("| "))) {
      expect(line.replace(/\\\|/g, "").split("|").length - 2, line).toBe(3);
    }
  });

  it("default labels", () => {
    expect(defaultLabel("runs/llama-1b-train-sdpa.json.gz")).toBe("llama-1b-train-sdpa");
    expect(defaultLabel("main/summary.json")).toBe("main");
    expect(defaultLabel("x/rank-dir/")).toBe("rank-dir");
    expect(defaultLabel("worker.pt.trace.json")).toBe("worker");
  });
});

describe("compare.html in Chromium", () => {
  const available = chromiumAvailable();
  let browser: Browser | null = null;
  beforeAll(async () => {
    if (available) browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.skipIf(!available)("draws a bar chart per figure, shows hostile labels as text, makes no request", async () => {
    const html = join(dir, "hostile.html");
    const r = runCli(["compare", EAGER, SDPA, RECOMPUTE, "--label", HOSTILE, "--label", "sdpa", "-o", html]);
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(html, "utf8");
    expect(text).not.toContain("<img");
    const opened = await openReport(browser!, html);
    const { page } = opened;
    expect(opened.errors).toEqual([]);
    expect(opened.dialogs).toEqual([]);
    expect(opened.requests.every((u) => u === opened.url)).toBe(true);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("table.data thead th").nth(1).textContent()).toBe(HOSTILE);
    const charts = page.locator("figure.chart");
    expect(await charts.count()).toBeGreaterThanOrEqual(15);
    // one bar group per run in each chart; the tokens chart has a bar for every run
    expect(await page.locator('figure[data-chart="tokensPerStep"] g.bar').count()).toBe(3);
    expect(await page.locator('figure[data-chart="tokensPerStep"] rect').count()).toBe(3);
    expect(await page.locator('tr[data-row="tokensPerStep"] td').allTextContents()).toEqual(["tokens / step (all ranks)", "256", "256", "512"]);
    await page.close();
  });
});
