/**
 * `llmprof batch`: list the traces under the inputs, keep this shard's share,
 * reuse the rows of unchanged traces from the earlier output, analyse the rest
 * on worker threads, and write the traces and errors tables (Parquet + CSV) and
 * the HTML index into the output directory. Nothing is written elsewhere.
 */
import type { AnalysisOptions } from "../analysis/context.js";
import type { FanOutLimits } from "../model/limits.js";
import { DEFAULT_TOP_ROWS } from "../../reports/top-rows.js";
import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve, sep } from "node:path";
import { LlmprofError } from "../errors.js";
import { VERSION } from "../version.js";
import { renderBatchIndex } from "../../reports/batch-index.js";
import { writeOutput } from "../io/output.js";
import { ERROR_COLUMNS, RUN_COLUMNS, TRACE_COLUMNS, emptyRow, type Row } from "./columns.js";
import { reportTarget, type TraceJob } from "./analyse-one.js";
import { looksLikeTrace, walkInputs, type ListedTrace, type ListingProblem } from "./listing.js";
import { dateInPath, partName, safeFolderName, seriesOf, shardOf, shardedName, type Shard } from "./naming.js";
import { listedInputs } from "./inputs-from.js";
import { canonicalJson, isManifestText, manifestInputs, manifestJson, manifestName, readManifest, type InputStatus } from "./manifest.js";
import type { ShardSource } from "./scheduler.js";
import { runJobs, type PoolMode } from "./pool.js";
import { groupPrevious, reusableRows } from "./resume.js";
import type { TraceFileInfo } from "./rows.js";
import { runRows } from "./run-rows.js";
import { recognisedRunFiles } from "../runs/find.js";
import { groupRuns } from "../runs/runs.js";
import { csvTable, parquetTable, parquetTableName, readParquetTable } from "./tables.js";

export interface BatchOptions {
  inputs: readonly string[];
  outDir: string;
  /** Worker threads; default os.availableParallelism(). */
  jobs?: number;
  shard?: Shard | null;
  /** Where the shard came from (a flag or an array job's variables), recorded in the manifest. */
  shardSource?: ShardSource | null;
  /** Paths read from a listing (`--inputs-from`), analysed besides `inputs`. */
  listed?: readonly string[];
  /** Re-analyse every trace, and overwrite files that are not llmprof outputs. */
  force?: boolean;
  /** Also write each trace's report.html under <out>/reports/<name>/. */
  reports?: boolean;
  /** The analysis options of every trace (--config, --steps, hardware flags); rows kept from an earlier run were made with that run's options. */
  analysis?: AnalysisOptions;
  /** Rank and device limits of each trace (--max-ranks, --max-devices). */
  limits?: FanOutLimits;
  /** Rows per name table in each --reports report.html (--top). */
  top?: number;
  onProgress?: (p: BatchProgress) => void;
}

export interface BatchProgress {
  /** Traces to analyse in this run (skipped ones not counted). */
  total: number;
  done: number;
  failed: number;
  bytesTotal: number;
  bytesDone: number;
  elapsedMs: number;
}

export interface BatchResult {
  /** Traces of this shard found under the inputs. */
  traces: number;
  analysed: number;
  /** Unchanged since the earlier output: rows kept, not re-analysed. */
  skipped: number;
  failed: number;
  rows: Row[];
  errors: Row[];
  /** One row per run: the rank files of one job (src/runs/runs.ts). */
  runs: Row[];
  /** Paths written, relative to the output directory. */
  outputs: string[];
  mode: PoolMode;
  threads: number;
  elapsedMs: number;
  /** Bytes of the traces analysed in this run (files as stored, compressed or not). */
  bytesAnalysed: number;
}

