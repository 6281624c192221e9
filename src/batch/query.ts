/**
 * `llmprof query <results> "<SQL>"`: SQL over a batch output directory with
 * DuckDB (@duckdb/node-api). The tables `traces`, `runs` and `errors` are views
 * over every shard's part (traces/shard=k-of-n/part-k-of-n.parquet, read with
 * hive partitioning, so each row carries its `shard`) or, for an unsharded
 * run, over traces.parquet; `inputs` is every manifest's inputs. DuckDB is
 * loaded only here, so the other commands do not pay for its 70 MB binary.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { LlmprofError } from "../errors.js";

export const QUERY_TABLES = ["traces", "runs", "errors"] as const;

export interface QueryResult {
  columns: string[];
  types: string[];
  /** JSON-ready cells: numbers, strings (timestamps as 'YYYY-MM-DD HH:MM:SS[.fff]', UTC), booleans, null, lists. */
  rows: unknown[][];
  /** Remarks for stderr (stale or mixed parts). */
  warnings: string[];
}

/** Where each table's rows are: the hive parts, else the unsharded file, else none. */
export function tableSources(resultsDir: string): { views: string[]; warnings: string[] } {
  const views: string[] = [];
  const warnings: string[] = [];
  const counts = new Set<string>();
  for (const table of QUERY_TABLES) {
    const partsDir = join(resultsDir, table);
    const parts = existsSync(partsDir) && statSync(partsDir).isDirectory() ? readdirSync(partsDir).filter((d) => /^shard=\d+-of-\d+$/.test(d)) : [];
    for (const p of parts) counts.add(p.replace(/^shard=\d+-of-/, ""));
    const flat = join(resultsDir, `${table}.parquet`);
    if (parts.length > 0) {
      if (existsSync(flat)) warnings.push(`${table}: both shard parts and an unsharded ${table}.parquet are present; reading the parts only`);
      views.push(`CREATE VIEW ${table} AS SELECT * FROM read_parquet(${literal(join(partsDir, "shard=*", "*.parquet"))}, hive_partitioning = true, union_by_name = true)`);
    } else if (existsSync(flat)) {
      views.push(`CREATE VIEW ${table} AS SELECT *, NULL::VARCHAR AS shard FROM read_parquet(${literal(flat)})`);
    }
  }
  if (counts.size > 1)
    warnings.push(
      `parts of ${[...counts].sort((a, b) => Number(a) - Number(b)).join(" and ")} shards are mixed: traces of an earlier sharding are counted twice; delete the stale shard=*-of-N folders`,
    );
  const manifests = join(resultsDir, "manifests");
  const manifestFiles = existsSync(manifests) ? readdirSync(manifests).filter((f) => f.endsWith(".json")) : [];
  const manifestGlob = manifestFiles.length > 0 ? join(manifests, "*.json") : existsSync(join(resultsDir, "manifest.json")) ? join(resultsDir, "manifest.json") : null;
  if (manifestGlob) {
    views.push(
      `CREATE VIEW inputs AS SELECT m.shard::VARCHAR AS shard, i.* FROM (SELECT partition, unnest(inputs) FROM read_json(${literal(manifestGlob)}, format = 'auto', maximum_object_size = 1073741824)) AS m(shard, i)`,
    );
  }
  return { views, warnings };
}

export async function runQuery(results: string, sql: string): Promise<QueryResult> {
  const dir = resolve(results);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new LlmprofError(results, "is not a directory (give a batch output directory)");
  const { views, warnings } = tableSources(dir);
  if (views.length === 0) throw new LlmprofError(results, "holds no batch output (traces.parquet or traces/shard=*/): run llmprof batch --out there first");
  const { DuckDBInstance } = await loadDuckDb();
  // no extension is fetched from the network behind the user's back
  const instance = await DuckDBInstance.create(":memory:", { autoinstall_known_extensions: "false", autoload_known_extensions: "false" });
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'").catch(() => undefined);
    for (const v of views) await connection.run(v);
    let reader;
    try {
      reader = await connection.runAndReadAll(sql);
    } catch (e) {
      throw new LlmprofError(results, `query failed: ${firstLine(e)}`);
    }
    const types = reader.columnTypes().map(String);
    const rows = reader.getRowsJson().map((row) => row.map((cell, i) => jsonCell(cell, types[i]!)));
    return { columns: reader.columnNames(), types, rows, warnings };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function loadDuckDb(): Promise<typeof import("@duckdb/node-api")> {
  try {
    return await import("@duckdb/node-api");
  } catch (e) {
    throw new LlmprofError(null, `query needs @duckdb/node-api, which did not load on this platform (${firstLine(e)}); read the Parquet files with any other engine`);
  }
}

/** Integers DuckDB hands over as text (BIGINT, HUGEINT) become numbers when exact. */
function jsonCell(cell: unknown, type: string): unknown {
  if (typeof cell === "string" && /^(BIGINT|HUGEINT|UBIGINT|UHUGEINT)$/.test(type) && /^-?\d+$/.test(cell)) {
    const n = Number(cell);
    return Number.isSafeInteger(n) ? n : cell;
  }
  return cell;
}

function literal(path: string): string {
  return `'${path.replace(/'/g, "''")}'`;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (
    text
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "unknown error"
  );
}
