/**
 * Analyses one trace of a batch: load it (one model per rank), analyse each
 * rank alone (one row each), and with --reports write the whole file's
 * report.html. Runs in a worker thread (worker.ts) or in the main thread; the
 * caller gets plain rows or an error message, never an exception.
 */
import { join } from "node:path";
import type { AnalysisOptions } from "../analysis/context.js";
import type { FanOutLimits } from "../model/limits.js";
import { boundSummary } from "../../reports/top-rows.js";
import { analyseModels } from "../io/analyse-traces.js";
import { renameInput } from "../analysis/privacy.js";
import { LlmprofError } from "../errors.js";
import { loadTraces } from "../../parsers/registry.js";
import { renderHtml } from "../../reports/html/render.js";
import { writeOutput } from "../io/output.js";
import type { Row } from "./columns.js";
import { traceRow, type TraceFileInfo } from "./rows.js";

export interface TraceJob {
  id: number;
  path: string;
  info: TraceFileInfo;
  /** Absolute path of this trace's report.html and its link relative to the output directory, or null. */
  report: { path: string; link: string } | null;
  force: boolean;
  /** The user's analysis options (plain data: it crosses to the worker thread). */
  analysis: AnalysisOptions;
  /** --max-ranks, --max-devices. */
  limits: FanOutLimits;
  /** Rows per name table in the report (--top). */
  top: number;
}

export type TraceOutcome = { id: number; ok: true; rows: Row[] } | { id: number; ok: false; error: string };

export async function analyseTrace(job: TraceJob): Promise<TraceOutcome> {
  const started = performance.now();
  try {
    // one thread per trace: the batch's workers already share the cores among traces (a large
    // plain file cut in parts, or an Nsight reading thread, would start more threads per worker)
    const models = await loadTraces([job.path], { ...job.limits, threads: 1 });
    if (models.length === 0) throw new LlmprofError(job.path, "holds no trace");
    const ordered = [...models].sort((a, b) => (a.meta.rank ?? 0) - (b.meta.rank ?? 0));
    // each rank alone: the table sections of a Summary describe its primary rank only
    const perRank = ordered.map((m) => analyseModels([m], job.analysis));
    const summaries = perRank.map((r) => r.summary);
    if (job.report) {
      const whole = ordered.length === 1 ? perRank[0]! : analyseModels(ordered, job.analysis);
      // named as in the table (relative to the directory given), never by the absolute path opened
      writeOutput(job.report.path, renderHtml(boundSummary(renameInput(whole.summary, job.path, job.info.file), job.top), { timeline: whole.timeline() }), { inputs: [job.path], force: job.force });
    }
    const analysisMs = performance.now() - started;
    const analysedAtMs = Date.now();
    const rows = summaries.map((s) => traceRow(s, job.info, { ranksInFile: ordered.length, report: job.report?.link ?? null, analysisMs, analysedAtMs }));
    return { id: job.id, ok: true, rows };
  } catch (e) {
    return { id: job.id, ok: false, error: describeError(e) };
  }
}

/** One line: the problem (without the path, which the table has), or the error's first line. */
export function describeError(e: unknown): string {
  if (e instanceof LlmprofError) return e.problem;
  if (e instanceof RangeError && /allocation|heap|memory/i.test(e.message)) return `out of memory: ${e.message}`;
  const msg = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
  return msg.split("\n")[0]!.slice(0, 500);
}

export function reportTarget(outDir: string, folder: string): { path: string; link: string } {
  return { path: join(outDir, "reports", folder, "report.html"), link: `reports/${folder}/report.html` };
}
