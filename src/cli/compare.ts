/**
 * `llmprof compare <run>... [--label name]... [-o out] [--format text,md,json,html]`:
 * the configuration-study table, one column per run. A run is a trace file, a
 * rank directory, a summary.json, or several trace files joined by commas
 * (`rank0.json.gz,rank1.json.gz`: one multi-rank run).
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import type { Command } from "commander";
import { compareSummaries, type CompareResult, type LabelledSummary } from "../analysis/compare.js";
import type { AnalysisOptions } from "../analysis/context.js";
import type { Summary } from "../analysis/summary.js";
import { LlmprofError } from "../errors.js";
import { analyseTraces } from "../io/analyse-traces.js";
import { renderCompareHtml } from "../../reports/compare-html.js";
import { renderCompareJson } from "../../reports/compare-json.js";
import { renderCompareMarkdown } from "../../reports/compare-markdown.js";
import { renderCompareText } from "../../reports/compare-text.js";
import { loadRun } from "./diff.js";
import { addAnalysisFlags, analysisOptionsFromFlags, boundsFromFlags, settingsFiles, type AnalysisFlags } from "./analysis-flags.js";
import { parseFormatFlag } from "./format-flag.js";
import type { FanOutLimits } from "../model/limits.js";
import { boundSummary, DEFAULT_TOP_ROWS } from "../../reports/top-rows.js";
import { writeOutput } from "../io/output.js";

export const COMPARE_FORMATS = ["text", "md", "json", "html"] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];
const EXTENSIONS: Record<string, CompareFormat> = { ".json": "json", ".txt": "text", ".html": "html", ".htm": "html", ".md": "md" };
const FILE_NAMES: Record<CompareFormat, string> = { json: "compare.json", text: "compare.txt", html: "compare.html", md: "compare.md" };

/** The paths of one run argument: itself when it exists, else its comma-separated parts. */
export function runPaths(arg: string): string[] {
  if (existsSync(arg) || !arg.includes(",")) return [arg];
  return arg
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}

/** A run's summary: loadRun (trace, rank directory or summary.json), or several trace files as one run. */
export async function loadCompareRun(arg: string, options: AnalysisOptions & FanOutLimits = {}, run?: string, top = DEFAULT_TOP_ROWS): Promise<Summary> {
  const paths = runPaths(arg);
  if (paths.length === 1) return loadRun(paths[0]!, options, run, top);
  for (const p of paths) if (!existsSync(p)) throw new LlmprofError(p, "no such file or directory");
  return boundSummary((await analyseTraces(paths, options)).summary, top);
}

const TRACE_SUFFIX = /(\.pt\.trace)?\.(json|sqlite|arrow|pb|nsys-rep)(\.(gz|xz|zst|bz2))?$|\.xplane$|\.gz$/i;

/**
 * Default label: the file name without trace extensions (`llama-1b-train-sdpa`);
 * a summary.json is named by its folder (`main/summary.json` -> `main`); several
 * files by their common name prefix (`ddp-2gpu-rank0…,…rank1…` -> `ddp-2gpu`).
 */
export function defaultLabel(arg: string): string {
  const paths = runPaths(arg);
  const names = paths.map((p) => {
    const b = basename(p.replace(/[\\/]+$/, ""));
    if (/^summary\.json(\.gz)?$/i.test(b)) return basename(dirname(p)) || b;
    return b.replace(TRACE_SUFFIX, "") || b;
  });
  if (names.length === 1) return names[0]!;
  let prefix = names[0]!;
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  prefix = prefix.replace(/[-_. ]*(rank)?\d*$/i, "").replace(/[-_. ]+$/, "");
  return prefix || `${names[0]}+${names.length - 1}`;
}

interface CompareFlags extends AnalysisFlags {
  label: string[];
  output?: string;
  format?: string;
  run?: string;
  force?: boolean;
}

export function registerCompareCommand(program: Command): void {
  const command = program
    .command("compare")
    .description("compare configurations: one column per run (step time, tokens/s, memory, phases, idle, attention, MFU, scaling efficiency)")
    .argument("<runs...>", "runs: trace files, rank directories, summary.json files, or comma-joined trace files of one multi-rank run")
    .option("--label <name>", "name of the next run's column (repeat, in run order; default: the file name)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("-o, --output <path>", "output file (format from its extension) or directory (compare.html, compare.json, compare.md)")
    .option("-f, --format <list>", `comma-separated output formats: ${COMPARE_FORMATS.join(", ")}`)
    .option("--run <name>", "in a directory holding several runs (a TensorBoard log directory), use this one (default: the newest)")
    .option("--force", "overwrite existing files that are not llmprof outputs");
  addAnalysisFlags(command, "trace inputs (a summary.json keeps its own)").action(async (runs: string[], flags: CompareFlags) => {
    const formats = parseFormatFlag(flags.format, COMPARE_FORMATS);
    const { top, limits } = boundsFromFlags(flags);
    const options = { ...analysisOptionsFromFlags(flags), ...limits };
    if (runs.length < 2) throw new LlmprofError(null, "compare needs at least two runs (trace files, rank directories or summary.json files)");
    if (flags.label.length > runs.length) throw new LlmprofError(null, `--label given ${flags.label.length} times for ${runs.length} runs`);
    const inputs: LabelledSummary[] = [];
    for (const [k, arg] of runs.entries()) inputs.push({ label: flags.label[k] ?? defaultLabel(arg), summary: await loadCompareRun(arg, options, flags.run, top) });
    writeCompare(compareSummaries(inputs), flags, formats, [...runs.flatMap(runPaths), ...settingsFiles(flags)]);
  });
}

export function renderCompare(c: CompareResult, f: CompareFormat): string {
  switch (f) {
    case "text":
      return renderCompareText(c);
    case "md":
      return renderCompareMarkdown(c);
    case "json":
      return renderCompareJson(c);
    case "html":
      return renderCompareHtml(c);
  }
}

function writeCompare(c: CompareResult, flags: CompareFlags, formats: CompareFormat[] | null, inputs: string[]): void {
  const write = { inputs, force: Boolean(flags.force) };
  const out = flags.output;
  if (out === undefined) {
    for (const f of formats ?? ["text"]) process.stdout.write(renderCompare(c, f));
    return;
  }
  const byExtension = EXTENSIONS[extname(out).toLowerCase()];
  const isDir = out.endsWith("/") || (existsSync(out) && statSync(out).isDirectory()) || (!byExtension && (formats?.length ?? 2) > 1);
  if (!isDir) {
    const format = formats?.length === 1 ? formats[0]! : byExtension;
    if (!format) throw new LlmprofError(out, "cannot tell the output format from the extension; pass --format");
    writeOutput(out, renderCompare(c, format), write);
    process.stderr.write(`wrote ${out}\n`);
    return;
  }
  for (const f of formats ?? ["html", "json", "md"]) {
    const path = join(out, FILE_NAMES[f]);
    writeOutput(path, renderCompare(c, f), write);
    process.stderr.write(`wrote ${path}\n`);
  }
  process.stdout.write(renderCompareText(c));
}
