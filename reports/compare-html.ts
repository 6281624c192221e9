/**
 * compare.html: `llmprof compare` as one self-contained page: a horizontal bar
 * chart per figure (one bar per run, d3), the full table, the scaling groups.
 * Same rules as report.html (reports/html/README.md): no network, a CSP that
 * allows only the inlined d3, the client script and the style by their hashes,
 * the data as an inert JSON block, and no trace string ever becomes markup
 * (the client uses textContent and d3's .text()).
 */
import type { CompareResult } from "../src/analysis/compare.js";
import { compareRows, PER_STEP_NOTE, unavailableLines } from "./compare-format.js";
import { readAsset, readD3, readStyles } from "./html/assets.js";
import { renderPage } from "./html/page.js";

/** What the page's script reads from the #llmprof-compare block. */
export interface CompareHtmlData {
  generator: string;
  labels: string[];
  files: string[][];
  rows: ReturnType<typeof compareRows>;
  scaling: CompareResult["scaling"];
  scalingRule: string;
  perStepNote: string;
  notes: string[];
  result: CompareResult;
}

export function renderCompareHtml(c: CompareResult): string {
  const data: CompareHtmlData = {
    generator: `llmprof ${c.generator.version}`,
    labels: c.runs.map((r) => r.label),
    files: c.runs.map((r) => r.files),
    rows: compareRows(c),
    scaling: c.scaling,
    scalingRule: c.scalingRule,
    perStepNote: PER_STEP_NOTE,
    notes: [...c.notes, ...unavailableLines(c)],
    result: c,
  };
  return renderPage({
    kind: "compare",
    version: c.generator.version,
    title: `llmprof compare — ${c.runs.length} runs`,
    dataId: "llmprof-compare",
    data,
    scripts: [readD3(), readAsset("pages/dom.js"), readAsset("pages/compare.js")],
    css: readStyles("pages/page.css", "pages/compare.css"),
    noscript: "This page draws its charts and table with JavaScript; the figures are also in compare.json and compare.md.",
  });
}
