/**
 * Resuming: a re-run keeps the rows of traces whose root, relative path, size
 * and mtime (rounded to the millisecond) are unchanged since the earlier output was
 * written by this llmprof version, and re-analyses the rest. Failed traces are
 * always retried. With --reports, a kept row must also have its report.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "../version.js";
import type { Row } from "./columns.js";
import type { ListedTrace } from "./listing.js";

export function traceKey(root: string, file: string): string {
  return `${root}\u0000${file}`;
}

export function groupPrevious(rows: readonly Row[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const r of rows) {
    if (typeof r["root"] !== "string" || typeof r["file"] !== "string") continue;
    const key = traceKey(r["root"], r["file"]);
    const list = out.get(key);
    if (list) list.push(r);
    else out.set(key, [r]);
  }
  return out;
}

/** The earlier rows of `entry` when they still describe it, else null. */
export function reusableRows(entry: ListedTrace, previous: Map<string, Row[]>, outDir: string, needReport: boolean): Row[] | null {
  const rows = previous.get(traceKey(entry.root, entry.file));
  if (!rows || rows.length === 0) return null;
  for (const r of rows) {
    if (r["size_bytes"] !== entry.sizeBytes || r["mtime"] !== Math.round(entry.mtimeMs)) return null;
    if (r["llmprof_version"] !== VERSION || r["ranks_in_file"] !== rows.length) return null;
    if (needReport && (typeof r["report"] !== "string" || !existsSync(join(outDir, r["report"])))) return null;
  }
  return rows;
}
