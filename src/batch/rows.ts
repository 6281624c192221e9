/**
 * One traces-table row from the Summary of one rank (analyzeModels of that
 * rank's model alone). Pure: the numbers are the Summary's, converted to ms
 * per step or to % of the window as each column's name says.
 */
import type { Summary } from "../analysis/summary.js";
import { VERSION } from "../version.js";
import { METRICS, batchColumnOf, gpuCountOf, gpuModelOf } from "../analysis/metrics.js";
import { MODULE_GROUPS, PHASE_COLUMNS, TRACE_COLUMNS, emptyRow, type Row } from "./columns.js";

/** What the listing knows of a trace before it is read. */
export interface TraceFileInfo {
  root: string;
  file: string;
  sizeBytes: number;
  mtimeMs: number;
  runDateMs: number;
  runDateSource: "path" | "mtime";
  series: string;
}

export interface RowExtras {
  ranksInFile: number;
  report: string | null;
  analysisMs: number;
  analysedAtMs: number;
}

const MS = 1e6;
const SECTIONS = ["steps", "temporal", "kernels", "modules", "operators", "phases", "idle", "launch", "overlap", "collectives"] as const;

export function traceRow(s: Summary, info: TraceFileInfo, extras: RowExtras): Row {
  const row = emptyRow(TRACE_COLUMNS);
  const rank = s.trace.ranks[0];
  Object.assign(row, {
    root: info.root,
    file: info.file,
    rank: rank?.rank ?? null,
    world_size: rank?.worldSize ?? null,
    ranks_in_file: extras.ranksInFile,
    size_bytes: info.sizeBytes,
    mtime: Math.round(info.mtimeMs),
    run_date: Math.round(info.runDateMs),
    run_date_source: info.runDateSource,
    series: info.series,
    format: s.trace.format,
    partial: s.trace.partial,
    trace_name: s.trace.traceName,
    // as compare counts them (metrics.ts): a trace describes every visible GPU, not only those it used
    gpu_model: gpuModelOf(s),
    gpu_count: gpuCountOf(s),
    devices_json: JSON.stringify(s.trace.devices),
    cuda_version: s.trace.versions["cudaRuntime"] ?? s.trace.versions["cudaDriver"] ?? null,
    versions_json: JSON.stringify(s.trace.versions),
    unavailable: SECTIONS.filter((k) => !s[k].available).join(",") || null,
    report: extras.report,
    analysis_ms: extras.analysisMs,
    analysed_at: Math.trunc(extras.analysedAtMs),
    llmprof_version: VERSION,
  });
  const steps = s.steps.available ? s.steps.count : 0;
  if (s.steps.available) {
    Object.assign(row, {
      step_source: s.steps.source,
      step_count: s.steps.count,
      step_time_median_ms: s.steps.stepTimeMedianNs / MS,
      step_time_mean_ms: s.steps.stepTimeMeanNs / MS,
      step_time_min_ms: s.steps.stepTimeMinNs / MS,
      step_time_max_ms: s.steps.stepTimeMaxNs / MS,
      window_ms: s.steps.windowNs / MS,
    });
  }
  const perStep = (ns: number) => (steps > 0 ? ns / steps / MS : null);
  if (s.temporal.available) Object.assign(row, temporalColumns(s.temporal.devices, perStep));
  if (s.phases.available) {
    for (const p of PHASE_COLUMNS) {
      const total = s.phases.total.find((x) => x.phase === p)?.kernelNs ?? 0;
      // per profiled step of the phases table (the same steps as the step count)
      row[`phase_${p}_ms_per_step`] = s.phases.steps.length > 0 ? total / s.phases.steps.length / MS : null;
    }
  }
  if (s.modules.available) {
    const groups = new Map<string, number>(MODULE_GROUPS.map((g) => [g.id, 0]));
    const all: Record<string, { instances: number; totalMsPerStep: number | null; selfMsPerStep: number | null }> = {};
    for (const m of s.modules.classes) {
      const g = MODULE_GROUPS.find((x) => x.rule.test(m.className));
      if (g) groups.set(g.id, groups.get(g.id)! + m.totalNs);
      all[m.className] = { instances: m.instances, totalMsPerStep: perStep(m.totalNs), selfMsPerStep: perStep(m.selfNs) };
    }
    for (const [id, ns] of groups) row[`module_${id}_ms_per_step`] = perStep(ns);
    row["module_classes_json"] = JSON.stringify(all);
  }
  if (s.kernels.available) {
    row["kernel_total_ms_per_step"] = perStep(s.kernels.totalNs);
    for (const col of TRACE_COLUMNS) if (/^kernel_\w+_ms_per_step$/.test(col.name) && col.name !== "kernel_total_ms_per_step") row[col.name] = perStep(0);
    for (const k of s.kernels.byCategory) row[`kernel_${k.category}_ms_per_step`] = perStep(k.totalNs);
  }
  // headline figure for the index's trends (README: "Columns of traces"); tokens_per_s comes from the catalogue below
  if (s.efficiency.available) row["mfu_pct"] = s.efficiency.window.mfuPct;
  if (s.idle.available) {
    row["idle_ms_per_step"] = perStep(s.idle.idleNs);
    for (const c of s.idle.byCause) row[`idle_${c.cause.replace(/-/g, "_")}_ms_per_step`] = perStep(c.totalNs);
  }
  // the catalogue's figures (metrics.ts), by its definitions
  for (const m of METRICS) {
    const col = batchColumnOf(m);
    if (col !== null) row[col] = m.value(s).value;
  }
  return row;
}

/** Communication times summed over the file's GPUs, per step; the GPU percentages are the catalogue's (metrics.ts allGpus), filled below. */
function temporalColumns(devices: Extract<Summary["temporal"], { available: true }>["devices"], perStep: (ns: number) => number | null): Row {
  const sum = (f: "communicationNs" | "overlapNs" | "exposedCommunicationNs") => devices.reduce((a, d) => a + d.total[f], 0);
  return {
    comm_ms_per_step: perStep(sum("communicationNs")),
    overlap_ms_per_step: perStep(sum("overlapNs")),
    exposed_comm_ms_per_step: perStep(sum("exposedCommunicationNs")),
  };
}
