/**
 * `--format trace`: the analysis written back onto the timeline, as a Chrome
 * trace-event JSON that Perfetto UI and chrome://tracing open. One process per
 * rank holding (unless overlay-only) the original GPU activities, CPU slices and
 * runtime calls with launch -> kernel flow arrows, plus llmprof's tracks: steps,
 * phases, idle gaps by cause, exposed communication, findings, and counters.
 * Timestamps are the source clock (TraceMeta.originNs + model ns), so the
 * overlay lines up with the original file.
 */
import { GRAPH_REPLAY_TRACK, hasGraphReplays } from "./trace-export-graphs.js";
import { criticalPathTrack } from "./trace-export-critical-path.js";
import type { Writable } from "node:stream";
import { CpuKind, GpuKind, type TraceModel } from "../src/model/tables.js";
import { createContext, type AnalysisContext, type AnalysisOptions } from "../src/analysis/context.js";
import { idleBreakdown, type IdleGap } from "../src/analysis/idle.js";
import { clip, subtract } from "../src/analysis/intervals.js";
import { temporalBreakdown } from "../src/analysis/temporal.js";
import { efficiencySection } from "../src/analysis/efficiency.js";
import type { Summary } from "../src/analysis/summary.js";
import { VERSION } from "../src/version.js";
import { TraceEventWriter, type TraceEvent } from "./trace-export-writer.js";
import { kernelAttributionArgs } from "./trace-export-args.js";
import { phaseSpans, PHASE_TRACKS } from "./trace-export-phases.js";
import { scrubPaths } from "./trace-export-scrub.js";

/** A slice (or, without durNs, an instant) of an overlay track, in model ns. */
export interface OverlaySlice {
  name: string;
  startNs: number;
  durNs?: number;
  args?: Record<string, unknown>;
}

/**
 * Seam for tracks computed elsewhere (CUDA graph replays, the distributed
 * critical path): each source gets one track per rank it returns slices for.
 */
export interface OverlayTrackSource {
  track: string;
  slices(ctx: AnalysisContext): Iterable<OverlaySlice>;
}

export interface TraceExportOptions {
  analysis?: AnalysisOptions;
  /** Only llmprof's tracks, to load beside the original file. */
  overlayOnly?: boolean;
  extraTracks?: readonly OverlayTrackSource[];
}

export interface TraceExportResult {
  events: number;
}

/** Tracks llmprof adds, in display order (the thread names carry this prefix). */
export const TRACK_PREFIX = "llmprof: ";

export async function writeAnnotatedTrace(models: readonly TraceModel[], summary: Summary, out: Writable, options: TraceExportOptions = {}): Promise<TraceExportResult> {
  const ordered = [...models].sort((a, b) => (a.meta.rank ?? 0) - (b.meta.rank ?? 0));
  const writer = new TraceEventWriter(out, {
    generator: `llmprof ${VERSION}`,
    timeUnit: "ts and dur in microseconds with 3 decimals (exact nanoseconds of the source clock)",
    inputFormat: ordered[0]!.meta.format,
    overlayOnly: Boolean(options.overlayOnly),
  });
  await writer.begin();
  const flowIds = { next: 1 };
  const pathTrack = criticalPathTrack(ordered, options.analysis);
  if (pathTrack) options = { ...options, extraTracks: [...(options.extraTracks ?? []), pathTrack] };
  for (let i = 0; i < ordered.length; i++) {
    const model = ordered[i]!;
    const ctx = createContext(model, options.analysis ?? {});
    const pid = model.meta.rank ?? i;
    await writer.writeAll(rankEvents(ctx, pid, i === 0 ? summary : null, options, flowIds));
  }
  await writer.end();
  return { events: writer.count };
}

/** Thread ids of one process: original tids where they are free, else fresh ones. */
class Tids {
  private readonly used = new Set<number>();
  private next = 1_000_000;
  readonly names = new Map<number, { name: string; sort: number }>();

  add(name: string, sort: number, wanted?: number): number {
    let tid = wanted !== undefined && Number.isSafeInteger(wanted) && !this.used.has(wanted) ? wanted : -1;
    if (tid < 0) while (this.used.has((tid = this.next++)));
    this.used.add(tid);
    this.names.set(tid, { name, sort });
    return tid;
  }
}

