/**
 * index.html of `llmprof batch`: one self-contained page over the traces table.
 * Trend charts over time (by run date: a date in the path, else the file's
 * mtime), one line per series (the path with its date blanked); a sortable,
 * filterable table of the traces linking to their reports; the failed traces.
 * Same rules as report.html (reports/html/README.md): no network, a CSP that
 * allows only the inlined d3, client script and style by hash, data as a JSON
 * block, no trace string ever becomes markup.
 */
import { VERSION } from "../src/version.js";
import { readAsset, readD3, readStyles } from "./html/assets.js";
import { renderPage } from "./html/page.js";

/** One table row as the page reads it: column name -> cell (src/batch/columns.ts's Row fits). */
export type IndexRow = Readonly<Record<string, string | number | boolean | null>>;

export interface BatchIndexInput {
  rows: readonly IndexRow[];
  errors: readonly IndexRow[];
  /** The runs table (one row per run); absent for callers that have none. */
  runs?: readonly IndexRow[];
  /** This batch's shard (`--shard k/n`), null when unsharded. */
  shard: { readonly index: number; readonly count: number } | null;
  generatedAtMs: number;
}

/** Columns the page shows; the rest stay in the Parquet/CSV tables. */
const ROW_FIELDS = [
  "file",
  "rank",
  "run_date",
  "run_date_source",
  "series",
  "format",
  "gpu_model",
  "partial",
  "step_count",
  "step_time_median_ms",
  "gpu_busy_pct",
  "gpu_compute_pct",
  "gpu_idle_pct",
  "exposed_comm_pct",
  "mfu_pct",
  "tokens_per_s",
  "mtime",
  "report",
] as const;
const ERROR_FIELDS = ["file", "size_bytes", "mtime", "error"] as const;
const RUN_FIELDS = [
  "run",
  "run_date",
  "world_size",
  "ranks_found",
  "ranks_missing",
  "complete",
  "files_failed",
  "slowest_rank",
  "step_time_slowest_rank_ms",
  "straggler_rank",
  "straggler_delay_ms",
  "exposed_comm_ms_per_step_all_ranks",
] as const;
// only links the batch itself makes: reports/<sanitised folder>/report.html
const REPORT_LINK = /^reports\/[A-Za-z0-9._-]+\/report\.html$/;

export function renderBatchIndex(input: BatchIndexInput): string {
  const pick = (r: IndexRow, fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, r[f] ?? null]));
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
    runs: (input.runs ?? []).map((r) => pick(r, RUN_FIELDS)),
  };
  return renderPage({
    kind: "batch index",
    version: VERSION,
    title: `llmprof batch${data.shard ? ` (shard ${data.shard})` : ""}`,
    dataId: "llmprof-batch",
    data,
    scripts: [readD3(), readAsset("pages/dom.js"), readAsset("pages/batch-index.js")],
    css: readStyles("pages/page.css", "pages/batch-index.css"),
    noscript: "This index draws its charts and tables with JavaScript. The data is also in traces.parquet / traces.csv next to it.",
  });
}
