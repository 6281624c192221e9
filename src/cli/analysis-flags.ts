/**
 * The analysis options every command that analyses traces takes (analyze, diff,
 * check, compare, batch): one set of flags, parsed in one place, so that no
 * command silently drops --config or the hardware flags. Option files (--config,
 * --peaks, --gpu-info) are read here, in the CLI, never by the analyses.
 */
import type { Command } from "commander";
import type { AnalysisOptions } from "../analysis/context.js";
import { parseStepSelection } from "../analysis/steps.js";
import { loadConfig } from "../config.js";
import { LlmprofError } from "../errors.js";
import { hardwareOptionsFromFlags } from "../io/peaks-file.js";
import { DEFAULT_MAX_DEVICES, DEFAULT_MAX_RANKS, type FanOutLimits } from "../model/limits.js";
import { DEFAULT_TOP_ROWS } from "../../reports/top-rows.js";

export interface AnalysisFlags {
  steps?: string;
  config?: string;
  tokensPerStep?: string;
  gpuInfo?: string;
  peakTflops?: string;
  peaks?: string;
  top?: string;
  maxRanks?: string;
  maxDevices?: string;
}

/** Registers the analysis flags on a command; `inputs` says what they apply to ("trace inputs" where summary.json files are accepted too). */
export function addAnalysisFlags(command: Command, inputs = "the traces"): Command {
  return command
    .option("--steps <range>", `ProfilerStep numbers to analyse in ${inputs}, e.g. 3 or 2-5`)
    .option("--config <file>", "YAML/JSON config: extra kernel category rules, findings to disable, thresholds")
    .option("--tokens-per-step <n>", "tokens processed per step (default: from the token embedding's input shape)")
    .option("--gpu-info <file>", "`nvidia-smi -q -x` output of the GPU the trace ran on (its model picks the peak FLOP/s for MFU)")
    .option("--peak-tflops <n>", "peak dense TFLOP/s to measure MFU against (overrides the datasheet table)")
    .option("--peaks <file>", "YAML/JSON file with peak figures: { tflops: { bf16: 989.4, ... }, memoryBandwidthGBps: 3350 }")
    .option(
      "--top <n>",
      `rows per name table (kernels, operators, modules) kept from ${inputs}, as in analyze's summary.json and HTML report, the rest summed in one "(all others)" row; CSV has every row (default ${DEFAULT_TOP_ROWS})`,
    )
    .option("--max-ranks <n>", `most ranks (traces, or processes of one Nsight report) analysed together (default ${DEFAULT_MAX_RANKS})`)
    .option("--max-devices <n>", `most distinct GPU device ids in one rank (default ${DEFAULT_MAX_DEVICES})`);
}

/** The fan-out bounds of the flags: rows kept per name table, and the rank and device limits. */
export function boundsFromFlags(flags: AnalysisFlags): { top: number; limits: Required<FanOutLimits> } {
  return {
    top: positiveInteger("--top", flags.top) ?? DEFAULT_TOP_ROWS,
    limits: { maxRanks: positiveInteger("--max-ranks", flags.maxRanks) ?? DEFAULT_MAX_RANKS, maxDevices: positiveInteger("--max-devices", flags.maxDevices) ?? DEFAULT_MAX_DEVICES },
  };
}

export function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0)) throw new LlmprofError(null, `${flag}: expected a positive whole number, got "${value}"`);
  return n;
}

/** The AnalysisOptions of the flags; bad values and unreadable files are LlmprofErrors (exit 2). */
export function analysisOptionsFromFlags(flags: AnalysisFlags): AnalysisOptions {
  const steps = flags.steps === undefined ? undefined : parseStepSelection(flags.steps);
  if (steps === null) throw new LlmprofError(null, `--steps: expected a step number or range such as 2-5, got "${flags.steps}"`);
  const tokensPerStep = flags.tokensPerStep === undefined ? undefined : Number(flags.tokensPerStep);
  if (tokensPerStep !== undefined && !(Number.isFinite(tokensPerStep) && tokensPerStep > 0)) {
    throw new LlmprofError(null, `--tokens-per-step: expected a positive number, got "${flags.tokensPerStep}"`);
  }
  return {
    ...(flags.config !== undefined ? loadConfig(flags.config) : {}),
    ...(steps ? { steps } : {}),
    ...(tokensPerStep !== undefined ? { tokensPerStep } : {}),
    ...hardwareOptionsFromFlags(flags),
  };
}

/** Files the user gave besides the traces: inputs too, so never overwritten (even with --force). */
export function settingsFiles(flags: AnalysisFlags): string[] {
  return [flags.config, flags.peaks, flags.gpuInfo].filter((p): p is string => p !== undefined);
}
