/**
 * compare.html: `llmprof compare` as one self-contained page: a horizontal bar
 * chart per figure (one bar per run, d3), the full table, the scaling groups.
 * Same rules as report.html (reports/html/README.md): no network, a CSP that
 * allows only the inlined d3, the client script and the style by their hashes,
 * the data as an inert JSON block, and no trace string ever becomes markup
 * (the client uses textContent and d3's .text()).
 */
import { createHash } from "node:crypto";
import type { CompareResult } from "../src/analysis/compare.js";
import { COMPARE_CLIENT, COMPARE_CSS } from "./compare-html-client.js";
import { compareRows, PER_STEP_NOTE, unavailableLines } from "./compare-format.js";
import { readD3 } from "./html/assets.js";
import { escapeHtml, jsonScript } from "./html/embed.js";

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
  const scripts = [readD3(), COMPARE_CLIENT].map(normalize);
  for (const s of scripts) if (/<\/script/i.test(s)) throw new Error("llmprof: an inlined compare script contains </script");
  const css = normalize(COMPARE_CSS);
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map(hashSource).join(" ")}`,
    `style-src ${hashSource(css)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const version = escapeHtml(c.generator.version);
  return [
    "<!DOCTYPE html>",
    `<!-- llmprof ${version} compare: one self-contained file, no network access; the figures are in the #llmprof-compare JSON block -->`,
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="llmprof ${version}">`,
    `<title>llmprof compare — ${c.runs.length} runs</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${css}</style>`,
    "</head>",
    "<body>",
    "<noscript><p>This page draws its charts and table with JavaScript; the figures are also in compare.json and compare.md.</p></noscript>",
    '<div id="app"></div>',
    jsonScript("llmprof-compare", data),
    ...scripts.map((s) => `<script>${s}</script>`),
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function normalize(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

function hashSource(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}
