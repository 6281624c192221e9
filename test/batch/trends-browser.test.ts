/**
 * The batch index's trends in headless Chromium, over rows made here (two
 * models, seven nightly runs each, one step-time outlier): one chart per
 * headline figure, outliers named as a robust z-score computed here says, x
 * from a pattern on the path (commits in run-date order), lines per pattern.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyRow, TRACE_COLUMNS, type Row } from "../../src/batch/columns.js";
import { renderBatchIndex } from "../../reports/batch-index.js";
import { artifactPath, chromiumAvailable, launch, openReport, type OpenedReport } from "../reports/browser.js";
import { tempRoot } from "./helpers.js";

const hasChromium = chromiumAvailable();
const DAY = 86_400_000;
const START = Date.UTC(2025, 4, 1);
// step times of model a (one regression on the 5th night) and model b
const STEP_A = [100, 101, 99, 100, 160, 102, 100];
const STEP_B = [50, 51, 49, 50, 50, 52, 51];
// commits are not in alphabetical order: the x axis must follow run dates
const COMMITS = ["f00d", "0bad", "c0de", "beef", "1dea", "ace5", "5eed"];

function rowsFor(model: string, steps: number[]): Row[] {
  return steps.map((ms, i) => {
    const date = `2025-05-0${i + 1}`;
    return {
      ...emptyRow(TRACE_COLUMNS),
      root: "/archive",
      file: `${model}/${date}/commit-${COMMITS[i]}/trace.json.gz`,
      series: `${model}/{date}/commit-${COMMITS[i]}/trace.json.gz`.replace(/commit-\w+/, "commit-*"),
      run_date: START + i * DAY,
      run_date_source: "path",
      mtime: START + i * DAY + 3_600_000,
      gpu_model: "NVIDIA H100 80GB HBM3",
      step_count: 5,
      step_time_median_ms: ms,
      gpu_busy_pct: 90 - i,
      gpu_idle_pct: 10 + i,
      exposed_comm_pct: 1,
      mfu_pct: 40 + (model === "llama-a" ? 0 : 5),
      tokens_per_s: (1000 / ms) * 4096,
    };
  });
}

/** Iglewicz & Hoaglin: |0.6745 (x − median)| / MAD > 3.5, computed here independently of the page. */
function expectedOutliers(values: number[]): number[] {
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const m = med(values);
  const mad = med(values.map((v) => Math.abs(v - m)));
  return values.map((v, i) => (mad > 0 && (0.6745 * Math.abs(v - m)) / mad > 3.5 ? i : -1)).filter((i) => i >= 0);
}