export async function runBatch(options: BatchOptions): Promise<BatchResult> {
  const started = performance.now();
  const outDir = resolve(options.outDir);
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new LlmprofError(options.outDir, "exists and is not a directory (--out names a directory)");
  const shard = options.shard ?? null;
  const force = Boolean(options.force);
  const threads = Math.max(1, Math.floor(options.jobs ?? availableParallelism()));

  const mine = (file: string) => !shard || shardOf(file, shard.count) === shard.index;
  const listing = walkInputs(options.inputs, outDir);
  if (options.listed) {
    const fromListing = listedInputs(options.listed, outDir, mine);
    const known = new Set(listing.entries.map((e) => e.path));
    listing.entries.push(...fromListing.entries.filter((e) => !known.has(e.path)));
    listing.problems.push(...fromListing.problems);
  }
  const candidates = listing.entries.filter((e) => mine(e.file));
  const traces: ListedTrace[] = [];
  for (const e of candidates) if (await looksLikeTrace(e)) traces.push(e);

  const tracesPath = join(outDir, partName("traces", shard, ".parquet"));
  // earlier rows are reused only when they were made with the same analysis options (manifest.json records them)
  const analysisJson = canonicalJson(options.analysis ?? {});
  const sameOptions = readManifest(join(outDir, manifestName(shard)))?.options.analysis === analysisJson;
  const previous = !force && sameOptions && existsSync(tracesPath) ? await readParquetTable(tracesPath, "traces", TRACE_COLUMNS) : null;
  const grouped = groupPrevious(previous ?? []);

  const kept: Row[] = [];
  const jobs: TraceJob[] = [];
  for (const entry of traces) {
    const reuse = reusableRows(entry, grouped, outDir, Boolean(options.reports));
    if (reuse) {
      kept.push(...reuse);
      continue;
    }
    jobs.push({
      id: jobs.length,
      path: entry.path,
      info: fileInfo(entry),
      report: options.reports ? safeReport(outDir, entry) : null,
      force,
      analysis: options.analysis ?? {},
      limits: options.limits ?? {},
      top: options.top ?? DEFAULT_TOP_ROWS,
    });
  }

  const rows: Row[] = [...kept];
  const errors: Row[] = listing.problems.filter((p) => mine(p.file)).map((p) => errorRow(p.root, p.file, p.sizeBytes, p.mtimeMs, p.error));
  const progress: BatchProgress = { total: jobs.length, done: 0, failed: 0, bytesTotal: jobs.reduce((s, j) => s + j.info.sizeBytes, 0), bytesDone: 0, elapsedMs: 0 };
  if (jobs.length > 0) options.onProgress?.({ ...progress, elapsedMs: performance.now() - started });
  // largest first: the long traces start early and do not trail at the end
  const order = [...jobs].sort((a, b) => b.info.sizeBytes - a.info.sizeBytes);
  const mode = await runJobs(order, threads, (outcome, job) => {
    progress.done++;
    progress.bytesDone += job.info.sizeBytes;
    if (outcome.ok) rows.push(...outcome.rows);
    else {
      progress.failed++;
      errors.push(errorRow(job.info.root, job.info.file, job.info.sizeBytes, job.info.mtimeMs, outcome.error));
    }
    progress.elapsedMs = performance.now() - started;
    options.onProgress?.({ ...progress });
  });

  rows.sort(byTraceAndRank);
  errors.sort(byTraceAndRank);
  // files that only look like traces by name (a config.json) fail in the errors table but are no run
  const runFiles = await recognisedRunFiles(traces);
  const failedFiles = new Set(errors.map((e) => `${String(e["root"])}\u0000${String(e["file"])}`));
  const runs = await runRows(groupRuns(runFiles), rows, failedFiles, options.analysis ?? {});
  const inputPaths = traces.map((t) => t.path);
  const outputs = writeTables(outDir, shard, { rows, errors, runs }, inputPaths, force);
  outputs.push(
    await writeManifest(outDir, shard, options, {
      traces,
      kept,
      errors,
      problems: listing.problems.filter((p) => mine(p.file)),
      threads,
      inputPaths,
      outputs: [...outputs],
      startedMs: Date.now() - (performance.now() - started),
    }),
  );
  return {
    traces: traces.length,
    analysed: jobs.length - progress.failed,
    skipped: traces.length - jobs.length,
    failed: errors.length,
    rows,
    errors,
    runs,
    outputs,
    mode,
    threads: mode === "threads" ? Math.min(threads, Math.max(1, jobs.length)) : 1,
    elapsedMs: performance.now() - started,
    bytesAnalysed: progress.bytesTotal,
  };
}

