/** What a trace holds and which analyses it supports (for `llmprof info`). */
import { moduleRecipe } from "./module-recipe.js";
import { CpuKind, GpuKind, type TraceModel } from "../model/tables.js";
import { findSteps } from "./steps.js";
import { COMMUNICATION } from "./categories.js";
import { createContext, type AnalysisOptions } from "./context.js";
import { withoutMachinePath } from "./privacy.js";
import type { TraceSection } from "./summary.js";

export interface Capability {
  analysis: string;
  available: boolean;
  reason: string;
}

/** The trace facts `info` shares with summary.json's trace section (format, versions, sensitive content …), for one file. */
export interface TraceInfo extends Pick<TraceSection, "format" | "partial" | "sensitiveContent" | "traceName" | "versions" | "options"> {
  file: string;
  devices: { id: number; name: string }[];
  rank: number | null;
  worldSize: number | null;
  steps: { count: number; numbers: number[]; source: string };
  eventCounts: Record<string, number>;
  stored: { cpuSlices: number; runtimeCalls: number; kernels: number; memcpy: number; memset: number; memoryEvents: number; fwdbwdLinks: number };
  capabilities: Capability[];
  diagnostics: { id: string; count: number; severity: string }[];
}

export function describeTrace(model: TraceModel, options: AnalysisOptions = {}): TraceInfo {
  const steps = findSteps(model);
  let modules = 0;
  let ops = 0;
  let flops = 0;
  for (let i = 0; i < model.cpu.length; i++) {
    const k = model.cpu.kind[i];
    if (k === CpuKind.Module) modules++;
    else if (k === CpuKind.Op) ops++;
    if (!Number.isNaN(model.cpu.flops[i]!)) flops++;
  }
  const gpuKinds = [0, 0, 0];
  for (let i = 0; i < model.gpu.length; i++) gpuKinds[model.gpu.kind[i]!]!++;
  // communication as the analyses classify it (categories.ts, with the config's rules), not a narrower name test
  let comm = 0;
  if (model.gpu.length > 0) for (const c of createContext(model, options).categories) if (c === COMMUNICATION) comm++;
  const cap = (analysis: string, available: boolean, yes: string, no: string): Capability => ({ analysis, available, reason: available ? yes : no });
  return {
    file: model.meta.files[0] ?? "",
    format: model.meta.format,
    partial: model.meta.partial,
    sensitiveContent: [...(model.meta.sensitiveContent ?? [])],
    traceName: withoutMachinePath(model.meta.traceName),
    versions: { ...model.meta.versions },
    options: { ...model.meta.options },
    devices: model.meta.devices.map((d) => ({ id: d.id, name: d.name })),
    rank: model.meta.rank,
    worldSize: model.meta.worldSize,
    steps: {
      count: steps.source === "profiler-steps" || steps.source === "serving-steps" ? steps.steps.length : 0,
      numbers: steps.source === "profiler-steps" || steps.source === "serving-steps" ? steps.steps.map((s) => s.number) : [],
      source: steps.source,
    },
    eventCounts: { ...model.meta.eventCounts },
    stored: {
      cpuSlices: model.cpu.length,
      runtimeCalls: model.runtime.length,
      kernels: gpuKinds[GpuKind.Kernel]!,
      memcpy: gpuKinds[GpuKind.Memcpy]!,
      memset: gpuKinds[GpuKind.Memset]!,
      memoryEvents: model.memory.length,
      fwdbwdLinks: model.fwdbwd.length,
    },
    capabilities: [
      cap("temporal breakdown", model.gpu.length > 0, `${model.gpu.length} GPU activities`, "no GPU activity in the trace"),
      cap(
        "steps",
        steps.source === "profiler-steps" || steps.source === "serving-steps",
        `${steps.steps.length} ${steps.source === "serving-steps" ? "serving-engine step markers" : "ProfilerStep ranges"}`,
        "no ProfilerStep#N ranges: the whole GPU span is one window",
      ),
      cap("operators", ops > 0, `${ops} operator events`, "no operator events"),
      cap("modules", modules > 0, `${modules} nn.Module spans`, `no module spans: ${moduleRecipe(model)}`),
      cap("forward/backward links", model.fwdbwd.length > 0, `${model.fwdbwd.length} fwdbwd links`, "no fwdbwd flows"),
      cap("communication", comm > 0, `${comm} collective kernels`, "no communication kernels"),
      cap(
        "FLOPs / MFU",
        flops > 0 || model.meta.options["recordShapes"] === true,
        flops > 0 ? `${flops} operators with recorded FLOPs` : "FLOPs estimated from operator shapes (record_shapes)",
        "no FLOP counts or shapes: record with record_shapes=True (or with_flops=True)",
      ),
      cap("memory", model.memory.length > 0, `${model.memory.length} allocator events`, "no memory events: record with profile_memory=True"),
    ],
    diagnostics: model.diagnostics.map((d) => ({ id: d.id, count: d.count, severity: d.severity })),
  };
}
