/** `llmprof analyze <trace|dir>... [-o out] [--format ...] [--steps a-b]` */
import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { constants as zlibConstants, createGzip, gunzipSync } from "node:zlib";
import type { Command } from "commander";
import type { Summary } from "../analysis/summary.js";
import { LlmprofError } from "../errors.js";
import { analyseTraces } from "../io/analyse-traces.js";
import { selectRunInputs } from "../runs/select.js";
import { addAnalysisFlags, analysisOptionsFromFlags, boundsFromFlags, settingsFiles, type AnalysisFlags } from "./analysis-flags.js";
import { parseFormatFlag } from "./format-flag.js";
import { renderHtml } from "../../reports/html/render.js";
import { renderJson } from "../../reports/json.js";
import { renderMarkdown } from "../../reports/markdown.js";
import { csvTables, renderCsv } from "../../reports/csv.js";
import { renderTerminal } from "../../reports/terminal.js";
import { outputTargets, writeOutput, writeOutputStream } from "../io/output.js";
import { writeAnnotatedTrace } from "../../reports/trace-export.js";
import { Progress } from "./progress.js";
import { boundSummary } from "../../reports/top-rows.js";

export const OUTPUT_FORMATS = ["json", "text", "html", "md", "csv", "trace"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const EXTENSIONS: Record<string, OutputFormat> = { ".json": "json", ".txt": "text", ".html": "html", ".htm": "html", ".md": "md" };
const FILE_NAMES: Record<OutputFormat, string> = { json: "summary.json", text: "summary.txt", html: "report.html", md: "summary.md", csv: "csv", trace: "trace.json.gz" };

interface AnalyzeFlags extends AnalysisFlags {
  output?: string;
  format?: string;
  force?: boolean;
  overlayOnly?: boolean;
  run?: string;
  maxDecompressedGib?: string;
  showPaths?: boolean;
  threads?: string;
}

export function registerAnalyzeCommand(program: Command): void {
  const command = program
    .command("analyze")
    .description("analyse one trace (or one per rank) and write the summary")
    .argument("<traces...>", "trace files, or directories (searched recursively for runs: one trace per rank)")
    .option("-o, --output <path>", "output file (format from its extension) or directory (one file per format)")
    .option("-f, --format <list>", `comma-separated output formats: ${OUTPUT_FORMATS.join(", ")}`)
    .option("--run <name>", "in a directory holding several runs (a TensorBoard log directory), analyse this one (default: the newest)")
    .option("--force", "overwrite existing files that are not llmprof outputs")
    .option("--overlay-only", "with --format trace: only llmprof's tracks, to load beside the original trace")
    .option("--threads <n>", "worker threads that parse several traces (ranks) at once (default: the number of cores; 1: all in this thread)")
    .option("--max-decompressed-gib <n>", "largest size a compressed input may inflate to, in GiB (default: 64 for text; 100x the compressed size, within TMPDIR's free space, for .sqlite.gz)")
    .option("--show-paths", "keep the trace's recorded name (Kineto traceName) whole, with the recording machine's directory (default: its last component only)");
  addAnalysisFlags(command).action(async (traces: string[], flags: AnalyzeFlags) => {
    const options = analysisOptionsFromFlags(flags);
    const formats = parseFormatFlag(flags.format, OUTPUT_FORMATS) ?? traceByName(flags.output);
    if (flags.overlayOnly && !formats?.includes("trace")) throw new LlmprofError(null, "--overlay-only applies to the annotated trace: add --format trace (or -o x.json.gz)");
    const progress = new Progress("reading");
    const files = await selectRunInputs(traces, { run: flags.run });
    const maxTextBytes = parseGib(flags.maxDecompressedGib);
    const { top, limits } = boundsFromFlags(flags);
    const threads = parseThreads(flags.threads);
    const { models, summary, timeline } = await analyseTraces(files, {
      ...options,
      onProgress: (b) => progress.update(b),
      ...limits,
      ...(maxTextBytes !== undefined ? { maxTextBytes } : {}),
      ...(threads !== undefined ? { threads } : {}),
    });
    progress.done();
    if (flags.showPaths) summary.trace.traceName = models[0]?.meta.traceName ?? summary.trace.traceName;
    // what summary.json and the reports show: name tables cut to --top rows plus "(all others)"; CSV keeps every row
    const shown = boundSummary(summary, top);
    // the HTML timeline is drawn from the analysis contexts, not from summary.json
    const html = () => renderHtml(shown, { timeline: timeline() });
    const trace: TraceWriter = (out) => writeAnnotatedTrace(models, summary, out, { analysis: options, overlayOnly: Boolean(flags.overlayOnly) }).then(() => undefined);
    await writeResults({ shown, full: summary }, flags, formats, [...traces, ...files, ...settingsFiles(flags)], html, trace);
  });
}

function parseGib(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const gib = Number(value);
  if (!(Number.isFinite(gib) && gib > 0)) throw new LlmprofError(null, `--max-decompressed-gib: expected a positive number, got "${value}"`);
  return Math.floor(gib * 2 ** 30);
}

function render(summary: Summary, format: OutputFormat, html: () => string): string {
  switch (format) {
    case "json":
      return renderJson(summary);
    case "text":
      return renderTerminal(summary);
    case "html":
      return html();
    case "md":
      return renderMarkdown(summary);
    case "trace":
      throw new LlmprofError(null, "--format trace is written as a stream, not rendered");
    case "csv":
      throw new LlmprofError(null, "--format csv writes one file per table: give a directory with -o (e.g. -o out/)");
  }
}

/** CSV: one file per table under <dir>/csv/; an earlier file of ours is recognised by its header line. */
function writeCsv(summary: Summary, dir: string, write: { inputs: string[]; force: boolean }): void {
  for (const table of csvTables(summary)) {
    const path = join(dir, "csv", `${table.name}.csv`);
    const header = table.header.join(",");
    writeOutput(path, renderCsv(table), { ...write, recognise: (head) => head.startsWith(header) });
  }
  process.stderr.write(`wrote ${join(dir, "csv")}/*.csv\n`);
}

/** `-o x.json.gz` / `-o x.trace.json` without --format: the annotated trace (summaries are never gzipped). */
function traceByName(output: string | undefined): OutputFormat[] | null {
  return output !== undefined && /\.json\.gz$|\.trace\.json$/i.test(output) ? ["trace"] : null;
}

type TraceWriter = (out: Writable) => Promise<void>;

/** The annotated trace, streamed through gzip when the name ends in .gz; re-runs replace our own file. */
async function writeTrace(path: string, write: { inputs: string[]; force: boolean }, trace: TraceWriter): Promise<void> {
  const gzip = /\.gz$/i.test(path);
  const recognise = () => isOurTrace(path, gzip);
  await writeOutputStream(path, { ...write, recognise }, async (file) => {
    const source = gzip ? createGzip() : new PassThrough();
    // together: a failing file stream rejects at once instead of leaving the writer waiting for 'drain'
    await Promise.all([trace(source), pipeline(source, file)]);
  });
  process.stderr.write(`wrote ${path}\n`);
}

/** True when the file starts like a trace llmprof wrote (gzip hides the marker from the plain check). */
function isOurTrace(path: string, gzip: boolean): boolean {
  try {
    // the first 64 KiB of gzip hold far more than the 4 KiB of text we look at
    const head = Buffer.alloc(1 << 16);
    const fd = openSync(path, "r");
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const bytes = head.subarray(0, n);
    const text = gzip ? gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString("utf8", 0, 4096) : bytes.toString("utf8", 0, 4096);
    return text.startsWith('{"displayTimeUnit":"ns","otherData":{"generator":"llmprof');
  } catch {
    return false;
  }
}

async function writeResults(
  summaries: { shown: Summary; full: Summary },
  flags: AnalyzeFlags,
  formats: OutputFormat[] | null,
  inputs: string[],
  html: () => string,
  trace: TraceWriter,
): Promise<void> {
  const write = { inputs, force: Boolean(flags.force) };
  const summary = summaries.shown;
  const targets = outputTargets(flags.output, formats, { extensions: EXTENSIONS, fileNames: FILE_NAMES, stdoutDefault: ["text"], dirDefault: ["html", "json", "md"] });
  if (targets.kind === "stdout") {
    for (const f of targets.formats) {
      if (f === "trace") {
        // stdout cannot be ended: the writer ends a pass-through instead
        const pass = new PassThrough();
        pass.pipe(process.stdout, { end: false });
        await trace(pass);
      } else process.stdout.write(render(summary, f, html));
    }
    return;
  }
  const files = targets.kind === "file" ? [{ format: targets.format, path: targets.path }] : targets.files;
  for (const { format, path } of files) {
    if (format === "csv" && targets.kind === "dir") {
      writeCsv(summaries.full, targets.dir, write);
      continue;
    }
    if (format === "trace") {
      await writeTrace(path, write, trace);
      continue;
    }
    writeOutput(path, render(summary, format, html), write);
    process.stderr.write(`wrote ${path}\n`);
  }
  if (targets.kind === "dir") process.stdout.write(renderTerminal(summary));
}

/** `--threads N`: a whole number of threads, at least 1. */
export function parseThreads(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new LlmprofError(null, `--threads: expected a whole number from 1 to 1024, got "${value}"`);
  return n;
}
