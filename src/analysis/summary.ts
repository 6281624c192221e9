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

export const SUMMARY_SCHEMA = "llmprof.summary/1";

export type Unavailable = { available: false; reason: string };
export type Section<T> = ({ available: true } & T) | Unavailable;

export interface TraceSection {
  files: string[];
  format: string;
  partial: boolean;
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
  source: "profiler-steps" | "gpu-span";
  count: number;
  windowStartNs: number;
  windowEndNs: number;
  windowNs: number;
  stepTimeMeanNs: number;
  stepTimeMedianNs: number;
  stepTimeMinNs: number;
  stepTimeMaxNs: number;
  items: StepRow[];
}

export interface TemporalSection {
  devices: (DeviceTemporal & { rank: number | null })[];
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
  operators: Section<OperatorsResult & { rank: number | null }>;
  phases: Section<PhasesResult & { rank: number | null }>;
  diagnostics: DiagnosticRow[];
}
