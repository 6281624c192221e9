/**
 * The HTML report in headless Chromium: it renders offline (no request but the
 * file, no console error, no CSP violation), its charts have size, its tables
 * sort and filter, and its headline agrees with figures recomputed from the raw
 * trace JSON (test/helpers/raw.ts), not with the program's own output.
 */
import { writeFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { isGpu, readRaw, referenceSteps } from "../helpers/raw.js";
import { artifactPath, chromiumAvailable, launch, openReport, type OpenedReport } from "./browser.js";
import { buildReports, tempDir, writeTemp } from "./build.js";

const TINY = fixture("llama-tiny-train.json.gz");
const hasChromium = chromiumAvailable();
const dir = tempDir("llmprof-html-");

/** Text of every cell of one column of the table under `section`, by header label. */
async function columnTexts(page: Page, section: string, header: string): Promise<string[]> {
  return page.evaluate(
    ([sectionId, label]) => {
      const table = document.querySelector(`#${sectionId} table.data`)!;
      const ths = [...table.querySelectorAll("thead th")];
      const idx = ths.findIndex((th) => (th.textContent ?? "").replace(/[▲▼↕]/g, "").trim() === label);
      if (idx < 0) throw new Error(`no column ${label}`);
      return [...table.querySelectorAll("tbody tr")].map((tr) => tr.children[idx]!.textContent ?? "");
    },
    [section, header] as const,
  );
}

const num = (t: string) => Number(t.replace(/[,%\s]|ms|µs/g, ""));

describe.skipIf(!hasChromium)("HTML report in Chromium", () => {
  let browser: Browser;
  let opened: OpenedReport;
  const raw = readRaw(TINY);
  const steps = referenceSteps(raw);
  const windowStart = steps[0]!.start;
  const windowEnd = steps[steps.length - 1]!.end;
  const namesInWindow = new Set(raw.traceEvents.filter((e) => isGpu(e) && e.ts! >= windowStart && e.ts! < windowEnd).map((e) => e.name!));

  beforeAll(async () => {
    const built = await buildReports([TINY]);
    const file = writeTemp(dir, "report.html", built.html);
    browser = await launch();
    opened = await openReport(browser, file);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("loads from disk with no other request and no console error", () => {
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([opened.url]);
    expect(opened.dialogs).toEqual([]);
  });

  it("draws every chart with a non-zero size", async () => {
    const { page } = opened;
    for (const chart of ["steps", "phases", "modules", "categories", "timeline"]) {
      const box = await page.locator(`[data-chart="${chart}"] svg`).first().boundingBox();
      expect(box, chart).not.toBeNull();
      expect(box!.width, chart).toBeGreaterThan(100);
      expect(box!.height, chart).toBeGreaterThan(40);
    }
    // one stacked bar per profiled step, four parts each
    expect(await page.locator('[data-chart="steps"] rect.mark').count()).toBe(steps.length * 4);
    // the timeline canvas has painted pixels
    const painted = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-chart="timeline"] canvas')!;
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return { n, w: c.width, h: c.height };
    });
    expect(painted.w).toBeGreaterThan(100);
    expect(painted.n).toBeGreaterThan(100);
  });

  it("shows the median step time recomputed from the raw trace", async () => {
    const durMs = steps.map((s) => (s.end - s.start) / 1e3).sort((a, b) => a - b);
    const n = durMs.length;
    const median = n % 2 ? durMs[(n - 1) / 2]! : (durMs[n / 2 - 1]! + durMs[n / 2]!) / 2;
    const text = await opened.page.locator('[data-headline="step-time"] .value').textContent();
    expect(text).toMatch(/ms$/);
    expect(Math.abs(num(text!) - median)).toBeLessThan(0.006);
  });

  it("lists every kernel name of the window and sorts when a header is clicked", async () => {
    const { page } = opened;
    await expect.poll(() => page.locator("#kernels .table-tools .count").textContent()).toBe(`${namesInWindow.size} rows`);
    await page.locator("#kernels").getByRole("button", { name: "Show all" }).click();
    const countHeader = page.locator('#kernels th[data-key="count"]');
    await countHeader.locator("button").click();
    expect(await countHeader.getAttribute("aria-sort")).toBe("descending");
    const desc = (await columnTexts(page, "kernels", "Count")).map(num);
    expect(desc.length).toBe(namesInWindow.size);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await countHeader.locator("button").click();
    expect(await countHeader.getAttribute("aria-sort")).toBe("ascending");
    const asc = (await columnTexts(page, "kernels", "Count")).map(num);
    expect(asc).toEqual([...desc].sort((a, b) => a - b));
    // a sort on another column resets the first one's state
    await page.locator('#kernels th[data-key="totalNs"] button').click();
    expect(await countHeader.getAttribute("aria-sort")).toBe("none");
    const totals = (await columnTexts(page, "kernels", "Total (ms)")).map(num);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
  });

  it("filters the kernel table by name, with the full name on hover", async () => {
    const { page } = opened;
    const expected = [...namesInWindow].filter((n) => n.toLowerCase().includes("nvjet"));
    expect(expected.length).toBeGreaterThan(0);
    await page.locator("#kernels input[type=search]").fill("nvjet");
    await expect.poll(() => page.locator("#kernels .table-tools .count").textContent()).toBe(`${expected.length} of ${namesInWindow.size} rows`);
    const titles = await page.locator("#kernels tbody td.name").evaluateAll((tds) => tds.map((td) => (td as HTMLElement).title));
    expect(titles.sort()).toEqual(expected.sort());
    await page.locator("#kernels input[type=search]").fill("");
  });

  it("shows a tooltip over a step bar and zooms the timeline", async () => {
    const { page } = opened;
    await page.locator('[data-chart="steps"] g.bar').first().hover();
    await expect.poll(() => page.locator(".tooltip").isVisible()).toBe(true);
    expect(await page.locator(".tooltip").textContent()).toContain("step time");
    const ticks = () => page.locator('[data-chart="timeline"] .axis .tick text').allTextContents();
    const before = (await ticks()).map(num);
    await page.getByRole("button", { name: "Zoom in" }).click();
    await page.waitForTimeout(400);
    const after = (await ticks()).map(num);
    expect(after[after.length - 1]! - after[0]!).toBeLessThan(before[before.length - 1]! - before[0]!);
  });

  it("switches the module icicle between all, forward and backward time", async () => {
    const { page } = opened;
    const rootLabel = () => page.locator('[data-chart="modules"] text.icicle-label').first().textContent();
    expect(await rootLabel()).toContain("(all)");
    await page.locator("#modules").getByRole("button", { name: "Forward", exact: true }).click();
    expect(await rootLabel()).toContain("(forward)");
    await page.locator("#modules").getByRole("button", { name: "Backward", exact: true }).click();
    expect(await rootLabel()).toContain("(backward)");
    await page.locator("#modules").getByRole("button", { name: "All", exact: true }).click();
    // the instance table lists every module span name of the trace
    await page.locator("#modules").getByRole("button", { name: "By instance" }).click();
    const spans = new Set(raw.traceEvents.filter((e) => e.cat === "python_function" && (e.name ?? "").startsWith("nn.Module: ")).map((e) => e.name!));
    await expect.poll(() => page.locator("#modules .table-tools .count").last().textContent()).toBe(`${spans.size} rows`);
  });

  it("saves a screenshot", async () => {
    const { page } = opened;
    await page.getByRole("button", { name: "Reset" }).click();
    await page.mouse.move(0, 0);
    await page.evaluate(() => window.scrollTo(0, 0));
    const png = await page.screenshot({ fullPage: true });
    writeFileSync(artifactPath("report-llama-tiny-train.png"), png);
    expect(png.length).toBeGreaterThan(10_000);
  });
});