/** The shard's manifest: every trace with its hash and what became of it (src/batch/manifest.ts). Returns its name. */
async function writeManifest(
  outDir: string,
  shard: Shard | null,
  options: BatchOptions,
  run: { traces: ListedTrace[]; kept: Row[]; errors: Row[]; problems: ListingProblem[]; threads: number; inputPaths: string[]; outputs: readonly string[]; startedMs: number },
): Promise<string> {
  const force = Boolean(options.force);
  const keyOf = (r: Row) => `${String(r["root"])}\u0000${String(r["file"])}`;
  const failed = new Set(run.errors.map(keyOf));
  const kept = new Set(run.kept.map(keyOf));
  const statusOf = (t: ListedTrace): InputStatus => {
    const key = `${t.root}\u0000${t.file}`;
    return failed.has(key) ? "failed" : kept.has(key) ? "kept" : "analysed";
  };
  const name = manifestName(shard);
  const path = join(outDir, name);
  const hashed = await manifestInputs(
    run.traces.map((t) => ({ entry: t, status: statusOf(t) })),
    force ? null : readManifest(path),
    run.threads,
  );
  const unreadable = run.problems.map((p) => ({
    root: p.root,
    file: p.file,
    size_bytes: p.sizeBytes,
    mtime: p.mtimeMs === null ? null : new Date(Math.round(p.mtimeMs)).toISOString(),
    sha256: null,
    status: "failed" as const,
  }));
  const manifest = manifestJson({
    shard,
    shard_source: shard ? (options.shardSource ?? "flag") : null,
    options: { jobs: run.threads, reports: Boolean(options.reports), force, analysis: canonicalJson(options.analysis ?? {}) },
    started_at: new Date(run.startedMs).toISOString(),
    finished_at: new Date().toISOString(),
    inputs: [...hashed, ...unreadable],
    outputs: run.outputs,
  });
  writeOutput(path, manifest, { inputs: run.inputPaths, force, recognise: isManifestText });
  return name;
}

function fileInfo(entry: ListedTrace): TraceFileInfo {
  const date = dateInPath(entry.file);
  return {
    root: entry.root,
    file: entry.file,
    sizeBytes: entry.sizeBytes,
    mtimeMs: entry.mtimeMs,
    runDateMs: date ? date.ms : entry.mtimeMs,
    runDateSource: date ? "path" : "mtime",
    series: seriesOf(entry.file),
  };
}

/** The report of a trace, checked to stay inside <out>/reports whatever its name. */
function safeReport(outDir: string, entry: ListedTrace): { path: string; link: string } {
  const target = reportTarget(outDir, safeFolderName(entry.file, `${entry.root}\u0000${entry.file}`));
  if (!resolve(target.path).startsWith(join(outDir, "reports") + sep)) throw new Error(`llmprof: report path escapes the output directory: ${target.path}`);
  return target;
}

function errorRow(root: string, file: string, size: number | null, mtimeMs: number | null, error: string): Row {
  return {
    ...emptyRow(ERROR_COLUMNS),
    root,
    file,
    size_bytes: size,
    mtime: mtimeMs === null ? null : Math.round(mtimeMs),
    error,
    analysed_at: Date.now(),
    llmprof_version: VERSION,
  };
}

function byTraceAndRank(a: Row, b: Row): number {
  for (const k of ["root", "file"] as const) {
    const x = String(a[k] ?? ""),
      y = String(b[k] ?? "");
    if (x !== y) return x < y ? -1 : 1;
  }
  return Number(a["rank"] ?? -1) - Number(b["rank"] ?? -1);
}

function writeTables(outDir: string, shard: Shard | null, tables: { rows: Row[]; errors: Row[]; runs: Row[] }, inputs: string[], force: boolean): string[] {
  const { rows, errors, runs } = tables;
  const written: string[] = [];
  const write = (name: string, content: string | Buffer, recognise: (head: string) => boolean) => {
    writeOutput(join(outDir, name), content, { inputs, force, recognise });
    written.push(name);
  };
  const csvHeader = (cols: readonly { name: string }[]) => cols.map((c) => c.name).join(",");
  for (const [stem, table, cols, data] of [
    ["traces", "traces", TRACE_COLUMNS, rows],
    ["runs", "runs", RUN_COLUMNS, runs],
    ["errors", "errors", ERROR_COLUMNS, errors],
  ] as const) {
    const parquet = partName(stem, shard, ".parquet");
    write(parquet, parquetTable(table, cols, data), () => parquetTableName(join(outDir, parquet)) === table);
    write(partName(stem, shard, ".csv"), csvTable(cols, data), (head) => head.startsWith(csvHeader(cols)));
  }
  write(shardedName("index", shard, ".html"), renderBatchIndex({ rows, errors, runs, shard, generatedAtMs: Date.now() }), () => false);
  return written;
}