describe.skipIf(!hasChromium)("batch index trends in Chromium", () => {
  let browser: Browser;
  let opened: OpenedReport;
  const rows = [...rowsFor("llama-a", STEP_A), ...rowsFor("llama-b", STEP_B)];

  beforeAll(async () => {
    const dir = tempRoot("llmprof-trends-");
    const file = join(dir, "index.html");
    writeFileSync(file, renderBatchIndex({ rows, errors: [], runs: [], shard: null, generatedAtMs: START + 10 * DAY }));
    browser = await launch();
    opened = await openReport(browser, file);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("draws one chart per headline figure, MFU and tokens/s included, with no error", async () => {
    expect(opened.errors).toEqual([]);
    const charts = await opened.page.locator("figure.chart").evaluateAll((fs) => fs.map((f) => f.getAttribute("data-chart")));
    expect(charts).toEqual(["step_time_median_ms", "gpu_busy_pct", "gpu_idle_pct", "exposed_comm_pct", "mfu_pct", "tokens_per_s"]);
    for (const key of ["mfu_pct", "tokens_per_s"]) expect(await opened.page.locator(`figure[data-chart="${key}"] circle`).count()).toBe(rows.length);
  });

  it("names the step-time outlier of its line, and no other", async () => {
    const a = expectedOutliers(STEP_A).map((i) => rowsFor("llama-a", STEP_A)[i]!["file"]);
    const b = expectedOutliers(STEP_B).map((i) => rowsFor("llama-b", STEP_B)[i]!["file"]);
    expect(a).toEqual(["llama-a/2025-05-05/commit-1dea/trace.json.gz"]);
    expect(b).toEqual([]);
    const chart = opened.page.locator('figure[data-chart="step_time_median_ms"]');
    expect(await chart.getAttribute("data-outliers")).toBe("1");
    expect(await chart.locator("li[data-file]").evaluateAll((ls) => ls.map((l) => l.getAttribute("data-file")))).toEqual(a);
    expect(await chart.locator("li[data-file]").first().textContent()).toContain("160.00 vs median 100.00");
    expect(await chart.locator("circle.outlier").count()).toBe(1);
    await opened.page.screenshot({ path: artifactPath("batch-index-trends.png"), fullPage: true });
  });

  it("puts commits from a path pattern on x in run-date order, and draws one line per model from a pattern", async () => {
    const page = opened.page;
    await page.selectOption("#trend-x", "pattern");
    await page.fill("#trend-x-pattern", "commit-([0-9a-f]+)");
    await page.dispatchEvent("#trend-x-pattern", "change");
    await page.selectOption("#trend-group", "pattern");
    await page.fill("#trend-group-pattern", "^([^/]+)/");
    await page.dispatchEvent("#trend-group-pattern", "change");
    const legend = await page.locator("#trends ul.legend li").allTextContents();
    expect(legend.sort()).toEqual(["llama-a", "llama-b"]);
    const points = await page
      .locator('figure[data-chart="step_time_median_ms"] circle')
      .evaluateAll((cs) => cs.map((c) => ({ x: Number(c.getAttribute("cx")), title: c.querySelector("title")?.textContent ?? "" })));
    expect(points).toHaveLength(rows.length);
    const xOf = (commit: string) => points.find((p) => p.title.includes(`commit-${commit}/`) && p.title.startsWith("llama-a"))!.x;
    const xs = COMMITS.map(xOf);
    for (let i = 1; i < xs.length; i++) expect(xs[i]!, COMMITS[i]).toBeGreaterThan(xs[i - 1]!);
    expect(await page.locator("path.trend").count()).toBe(2 * 6); // two lines in each of the six charts
    await page.screenshot({ path: artifactPath("batch-index-trends-commits.png"), fullPage: true });
    await page.fill("#trend-x-pattern", "([");
    await page.dispatchEvent("#trend-x-pattern", "change");
    expect(await page.locator("#trend-note").textContent()).toMatch(/not a valid regular expression/);
    expect(opened.errors).toEqual([]);
  });
});

// A path pattern may capture "__proto__" or "constructor": the page once kept each category's first run
// date in a plain object, where those names read Object.prototype's members, so "__proto__" fell off
// the x axis (its points drawn at NaN) and "constructor" sorted on NaN.
describe.skipIf(!hasChromium)("batch index trends: categories named like Object members", () => {
  const NAMES = ["__proto__", "constructor", "toString", "plain"]; // in run-date order
  const protoRows: Row[] = NAMES.map((name, i) => ({
    ...emptyRow(TRACE_COLUMNS),
    root: "/archive",
    file: `runs/${name}/trace.json.gz`,
    series: "runs/{name}/trace.json.gz",
    run_date: START + i * DAY,
    run_date_source: "path",
    step_count: 5,
    step_time_median_ms: 100 + i,
  }));
  let browser: Browser;
  let opened: OpenedReport;
  beforeAll(async () => {
    const file = join(tempRoot("llmprof-trends-proto-"), "index.html");
    writeFileSync(file, renderBatchIndex({ rows: protoRows, errors: [], runs: [], shard: null, generatedAtMs: START + 10 * DAY }));
    browser = await launch();
    opened = await openReport(browser, file);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("places every category on x, in run-date order", async () => {
    const page = opened.page;
    await page.selectOption("#trend-x", "pattern");
    await page.fill("#trend-x-pattern", "^runs/([^/]+)/");
    await page.dispatchEvent("#trend-x-pattern", "change");
    const chart = page.locator('figure[data-chart="step_time_median_ms"]');
    const points = await chart.locator("circle").evaluateAll((cs) => cs.map((c) => ({ cx: Number(c.getAttribute("cx")), title: c.querySelector("title")?.textContent ?? "" })));
    expect(points).toHaveLength(NAMES.length);
    const xs = NAMES.map((name) => points.find((p) => p.title.startsWith(`runs/${name}/`))!.cx);
    for (const x of xs) expect(Number.isFinite(x)).toBe(true);
    for (let i = 1; i < xs.length; i++) expect(xs[i]!, NAMES[i]).toBeGreaterThan(xs[i - 1]!);
    // the x axis is the chart's first axis; labels over 10 characters are cut to 9 and "…"
    const ticks = await chart.locator("svg > g:first-of-type .tick text").allTextContents();
    expect(ticks).toEqual(NAMES.map((n) => (n.length > 10 ? n.slice(0, 9) + "…" : n)));
    expect(opened.errors).toEqual([]);
  });
});
