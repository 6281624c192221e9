/**
 * The critical-path view and the path on the GPU timeline in headless Chromium,
 * on the two-stage 1F1B pipeline fixture: the page renders without errors, the
 * step time shown is the raw step time (test/helpers/raw.ts), the strip draws
 * one bar per path segment, and the timeline's path toggle redraws.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../helpers/paths.js";
import { readRaw, referenceSteps } from "../helpers/raw.js";
import { artifactPath, chromiumAvailable, launch, openReport, type OpenedReport } from "./browser.js";
import { buildReports, tempDir, writeTemp, type Built } from "./build.js";

const PAIR = [0, 1].map((r) => fixture(`distributed/pp2-1f1b-m4-rank${r}.json.gz`));
const hasChromium = chromiumAvailable();

describe.skipIf(!hasChromium)("critical path in the HTML report", () => {
  let browser: Browser;
  let opened: OpenedReport;
  let built: Built;

  beforeAll(async () => {
    built = await buildReports(PAIR);
    const file = writeTemp(tempDir("llmprof-cp-"), "report.html", built.html);
    browser = await launch();
    opened = await openReport(browser, file, { width: 1400, height: 1000 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("renders the view with the raw step time, a strip with one bar per segment, and the what-if table", async () => {
    expect(opened.errors).toEqual([]);
    const { page } = opened;
    const cp = built.summary.criticalPath;
    if (!cp.available) throw new Error(cp.reason);
    const st = cp.steps[0]!;
    // the path starts from the rank with the longest step: its raw step time
    const raw = referenceSteps(readRaw(PAIR[st.rank]!))[0]!;
    const shown = await page.evaluate(() => {
      const row = document.querySelector("#critical-path table.data tbody tr")!;
      return [...row.children].map((td) => td.textContent ?? "");
    });
    expect(Number(shown[2]!.replace(/,/g, ""))).toBeCloseTo((raw.end - raw.start) / 1000, 1);
    const bars = await page.locator('#critical-path [data-chart="critical-path"] g.path-strip rect').count();
    expect(bars).toBe(st.segments.length);
    const whatIfRows = await page.locator('#critical-path [data-table="what-if"] tbody tr').count();
    expect(whatIfRows).toBe(st.whatIf.length);
    await page.locator("#critical-path").screenshot({ path: artifactPath("critical-path-view.png") });
  });

  it("draws the path on the GPU timeline and toggles it", async () => {
    const { page } = opened;
    const dark = () =>
      page.evaluate(() => {
        const canvas = document.querySelector("#timeline canvas") as HTMLCanvasElement;
        const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i]! === 17 && data[i + 1]! === 17 && data[i + 2]! === 17) n++;
        return n;
      });
    const on = await dark();
    expect(on).toBeGreaterThan(0);
    await page.locator("#timeline").screenshot({ path: artifactPath("critical-path-timeline.png") });
    await page.getByRole("button", { name: "off" }).click();
    expect(await dark()).toBe(0);
    expect(opened.errors).toEqual([]);
  });
});
