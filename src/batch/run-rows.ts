/**
 * The runs table: one row per run (src/runs/runs.ts), from the traces-table
 * rows of its ranks plus, for runs of several ranks, the cross-rank analysis
 * (analysis/ranks.ts) of all its files loaded together, which names the
 * straggler. A run whose world size is larger than the ranks found is flagged
 * (complete = false, ranks_missing), never presented as a smaller job.
 */
import { analyzeModels } from "../analysis/analyze.js";
import type { AnalysisOptions } from "../analysis/context.js";
import { median } from "../analysis/stats.js";
import { loadTraces } from "../../parsers/registry.js";
import { rankRanges, type Run } from "../runs/runs.js";
import { VERSION } from "../version.js";
import { RUN_AGGREGATED, RUN_COLUMNS, emptyRow, type Row } from "./columns.js";

const MS = 1e6;

export interface StragglerFigures {
  rank: number | null;
  steps: number;
  delayMs: number | null;
  matchedCollectives: number;
}

export async function runRows(runs: readonly Run[], rows: readonly Row[], failedFiles: ReadonlySet<string>, analysis: AnalysisOptions = {}): Promise<Row[]> {
  const out: Row[] = [];
  for (const run of runs) {
    const keys = new Set(run.files.map((f) => key(f.entry.root, f.entry.file)));
    const rankRows = rows.filter((r) => keys.has(key(String(r["root"]), String(r["file"]))));
    const failed = run.files.filter((f) => failedFiles.has(key(f.entry.root, f.entry.file))).length;
    const straggler = rankRows.length > 1 && failed === 0 ? await stragglerOf(run, analysis) : null;
    out.push(runRow(run, rankRows, failed, straggler));
  }
  return out;
}

/** The straggler named in most steps (under the user's analysis options, as the traces table), and the median of its delay over those steps. */
export async function stragglerOf(run: Run, analysis: AnalysisOptions = {}): Promise<StragglerFigures | null> {
  try {
    const summary = analyzeModels(await loadTraces(run.files.map((f) => f.entry.path)), analysis);
    if (!summary.ranks.available) return null;
    const named = summary.ranks.stragglers.filter((s) => s.straggler !== null);
    const counts = new Map<number, number[]>();
    for (const s of named) counts.set(s.straggler!, [...(counts.get(s.straggler!) ?? []), s.delayNs]);
    let best: [number, number[]] | null = null;
    for (const entry of [...counts.entries()].sort((a, b) => a[0] - b[0])) if (!best || entry[1].length > best[1].length) best = entry;
    return { rank: best ? best[0] : null, steps: best ? best[1].length : 0, delayMs: best ? median(best[1]) / MS : null, matchedCollectives: summary.ranks.matchedCollectives };
  } catch {
    return null; // the traces table already reports files that fail
  }
}

export function runRow(run: Run, rankRows: readonly Row[], failed: number, straggler: StragglerFigures | null): Row {
  const row = emptyRow(RUN_COLUMNS);
  const num = (r: Row, k: string) => (typeof r[k] === "number" && Number.isFinite(r[k]) ? (r[k] as number) : null);
  Object.assign(row, {
    run: run.name,
    root: run.root,
    directory: run.directory,
    files: run.files.length,
    run_date: Math.round(run.dateMs),
    run_date_source: run.dateSource,
    size_bytes: run.sizeBytes,
    world_size: run.worldSize,
    ranks_found: Math.max(run.ranksFound.length, rankRows.length),
    ranks_missing: run.ranksMissing.length > 0 ? rankRanges(run.ranksMissing) : null,
    complete: run.ranksMissing.length === 0 && failed === 0,
    ranks_analysed: rankRows.length,
    files_failed: failed,
    analysed_at: Date.now(),
    llmprof_version: VERSION,
  });
  const timed = rankRows.filter((r) => num(r, "step_time_median_ms") !== null);
  if (timed.length > 0) {
    const slowest = timed.reduce((a, b) => (num(b, "step_time_median_ms")! > num(a, "step_time_median_ms")! ? b : a));
    row["slowest_rank"] = slowest["rank"] ?? null;
    row["step_time_slowest_rank_ms"] = num(slowest, "step_time_median_ms");
  }
  if (straggler) {
    row["straggler_rank"] = straggler.rank;
    row["straggler_steps"] = straggler.steps;
    row["straggler_delay_ms"] = straggler.delayMs;
    row["matched_collectives"] = straggler.matchedCollectives;
  }
  // GPU time per step that the ranks together spend in communication no compute hides
  const exposed = rankRows.map((r) => num(r, "exposed_comm_ms_per_step")).filter((v): v is number => v !== null);
  if (exposed.length > 0) row["exposed_comm_ms_per_step_all_ranks"] = exposed.reduce((s, v) => s + v, 0);
  for (const f of RUN_AGGREGATED) {
    const values = rankRows.map((r) => num(r, f)).filter((v): v is number => v !== null);
    if (values.length === 0) continue;
    row[`${f}_min`] = Math.min(...values);
    row[`${f}_median`] = median(values);
    row[`${f}_max`] = Math.max(...values);
  }
  return row;
}

function key(root: string, file: string): string {
  return `${root}\u0000${file}`;
}
