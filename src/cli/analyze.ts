/** `llmprof analyze <trace|dir>... [-o out] [--format ...] [--steps a-b]` */
import { join } from "node:path";
import type { Command } from "commander";
import { analyzeModels } from "../analysis/analyze.js";
import { parseStepSelection } from "../analysis/steps.js";
import type { Summary } from "../analysis/summary.js";
import { gpuTimeline } from "../analysis/timeline.js";
import { LlmprofError } from "../errors.js";
import { loadConfig } from "../config.js";
import { loadTraces } from "../../parsers/registry.js";
import { hardwareOptionsFromFlags } from "../../parsers/peaks-file.js";
import { renderHtml } from "../../reports/html/render.js";
import { renderJson } from "../../reports/json.js";
import { renderMarkdown } from "../../reports/markdown.js";
import { csvTables, renderCsv } from "../../reports/csv.js";
import { renderTerminal } from "../../reports/terminal.js";
import { outputTargets, writeOutput } from "./output.js";
import { Progress } from "./progress.js";

export const OUTPUT_FORMATS = ["json", "text", "html", "md", "csv"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const EXTENSIONS: Record<string, OutputFormat> = { ".json": "json", ".txt": "text", ".html": "html", ".htm": "html", ".md": "md" };
const FILE_NAMES: Record<OutputFormat, string> = { json: "summary.json", text: "summary.txt", html: "report.html", md: "summary.md", csv: "csv" };

interface AnalyzeFlags {
  output?: string;
  format?: string;
  steps?: string;
  force?: boolean;
  tokensPerStep?: string;
  gpuInfo?: string;
  peakTflops?: string;
  peaks?: string;
  config?: string;
  maxDecompressedGib?: string;
}

export function registerAnalyzeCommand(program: Command): void {
  program
    .command("analyze")
    .description("analyse one trace (or one per rank) and write the summary")
    .argument("<traces...>", "trace files, or directories holding one trace per rank")
    .option("-o, --output <path>", "output file (format from its extension) or directory (one file per format)")
    .option("-f, --format <list>", `comma-separated output formats: ${OUTPUT_FORMATS.join(", ")}`)
    .option("--steps <range>", "ProfilerStep numbers to analyse, e.g. 3 or 2-5")
    .option("--force", "overwrite existing files that are not llmprof outputs")
    .option("--config <file>", "YAML/JSON config: extra kernel category rules, findings to disable, thresholds")
    .option("--tokens-per-step <n>", "tokens processed per step (default: from the token embedding's input shape)")
    .option("--gpu-info <file>", "`nvidia-smi -q -x` output of the GPU the trace ran on (its model picks the peak FLOP/s for MFU)")
    .option("--peak-tflops <n>", "peak dense TFLOP/s to measure MFU against (overrides the datasheet table)")
    .option("--peaks <file>", "YAML/JSON file with peak figures: { tflops: { bf16: 989.4, ... }, memoryBandwidthGBps: 3350 }")
    .option("--max-decompressed-gib <n>", "largest size a compressed input may inflate to, in GiB (default: 64 for text; 100x the compressed size, within TMPDIR's free space, for .sqlite.gz)")
    .action(async (traces: string[], flags: AnalyzeFlags) => {
      const steps = flags.steps === undefined ? undefined : parseStepSelection(flags.steps);
      if (steps === null) throw new LlmprofError(null, `--steps: expected a step number or range such as 2-5, got "${flags.steps}"`);
      const formats = parseFormats(flags.format);
      const progress = new Progress("reading");
      const maxTextBytes = parseGib(flags.maxDecompressedGib);
      const models = await loadTraces(traces, { onProgress: (b) => progress.update(b), ...(maxTextBytes !== undefined ? { maxTextBytes } : {}) });
      progress.done();
      const tokensPerStep = flags.tokensPerStep === undefined ? undefined : Number(flags.tokensPerStep);
      if (tokensPerStep !== undefined && !(Number.isFinite(tokensPerStep) && tokensPerStep > 0)) {
        throw new LlmprofError(null, `--tokens-per-step: expected a positive number, got "${flags.tokensPerStep}"`);
      }
      const options = {
        ...(flags.config !== undefined ? loadConfig(flags.config) : {}),
        ...(steps ? { steps } : {}),
        ...(tokensPerStep !== undefined ? { tokensPerStep } : {}),
        ...hardwareOptionsFromFlags(flags),
      };
      const summary = analyzeModels(models, options);
      // the HTML timeline is drawn from the models, not from summary.json
      const html = () => renderHtml(summary, { timeline: gpuTimeline(models, options) });
      writeResults(summary, flags, formats, [...traces, ...settingsFiles(flags)], html);
    });
}

function parseGib(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const gib = Number(value);
  if (!(Number.isFinite(gib) && gib > 0)) throw new LlmprofError(null, `--max-decompressed-gib: expected a positive number, got "${value}"`);
  return Math.floor(gib * 2 ** 30);
}

/** Files the user gave besides the traces: inputs too, so never overwritten (even with --force). */
function settingsFiles(flags: AnalyzeFlags): string[] {
  return [flags.config, flags.peaks, flags.gpuInfo].filter((p): p is string => p !== undefined);
}

function parseFormats(list: string | undefined): OutputFormat[] | null {
  if (list === undefined) return null;
  const out: OutputFormat[] = [];
  for (const f of list.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean)) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(f)) {
      throw new LlmprofError(null, `--format: unknown format "${f}" (known: ${OUTPUT_FORMATS.join(", ")})`);
    }
    // a format asked for twice is written once (text,text printed the summary twice)
    if (!out.includes(f as OutputFormat)) out.push(f as OutputFormat);
  }
  return out;
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

function writeResults(summary: Summary, flags: AnalyzeFlags, formats: OutputFormat[] | null, inputs: string[], html: () => string): void {
  const write = { inputs, force: Boolean(flags.force) };
  const targets = outputTargets(flags.output, formats, { extensions: EXTENSIONS, fileNames: FILE_NAMES, stdoutDefault: ["text"], dirDefault: ["html", "json", "md"] });
  if (targets.kind === "stdout") {
    for (const f of targets.formats) process.stdout.write(render(summary, f, html));
    return;
  }
  const files = targets.kind === "file" ? [{ format: targets.format, path: targets.path }] : targets.files;
  for (const { format, path } of files) {
    if (format === "csv" && targets.kind === "dir") {
      writeCsv(summary, targets.dir, write);
      continue;
    }
    writeOutput(path, render(summary, format, html), write);
    process.stderr.write(`wrote ${path}\n`);
  }
  if (targets.kind === "dir") process.stdout.write(renderTerminal(summary));
}