const INFER = sharedTrace("kineto/llama-1b-infer-bs8.json.gz");

describe.skipIf(!hasChromium || INFER === null)("HTML report of the 1B inference trace (shared)", () => {
  it("stays under 3 MB and renders in under 2 s", async () => {
    const built = await buildReports([INFER!]);
    const file = writeTemp(dir, "infer.html", built.html);
    expect(Buffer.byteLength(built.html)).toBeLessThan(3 * 1024 * 1024);
    const browser = await launch();
    try {
      const opened = await openReport(browser, file);
      process.stderr.write(`[info] inference report: ${(Buffer.byteLength(built.html) / 1024).toFixed(0)} KiB, ready ${opened.loadMs} ms after navigation\n`);
      expect(opened.errors).toEqual([]);
      expect(opened.requests).toEqual([opened.url]);
      expect(opened.loadMs).toBeLessThan(2000);
      writeFileSync(artifactPath("report-llama-1b-infer-bs8.png"), await opened.page.screenshot({ fullPage: true }));
    } finally {
      await browser.close();
    }
  });
});

const SGLANG = fixture("external/mi300-sglang-qwen3-8b-decode.json.gz");

describe.skipIf(!hasChromium)("HTML inference view of SGLang serving steps", () => {
  it("renders the per step kind rows with the marker's batch and tokens, and no TTFT", async () => {
    // from the raw marker name step[DECODE bs=32]: one decode step, batch 32, 32 tokens
    const markers = readRaw(SGLANG).traceEvents.filter((e) => e.ph === "X" && e.cat === "user_annotation" && e.name === "step[DECODE bs=32]");
    const built = await buildReports([SGLANG]);
    const file = writeTemp(dir, "sglang.html", built.html);
    const browser = await launch();
    try {
      const opened = await openReport(browser, file);
      expect(opened.errors).toEqual([]);
      expect(await columnTexts(opened.page, "inference", "Step kind")).toEqual(["decode"]);
      expect((await columnTexts(opened.page, "inference", "Steps")).map(num)).toEqual([markers.length]);
      expect((await columnTexts(opened.page, "inference", "Mean batch")).map(num)).toEqual([32]);
      expect((await columnTexts(opened.page, "inference", "Tokens")).map(num)).toEqual([32]);
      const text = await opened.page.evaluate(() => document.querySelector("#inference")!.textContent ?? "");
      expect(text).toMatch(/Time to first token\s*n\/a/);
    } finally {
      await browser.close();
    }
  });
});
