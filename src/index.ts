/**
 * llmprof library API.
 *   import { analyze } from "llmprof";
 *   const summary = await analyze(["trace.json.gz"]);
 */
import { analyzeModels } from "./analysis/analyze.js";
import type { AnalysisOptions } from "./analysis/context.js";
import type { Summary } from "./analysis/summary.js";
import { loadTraces } from "../parsers/registry.js";
import { analyseTraces } from "./io/analyse-traces.js";
import type { ParseOptions } from "../parsers/kineto.js";

export { analyzeModels, loadTraces };
export type { AnalysisOptions, ParseOptions, Summary };
export { SUMMARY_SCHEMA } from "./analysis/summary.js";
export type * from "./analysis/summary.js";
export type { TraceModel } from "./model/tables.js";
export { LlmprofError } from "./errors.js";
export { describeTrace } from "./analysis/info.js";
export { renderJson } from "../reports/json.js";
export { renderTerminal } from "../reports/terminal.js";
export { renderHtml } from "../reports/html/render.js";
export { renderMarkdown } from "../reports/markdown.js";
export { csvTables, renderCsv } from "../reports/csv.js";
export { gpuTimeline } from "./analysis/timeline.js";
export { diffSummaries, DIFF_SCHEMA, DEFAULT_NOISE } from "./analysis/diff.js";
export type { DiffResult, DiffRow, DiffSection, DiffSectionId, DiffOptions, NoiseOptions, RunInfo } from "./analysis/diff.js";
export { parseBudget, evaluateBudget, evaluateBaseline, evaluateFindings, metricValue, METRIC_VOCABULARY } from "./analysis/budget.js";
export type { BudgetLine, CheckItem, CheckResult, BaselineOptions } from "./analysis/budget.js";
export { validateSummary } from "./analysis/summary-io.js";
export { loadSummary } from "./io/summary-file.js";
export { renderDiffText } from "../reports/diff-text.js";
export { renderDiffMarkdown } from "../reports/diff-markdown.js";
export { renderDiffJson } from "../reports/diff-json.js";
export { renderDiffHtml } from "../reports/diff-html.js";
export { compareSummaries, COMPARE_SCHEMA, SCALING_RULE } from "./analysis/compare.js";
export type { CompareResult, CompareRun, ComparePhase, Configuration, LabelledSummary, PhaseCell, ScalingGroup, ScalingMember, StepTimeStats, AttentionTimes } from "./analysis/compare.js";
export { renderCompareText } from "../reports/compare-text.js";
export { renderCompareMarkdown } from "../reports/compare-markdown.js";
export { renderCompareJson } from "../reports/compare-json.js";
export { renderCompareHtml } from "../reports/compare-html.js";
export { renderJunit } from "../reports/junit.js";
export { renderCheckMarkdown, renderCheckText } from "../reports/check-markdown.js";
export { runBatch } from "./batch/run.js";
export type { BatchOptions, BatchProgress, BatchResult } from "./batch/run.js";
export { TRACE_COLUMNS, ERROR_COLUMNS } from "./batch/columns.js";
export type { Column, ColumnType, Cell, Row } from "./batch/columns.js";
export { parseShard, shardOf } from "./batch/naming.js";
export { VERSION } from "./version.js";

/** Loads trace files (or rank directories) and analyses them. */
export async function analyze(inputs: string | readonly string[], options: AnalysisOptions & ParseOptions = {}): Promise<Summary> {
  return (await analyseTraces(typeof inputs === "string" ? [inputs] : inputs, options)).summary;
}
export { analyseTraces, analyseModels } from "./io/analyse-traces.js";
export type { AnalysedRun } from "./io/analyse-traces.js";
export { timelineOf } from "./analysis/timeline.js";
export { findRuns } from "./runs/find.js";
export { selectRunInputs } from "./runs/select.js";
export type { Run, RunFile } from "./runs/runs.js";