function* rankEvents(ctx: AnalysisContext, pid: number, summary: Summary | null, options: TraceExportOptions, flowIds: { next: number }): Generator<TraceEvent> {
  const { model } = ctx;
  const { gpu, cpu, runtime, threads, strings, gpuRanges } = model;
  const origin = BigInt(model.meta.originNs);
  const abs = (ns: number): bigint => origin + BigInt(Math.round(ns));
  // ts and dur from the rounded ends, so slices that abut in the model abut exactly in the file
  const span = (startNs: number, endNs: number) => ({ tsNs: abs(startNs), durNs: Number(abs(endNs) - abs(startNs)) });
  const overlayOnly = Boolean(options.overlayOnly);
  const tids = new Tids();
  let sort = 0;

  // llmprof tracks first, so they sit on top
  const stepTid = tids.add(`${TRACK_PREFIX}steps`, sort++);
  const phaseTid = new Map(PHASE_TRACKS.map((p) => [p, tids.add(`${TRACK_PREFIX}phase ${p}`, sort++)]));
  const deviceIds = ctx.devices.map((d) => d.device);
  const idleTid = new Map(deviceIds.map((d) => [d, tids.add(`${TRACK_PREFIX}GPU ${d} idle (by cause)`, sort++)]));
  const exposedTid = new Map(deviceIds.map((d) => [d, tids.add(`${TRACK_PREFIX}GPU ${d} exposed communication`, sort++)]));
  const findingsTid = summary ? tids.add(`${TRACK_PREFIX}findings`, sort++) : -1;
  const extras = [...(hasGraphReplays(ctx) ? [GRAPH_REPLAY_TRACK] : []), ...(options.extraTracks ?? [])];
  const extraTid = extras.map((t) => tids.add(`${TRACK_PREFIX}${t.track}`, sort++));

  // original tracks: GPU streams, GPU annotation ranges, host threads
  const streamTid = new Map<string, number>();
  const rangeTid = new Map<string, number>();
  const threadTid = new Int32Array(threads.length).fill(-1);
  if (!overlayOnly) {
    const keys = new Set<string>();
    for (let g = 0; g < gpu.length; g++) keys.add(`${gpu.device[g]}:${gpu.stream[g]}`);
    for (const key of [...keys].sort(byDeviceStream)) {
      const [d, s] = key.split(":");
      streamTid.set(key, tids.add(`GPU ${d} stream ${s}`, sort++));
    }
    const rangeKeys = new Set<string>();
    for (let r = 0; r < gpuRanges.length; r++) rangeKeys.add(`${gpuRanges.device[r]}:${gpuRanges.stream[r]}`);
    for (const key of [...rangeKeys].sort(byDeviceStream)) {
      const [d, s] = key.split(":");
      rangeTid.set(key, tids.add(`GPU ${d} stream ${s} annotations`, sort++));
    }
    const usedThreads = new Uint8Array(threads.length);
    for (let i = 0; i < cpu.length; i++) usedThreads[cpu.thread[i]!] = 1;
    for (let i = 0; i < runtime.length; i++) usedThreads[runtime.thread[i]!] = 1;
    for (let t = 0; t < threads.length; t++) {
      if (!usedThreads[t]) continue;
      const tid = threads.tid[t]!;
      const name = threads.name[t]! >= 0 ? scrubPaths(strings.get(threads.name[t]!)) : `thread ${Number.isFinite(tid) ? tid : t}`;
      threadTid[t] = tids.add(name, sort++, Number.isFinite(tid) ? tid : undefined);
    }
  }

  // metadata: every process and thread is named (M events have no ts)
  const rankLabel = model.meta.rank === null ? "llmprof" : `rank ${model.meta.rank}`;
  yield { ph: "M", name: "process_name", pid, args: { name: rankLabel } };
  yield { ph: "M", name: "process_sort_index", pid, args: { sort_index: pid } };
  for (const [tid, t] of tids.names) {
    yield { ph: "M", name: "thread_name", pid, tid, args: { name: t.name } };
    yield { ph: "M", name: "thread_sort_index", pid, tid, args: { sort_index: t.sort } };
  }

  // steps
  for (const s of ctx.steps.steps) {
    yield {
      ph: "X",
      cat: "llmprof.step",
      name: s.name,
      pid,
      tid: stepTid,
      ...span(s.startNs, s.endNs),
      args: { step: s.number, cpuStartUs: Number(abs(s.cpuStartNs)) / 1e3, cpuDurationNs: s.cpuEndNs - s.cpuStartNs },
    };
  }
  // phases
  if (ctx.steps.source === "profiler-steps") {
    for (const p of phaseSpans(ctx)) {
      yield { ph: "X", cat: "llmprof.phase", name: p.phase, pid, tid: phaseTid.get(p.phase)!, ...span(p.startNs, p.endNs), args: { step: p.step, activities: p.count, kernelNs: p.kernelNs } };
    }
  }
  // idle gaps, each named by its cause
  if (gpu.length > 0 && ctx.steps.steps.length > 0) {
    const idle = idleBreakdown(ctx, { ...ctx.options.idle, topGaps: Number.MAX_SAFE_INTEGER });
    const list: IdleGap[] = [...idle.largestGaps].sort((a, b) => a.startNs - b.startNs || a.device - b.device);
    for (const g of list) {
      yield {
        ph: "X",
        cat: "llmprof.idle",
        name: g.cause,
        pid,
        tid: idleTid.get(g.device)!,
        ...span(g.startNs, g.endNs),
        args: { cause: g.cause, culprit: g.culprit === null ? null : scrubPaths(g.culprit), nextActivity: g.nextActivity, step: g.step, durationNs: g.durationNs },
      };
    }
  }
  // exposed communication: communication time with no compute kernel running
  const ws = ctx.steps.windowStartNs;
  const we = ctx.steps.windowEndNs;
  for (const d of ctx.devices) {
    const exposed = clip(subtract(d.communication, d.compute), ws, we);
    for (let k = 0; k < exposed.length; k++) {
      const dur = exposed.ends[k]! - exposed.starts[k]!;
      yield { ph: "X", cat: "llmprof.comm", name: "exposed communication", pid, tid: exposedTid.get(d.device)!, ...span(exposed.starts[k]!, exposed.ends[k]!), args: { durationNs: dur } };
    }
  }
  // findings, at the evidence they cite
  if (summary && summary.findings.available) yield* findingEvents(summary, ctx, pid, findingsTid, abs);
  // seam: tracks from other analyses (graph replays, critical path)
  for (let k = 0; k < extras.length; k++) {
    for (const s of extras[k]!.slices(ctx)) {
      yield s.durNs === undefined
        ? { ph: "i", s: "t", cat: "llmprof.extra", name: s.name, pid, tid: extraTid[k]!, tsNs: abs(s.startNs), ...(s.args ? { args: s.args } : {}) }
        : { ph: "X", cat: "llmprof.extra", name: s.name, pid, tid: extraTid[k]!, ...span(s.startNs, s.startNs + s.durNs), ...(s.args ? { args: s.args } : {}) };
    }
  }
  yield* counterEvents(ctx, pid, abs);

  if (overlayOnly) return;
  // original host slices and runtime calls
  const CPU_CAT = { [CpuKind.Op]: "cpu_op", [CpuKind.Annotation]: "user_annotation", [CpuKind.Python]: "python_function", [CpuKind.Module]: "python_function" } as const;
  for (let i = 0; i < cpu.length; i++) {
    const args: Record<string, unknown> = {};
    if (!Number.isNaN(cpu.externalId[i]!)) args["External id"] = cpu.externalId[i];
    if (!Number.isNaN(cpu.seq[i]!)) args["Sequence number"] = cpu.seq[i];
    if (cpu.inputDims[i]! >= 0) args["Input Dims"] = strings.get(cpu.inputDims[i]!);
    const phase = ctx.attribution.phaseOfSlice[i]!;
    args["llmprof"] = { phase: ["forward", "backward", "optimizer", "other"][phase] };
    yield { ph: "X", cat: CPU_CAT[cpu.kind[i] as CpuKind], name: scrubPaths(strings.get(cpu.name[i]!)), pid, tid: threadTid[cpu.thread[i]!]!, ...span(cpu.start[i]!, cpu.end[i]!), args };
  }
  for (let r = 0; r < runtime.length; r++) {
    const args: Record<string, unknown> = {};
    if (!Number.isNaN(runtime.correlation[r]!)) args["correlation"] = runtime.correlation[r];
    if (!Number.isNaN(runtime.externalId[r]!)) args["External id"] = runtime.externalId[r];
    yield {
      ph: "X",
      cat: runtime.kind[r] === 1 ? "cuda_driver" : "cuda_runtime",
      name: strings.get(runtime.name[r]!),
      pid,
      tid: threadTid[runtime.thread[r]!]!,
      ...span(runtime.start[r]!, runtime.end[r]!),
      args,
    };
  }
  // original GPU activities, with llmprof's attribution, and launch -> activity flows
  const GPU_CAT = { [GpuKind.Kernel]: "kernel", [GpuKind.Memcpy]: "gpu_memcpy", [GpuKind.Memset]: "gpu_memset" } as const;
  const attributionOf = kernelAttributionArgs(ctx);
  for (let g = 0; g < gpu.length; g++) {
    const tid = streamTid.get(`${gpu.device[g]}:${gpu.stream[g]}`)!;
    yield { ph: "X", cat: GPU_CAT[gpu.kind[g] as GpuKind], name: strings.get(gpu.name[g]!), pid, tid, ...span(gpu.start[g]!, gpu.end[g]!), args: attributionOf(g) };
    const launch = gpu.launch[g]!;
    if (launch >= 0 && threadTid[runtime.thread[launch]!]! >= 0) {
      const id = flowIds.next++;
      yield { ph: "s", cat: "ac2g", name: "launch", id, pid, tid: threadTid[runtime.thread[launch]!]!, tsNs: abs(runtime.start[launch]!) };
      yield { ph: "f", bp: "e", cat: "ac2g", name: "launch", id, pid, tid, tsNs: abs(gpu.start[g]!) };
    }
  }
  for (let r = 0; r < gpuRanges.length; r++) {
    const tid = rangeTid.get(`${gpuRanges.device[r]}:${gpuRanges.stream[r]}`)!;
    yield {
      ph: "X",
      cat: "gpu_user_annotation",
      name: strings.get(gpuRanges.name[r]!),
      pid,
      tid,
      ...span(gpuRanges.start[r]!, gpuRanges.end[r]!),
      args: { device: gpuRanges.device[r], stream: gpuRanges.stream[r] },
    };
  }
}

