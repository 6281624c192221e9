/**
 * analyze(): trace models (one per rank) -> Summary. Pure: no I/O.
 * Table sections (kernels...) describe the primary rank (the lowest rank, or
 * the first file); per-rank sections (steps, temporal) list every rank.
 */
import type { TraceModel } from "../model/tables.js";
import { VERSION } from "../version.js";
import { createContext, type AnalysisContext, type AnalysisOptions } from "./context.js";
import { measureWithin } from "./intervals.js";
import { kernelSummary } from "./kernels.js";
import { moduleBreakdown } from "./modules.js";
import { hasNameScopes, scopeModuleBreakdown } from "./scope-modules.js";
import { operatorBreakdown } from "./operators.js";
import { phaseBreakdown } from "./phases.js";
import { CpuKind } from "../model/tables.js";
import { idleBreakdown, type IdleResult } from "./idle.js";
import { launchOverhead } from "./launch.js";
import { servingSummary } from "./serving.js";
import { noDeviceReason } from "./no-device.js";
import { collectiveBreakdown } from "./collectives.js";
import { rankComparison } from "./ranks.js";
import { memoryBreakdown } from "./memory.js";
import { throughputOf, type ThroughputResult } from "./throughput.js";
import { median } from "./stats.js";
import { inferLayers } from "./inferred-layers.js";
import { moduleRecipe } from "./module-recipe.js";
import { runRules, type FindingsOptions } from "./findings.js";
import { RULES } from "./rules/index.js";
import { COMMUNICATION } from "./categories.js";
import { SUMMARY_SCHEMA, type OverlapSection, type StepRow, type StepsSection, type Summary, type TraceSection, type Section } from "./summary.js";
import { temporalBreakdown, type DeviceTemporal } from "./temporal.js";
import { inferenceSection } from "./inference.js";
import { efficiencySection } from "./efficiency.js";
import { withoutMachinePath } from "./privacy.js";
import { hasMarkedSteps } from "./steps.js";

export function analyzeModels(models: readonly TraceModel[], options: AnalysisOptions = {}): Summary {
  if (models.length === 0) throw new Error("analyzeModels needs at least one trace model");
  const ordered = [...models].sort((a, b) => (a.meta.rank ?? 0) - (b.meta.rank ?? 0));
  const contexts = ordered.map((m) => createContext(m, options));
  const primary = contexts[0]!;
  const idleOf = (ctx: AnalysisContext) => (ctx.model.gpu.length > 0 && ctx.steps.steps.length > 0 ? idleBreakdown(ctx, options.idle) : null);
  const idle = idleOf(primary);
  // the per-device breakdown of every rank, shared by the temporal and overlap sections
  const temporal = contexts.map((ctx) => ({ rank: ctx.model.meta.rank, devices: temporalBreakdown(ctx.devices, ctx.steps.steps, ctx.steps.windowStartNs, ctx.steps.windowEndNs) }));
  const sections = {
    schema: SUMMARY_SCHEMA,
    generator: { name: "llmprof", version: VERSION },
    trace: traceSection(ordered),
    steps: stepsSection(contexts),
    temporal: temporalSection(contexts, temporal),
    kernels: kernelsSection(primary),
    modules: modulesSection(primary),
    inferredLayers: inferredLayersSection(primary),
    operators: operatorsSection(primary),
    phases: phasesSection(primary),
    idle: idleSection(primary, idle),
    launch: launchSection(primary, idle),
    overlap: overlapSection(contexts, temporal),
    collectives: collectivesSection(contexts),
    memory: memorySection(primary),
    throughput: throughputSection(contexts, options.tokensPerStep),
    ranks: ranksSection(contexts, contexts.map((c, i) => (i === 0 ? idle : idleOf(c)))),
    inference: inferenceSection(primary),
    efficiency: efficiencySection(primary),
    diagnostics: ordered.flatMap((m) => m.diagnostics.map((d) => ({ ...d, file: m.meta.files[0] ?? "" }))),
  } satisfies Omit<Summary, "findings">;
  return { ...sections, findings: findingsSection(sections, primary, options.findings) };
}

function findingsSection(summary: Omit<Summary, "findings">, ctx: AnalysisContext, options: FindingsOptions | undefined): Summary["findings"] {
  if (ctx.model.gpu.length === 0) return { available: false, reason: noDeviceReason(ctx.model) };
  return { available: true, rank: ctx.model.meta.rank, ...runRules(RULES, summary, ctx, options) };
}

