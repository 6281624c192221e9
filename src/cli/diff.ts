/**
 * `llmprof diff <base> <head> [-o out] [--format md,json,html,text]`: compares
 * two runs, each given as trace(s) of any supported format (a rank directory
 * works too) or as a summary.json.
 */
import { statSync } from "node:fs";
import type { Command } from "commander";
import { diffSummaries, type DiffResult, type NoiseOptions } from "../analysis/diff.js";
import type { AnalysisOptions } from "../analysis/context.js";
import type { Summary } from "../analysis/summary.js";
import { looksLikeLlmprofJson } from "../analysis/summary-io.js";
import { loadSummary } from "../io/summary-file.js";
import { LlmprofError } from "../errors.js";
import { detectFormat } from "../../parsers/registry.js";
import { analyseTraces } from "../io/analyse-traces.js";
import { selectRunInputs } from "../runs/select.js";
import { readHead } from "../../parsers/source.js";
import { renderDiffHtml } from "../../reports/diff-html.js";
import { renderDiffJson } from "../../reports/diff-json.js";
import { renderDiffMarkdown } from "../../reports/diff-markdown.js";
import { renderDiffText } from "../../reports/diff-text.js";
import { outputTargets, writeOutput } from "../io/output.js";
import { addAnalysisFlags, analysisOptionsFromFlags, boundsFromFlags, settingsFiles, type AnalysisFlags } from "./analysis-flags.js";
import { parseFormatFlag } from "./format-flag.js";
import type { FanOutLimits } from "../model/limits.js";
import { boundSummary, DEFAULT_TOP_ROWS } from "../../reports/top-rows.js";

export const DIFF_FORMATS = ["text", "md", "json", "html"] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];
const EXTENSIONS: Record<string, DiffFormat> = { ".json": "json", ".txt": "text", ".html": "html", ".htm": "html", ".md": "md" };
const FILE_NAMES: Record<DiffFormat, string> = { json: "diff.json", text: "diff.txt", html: "diff.html", md: "diff.md" };

/**
 * One run from the command line: a summary.json (recognised by its leading
 * "schema": "llmprof.…" key, or any JSON object that is not a trace), else
 * trace files / rank directories, analysed as `llmprof analyze` would.
 */
export async function loadRun(path: string, options: AnalysisOptions & FanOutLimits = {}, run?: string, top = DEFAULT_TOP_ROWS): Promise<Summary> {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // loadTraces reports a missing path in its own words
  }
  if (isFile) {
    const head = await readHead(path, 4096).catch(() => Buffer.alloc(0));
    const text = head.toString("utf8");
    if (looksLikeLlmprofJson(text)) return loadSummary(path);
    try {
      await detectFormat(path);
    } catch (e) {
      // a JSON object that no trace format claims: read it as a summary, whose errors say more
      if (text.trimStart().startsWith("{")) return loadSummary(path);
      throw e;
    }
  }
  // as analyze's summary.json of the same trace would be: name tables cut to --top rows
  return boundSummary((await analyseTraces(await selectRunInputs([path], { run }), options)).summary, top);
}

/** "5%", "5" or "0.5" (a plain number is a percentage). */
export function parsePercent(flag: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(value);
  if (!m) throw new LlmprofError(null, `${flag}: expected a percentage such as 5%, got "${value}"`);
  return Number(m[1]);
}

function parsePositive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new LlmprofError(null, `${flag}: expected a non-negative number, got "${value}"`);
  return n;
}

interface DiffFlags extends AnalysisFlags {
  output?: string;
  format?: string;
  run?: string;
  force?: boolean;
  rows?: string;
  noiseFactor?: string;
  minChange?: string;
}

export function registerDiffCommand(program: Command): void {
  const command = program
    .command("diff")
    .description("compare two runs (traces or summary.json files): per step, phase, module, operator, kernel, idle cause; noise-aware")
    .argument("<base>", "the reference run: trace file, rank directory, or summary.json")
    .argument("<head>", "the run to compare with it")
    .option("-o, --output <path>", "output file (format from its extension) or directory (diff.html, diff.json, diff.md)")
    .option("-f, --format <list>", `comma-separated output formats: ${DIFF_FORMATS.join(", ")}`)
    .option("--run <name>", "in a directory holding several runs (a TensorBoard log directory), use this one (default: the newest)")
    .option("--rows <n>", "rows per table in text and HTML output (largest changes first)")
    .option("--noise-factor <x>", "a change must exceed x times the pooled per-step standard deviation (default 2)")
    .option("--min-change <pct>", "relative floor below which a time change is never significant (default 2%)")
    .option("--force", "overwrite existing files that are not llmprof outputs");
  addAnalysisFlags(command, "trace inputs (a summary.json keeps its own)").action(async (base: string, head: string, flags: DiffFlags) => {
    const formats = parseFormatFlag(flags.format, DIFF_FORMATS);
    const { top, limits } = boundsFromFlags(flags);
    const options = { ...analysisOptionsFromFlags(flags), ...limits };
    const noise: NoiseOptions = {};
    if (flags.noiseFactor !== undefined) noise.factor = parsePositive("--noise-factor", flags.noiseFactor);
    if (flags.minChange !== undefined) noise.minRelativePct = parsePercent("--min-change", flags.minChange);
    const rows = flags.rows === undefined ? undefined : Math.max(1, Math.floor(parsePositive("--rows", flags.rows)));
    const b = await loadRun(base, options, flags.run, top);
    const h = await loadRun(head, options, flags.run, top);
    const diff = diffSummaries(b, h, { noise });
    writeDiff(diff, flags, formats, [base, head, ...settingsFiles(flags)], rows);
  });
}

function render(d: DiffResult, f: DiffFormat, rows: number | undefined): string {
  switch (f) {
    case "text":
      return renderDiffText(d, rows === undefined ? {} : { rows });
    case "md":
      return renderDiffMarkdown(d);
    case "json":
      return renderDiffJson(d);
    case "html":
      return renderDiffHtml(d, rows === undefined ? {} : { rows });
  }
}

function writeDiff(d: DiffResult, flags: DiffFlags, formats: DiffFormat[] | null, inputs: string[], rows: number | undefined): void {
  const write = { inputs, force: Boolean(flags.force) };
  const targets = outputTargets(flags.output, formats, { extensions: EXTENSIONS, fileNames: FILE_NAMES, stdoutDefault: ["text"], dirDefault: ["html", "json", "md"] });
  if (targets.kind === "stdout") {
    for (const f of targets.formats) process.stdout.write(render(d, f, rows));
    return;
  }
  const files = targets.kind === "file" ? [{ format: targets.format, path: targets.path }] : targets.files;
  for (const { format, path } of files) {
    writeOutput(path, render(d, format, rows), write);
    process.stderr.write(`wrote ${path}\n`);
  }
  if (targets.kind === "dir") process.stdout.write(renderDiffText(d, rows === undefined ? {} : { rows }));
}