function byDeviceStream(a: string, b: string): number {
  const [ad, as] = a.split(":").map(Number);
  const [bd, bs] = b.split(":").map(Number);
  return ad! - bd! || as! - bs!;
}

function* findingEvents(summary: Summary, ctx: AnalysisContext, pid: number, tid: number, abs: (ns: number) => bigint): Generator<TraceEvent> {
  if (!summary.findings.available) return;
  const stepStart = new Map(ctx.steps.steps.map((s) => [s.number, s.startNs]));
  for (const f of summary.findings.findings) {
    const base = { id: f.id, severity: f.severity, costNs: f.costNs, costPctOfWindow: f.costPctOfWindow, summary: f.summary, how: f.how };
    let placed = 0;
    for (const e of f.evidence) {
      const at = e.startNs ?? (e.step !== undefined ? stepStart.get(e.step) : undefined);
      if (at === undefined) continue;
      placed++;
      yield {
        ph: "i",
        s: "t",
        cat: "llmprof.finding",
        name: f.title,
        pid,
        tid,
        tsNs: abs(at),
        args: { ...base, evidence: { kind: e.kind, label: scrubPaths(e.label), durationNs: e.durationNs ?? null, detail: e.detail ?? null } },
      };
    }
    // a finding without timed evidence sits at the start of the window
    if (placed === 0) yield { ph: "i", s: "t", cat: "llmprof.finding", name: f.title, pid, tid, tsNs: abs(ctx.steps.windowStartNs), args: { ...base, evidence: null } };
  }
}

