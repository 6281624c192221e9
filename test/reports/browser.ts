/**
 * Headless Chromium for the report tests (Debian's `chromium`, driven by
 * playwright-core). When the browser is missing the tests skip with a note,
 * except under CI, where .ci/run installs it and its absence is an error (unless
 * .ci/run could not install it and set LLMPROF_BROWSER_OPTIONAL).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { ROOT } from "../helpers/paths.js";

export const CHROMIUM = process.env["LLMPROF_CHROMIUM"] ?? "/usr/bin/chromium";
export const ARTIFACTS = join(ROOT, "test-artifacts");

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env["CI"] && !process.env["LLMPROF_BROWSER_OPTIONAL"]) throw new Error(`Chromium not found at ${CHROMIUM}; .ci/run installs it (apt-get install chromium)`);
  process.stderr.write(`[skip] Chromium not found at ${CHROMIUM} (apt-get install -y chromium); the browser tests of the HTML report are skipped\n`);
  return false;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export interface OpenedReport {
  page: Page;
  url: string;
  /** Console messages of type error, uncaught exceptions, CSP violations. */
  errors: string[];
  /** Every URL the page requested (the report itself included). */
  requests: string[];
  /** Messages of alert/confirm/prompt dialogs (none should ever open). */
  dialogs: string[];
  /** ms from the start of navigation to body[data-ready] (main.js done). */
  loadMs: number;
}

export async function openReport(browser: Browser, file: string, viewport = { width: 1280, height: 900 }): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport });
  const url = pathToFileURL(file).href;
  const errors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("request", (r) => requests.push(r.url()));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url);
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
  const loadMs = Number(await page.getAttribute("body", "data-render-ms"));
  return { page, url, errors, requests, dialogs, loadMs };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
