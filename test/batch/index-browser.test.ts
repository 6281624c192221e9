/**
 * The batch index in headless Chromium: it renders offline (no request but the
 * page, no console error or CSP violation, no dialog from the odd trace name),
 * draws one trend chart per figure, lists every row, links each to a report
 * that exists, and sorts and filters. Built in-process by runBatch.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBatch, type BatchResult } from "../../src/batch/run.js";
import { artifactPath, chromiumAvailable, launch, openReport, type OpenedReport } from "../reports/browser.js";
import { makeArchive, type Archive } from "./helpers.js";

const hasChromium = chromiumAvailable();

describe.skipIf(!hasChromium)("batch index.html in Chromium", () => {
  let browser: Browser;
  let opened: OpenedReport;
  let archive: Archive;
  let result: BatchResult;

  beforeAll(async () => {
    archive = makeArchive();
    result = await runBatch({ inputs: [join(archive.input, "odd"), join(archive.input, "multi-gpu"), join(archive.input, "nsys")], outDir: archive.out, reports: true });
    browser = await launch();
    opened = await openReport(browser, join(archive.out, "index.html"));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("renders offline without errors or dialogs", async () => {
    expect(opened.errors).toEqual([]);
    expect(opened.dialogs).toEqual([]);
    expect(opened.requests).toEqual([opened.url]);
    expect(await opened.page.locator("img").count()).toBe(0);
    await opened.page.screenshot({ path: artifactPath("batch-index.png"), fullPage: true });
  });

  it("draws the six trend charts with one point per row", async () => {
    const charts = await opened.page.locator("figure.chart").count();
    expect(charts).toBe(6);
    const points = await opened.page.locator('figure[data-chart="step_time_median_ms"] circle').count();
    expect(points).toBe(result.rows.filter((r) => typeof r["step_time_median_ms"] === "number").length);
  });

  it("lists the runs: the two DDP rank files as one complete run of 2 ranks", async () => {
    const rows = opened.page.locator("#runs tbody tr");
    expect(await rows.count()).toBe(result.runs.length);
    const ddp = rows.filter({ has: opened.page.locator("td:first-child", { hasText: /^multi-gpu$/ }) });
    expect(await ddp.locator("td").nth(2).textContent()).toBe("2 of 2");
    expect(await opened.page.locator("#runs").textContent()).not.toContain("incomplete");
  });

  it("lists every row, the odd name as text, with links to reports that exist", async () => {
    const cells = await opened.page.locator("#traces tbody tr td:first-child").allTextContents();
    expect(cells.length).toBe(result.rows.length);
    expect(cells.some((c) => c.includes("<img src=x onerror=alert(1)>"))).toBe(true);
    const hrefs = await opened.page.locator("#traces tbody a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs.length).toBe(result.rows.length);
    for (const h of hrefs) expect(existsSync(fileURLToPath(h)), h).toBe(true);
    for (const h of hrefs) expect(dirname(dirname(dirname(fileURLToPath(h))))).toBe(archive.out);
  });

  it("sorts by a column and filters by path", async () => {
    const page = opened.page;
    await page.locator('#traces th[data-key="step_time_median_ms"]').click();
    const col = async () => (await page.locator("#traces tbody tr td:nth-child(7)").allTextContents()).map((t) => Number(t.replace(/,/g, "")));
    const values = await col();
    expect(values).toEqual([...values].sort((a, b) => b - a));
    await page.locator("#traces input[type=search]").fill("straggler");
    expect(await page.locator("#traces tbody tr").count()).toBe(2);
  });
});
