/**
 * `llmprof batch --merge --out <results>`: one index.html over every shard's
 * parts already in the output directory, so the trends of an array job show
 * the whole archive, not one task's share. Nothing is analysed and no part is
 * touched; only index.html is written.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { LlmprofError } from "../errors.js";
import { writeOutput } from "../io/output.js";
import { renderBatchIndex } from "../../reports/batch-index.js";
import { ERROR_COLUMNS, RUN_COLUMNS, TRACE_COLUMNS, type Column, type Row } from "./columns.js";
import { readParquetTable } from "./tables.js";

const PART_DIR = /^shard=(\d+)-of-(\d+)$/;

export interface MergeResult {
  shardCount: number;
  /** Shard indexes (1-based) that have a traces part. */
  present: number[];
  rows: number;
  errors: number;
  runs: number;
  output: string;
}

export async function mergeIndex(outDirGiven: string): Promise<MergeResult> {
  const outDir = resolve(outDirGiven);
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) throw new LlmprofError(outDirGiven, "is not a directory (--merge reads the parts of an earlier batch there)");
  const parts = partsOf(outDir, "traces");
  if (parts.length === 0) throw new LlmprofError(outDirGiven, "holds no shard parts (traces/shard=k-of-n/): run the shards first");
  const counts = [...new Set(parts.map((p) => p.count))];
  if (counts.length > 1) throw new LlmprofError(outDirGiven, `holds parts of ${counts.sort((a, b) => a - b).join(" and ")} shards; delete the stale shard=*-of-N folders first`);
  const read = async (table: string, columns: readonly Column[]): Promise<Row[]> => {
    const all: Row[] = [];
    for (const p of partsOf(outDir, table)) {
      const rows = await readParquetTable(p.path, table, columns);
      if (!rows) throw new LlmprofError(p.path, `is not a ${table} part of this llmprof version (columns differ); re-run that shard`);
      all.push(...rows);
    }
    return all;
  };
  const rows = await read("traces", TRACE_COLUMNS);
  const errors = await read("errors", ERROR_COLUMNS);
  const runs = await read("runs", RUN_COLUMNS);
  const output = join(outDir, "index.html");
  writeOutput(output, renderBatchIndex({ rows, errors, runs, shard: null, generatedAtMs: Date.now() }), { inputs: [], force: false, recognise: () => false });
  return { shardCount: counts[0]!, present: parts.map((p) => p.index).sort((a, b) => a - b), rows: rows.length, errors: errors.length, runs: runs.length, output: "index.html" };
}

function partsOf(outDir: string, table: string): { index: number; count: number; path: string }[] {
  const dir = join(outDir, table);
  if (!existsSync(dir)) return [];
  const out: { index: number; count: number; path: string }[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = PART_DIR.exec(name);
    if (!m) continue;
    const path = join(dir, name, `part-${m[1]}-of-${m[2]}.parquet`);
    if (existsSync(path)) out.push({ index: Number(m[1]), count: Number(m[2]), path });
  }
  return out;
}
