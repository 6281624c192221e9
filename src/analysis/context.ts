/**
 * Per-trace facts several analyses share, each computed once on first use:
 * kernel categories, the steps and window, the per-device interval sets, the
 * attribution, the temporal breakdown and the idle gaps.
 */
import type { TraceModel } from "../model/tables.js";
import { Categorizer, type CategoryRule, type Classification } from "./categories.js";
import { findSteps, type StepSelection, type StepSet } from "./steps.js";
import { deviceIntervals, temporalBreakdown, type DeviceIntervals, type DeviceTemporal } from "./temporal.js";
import { slicesOf, type SliceLocator } from "./slice-at.js";
import { activitiesIn } from "./kernels.js";
import { attribute, type Attribution } from "./attribution.js";
import { idleBreakdown, type IdleOptions, type IdleResult } from "./idle.js";
import type { FindingsOptions } from "./findings.js";
import type { HardwareOptions } from "./hardware.js";
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
  /** Point queries on CPU slices (slice-at.ts). */
  readonly sliceLocator: SliceLocator;
  /** The per-device busy/compute/communication/idle breakdown of the window and of each step. */
  readonly temporal: DeviceTemporal[];
  /** The idle gaps and their causes; null without GPU activity or steps. */
  readonly idle: IdleResult | null;
}

/**
 * The shared data an analysis can declare it reads (analyze.ts's section
 * registry), each computed once per trace on first use, in this order of
 * dependence: attribution -> categories -> intervals -> temporal, idle.
 */
export const NEEDS = ["attribution", "categories", "steps", "intervals", "graphRows", "sliceLocator", "temporal", "idle"] as const;
export type Need = (typeof NEEDS)[number];

/** Which need each shared property belongs to. */
const NEED_OF: Record<string, Need> = {
  attribution: "attribution",
  categories: "categories",
  categorySources: "categories",
  steps: "steps",
  windowRows: "steps",
  devices: "intervals",
  graphRows: "graphRows",
  sliceLocator: "sliceLocator",
  temporal: "temporal",
  idle: "idle",
};

/** Memoised getter: the value is computed on first read and kept. */
function lazy<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}

export function createContext(model: TraceModel, options: AnalysisOptions = {}): AnalysisContext {
  const attribution = lazy(() => attribute(model));
  // operator-first categories: the launching operator is known from the attribution
  const classification = lazy(() => new Categorizer(options.categoryRules).classifyWithSources(model, attribution().op));
  const steps = lazy(() => findSteps(model, options.steps));
  const devices = lazy(() => deviceIntervals(model, classification().categories));
  const ctx: AnalysisContext = {
    model,
    options,
    get attribution() {
      return attribution();
    },
    get categories() {
      return classification().categories;
    },
    get categorySources() {
      const { sources, sourceLabels } = classification();
      return { sources, sourceLabels };
    },
    get steps() {
      return steps();
    },
    get devices() {
      return devices();
    },
    get windowRows() {
      return windowRows();
    },
    get graphRows() {
      return graphRows();
    },
    get sliceLocator() {
      return slicesOf(model);
    },
    get temporal() {
      return temporal();
    },
    get idle() {
      return idle();
    },
  };
  const windowRows = lazy(() => activitiesIn(model, steps().windowStartNs, steps().windowEndNs));
  const graphRows = lazy(() => graphLaunchedRows(model));
  const temporal = lazy(() => temporalBreakdown(devices(), steps().steps, steps().windowStartNs, steps().windowEndNs));
  // idle gaps need GPU activity and a window
  const idle = lazy(() => (model.gpu.length > 0 && steps().steps.length > 0 ? idleBreakdown(ctx, options.idle) : null));
  return ctx;
}

/** Computes a need of the context now (reads every property that belongs to it; each is computed once). */
export function computeNeed(ctx: AnalysisContext, need: Need): void {
  for (const [property, of] of Object.entries(NEED_OF)) if (of === need) Reflect.get(ctx, property);
}

/**
 * The context as an analysis that declared `needs` sees it: reading shared data
 * it did not declare throws, so a test can prove every declaration complete.
 */
export function contextWithNeeds(ctx: AnalysisContext, needs: readonly Need[], who: string): AnalysisContext {
  const allowed = new Set<Need>(needs);
  return new Proxy(ctx, {
    get(target, key, receiver) {
      const need = typeof key === "string" ? NEED_OF[key] : undefined;
      if (need && !allowed.has(need)) throw new Error(`${who} reads ${String(key)} without declaring the need "${need}"`);
      return Reflect.get(target, key, receiver);
    },
  });
}
