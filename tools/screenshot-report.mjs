#!/usr/bin/env node
/**
 * The README screenshot of the HTML report: the top of a report.html in headless
 * Chromium at 1280x1000. Analyse the trace by a relative path first, so the page
 * shows no directory of this machine:
 *   (cd ../shared/traces && node ../../wt/dist/bundle/main.js analyze kineto/llama-1b-train-sdpa.json.gz -o /tmp/r/report.html)
 *   node tools/screenshot-report.mjs /tmp/r/report.html docs/report-screenshot.png
 * Needs playwright-core (a dev dependency) and Chromium (LLMPROF_CHROMIUM or /usr/bin/chromium).
 */
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write("usage: screenshot-report.mjs report.html out.png\n");
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: process.env.LLMPROF_CHROMIUM ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(pathToFileURL(input).href);
  await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
  await page.screenshot({ path: output });
} finally {
  await browser.close();
}
