/**
 * CSV tables for notebooks and DuckDB: one file per table of the summary,
 * RFC 4180 quoting, times in ns (the column names carry the unit), one row per
 * entity. Tables of sections that are unavailable are omitted.
 */
import type { ModuleTimes } from "../src/analysis/modules.js";
import type { Summary } from "../src/analysis/summary.js";

type Cell = string | number | boolean | null | undefined;

export interface CsvTable {
  name: string;
  header: string[];
  rows: Cell[][];
}

export function csvTables(s: Summary): CsvTable[] {
  const out: CsvTable[] = [];
  const add = (name: string, header: string[], rows: Cell[][]) => out.push({ name, header, rows });
  if (s.steps.available) {
    add(
      "steps",
      ["rank", "step", "name", "start_ns", "end_ns", "duration_ns", "cpu_start_ns", "cpu_end_ns", "cpu_duration_ns"],
      s.steps.items.map((x) => [x.rank, x.number, x.name, x.startNs, x.endNs, x.durationNs, x.cpuStartNs, x.cpuEndNs, x.cpuDurationNs]),
    );
  }
  if (s.temporal.available) {
    const cols = ["window_ns", "busy_ns", "compute_ns", "communication_ns", "memory_ns", "overlap_ns", "exposed_communication_ns", "exposed_memory_ns", "idle_ns"] as const;
    const keys = ["windowNs", "busyNs", "computeNs", "communicationNs", "memoryNs", "overlapNs", "exposedCommunicationNs", "exposedMemoryNs", "idleNs"] as const;
    add(
      "gpu_time",
      ["rank", "device", "step", ...cols],
      s.temporal.devices.flatMap((d) => [[d.rank, d.device, null, ...keys.map((k) => d.total[k])], ...d.steps.map((st) => [d.rank, d.device, st.step, ...keys.map((k) => st[k])])]),
    );
  }
  if (s.kernels.available) {
    add(
      "kernels",
      ["name", "kind", "category", "count", "total_ns", "mean_ns", "min_ns", "max_ns", "pct_of_kernel_time", "pct_of_busy", "category_source"],
      s.kernels.byName.map((k) => [k.name, k.kind, k.category, k.count, k.totalNs, k.meanNs, k.minNs, k.maxNs, k.pctOfKernelTime, k.pctOfBusy, k.categorySource ?? ""]),
    );
    add(
      "kernel_categories",
      ["category", "label", "count", "total_ns", "pct_of_kernel_time"],
      s.kernels.byCategory.map((c) => [c.category, c.label, c.count, c.totalNs, c.pctOfKernelTime]),
    );
  }
  if (s.operators.available) {
    const header = [
      "name",
      "input_dims",
      "calls",
      "forward_calls",
      "backward_calls",
      "cpu_total_ns",
      "cpu_self_ns",
      "gpu_self_ns",
      "gpu_total_ns",
      "forward_gpu_self_ns",
      "backward_gpu_self_ns",
      "kernels",
      "flops",
      "tflops_per_s",
      "pct_of_kernel_time",
    ];
    const row = (o: (typeof s.operators.byName)[number]): Cell[] => [
      o.name,
      o.inputDims ?? null,
      o.calls,
      o.forwardCalls,
      o.backwardCalls,
      o.cpuTotalNs,
      o.cpuSelfNs,
      o.gpuSelfNs,
      o.gpuTotalNs,
      o.forwardGpuSelfNs,
      o.backwardGpuSelfNs,
      o.kernels,
      o.flops,
      o.tflopsPerS,
      o.pctOfKernelTime,
    ];
    add("operators", header, s.operators.byName.map(row));
    add("operator_shapes", header, s.operators.byNameAndShapes.map(row));
  }
  if (s.modules.available) {
    const times = ["forward_ns", "forward_self_ns", "backward_ns", "backward_self_ns", "recompute_ns", "recompute_self_ns", "total_ns", "self_ns", "pct_of_kernel_time"];
    const timeKeys = ["forwardNs", "forwardSelfNs", "backwardNs", "backwardSelfNs", "recomputeNs", "recomputeSelfNs", "totalNs", "selfNs", "pctOfKernelTime"] as const;
    const timeCells = (m: ModuleTimes) => timeKeys.map((k) => m[k]);
    add(
      "modules",
      ["path", "name", "class", "parent_path", "depth", "calls", "recompute_calls", "cpu_forward_ns", ...times],
      s.modules.instances.map((m) => [m.path, m.name, m.className, m.parentPath, m.depth, m.calls, m.recomputeCalls, m.cpuForwardNs, ...timeCells(m)]),
    );
    add(
      "module_classes",
      ["class", "instances", "calls", "cpu_forward_ns", ...times],
      s.modules.classes.map((m) => [m.className, m.instances, m.calls, m.cpuForwardNs, ...timeCells(m)]),
    );
    add(
      "modules_unattributed",
      ["id", "label", "count", "total_ns"],
      s.modules.unattributed.map((u) => [u.id, u.label, u.count, u.totalNs]),
    );
  }
  if (s.phases.available) {
    add(
      "phases",
      ["step", "phase", "count", "kernel_ns", "compute_kernel_ns", "busy_ns", "gpu_span_ns", "uncovered_ns", "cpu_span_ns", "pct_of_kernel_time"],
      s.phases.steps.flatMap((st) => st.phases.map((p) => [st.step, p.phase, p.count, p.kernelNs, p.computeKernelNs, p.busyNs, p.gpuSpanNs, p.uncoveredNs, p.cpuSpanNs, p.pctOfKernelTime])),
    );
  }
  if (s.idle.available) {
    add(
      "idle_causes",
      ["cause", "count", "total_ns", "pct_of_idle", "pct_of_window"],
      s.idle.byCause.map((c) => [c.cause, c.count, c.totalNs, c.pctOfIdle, c.pctOfWindow]),
    );
    add(
      "idle_gaps_largest",
      ["device", "step", "start_ns", "end_ns", "duration_ns", "cause", "culprit", "next_activity"],
      s.idle.largestGaps.map((g) => [g.device, g.step, g.startNs, g.endNs, g.durationNs, g.cause, g.culprit, g.nextActivity]),
    );
  }
  if (s.overlap.available) {
    add(
      "overlap",
      ["rank", "device", "step", "communication_ns", "overlap_ns", "exposed_communication_ns", "overlap_pct"],
      s.overlap.rows.map((r) => [r.rank, r.device, r.step, r.communicationNs, r.overlapNs, r.exposedCommunicationNs, r.overlapPct]),
    );
  }
  if (s.collectives.available) {
    add(
      "collectives",
      ["rank", "collective", "count", "total_ns", "mean_ns", "bytes", "alg_bandwidth_gbps", "bus_bandwidth_gbps", "group_size"],
      s.collectives.ranks.flatMap((r) => r.types.map((t) => [r.rank, t.collective, t.count, t.totalNs, t.meanNs, t.bytes, t.algBandwidthGBps, t.busBandwidthGBps, t.groupSize])),
    );
  }
  if (s.ranks.available) {
    add(
      "ranks",
      ["rank", "device", "steps", "step_time_median_ns", "window_ns", "compute_ns", "communication_ns", "exposed_communication_ns", "idle_ns"],
      s.ranks.ranks.map((r) => [r.rank, r.device, r.steps, r.stepTimeMedianNs, r.windowNs, r.computeNs, r.communicationNs, r.exposedCommunicationNs, r.idleNs]),
    );
    add(
      "stragglers",
      ["step", "straggler_rank", "delay_ns"],
      s.ranks.stragglers.map((r) => [r.step, r.straggler, r.delayNs]),
    );
  }
  // summaries written before these sections existed lack them
  const pg = s.processGroups as Summary["processGroups"] | undefined;
  if (pg?.available) {
    add(
      "process_groups",
      ["group", "description", "label", "group_ranks", "rank", "kernels", "time_ns", "exposed_ns", "bytes", "bus_bandwidth_gbps", "share_of_steps_pct"],
      pg.groups.flatMap((g) =>
        g.perRank.map((r) => [g.id, g.description, g.label, g.ranks?.join(" ") ?? null, r.rank, r.kernels, r.timeNs, r.exposedNs, r.bytes, r.busBandwidthGBps, r.shareOfStepPct]),
      ),
    );
  }
  const waits = s.collectiveWaits as Summary["collectiveWaits"] | undefined;
  if (waits?.available) {
    add(
      "collective_waits",
      ["group", "label", "rank", "instances", "time_ns", "waiting_ns", "transferring_ns", "waiting_pct"],
      waits.groups.flatMap((g) => g.perRank.map((r) => [g.group, g.label, r.rank, r.instances, r.timeNs, r.waitingNs, r.transferringNs, r.waitingPct])),
    );
  }
  const pipeline = s.pipeline as Summary["pipeline"] | undefined;
  if (pipeline?.available) {
    add(
      "pipeline_stages",
      ["stage", "stages", "rank", "step", "step_ns", "bubble_ns", "bubble_pct", "ideal_bubble_pct", "no_compute_pct", "forward", "backward", "schedule"],
      pipeline.stages.flatMap((st) =>
        st.steps.map((x) => [st.stage, st.stages, st.rank, x.step, x.stepNs, x.bubbleNs, x.bubblePct, x.idealBubblePct, x.noComputePct, x.forward, x.backward, x.schedule]),
      ),
    );
  }
  const cp = s.criticalPath;
  if (cp?.available) {
    add(
      "critical_path",
      ["step", "from_rank", "step_time_ns", "rank", "kind", "ns"],
      cp.steps.flatMap((st) => st.byRank.map((r) => [st.step, st.rank, st.stepTimeNs, r.rank, r.kind, r.ns])),
    );
    add(
      "critical_path_what_if",
      ["step", "item", "kind", "path_ns", ...cp.whatIfFasterPct.map((p) => `saved_if_${p}pct_faster_ns`), "saved_if_removed_ns"],
      cp.steps.flatMap((st) => st.whatIf.map((w) => [st.step, w.item, w.kind, w.pathNs, ...w.savedIfFasterNs, w.savedIfRemovedNs])),
    );
  }
  add(
    "diagnostics",
    ["file", "id", "severity", "count", "explanation"],
    s.diagnostics.map((d) => [d.file, d.id, d.severity, d.count, d.explanation]),
  );
  return out;
}

export function renderCsv(table: CsvTable): string {
  const lines = [table.header.join(","), ...table.rows.map((r) => r.map(cell).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}

function cell(v: Cell): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  const s = String(v);
  // quote when needed; a leading = + - @ would make spreadsheets evaluate the cell
  // unless the whole cell is a plain number ("-2+3+cmd|..." starts like one and is not)
  const guarded = /^[=+\-@\t\r]/.test(s) && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(guarded) || guarded !== s ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}
