/**
 * analyze(): trace models (one per rank) -> Summary. Pure: no I/O.
 * Table sections (kernels...) describe the primary rank (the lowest rank, or
 * the first file); per-rank sections (steps, temporal) list every rank.
 */
import type { TraceModel } from "../model/tables.js";
import { VERSION } from "../version.js";
import { NEEDS, computeNeed, contextWithNeeds, createContext, type AnalysisContext, type AnalysisOptions, type Need } from "./context.js";
import { measureWithin } from "./intervals.js";
import { kernelSummary } from "./kernels.js";
import { moduleBreakdown } from "./modules.js";
import { hasNameScopes, scopeModuleBreakdown } from "./scope-modules.js";
import { operatorBreakdown } from "./operators.js";
import { phaseBreakdown } from "./phases.js";
import { CpuKind } from "../model/tables.js";
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
import { inferenceSection } from "./inference.js";
import { efficiencySection } from "./efficiency.js";
import { withoutMachinePath } from "./privacy.js";
import { hasMarkedSteps } from "./steps.js";
import { criticalPathSection } from "./critical-path-section.js";
import { assignProcessGroups, processGroupBreakdown, type ProcessGroupAssignment } from "./process-groups.js";
import { collectiveWaits } from "./collective-waits.js";
import { pipelineBreakdown } from "./pipeline.js";

export function analyzeModels(models: readonly TraceModel[], options: AnalysisOptions = {}): Summary {
  return analyzeWithContexts(models, options).summary;
}

/** The Summary and the per-rank contexts it was computed from (ordered by rank), for views that draw from them (the timeline). */
export function analyzeWithContexts(models: readonly TraceModel[], options: AnalysisOptions = {}): { summary: Summary; contexts: AnalysisContext[] } {
  if (models.length === 0) throw new Error("analyzeModels needs at least one trace model");
  const ordered = [...models].sort((a, b) => (a.meta.rank ?? 0) - (b.meta.rank ?? 0));
  const contexts = ordered.map((m) => createContext(m, options));
  return { summary: summaryOf(ordered, contexts, options), contexts };
}

/** What a section computes from: every rank's context (ordered by rank), the primary one, the options. */
interface RunInput {
  readonly models: readonly TraceModel[];
  readonly contexts: readonly AnalysisContext[];
  readonly primary: AnalysisContext;
  readonly options: AnalysisOptions;
  /** Process groups across ranks (process-groups.ts), computed once for the sections that read them; null without communication. */
  readonly groups: () => ProcessGroupAssignment | null;
}

type SectionKey = Exclude<keyof Summary, "schema" | "generator" | "findings">;

/**
 * A section of summary.json and the shared data it reads (context.ts NEEDS),
 * like the handlers of the Chrome DevTools trace engine: the runner computes
 * those once per trace, in order of dependence, before the sections run.
 * `ranks`: whether it reads the primary rank's context or every rank's.
 */
export interface SectionSpec<K extends SectionKey = SectionKey> {
  readonly needs: readonly Need[];
  readonly ranks: "primary" | "all";
  readonly compute: (run: RunInput) => Summary[K];
}