function traceSection(models: readonly TraceModel[]): TraceSection {
  const first = models[0]!.meta;
  return {
    files: [...new Set(models.flatMap((m) => m.meta.files))],
    format: first.format,
    partial: models.some((m) => m.meta.partial),
    sensitiveContent: [...new Set(models.flatMap((m) => m.meta.sensitiveContent ?? []))],
    traceName: withoutMachinePath(first.traceName),
    versions: { ...first.versions },
    options: { ...first.options },
    devices: [...first.devices],
    ranks: models.map((m) => ({ rank: m.meta.rank, worldSize: m.meta.worldSize, file: m.meta.files[0] ?? "" })),
    eventCounts: sumCounts(models.map((m) => m.meta.eventCounts)),
    bytesRead: models.reduce((s, m) => s + m.meta.bytesRead, 0),
    originNs: first.originNs,
  };
}

function sumCounts(list: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of list) for (const [k, v] of Object.entries(counts)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function stepsSection(contexts: readonly AnalysisContext[]): Section<StepsSection> {
  const primary = contexts[0]!;
  if (primary.steps.source === "empty") {
    return { available: false, reason: primary.model.gpu.length === 0 ? noDeviceReason(primary.model) : "no steps match the --steps selection" };
  }
  const items: StepRow[] = contexts.flatMap((ctx) =>
    ctx.steps.steps.map((s) => ({
      rank: ctx.model.meta.rank,
      number: s.number,
      name: s.name,
      startNs: s.startNs,
      endNs: s.endNs,
      durationNs: s.endNs - s.startNs,
      cpuStartNs: s.cpuStartNs,
      cpuEndNs: s.cpuEndNs,
      cpuDurationNs: s.cpuEndNs - s.cpuStartNs,
    })),
  );
  const durations = primary.steps.steps.map((s) => s.endNs - s.startNs).sort((a, b) => a - b);
  const n = durations.length;
  return {
    available: true,
    source: primary.steps.source === "gpu-span" ? "gpu-span" : primary.steps.source === "serving-steps" ? "serving-steps" : "profiler-steps",
    serving: servingSummary(primary.steps.steps),
    count: n,
    windowStartNs: primary.steps.windowStartNs,
    windowEndNs: primary.steps.windowEndNs,
    windowNs: primary.steps.windowEndNs - primary.steps.windowStartNs,
    stepTimeMeanNs: durations.reduce((a, b) => a + b, 0) / n,
    stepTimeMedianNs: median(durations),
    stepTimeMinNs: durations[0]!,
    stepTimeMaxNs: durations[n - 1]!,
    items,
  };
}

type RankTemporal = { rank: number | null; devices: DeviceTemporal[] };

function temporalSection(contexts: readonly AnalysisContext[], temporal: readonly RankTemporal[]): Summary["temporal"] {
  if (contexts.every((c) => c.model.gpu.length === 0)) return { available: false, reason: noDeviceReason(contexts[0]!.model) };
  return { available: true, devices: temporal.flatMap((r) => r.devices.map((d) => ({ rank: r.rank, ...d }))) };
}

function kernelsSection(ctx: AnalysisContext): Summary["kernels"] {
  if (ctx.model.gpu.length === 0) return { available: false, reason: noDeviceReason(ctx.model) };
  // busy time of all devices in the window
  let busy = 0;
  for (const d of ctx.devices) busy += measureWithin(d.busy, ctx.steps.windowStartNs, ctx.steps.windowEndNs);
  return { available: true, rank: ctx.model.meta.rank, ...kernelSummary(ctx.model, ctx.categories, ctx.windowRows, busy, ctx.categorySources) };
}


function modulesSection(ctx: AnalysisContext): Summary["modules"] {
  if (ctx.model.gpu.length === 0) return { available: false, reason: noDeviceReason(ctx.model) };
  if (!ctx.attribution.hasModules && hasNameScopes(ctx)) return { available: true, rank: ctx.model.meta.rank, ...scopeModuleBreakdown(ctx) };
  if (!ctx.attribution.hasModules) {
    return {
      available: false,
      reason: `the trace has no module spans: ${moduleRecipe(ctx.model)}; the operator, kernel and phase breakdowns below do not need them`,
    };
  }
  return { available: true, rank: ctx.model.meta.rank, ...moduleBreakdown(ctx, ctx.attribution) };
}

function operatorsSection(ctx: AnalysisContext): Summary["operators"] {
  let ops = 0;
  for (let i = 0; i < ctx.model.cpu.length && ops === 0; i++) if (ctx.model.cpu.kind[i] === CpuKind.Op) ops++;
  if (ops === 0) return { available: false, reason: "the trace has no CPU operator events (recorded without ProfilerActivity.CPU, or an nsys report without emit_nvtx ranges)" };
  return { available: true, rank: ctx.model.meta.rank, ...operatorBreakdown(ctx, ctx.attribution) };
}

function phasesSection(ctx: AnalysisContext): Summary["phases"] {
  if (ctx.model.gpu.length === 0) return { available: false, reason: noDeviceReason(ctx.model) };
  if (!hasMarkedSteps(ctx.steps)) return { available: false, reason: "phases are reported per step and the trace has no ProfilerStep#N ranges" };
  return { available: true, rank: ctx.model.meta.rank, ...phaseBreakdown(ctx, ctx.attribution) };
}

function idleSection(ctx: AnalysisContext, idle: IdleResult | null): Summary["idle"] {
  if (!idle) return { available: false, reason: noDeviceReason(ctx.model) };
  return { available: true, rank: ctx.model.meta.rank, ...idle };
}

function launchSection(ctx: AnalysisContext, idle: IdleResult | null): Summary["launch"] {
  if (ctx.model.runtime.length === 0) return { available: false, reason: "the trace has no CUDA runtime calls (recorded without CPU activities?)" };
  return { available: true, rank: ctx.model.meta.rank, ...launchOverhead(ctx, idle) };
}

function hasCommunication(ctx: AnalysisContext): boolean {
  for (let g = 0; g < ctx.categories.length; g++) if (ctx.categories[g] === COMMUNICATION) return true;
  return false;
}

function overlapSection(contexts: readonly AnalysisContext[], temporal: readonly RankTemporal[]): Summary["overlap"] {
  if (!contexts.some(hasCommunication)) return { available: false, reason: "the trace has no communication kernels (single GPU, or no NCCL/RCCL activity recorded)" };
  const rows: OverlapSection["rows"] = [];
  for (const { rank, devices } of temporal) {
    for (const d of devices) {
      const row = (step: number | null, f: typeof d.total) => ({
        rank,
        device: d.device,
        step,
        communicationNs: f.communicationNs,
        overlapNs: f.overlapNs,
        exposedCommunicationNs: f.exposedCommunicationNs,
        overlapPct: f.overlapPct,
        exposedCommunicationPctOfWindow: f.exposedCommunicationPct,
      });
      rows.push(row(null, d.total), ...d.steps.map((s) => row(s.step, s)));
    }
  }
  return { available: true, rows };
}

function collectivesSection(contexts: readonly AnalysisContext[]): Summary["collectives"] {
  if (!contexts.some(hasCommunication)) return { available: false, reason: "the trace has no communication kernels (single GPU, or no NCCL/RCCL activity recorded)" };
  return { available: true, ranks: contexts.map((ctx) => ({ rank: ctx.model.meta.rank, ...collectiveBreakdown(ctx) })) };
}

function ranksSection(contexts: readonly AnalysisContext[], idle: readonly (IdleResult | null)[]): Summary["ranks"] {
  if (contexts.length < 2) return { available: false, reason: "one rank: pass one trace per rank (or a directory of them) to compare ranks" };
  return { available: true, ...rankComparison(contexts, idle) };
}

function memorySection(ctx: AnalysisContext): Summary["memory"] {
  const { memory } = ctx.model;
  let gpuEvents = 0;
  for (let i = 0; i < memory.length; i++) if (memory.device[i]! >= 0) gpuEvents++;
  if (gpuEvents === 0) {
    return {
      available: false,
      reason:
        ctx.model.meta.format === "kineto-json"
          ? "the trace has no GPU memory events: record with torch.profiler.profile(profile_memory=True)"
          : "this input format carries no allocator events llmprof reads",
    };
  }
  return { available: true, rank: ctx.model.meta.rank, ...memoryBreakdown(ctx) };
}

function throughputSection(contexts: readonly AnalysisContext[], tokensPerStep: number | undefined): Summary["throughput"] {
  const rows = contexts.map((ctx) => ({ ctx, t: hasMarkedSteps(ctx.steps) ? throughputOf(ctx, tokensPerStep) : null }));
  const ok = rows.filter((r): r is { ctx: AnalysisContext; t: ThroughputResult } => r.t !== null);
  if (ok.length === 0) {
    return {
      available: false,
      reason: "no token count: the trace has no ProfilerStep ranges or no aten::embedding call with recorded input shapes (record_shapes=True); pass --tokens-per-step",
    };
  }
  const stepTime = median(ok.map((r) => median(r.t.steps.map((s) => s.stepTimeNs))));
  const tokens = ok.reduce((a, r) => a + r.t.tokensPerStep, 0);
  return {
    available: true,
    ranks: ok.map((r) => ({ rank: r.ctx.model.meta.rank, ...r.t })),
    worldSize: contexts.length,
    globalTokensPerS: stepTime > 0 ? tokens / (stepTime / 1e9) : 0,
  };
}

function inferredLayersSection(ctx: AnalysisContext): Summary["inferredLayers"] {
  if (ctx.model.gpu.length === 0) return { available: false, reason: noDeviceReason(ctx.model) };
  if (ctx.attribution.hasModules) return { available: false, reason: "not needed: the trace has module spans (see modules)" };
  const r = inferLayers(ctx);
  if (!r) return { available: false, reason: "neither the operator nor the kernel sequence repeats (a block of 3+ at least 3 times in a row, or twice for blocks of 10+)" };
  return { available: true, rank: ctx.model.meta.rank, ...r };
}
