/**
 * `llmprof query <results> "<SQL>" [-f table|csv|json]`: SQL over a batch
 * output directory (src/batch/query.ts). Exit 0 with the rows on stdout; 2 for
 * a directory without batch output or SQL that DuckDB rejects.
 */
import type { Command } from "commander";
import { renderCsv } from "../../reports/csv.js";
import { LlmprofError } from "../errors.js";
import { runQuery, type QueryResult } from "../batch/query.js";

const FORMATS = ["table", "csv", "json"] as const;
type QueryFormat = (typeof FORMATS)[number];

export function registerQueryCommand(program: Command): void {
  program
    .command("query")
    .description("SQL over a batch output directory (DuckDB): tables traces, runs, errors (every shard's part) and inputs (the manifests)")
    .argument("<results>", "the --out directory of llmprof batch")
    .argument("<sql>", 'one SQL statement, e.g. "SELECT file, step_time_median_ms FROM traces ORDER BY 2 DESC LIMIT 20"')
    .option("-f, --format <format>", `output: ${FORMATS.join(", ")}`, "table")
    .action(async (results: string, sql: string, flags: { format: string }) => {
      if (!(FORMATS as readonly string[]).includes(flags.format)) throw new LlmprofError(null, `--format: expected ${FORMATS.join(", ")}, got "${flags.format}"`);
      const r = await runQuery(results, sql);
      for (const w of r.warnings) process.stderr.write(`llmprof: warning: ${w}\n`);
      process.stdout.write(formatQuery(r, flags.format as QueryFormat));
    });
}

export function formatQuery(r: QueryResult, format: QueryFormat): string {
  if (format === "json")
    return `${JSON.stringify(
      r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]]))),
      null,
      2,
    )}\n`;
  if (format === "csv") return renderCsv({ name: "query", header: r.columns, rows: r.rows.map((row) => row.map(csvCell)) });
  return textTable(r);
}

function csvCell(v: unknown): string | number | boolean | null {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : JSON.stringify(v);
}

/** Columns padded to their widest cell, numbers right-aligned; control characters shown as \uXXXX so a file name cannot drive the terminal. */
function textTable(r: QueryResult): string {
  const show = (v: unknown) =>
    (v === null ? "" : typeof v === "string" ? v : JSON.stringify(v)).replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const cells = r.rows.map((row) => row.map(show));
  const widths = r.columns.map((c, i) => Math.max(show(c).length, ...cells.map((row) => row[i]!.length)));
  const numeric = r.rows.length > 0 ? r.columns.map((_, i) => r.rows.every((row) => row[i] === null || typeof row[i] === "number")) : r.columns.map(() => false);
  const line = (row: string[]) =>
    row
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [line(r.columns.map(show)), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  return `${out.join("\n")}\n(${r.rows.length} row${r.rows.length === 1 ? "" : "s"})\n`;
}