/** Every section in summary.json order; adding one is one entry here (and its type in summary.ts). */
export const SECTIONS: { readonly [K in SectionKey]: SectionSpec<K> } = {
  trace: { needs: [], ranks: "all", compute: (r) => traceSection(r.models) },
  steps: { needs: ["steps"], ranks: "all", compute: (r) => stepsSection(r.contexts) },
  temporal: { needs: ["temporal"], ranks: "all", compute: (r) => temporalSection(r.contexts) },
  kernels: { needs: ["categories", "steps", "intervals"], ranks: "primary", compute: (r) => kernelsSection(r.primary) },
  modules: { needs: ["attribution", "categories", "steps"], ranks: "primary", compute: (r) => modulesSection(r.primary) },
  inferredLayers: { needs: ["attribution", "categories", "steps"], ranks: "primary", compute: (r) => inferredLayersSection(r.primary) },
  operators: { needs: ["attribution", "categories", "steps"], ranks: "primary", compute: (r) => operatorsSection(r.primary) },
  phases: { needs: ["attribution", "categories", "steps", "intervals"], ranks: "primary", compute: (r) => phasesSection(r.primary) },
  idle: { needs: ["idle"], ranks: "primary", compute: (r) => idleSection(r.primary) },
  launch: { needs: ["intervals", "graphRows", "steps", "idle", "sliceLocator"], ranks: "primary", compute: (r) => launchSection(r.primary) },
  overlap: { needs: ["categories", "temporal"], ranks: "all", compute: (r) => overlapSection(r.contexts) },
  collectives: { needs: ["categories", "steps", "intervals"], ranks: "all", compute: (r) => collectivesSection(r.contexts) },
  memory: { needs: ["steps", "attribution", "sliceLocator"], ranks: "primary", compute: (r) => memorySection(r.primary) },
  throughput: { needs: ["steps", "attribution", "categories"], ranks: "all", compute: (r) => throughputSection(r.contexts, r.options.tokensPerStep, r.groups()) },
  ranks: { needs: ["steps", "categories", "intervals", "idle"], ranks: "all", compute: (r) => ranksSection(r.contexts) },
  processGroups: { needs: ["intervals", "categories", "steps"], ranks: "all", compute: (r) => processGroupsSection(r.contexts, r.groups()) },
  collectiveWaits: { needs: ["categories", "steps"], ranks: "all", compute: (r) => collectiveWaitsSection(r.contexts, r.groups()) },
  pipeline: { needs: ["attribution", "intervals", "categories", "steps"], ranks: "all", compute: (r) => pipelineSection(r.contexts, r.groups()) },
  inference: { needs: ["attribution", "categories", "steps", "intervals", "idle"], ranks: "primary", compute: (r) => inferenceSection(r.primary) },
  efficiency: { needs: ["attribution", "categories", "steps"], ranks: "primary", compute: (r) => efficiencySection(r.primary) },
  criticalPath: { needs: ["intervals", "categories", "steps"], ranks: "all", compute: (r) => criticalPathSection(r.contexts) },
  diagnostics: { needs: [], ranks: "all", compute: (r) => r.models.flatMap((m) => m.diagnostics.map((d) => ({ ...d, file: m.meta.files[0] ?? "" }))) },
};

/** Computes every need of the sections once per context, in NEEDS order (dependencies first). */
function prepareNeeds(contexts: readonly AnalysisContext[]): void {
  const primary = contexts[0]!;
  for (const need of NEEDS) {
    const specs = Object.values(SECTIONS).filter((s) => s.needs.includes(need));
    if (specs.length === 0) continue;
    for (const ctx of specs.some((s) => s.ranks === "all") ? contexts : [primary]) computeNeed(ctx, need);
  }
}

/** Runs the sections; with `strictNeeds` each sees only the shared data it declared (tests prove the declarations). */
export function runSections(input: Omit<RunInput, "groups">, strictNeeds = false): Omit<Summary, "findings"> {
  if (!strictNeeds) prepareNeeds(input.contexts);
  let groups: ProcessGroupAssignment | null | undefined;
  const all = input.contexts;
  const groupsOnce = () => (groups === undefined ? (groups = all.some(hasCommunication) ? assignProcessGroups(all, input.options.parallelism) : null) : groups);
  const out: Record<string, unknown> = { schema: SUMMARY_SCHEMA, generator: { name: "llmprof", version: VERSION } };
  for (const [key, spec] of Object.entries(SECTIONS) as [SectionKey, SectionSpec][]) {
    const view = (c: AnalysisContext) => (strictNeeds ? contextWithNeeds(c, spec.needs, `section ${key}`) : c);
    const contexts = input.contexts.map(view);
    out[key] = spec.compute({ ...input, contexts, primary: contexts[0]!, groups: groupsOnce });
  }
  return out as Omit<Summary, "findings">;
}

