/**
 * index.html of `llmprof batch`: one self-contained page over the traces table.
 * Trend charts over time (by run date: a date in the path, else the file's
 * mtime), one line per series (the path with its date blanked); a sortable,
 * filterable table of the traces linking to their reports; the failed traces.
 * Same rules as report.html (reports/html/README.md): no network, a CSP that
 * allows only the inlined d3, client script and style by hash, data as a JSON
 * block, no trace string ever becomes markup.
 */
import { createHash } from "node:crypto";
import type { Row } from "../src/batch/columns.js";
import type { Shard } from "../src/batch/naming.js";
import { VERSION } from "../src/version.js";
import { BATCH_INDEX_CLIENT, BATCH_INDEX_CSS } from "./batch-index-client.js";
import { readD3 } from "./html/assets.js";
import { escapeHtml, jsonScript } from "./html/embed.js";

export interface BatchIndexInput {
  rows: readonly Row[];
  errors: readonly Row[];
  shard: Shard | null;
  generatedAtMs: number;
}

/** Columns the page shows; the rest stay in the Parquet/CSV tables. */
const ROW_FIELDS = [
  "file", "rank", "run_date", "run_date_source", "series", "format", "gpu_model", "partial", "step_count",
  "step_time_median_ms", "gpu_busy_pct", "gpu_compute_pct", "gpu_idle_pct", "exposed_comm_pct", "report",
] as const;
const ERROR_FIELDS = ["file", "size_bytes", "mtime", "error"] as const;
// only links the batch itself makes: reports/<sanitised folder>/report.html
const REPORT_LINK = /^reports\/[A-Za-z0-9._-]+\/report\.html$/;

export function renderBatchIndex(input: BatchIndexInput): string {
  const pick = (r: Row, fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, r[f] ?? null]));
  const data = {
    generator: `llmprof ${VERSION}`,
    generatedAtMs: input.generatedAtMs,
    shard: input.shard ? `${input.shard.index}/${input.shard.count}` : null,
    rows: input.rows.map((r) => {
      const o = pick(r, ROW_FIELDS);
      if (typeof o["report"] !== "string" || !REPORT_LINK.test(o["report"])) o["report"] = null;
      return o;
    }),
    errors: input.errors.map((r) => pick(r, ERROR_FIELDS)),
  };
  const scripts = [readD3(), BATCH_INDEX_CLIENT].map(normalize);
  for (const s of scripts) if (/<\/script/i.test(s)) throw new Error("llmprof: an inlined index script contains </script");
  const css = normalize(BATCH_INDEX_CSS);
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map(hashSource).join(" ")}`,
    `style-src ${hashSource(css)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const title = `llmprof batch${data.shard ? ` (shard ${data.shard})` : ""}`;
  return [
    "<!DOCTYPE html>",
    `<!-- llmprof ${escapeHtml(VERSION)} batch index: one self-contained file, no network access; the rows are in the #llmprof-batch JSON block -->`,
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${css}</style>`,
    "</head>",
    "<body>",
    '<noscript><p>This index draws its charts and tables with JavaScript. The data is also in traces.parquet / traces.csv next to it.</p></noscript>',
    '<div id="app"></div>',
    jsonScript("llmprof-batch", data),
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
