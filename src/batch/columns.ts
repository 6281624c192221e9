/**
 * The tables `llmprof batch` writes: traces (one row per trace and rank) and
 * errors (one row per trace that could not be analysed). Each column has one
 * fixed type whatever the data, so that the Parquet files of every shard and
 * every run share one schema (DuckDB/Spark read `traces-*.parquet` as one table).
 * README.md "Batch analysis of archives" defines every column.
 */
import { CATEGORIES } from "../analysis/categories.js";
import { IDLE_CAUSES } from "../analysis/idle.js";
import { METRICS, batchColumnOf } from "../analysis/metrics.js";

/** string, double, int32, int64 (sizes), bool, timestamp (ms), json (a JSON text). */
export type ColumnType = "string" | "double" | "int" | "bigint" | "bool" | "timestamp" | "json";
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** A cell value: timestamps are epoch milliseconds (numbers) in memory. */
export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/** Phase lines of the phases section, in column order. */
export const PHASE_COLUMNS = ["forward", "backward", "recompute", "optimizer", "other"] as const;

/** Fixed module-class columns: class-name rules, first match wins (README lists them). */
export const MODULE_GROUPS: readonly { readonly id: string; readonly rule: RegExp }[] = [
  { id: "rotary", rule: /Rotary\w*Embedding$/ },
  { id: "embedding", rule: /Embedding$/ },
  { id: "attention", rule: /(Attention\d*|Attn)$/ },
  { id: "mlp", rule: /(MLP|FeedForward|FFN)$/ },
  { id: "norm", rule: /Norm$/ },
  { id: "decoder_layer", rule: /(DecoderLayer|EncoderLayer|TransformerLayer|Block)$/ },
  { id: "linear", rule: /^Linear$/ },
];

const snake = (s: string) => s.replace(/-/g, "_");

const c = (name: string, type: ColumnType): Column => ({ name, type });

/** Columns of the catalogue's figures (metrics.ts) that the fixed list below does not already hold. */
function catalogueColumns(): Column[] {
  // the catalogue's batch columns must not repeat a fixed one (metrics.ts batchColumn: null for those defined otherwise)
  const named = new Set([
    "step_time_median_ms",
    "step_time_mean_ms",
    "step_time_max_ms",
    "kernel_total_ms_per_step",
    "tokens_per_s",
    "gpu_busy_pct",
    "gpu_compute_pct",
    "gpu_idle_pct",
    "exposed_comm_pct",
    "exposed_memory_pct",
    "overlap_pct",
  ]);
  return METRICS.map(batchColumnOf)
    .filter((n): n is string => n !== null && !named.has(n))
    .map((n) => c(n, "double"));
}

export const TRACE_COLUMNS: readonly Column[] = [
  c("root", "string"),
  c("file", "string"),
  c("rank", "int"),
  c("world_size", "int"),
  c("ranks_in_file", "int"),
  c("size_bytes", "bigint"),
  c("mtime", "timestamp"),
  c("run_date", "timestamp"),
  c("run_date_source", "string"),
  c("series", "string"),
  c("format", "string"),
  c("partial", "bool"),
  c("trace_name", "string"),
  c("gpu_model", "string"),
  c("gpu_count", "int"),
  c("devices_json", "json"),
  c("cuda_version", "string"),
  c("versions_json", "json"),
  c("step_source", "string"),
  c("step_count", "int"),
  c("step_time_median_ms", "double"),
  c("step_time_mean_ms", "double"),
  c("step_time_min_ms", "double"),
  c("step_time_max_ms", "double"),
  c("window_ms", "double"),
  c("gpu_busy_pct", "double"),
  c("gpu_compute_pct", "double"),
  c("gpu_idle_pct", "double"),
  c("exposed_comm_pct", "double"),
  c("exposed_memory_pct", "double"),
  c("comm_ms_per_step", "double"),
  c("overlap_ms_per_step", "double"),
  c("exposed_comm_ms_per_step", "double"),
  c("overlap_pct", "double"),
  c("mfu_pct", "double"),
  c("tokens_per_s", "double"),
  ...PHASE_COLUMNS.map((p) => c(`phase_${p}_ms_per_step`, "double")),
  ...MODULE_GROUPS.map((g) => c(`module_${g.id}_ms_per_step`, "double")),
  c("module_classes_json", "json"),
  c("kernel_total_ms_per_step", "double"),
  ...CATEGORIES.map((k) => c(`kernel_${k}_ms_per_step`, "double")),
  c("idle_ms_per_step", "double"),
  ...IDLE_CAUSES.map((k) => c(`idle_${snake(k)}_ms_per_step`, "double")),
  ...catalogueColumns(),
  c("unavailable", "string"),
  c("report", "string"),
  c("analysis_ms", "double"),
  c("analysed_at", "timestamp"),
  c("llmprof_version", "string"),
];

export const ERROR_COLUMNS: readonly Column[] = [
  c("root", "string"),
  c("file", "string"),
  c("size_bytes", "bigint"),
  c("mtime", "timestamp"),
  c("error", "string"),
  c("analysed_at", "timestamp"),
  c("llmprof_version", "string"),
];

/** Per-rank figures (traces-table columns) that the runs table aggregates as min/median/max over a run's ranks. */
export const RUN_AGGREGATED = ["step_time_median_ms", "gpu_busy_pct", "gpu_idle_pct", "exposed_comm_pct", "exposed_comm_ms_per_step", "comm_ms_per_step"] as const;

/** One row per run (README "Runs"): the rank files of one job, see src/runs/runs.ts. */
export const RUN_COLUMNS: readonly Column[] = [
  c("run", "string"),
  c("root", "string"),
  c("directory", "string"),
  c("files", "int"),
  c("run_date", "timestamp"),
  c("run_date_source", "string"),
  c("size_bytes", "bigint"),
  c("world_size", "int"),
  c("ranks_found", "int"),
  c("ranks_missing", "string"),
  c("complete", "bool"),
  c("ranks_analysed", "int"),
  c("files_failed", "int"),
  c("slowest_rank", "int"),
  c("step_time_slowest_rank_ms", "double"),
  c("straggler_rank", "int"),
  c("straggler_steps", "int"),
  c("straggler_delay_ms", "double"),
  c("matched_collectives", "int"),
  c("exposed_comm_ms_per_step_all_ranks", "double"),
  ...RUN_AGGREGATED.flatMap((f) => [c(`${f}_min`, "double"), c(`${f}_median`, "double"), c(`${f}_max`, "double")]),
  c("analysed_at", "timestamp"),
  c("llmprof_version", "string"),
];

/** A row with every column null: rows start from it so none is ever missing. */
export function emptyRow(columns: readonly Column[]): Row {
  const row: Row = {};
  for (const col of columns) row[col.name] = null;
  return row;
}