function summaryOf(ordered: readonly TraceModel[], contexts: readonly AnalysisContext[], options: AnalysisOptions): Summary {
  const primary = contexts[0]!;
  const sections = runSections({ models: ordered, contexts, primary, options });
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

function temporalSection(contexts: readonly AnalysisContext[]): Summary["temporal"] {
  if (contexts.every((c) => c.model.gpu.length === 0)) return { available: false, reason: noDeviceReason(contexts[0]!.model) };
  return { available: true, devices: contexts.flatMap((c) => c.temporal.map((d) => ({ rank: c.model.meta.rank, ...d }))) };
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

function idleSection(ctx: AnalysisContext): Summary["idle"] {
  const idle = ctx.idle;
  if (!idle) return { available: false, reason: noDeviceReason(ctx.model) };
  return { available: true, rank: ctx.model.meta.rank, ...idle };
}

function launchSection(ctx: AnalysisContext): Summary["launch"] {
  if (ctx.model.runtime.length === 0) return { available: false, reason: "the trace has no CUDA runtime calls (recorded without CPU activities?)" };
  return { available: true, rank: ctx.model.meta.rank, ...launchOverhead(ctx, ctx.idle) };
}

function hasCommunication(ctx: AnalysisContext): boolean {
  for (let g = 0; g < ctx.categories.length; g++) if (ctx.categories[g] === COMMUNICATION) return true;
  return false;
}

function overlapSection(contexts: readonly AnalysisContext[]): Summary["overlap"] {
  if (!contexts.some(hasCommunication)) return { available: false, reason: "the trace has no communication kernels (single GPU, or no NCCL/RCCL activity recorded)" };
  const rows: OverlapSection["rows"] = [];
  for (const ctx of contexts) {
    const rank = ctx.model.meta.rank;
    for (const d of ctx.temporal) {
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

function ranksSection(contexts: readonly AnalysisContext[]): Summary["ranks"] {
  if (contexts.length < 2) return { available: false, reason: "one rank: pass one trace per rank (or a directory of them) to compare ranks" };
  return {
    available: true,
    ...rankComparison(
      contexts,
      contexts.map((c) => c.idle),
    ),
  };
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

/**
 * Ranks of one tensor- or context-parallel group embed the same tokens: only the
 * lowest rank of each such group counts towards the run's tokens (context indices
 * of the others). Data-parallel and expert ranks see their own tokens; later
 * pipeline stages embed none.
 */
function ranksRepeatingTokens(contexts: readonly AnalysisContext[], groups: ProcessGroupAssignment | null): Set<number> {
  const repeated = new Set<number>();
  if (!groups) return repeated;
  groups.labels.forEach(({ label }, g) => {
    if (label !== "TP" && label !== "CP") return;
    const members = contexts.map((_, i) => i).filter((i) => groups.kernels[i]!.some((k) => k.group === g));
    for (const i of members.slice(1)) repeated.add(i);
  });
  return repeated;
}

function throughputSection(contexts: readonly AnalysisContext[], tokensPerStep: number | undefined, groups: ProcessGroupAssignment | null): Summary["throughput"] {
  const rows = contexts.map((ctx) => ({ ctx, t: hasMarkedSteps(ctx.steps) ? throughputOf(ctx, tokensPerStep) : null }));
  const ok = rows.filter((r): r is { ctx: AnalysisContext; t: ThroughputResult } => r.t !== null);
  if (ok.length === 0) {
    return {
      available: false,
      reason: "no token count: the trace has no ProfilerStep ranges or no aten::embedding call with recorded input shapes (record_shapes=True); pass --tokens-per-step",
    };
  }
  const stepTime = median(ok.map((r) => median(r.t.steps.map((s) => s.stepTimeNs))));
  const repeated = ranksRepeatingTokens(contexts, groups);
  const tokens = ok.reduce((a, r) => a + (repeated.has(contexts.indexOf(r.ctx)) ? 0 : r.t.tokensPerStep), 0);
  return {
    available: true,
    ranks: ok.map((r) => ({ rank: r.ctx.model.meta.rank, ...r.t })),
    worldSize: contexts.length,
    globalTokensPerS: stepTime > 0 ? tokens / (stepTime / 1e9) : 0,
    tokensNotSummedRanks: [...repeated].map((i) => contexts[i]!.model.meta.rank),
  };
}

function inferredLayersSection(ctx: AnalysisContext): Summary["inferredLayers"] {
  if (ctx.model.gpu.length === 0) return { available: false, reason: noDeviceReason(ctx.model) };
  if (ctx.attribution.hasModules) return { available: false, reason: "not needed: the trace has module spans (see modules)" };
  const r = inferLayers(ctx);
  if (!r) return { available: false, reason: "neither the operator nor the kernel sequence repeats (a block of 3+ at least 3 times in a row, or twice for blocks of 10+)" };
  return { available: true, rank: ctx.model.meta.rank, ...r };
}

const NO_COMMUNICATION = "the trace has no communication kernels (single GPU, or no NCCL/RCCL activity recorded)";

function processGroupsSection(contexts: readonly AnalysisContext[], groups: ProcessGroupAssignment | null): Summary["processGroups"] {
  if (!groups) return { available: false, reason: NO_COMMUNICATION };
  return { available: true, ...processGroupBreakdown(contexts, groups) };
}

function collectiveWaitsSection(contexts: readonly AnalysisContext[], groups: ProcessGroupAssignment | null): Summary["collectiveWaits"] {
  if (!groups) return { available: false, reason: NO_COMMUNICATION };
  if (contexts.length < 2) return { available: false, reason: "one rank: waiting vs transferring needs the same collective seen on several ranks (pass one trace per rank)" };
  return { available: true, ...collectiveWaits(contexts, groups) };
}

function pipelineSection(contexts: readonly AnalysisContext[], groups: ProcessGroupAssignment | null): Summary["pipeline"] {
  if (!groups) return { available: false, reason: NO_COMMUNICATION };
  const r = pipelineBreakdown(contexts, groups);
  if (!r) return { available: false, reason: "no process group is labelled PP (no point-to-point send/recv between stages; set parallelism.groups in the config if the label is wrong)" };
  return { available: true, ...r };
}
