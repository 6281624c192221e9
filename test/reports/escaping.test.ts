/**
 * Hostile trace strings. The input is the real fixture with some names edited
 * in this test (stated here: the kernel, operator and trace names below are
 * written by the test, the rest of the trace is the recorded one). The HTML
 * must show them as text (no dialog, no injected element) and the Markdown
 * must escape them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../helpers/paths.js";
import type { RawTrace } from "../helpers/raw.js";
import { chromiumAvailable, launch, openReport, type OpenedReport } from "./browser.js";
import { buildReports, tempDir, writeTemp, type Built } from "./build.js";

const SCRIPT = "<script>alert(1)</script>";
const QUOTES = `"double" 'single' & ampersand </script><img src=x onerror=alert(2)>`;
const PIPES = "pipe|name `tick` *star* [link] a\\b";
const HUGE = `void huge_kernel<${"Arg, ".repeat(20_000)}>(int)`; // 100 KB
const OPERATOR = "aten::mm<svg/onload=alert(3)>";
const TRACE_NAME = `<i>trace"&'name`;

const dir = tempDir("llmprof-escape-");

/** The fixture with its four longest-running kernel names, aten::mm and the trace name replaced. */
function hostileTrace(): string {
  const raw = JSON.parse(gunzipSync(readFileSync(fixture("llama-tiny-train.json.gz"))).toString("utf8")) as RawTrace;
  const total = new Map<string, number>();
  for (const e of raw.traceEvents) if (e.cat === "kernel") total.set(e.name!, (total.get(e.name!) ?? 0) + (e.dur ?? 0));
  const top = [...total].sort((a, b) => b[1] - a[1]).map(([n]) => n);
  const rename = new Map([
    [top[0]!, SCRIPT],
    [top[1]!, QUOTES],
    [top[2]!, PIPES],
    [top[3]!, HUGE],
  ]);
  let ops = 0;
  for (const e of raw.traceEvents) {
    if (e.cat === "kernel" && rename.has(e.name!)) e.name = rename.get(e.name!)!;
    if (e.cat === "cpu_op" && e.name === "aten::mm") {
      e.name = OPERATOR;
      ops++;
    }
  }
  expect(ops).toBeGreaterThan(0);
  raw["traceName"] = TRACE_NAME;
  return writeTemp(dir, "hostile.json.gz", gzipSync(JSON.stringify(raw)));
}

let built: Built;
beforeAll(async () => {
  built = await buildReports([hostileTrace()]);
});

describe("Markdown escapes trace strings", () => {
  it("has no raw HTML from the trace", () => {
    const md = built.markdown;
    for (const bad of ["<script", "<img", "<svg", "<i>", "</script"]) expect(md).not.toContain(bad);
    expect(md).toContain("&lt;script&gt;alert");
    expect(md).toContain("aten::mm&lt;svg/onload=alert(3)&gt;");
    expect(md).toContain("&lt;i&gt;trace\"&amp;'name");
    expect(md.length).toBeLessThan(65_000);
  });

  it("keeps table rows intact and neutralises code, emphasis and links", () => {
    const line = built.markdown.split("\n").find((l) => l.includes("pipe"));
    expect(line).toBeDefined();
    // a top-kernels row has 7 cells (the last: the deciding rule): 8 unescaped pipes
    expect(line!.match(/(?<!\\)\|/g)!.length).toBe(8);
    expect(line).toContain("pipe\\|name");
    expect(line).not.toContain("`");
    expect(line).toContain("&#96;tick&#96;");
    expect(line).toContain("\\*star\\*");
    expect(line).toContain("\\[link\\]");
    expect(line).toContain("a\\\\b");
  });

  it("cuts the 100 KB name", () => {
    expect(built.markdown).toContain("huge_kernel");
    const longest = Math.max(...built.markdown.split("\n").map((l) => l.length));
    expect(longest).toBeLessThan(1000);
  });
});

describe("HTML carries trace strings as data", () => {
  it("never lets a trace string into the markup", () => {
    const html = built.html;
    for (const s of [SCRIPT, QUOTES, OPERATOR, "<i>trace"]) expect(html).not.toContain(s);
    // the only script elements are the report's own
    const scripts = html.match(/<script\b/g)!.length;
    const closing = html.match(/<\/script>/g)!.length;
    expect(closing).toBe(scripts);
    expect(html).toContain("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e");
  });
});

const hasChromium = chromiumAvailable();

describe.skipIf(!hasChromium)("hostile names in Chromium", () => {
  let browser: Browser;
  let opened: OpenedReport;
  let scriptTags: number;
  beforeAll(async () => {
    scriptTags = built.html.match(/<script\b/g)!.length;
    browser = await launch();
    opened = await openReport(browser, writeTemp(dir, "hostile.html", built.html));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("runs nothing from the trace", async () => {
    const { page } = opened;
    await page.waitForTimeout(300); // give an injected handler the chance to fire
    expect(opened.dialogs).toEqual([]);
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([opened.url]);
    const dom = await page.evaluate(() => ({
      scripts: document.querySelectorAll("script").length,
      img: document.querySelectorAll("img").length,
      handlers: document.querySelectorAll("[onerror],[onload],[onclick]").length,
      italic: document.querySelectorAll("i").length,
    }));
    expect(dom).toEqual({ scripts: scriptTags, img: 0, handlers: 0, italic: 0 });
  });

  it("shows the names as text, the full name on hover", async () => {
    const { page } = opened;
    await page.locator("#kernels").getByRole("button", { name: "Show all" }).click();
    const cells = await page
      .locator("#kernels tbody td.name")
      .evaluateAll((tds) => tds.map((td) => ({ title: (td as HTMLElement).title, text: td.textContent ?? "", visible: (td as HTMLElement).offsetWidth > 0 })));
    const byTitle = new Map(cells.map((c) => [c.title, c]));
    const script = byTitle.get(SCRIPT);
    expect(script?.visible).toBe(true);
    expect(script!.text).toContain("<script>alert");
    const quotes = byTitle.get(QUOTES);
    expect(quotes!.text).toContain(`"double" 'single' & ampersand`);
    const huge = byTitle.get(HUGE);
    expect(huge).toBeDefined();
    expect(huge!.text.trim().length).toBeLessThan(100);
    expect(byTitle.get(PIPES)!.text).toContain("pipe|name");
    // operator and trace names
    const opNames = await page.locator("#operators tbody td.name").allTextContents();
    expect(opNames).toContain(OPERATOR);
    expect(await page.locator("h1").textContent()).toContain(TRACE_NAME);
    expect(await page.title()).toContain(TRACE_NAME);
  });

  it("renders the page with the 100 KB name", async () => {
    writeFileSync(dir + "/hostile.png", await opened.page.screenshot({ fullPage: false }));
    expect(await opened.page.locator('[data-chart="categories"] svg').count()).toBe(1);
  });
});
