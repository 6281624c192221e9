/**
 * The one pipeline from trace files to analyses, shared by analyze, diff, check,
 * compare, batch and the library's analyze(): load the traces (one model per
 * rank), analyse them with the user's options, and keep the per-rank contexts so
 * that views drawn from them (the HTML timeline) reuse their steps and categories.
 * Option files are read by the CLI (src/cli/analysis-flags.ts), not here.
 */
import type { ParseOptions } from "../../parsers/kineto.js";
import { loadTraces } from "../../parsers/registry.js";
import { analyzeWithContexts } from "../analysis/analyze.js";
import type { AnalysisContext, AnalysisOptions } from "../analysis/context.js";
import type { Summary } from "../analysis/summary.js";
import { timelineOf, type Timeline } from "../analysis/timeline.js";
import type { TraceModel } from "../model/tables.js";

export interface AnalysedRun {
  /** One model per rank, ordered by rank. */
  models: readonly TraceModel[];
  contexts: readonly AnalysisContext[];
  summary: Summary;
  /** The report's GPU timeline, computed on first use. */
  timeline: () => Timeline;
}

/** Analyses loaded models (ordered by rank) with the options. */
export function analyseModels(models: readonly TraceModel[], options: AnalysisOptions = {}): AnalysedRun {
  const { summary, contexts } = analyzeWithContexts(models, options);
  let timeline: Timeline | null = null;
  return { models: contexts.map((c) => c.model), contexts, summary, timeline: () => (timeline ??= timelineOf(contexts)) };
}

/** Loads trace files or rank directories and analyses them. */
export async function analyseTraces(paths: readonly string[], options: AnalysisOptions & ParseOptions = {}): Promise<AnalysedRun> {
  return analyseModels(await loadTraces(paths, options), options);
}
