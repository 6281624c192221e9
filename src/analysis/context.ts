/**
 * Per-trace facts several analyses share, computed once: kernel categories,
 * the steps and window, the per-device interval sets.
 */
import type { TraceModel } from "../model/tables.js";
import { Categorizer, type CategoryRule, type Classification } from "./categories.js";
import { findSteps, type StepSelection, type StepSet } from "./steps.js";
import { deviceIntervals, type DeviceIntervals } from "./temporal.js";
import { activitiesIn } from "./kernels.js";
import { attribute, type Attribution } from "./attribution.js";
import type { IdleOptions } from "./idle.js";
import type { FindingsOptions } from "./findings.js";
import type { HardwareOptions } from "./hardware.js";
import type { InferenceOptions } from "./inference.js";
import { graphLaunchedRows } from "./graph-replays.js";
import type { ParallelismOptions } from "./process-groups.js";

export interface AnalysisOptions {
  /** Inclusive range of ProfilerStep numbers to analyse. */
  steps?: StepSelection;
  /** Extra kernel category rules, tried before the defaults. */
  categoryRules?: readonly CategoryRule[];
  /** Idle-gap classification settings. */
  idle?: IdleOptions;
  /** GPU peaks for MFU and the roofline: --peak-tflops, a --peaks file, --gpu-info (nvidia-smi). */
  hardware?: HardwareOptions;
  /** Decode-loop settings (CPU-bound step threshold). */
  inference?: InferenceOptions;
  /** Tokens processed per step (overrides the count from the embedding's input shape). */
  tokensPerStep?: number;
  /** Rules to disable and thresholds to change. */
  findings?: FindingsOptions;
  /** Process-group labels that override the inferred ones (config `parallelism.groups`). */
  parallelism?: ParallelismOptions;
}

export interface AnalysisContext {
  readonly model: TraceModel;
  readonly options: AnalysisOptions;
  /** Category index (into CATEGORIES) of every GPU activity. */
  readonly categories: Uint8Array;
  /** The rule that decided each activity's category. */
  readonly categorySources: Pick<Classification, "sources" | "sourceLabels">;
  readonly steps: StepSet;
  readonly devices: DeviceIntervals[];
  /** GPU rows whose start lies in the window. */
  readonly windowRows: Int32Array;
  /** Phase, operator and module of every GPU activity. */
  readonly attribution: Attribution;
  /** 1 for GPU activities replayed from a CUDA/HIP graph (graph-replays.ts). */
  readonly graphRows: Uint8Array;
}

export function createContext(model: TraceModel, options: AnalysisOptions = {}): AnalysisContext {
  const attribution = attribute(model);
  // operator-first categories: the launching operator is known from the attribution
  const { categories, sources, sourceLabels } = new Categorizer(options.categoryRules).classifyWithSources(model, attribution.op);
  const steps = findSteps(model, options.steps);
  return {
    model,
    options,
    categories,
    categorySources: { sources, sourceLabels },
    steps,
    devices: deviceIntervals(model, categories),
    windowRows: activitiesIn(model, steps.windowStartNs, steps.windowEndNs),
    attribution,
    graphRows: graphLaunchedRows(model),
  };
}
