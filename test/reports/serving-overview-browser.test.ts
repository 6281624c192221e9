/**
 * The overview of a serving-engine trace (SGLang decode on MI300, fixtures/external)
 * in headless Chromium: the step card shows the engine's step (not "whole trace"),
 * its time equals the raw marker window, and the TTFT / TPOT card shows the time
 * per output token of a decode-only trace.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../helpers/paths.js";
import { readRaw, referenceServingWindow } from "../helpers/raw.js";
import { chromiumAvailable, launch, openReport, type OpenedReport } from "./browser.js";
import { buildReports, tempDir, writeTemp } from "./build.js";

const SGLANG = fixture("external/mi300-sglang-qwen3-8b-decode.json.gz");
const hasChromium = chromiumAvailable();

describe.skipIf(!hasChromium)("overview of a serving-engine trace", () => {
  let browser: Browser;
  let opened: OpenedReport;
  beforeAll(async () => {
    const built = await buildReports([SGLANG]);
    browser = await launch();
    opened = await openReport(browser, writeTemp(tempDir("llmprof-serving-"), "report.html", built.html));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("the step card and the profiled facts name the serving-engine step and its raw window", async () => {
    expect(opened.errors).toEqual([]);
    const { windowUs } = referenceServingWindow(readRaw(SGLANG), "step[DECODE bs=32]");
    const card = (await opened.page.locator('[data-headline="step-time"]').innerText()).replace(/\s+/g, " ");
    expect(card).toContain("Step time (median)");
    expect(card).toContain("1 serving-engine step");
    expect(card).toContain(`${(windowUs / 1000).toFixed(2)} ms`);
    const body = await opened.page.locator("#overview").innerText();
    expect(body).not.toContain("no ProfilerStep ranges");
    expect(body).toContain("serving-engine steps (SGLang/vLLM markers");
    // decode only: no first token; one decode step of 32 sequences, one token each, per output token = the step
    expect(body.replace(/\s+/g, " ")).toContain(`n/a / ${(windowUs / 1000).toFixed(2)} ms`);
  });
});
