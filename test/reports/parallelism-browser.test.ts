/**
 * The "Parallelism" view of the HTML report in headless Chromium, on the PP=2 1F1B
 * recording (m=4): it renders without console error, draws one step per rank and the
 * pipeline schedule, and its blocks and bubbles agree with the raw per-rank JSON.
 */
import { writeFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../helpers/paths.js";
import { isComm, readRaw, referenceSteps } from "../helpers/raw.js";
import { artifactPath, chromiumAvailable, launch, openReport, type OpenedReport } from "./browser.js";
import { buildReports, tempDir, writeTemp } from "./build.js";

const PATHS = [0, 1].map((r) => fixture(`distributed/pp2-1f1b-m4-rank${r}.json.gz`));
const hasChromium = chromiumAvailable();

/** Per rank: P2P ops of the step (each is one micro-batch's activation or gradient) and the bubble in ms. */
function rawStage(path: string): { ops: number; bubbleMs: number } {
  const raw = readRaw(path);
  const st = referenceSteps(raw)[0]!;
  const ops = raw.traceEvents.filter((e) => e.name === "record_param_comms" && ["send", "recv"].includes(String(e.args?.["Collective name"])) && e.ts! >= st.start && e.ts! < st.end).length;
  const clip = (e: { ts?: number; dur?: number }) => [Math.max(e.ts!, st.start), Math.min(e.ts! + e.dur!, st.end)] as [number, number];
  const comm = raw.traceEvents.filter((e) => isComm(e) && e.ts! >= st.start && e.ts! < st.end).map(clip);
  const compute = raw.traceEvents.filter((e) => e.cat === "kernel" && !isComm(e) && e.ts! < st.end && e.ts! + e.dur! > st.start).map(clip);
  // bubble = comm minus compute, by a sweep over 1 µs-free endpoints
  const events = [
    ...comm.flatMap(([a, b]) => [
      [a, 1, 0],
      [b, -1, 0],
    ]),
    ...compute.flatMap(([a, b]) => [
      [a, 0, 1],
      [b, 0, -1],
    ]),
  ].sort((x, y) => x[0]! - y[0]!);
  let c = 0,
    k = 0,
    last = 0,
    bubble = 0;
  for (const [t, dc, dk] of events) {
    if (c > 0 && k === 0) bubble += t! - last;
    c += dc!;
    k += dk!;
    last = t!;
  }
  return { ops, bubbleMs: bubble / 1000 };
}

describe.skipIf(!hasChromium)("HTML Parallelism view in Chromium (PP=2, 1F1B, m=4)", () => {
  let browser: Browser;
  let opened: OpenedReport;
  beforeAll(async () => {
    const built = await buildReports(PATHS);
    const file = writeTemp(tempDir("llmprof-par-"), "report.html", built.html);
    browser = await launch();
    opened = await openReport(browser, file, { width: 1280, height: 1000 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("renders offline with no console error and draws both charts", async () => {
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([opened.url]);
    for (const chart of ["parallel-step", "pipeline"]) {
      const box = await opened.page.locator(`#parallelism [data-chart="${chart}"] svg`).first().boundingBox();
      expect(box, chart).not.toBeNull();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(40);
    }
  });

  it("the schedule shows one block per micro-batch pass (= the raw send/recv ops of the stage) and the bubble column equals the raw recomputation", async () => {
    const { page } = opened;
    const blocks = await page.locator('#parallelism [data-chart="pipeline"] rect.mark[fill="#4c8bd6"], #parallelism [data-chart="pipeline"] rect.mark[fill="#e39b3b"]').count();
    const ref = PATHS.map(rawStage);
    expect(blocks).toBe(ref[0]!.ops + ref[1]!.ops);
    const cells = await page.evaluate(() => {
      const tables = [...document.querySelectorAll("#parallelism table.data")];
      const t = tables[tables.length - 1]!;
      const idx = [...t.querySelectorAll("thead th")].findIndex((th) => (th.textContent ?? "").includes("Bubble (ms)"));
      return [...t.querySelectorAll("tbody tr")].map((tr) => tr.children[idx]!.textContent ?? "");
    });
    expect(cells.length).toBe(2);
    cells.forEach((c, stage) => expect(Math.abs(Number(c.replace(/,/g, "")) - ref[stage]!.bubbleMs)).toBeLessThan(0.01));
    // communication lanes: every rank's lane shows PP-coloured P2P kernels
    expect(await page.locator('#parallelism [data-chart="parallel-step"] rect.mark[fill="#8a3fc4"]').count()).toBeGreaterThanOrEqual(2);
  });

  it("saves a screenshot of the view", async () => {
    const section = opened.page.locator("#parallelism");
    await section.scrollIntoViewIfNeeded();
    const png = await section.screenshot();
    writeFileSync(artifactPath("report-parallelism-pp2-m4.png"), png);
    expect(png.length).toBeGreaterThan(10_000);
  });
});