function* counterEvents(ctx: AnalysisContext, pid: number, abs: (ns: number) => bigint): Generator<TraceEvent> {
  const { steps, devices, model } = ctx;
  const end = abs(steps.windowEndNs);
  if (steps.steps.length > 0) {
    for (const d of temporalBreakdown(devices, steps.steps, steps.windowStartNs, steps.windowEndNs)) {
      const name = `GPU ${d.device} busy %`;
      for (const s of d.steps) yield { ph: "C", name, cat: "llmprof.counter", pid, tsNs: abs(s.startNs), args: { busyPct: s.busyPct } };
      yield { ph: "C", name, cat: "llmprof.counter", pid, tsNs: end, args: { busyPct: 0 } };
    }
    const eff = model.gpu.length > 0 ? efficiencySection(ctx) : null;
    if (eff?.available) {
      const startOf = new Map(steps.steps.map((s) => [s.number, s.startNs]));
      const name = "achieved TFLOP/s";
      for (const s of eff.steps) {
        const at = startOf.get(s.step);
        if (at !== undefined) yield { ph: "C", name, cat: "llmprof.counter", pid, tsNs: abs(at), args: { tflopsPerS: s.achievedTflopsPerS } };
      }
      yield { ph: "C", name, cat: "llmprof.counter", pid, tsNs: end, args: { tflopsPerS: 0 } };
    }
  }
  const { memory } = model;
  for (let i = 0; i < memory.length; i++) {
    const device = memory.device[i]!;
    if (device < 0 || Number.isNaN(memory.totalAllocated[i]!)) continue;
    yield { ph: "C", name: `GPU ${device} memory allocated`, cat: "llmprof.counter", pid, tsNs: abs(memory.time[i]!), args: { bytes: memory.totalAllocated[i] } };
  }
}
