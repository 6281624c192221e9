/** Builds reports in-process (parser -> analysis -> renderer), as the CLI does. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTraces } from "../../parsers/registry.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import type { Summary } from "../../src/analysis/summary.js";
import { gpuTimeline, type Timeline } from "../../src/analysis/timeline.js";
import type { TraceModel } from "../../src/model/tables.js";
import { renderHtml } from "../../reports/html/render.js";
import { renderMarkdown } from "../../reports/markdown.js";

export interface Built {
  models: TraceModel[];
  summary: Summary;
  timeline: Timeline;
  html: string;
  markdown: string;
}

export async function buildReports(inputs: string[]): Promise<Built> {
  const models = await loadTraces(inputs);
  const summary = analyzeModels(models);
  const timeline = gpuTimeline(models);
  return { models, summary, timeline, html: renderHtml(summary, { timeline }), markdown: renderMarkdown(summary) };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTemp(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
