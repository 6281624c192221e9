/**
 * summary.json: every number of the report, one section per analysis, camelCase
 * keys with the unit in each numeric key's name. Sections that cannot be
 * computed say so: { available: false, reason }.
 * Changing this shape needs a new schema version and a migration.
 */
import type { Diagnostic } from "../model/diagnostics.js";
import type { DeviceInfo } from "../model/tables.js";
import type { KernelSummary } from "./kernels.js";
import type { DeviceTemporal } from "./temporal.js";
import type { ModulesResult } from "./modules.js";
import type { OperatorsResult } from "./operators.js";
import type { PhasesResult } from "./phases.js";
import type { IdleResult } from "./idle.js";
import type { LaunchResult } from "./launch.js";
import type { ServingResult } from "./serving.js";
import type { CollectivesResult } from "./collectives.js";
import type { RanksResult } from "./ranks.js";
import type { InferenceResult } from "./inference.js";
import type { EfficiencyResult } from "./efficiency.js";
import type { MemoryResult } from "./memory.js";
import type { ThroughputResult } from "./throughput.js";
import type { FindingsResult } from "./findings.js";
import type { InferredLayersResult } from "./inferred-layers.js";
import type { CriticalPathResult } from "./critical-path.js";
import type { ProcessGroupsResult } from "./process-groups.js";
import type { CollectiveWaitsResult } from "./collective-waits.js";
import type { PipelineResult } from "./pipeline.js";

export const SUMMARY_SCHEMA = "llmprof.summary/1";

export type Unavailable = { available: false; reason: string };
export type Section<T> = ({ available: true } & T) | Unavailable;

export interface TraceSection {
  files: string[];
  format: string;
  partial: boolean;
  /** Kinds of sensitive data the inputs hold (never copied into outputs), e.g. "environment variables". */
  sensitiveContent: string[];
  traceName: string | null;
  versions: Record<string, string>;
  options: Record<string, boolean>;
  devices: DeviceInfo[];
  ranks: { rank: number | null; worldSize: number | null; file: string }[];
  eventCounts: Record<string, number>;
  bytesRead: number;
  originNs: string;
}

export interface StepRow {
  rank: number | null;
  number: number;
  name: string;
  startNs: number;
  endNs: number;
  durationNs: number;
  cpuStartNs: number;
  cpuEndNs: number;
  cpuDurationNs: number;
}

export interface StepsSection {
  source: "profiler-steps" | "serving-steps" | "gpu-span";
  count: number;
  windowStartNs: number;
  windowEndNs: number;
  windowNs: number;
  stepTimeMeanNs: number;
  stepTimeMedianNs: number;
  stepTimeMinNs: number;
  stepTimeMaxNs: number;
  items: StepRow[];
  /** Serving-engine steps (SGLang/vLLM markers): time and tokens/s per step kind (serving.ts). */
  serving?: ServingResult | null;
}

export interface TemporalSection {
  devices: (DeviceTemporal & { rank: number | null })[];
}

export interface OverlapRow {
  rank: number | null;
  device: number;
  step: number | null;
  communicationNs: number;
  overlapNs: number;
  exposedCommunicationNs: number;
  /** overlap / communication, null without communication. */
  overlapPct: number | null;
  exposedCommunicationPctOfWindow: number;
}

export interface OverlapSection {
  /** One row per rank, device and step, plus one with step null for the whole window. */
  rows: OverlapRow[];
}

export interface DiagnosticRow extends Diagnostic {
  file: string;
}

export interface Summary {
  schema: typeof SUMMARY_SCHEMA;
  generator: { name: "llmprof"; version: string };
  trace: TraceSection;
  steps: Section<StepsSection>;
  temporal: Section<TemporalSection>;
  kernels: Section<KernelSummary & { rank: number | null }>;
  modules: Section<ModulesResult & { rank: number | null }>;
  /** Repeated layers inferred from the operator sequence (labelled inferred; for traces without module spans). */
  inferredLayers: Section<InferredLayersResult & { rank: number | null }>;
  operators: Section<OperatorsResult & { rank: number | null }>;
  phases: Section<PhasesResult & { rank: number | null }>;
  idle: Section<IdleResult & { rank: number | null }>;
  launch: Section<LaunchResult & { rank: number | null }>;
  overlap: Section<OverlapSection>;
  collectives: Section<{ ranks: ({ rank: number | null } & CollectivesResult)[] }>;
  ranks: Section<RanksResult>;
  /** Communication by process group, labelled DP/TP/PP/CP/EP (process-groups.ts). */
  processGroups: Section<ProcessGroupsResult>;
  /** Waiting vs transferring per collective seen on several ranks; all-to-all sizes (collective-waits.ts). */
  collectiveWaits: Section<CollectiveWaitsResult>;
  /** Pipeline stages: bubble, schedule as seen, 1F1B ideal (pipeline.ts). */
  pipeline: Section<PipelineResult>;
  /** generate()/decode loops: prefill vs decode, TTFT, TPOT, tokens/s (inference.ts). */
  inference: Section<InferenceResult & { rank: number | null }>;
  /** Achieved TFLOP/s, MFU per step, module class and operator, roofline (efficiency.ts). */
  efficiency: Section<EfficiencyResult & { rank: number | null }>;
  memory: Section<MemoryResult & { rank: number | null }>;
  throughput: Section<{
    ranks: ({ rank: number | null } & ThroughputResult)[];
    worldSize: number;
    /** Σ of the tokens per step of the ranks that embed their own tokens / median step time. */
    globalTokensPerS: number;
    /** Ranks left out of that sum: a lower rank of the same tensor- or context-parallel group embeds the same tokens. */
    tokensNotSummedRanks: (number | null)[];
  }>;
  findings: Section<FindingsResult & { rank: number | null }>;
  /** Per step, the chain of dependent work across ranks that sets the step time, and what-if savings (critical-path.ts). */
  criticalPath: Section<CriticalPathResult>;
  diagnostics: DiagnosticRow[];
}
