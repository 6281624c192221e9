/**
 * Names derived from a trace's relative path: its shard, the run date written in
 * it, its series (the path with that date blanked, so nightly runs of one job
 * line up), and a report folder name that is safe whatever the path holds.
 */
import { createHash } from "node:crypto";
import { LlmprofError } from "../errors.js";

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || count > 1_000_000) {
    throw new LlmprofError(null, `--shard: expected k/n with 1 <= k <= n (e.g. 2/8), got "${text}"`);
  }
  return { index, count };
}

/**
 * The shard (1-based) that owns a trace: the first 8 hex digits of the SHA-1 of
 * its '/'-separated path relative to the input root, as an integer, mod n, plus 1.
 * It depends on nothing else (not listing order, machine or mount point).
 */
export function shardOf(relativePath: string, count: number): number {
  const h = createHash("sha1").update(relativePath, "utf8").digest("hex").slice(0, 8);
  return (parseInt(h, 16) % count) + 1;
}

/** Output file stem: traces.parquet, or traces-2-of-8.parquet under --shard 2/8. */
export function shardedName(stem: string, shard: Shard | null, ext: string): string {
  return shard ? `${stem}-${shard.index}-of-${shard.count}${ext}` : `${stem}${ext}`;
}

/**
 * A table's file: traces.parquet, or under --shard 3/16 the hive-partitioned
 * part traces/shard=3-of-16/part-3-of-16.parquet, so DuckDB, Spark and Trino
 * read every shard's part of a table as one dataset (with a `shard` column).
 */
export function partName(table: string, shard: Shard | null, ext: string): string {
  return shard ? `${table}/shard=${shard.index}-of-${shard.count}/part-${shard.index}-of-${shard.count}${ext}` : `${table}${ext}`;
}

// 2024-05-01, 2024_05_01, 2024.05.01 or 20240501, not inside a longer number
const DATE = /(?<!\d)(20\d\d)([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)/g;

/** The last date written in the path (nearest the file name), as UTC midnight ms, with its text span. */
export function dateInPath(relativePath: string): { ms: number; start: number; end: number } | null {
  let found: { ms: number; start: number; end: number } | null = null;
  for (const m of relativePath.matchAll(DATE)) {
    const ms = Date.UTC(Number(m[1]), Number(m[3]) - 1, Number(m[4]));
    // reject dates that do not exist (2024-02-31)
    if (new Date(ms).getUTCDate() !== Number(m[4])) continue;
    found = { ms, start: m.index, end: m.index + m[0].length };
  }
  return found;
}

/** The path with its run date replaced by `{date}`: the same job on other nights shares it. */
export function seriesOf(relativePath: string): string {
  const d = dateInPath(relativePath);
  return d ? `${relativePath.slice(0, d.start)}{date}${relativePath.slice(d.end)}` : relativePath;
}

/**
 * A folder name for a trace's report: the relative path with every character
 * outside [A-Za-z0-9._-] replaced by "_", no leading dot, at most 80 characters,
 * plus 8 hex digits of the SHA-1 of `uniqueKey` (root and path) so that different
 * traces never share a folder.
 */
export function safeFolderName(relativePath: string, uniqueKey: string = relativePath): string {
  const hash = createHash("sha1").update(uniqueKey, "utf8").digest("hex").slice(0, 8);
  const cleaned = relativePath
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/\.{2,}/g, "_")
    .replace(/^[._-]+/, "")
    .slice(0, 80);
  return `${cleaned || "trace"}-${hash}`;
}
