/**
 * `llmprof check <trace|summary.json> (--budget file | --baseline summary.json
 * [--max-regression 5%]) [--junit out.xml] [--markdown out.md]`.
 * Exit codes: 0 every check holds, 1 one fails, 2 bad input.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { checkResult, evaluateBaseline, evaluateBudget, evaluateFindings, parseBudget, SEVERITIES, type CheckItem, type Severity } from "../analysis/budget.js";
import { LlmprofError } from "../errors.js";
import { VERSION } from "../version.js";
import { renderCheckMarkdown, renderCheckText } from "../../reports/check-markdown.js";
import { renderJunit } from "../../reports/junit.js";
import { loadRun, parsePercent } from "./diff.js";
import { addAnalysisFlags, analysisOptionsFromFlags, boundsFromFlags, settingsFiles, type AnalysisFlags } from "./analysis-flags.js";
import { writeOutput } from "../io/output.js";

interface CheckFlags extends AnalysisFlags {
  budget?: string;
  baseline?: string;
  maxRegression?: string;
  strict?: boolean;
  junit?: string;
  markdown?: string;
  failOn?: string;
  run?: string;
  force?: boolean;
}

export function registerCheckCommand(program: Command): void {
  const command = program
    .command("check")
    .description("check a run against a performance budget and/or a baseline run (exit 1 when a check fails)")
    .argument("<run>", "trace file, rank directory, or summary.json")
    .option("--budget <file>", "YAML or JSON limits, e.g. `step_time_ms: 120` (README: Comparing runs and CI budgets)")
    .option("--baseline <run>", "summary.json (or trace) of the reference run")
    .option("--max-regression <pct>", "with --baseline: allowed increase per metric (default 5%)")
    .option("--strict", "with --baseline: fail an increase past the limit even when it is within noise")
    .option("--fail-on <severity>", `fail on findings of this severity or worse (${SEVERITIES.join(", ")}); applies when the summary has findings`)
    .option("--junit <file>", "write JUnit XML (one testcase per check)")
    .option("--markdown <file>", "write the verdict as Markdown for a pull-request comment")
    .option("--run <name>", "in a directory holding several runs (a TensorBoard log directory), use this one (default: the newest)")
    .option("--force", "overwrite existing files that are not llmprof outputs");
  addAnalysisFlags(command, "trace inputs (a summary.json keeps its own)").action(async (run: string, flags: CheckFlags) => {
    if (!flags.budget && !flags.baseline && !flags.failOn) throw new LlmprofError(null, "check needs --budget <file>, --baseline <run> or --fail-on <severity>");
    if (flags.maxRegression !== undefined && !flags.baseline) throw new LlmprofError(null, "--max-regression needs --baseline");
    let severity: Severity | null = null;
    if (flags.failOn !== undefined) {
      if (!(SEVERITIES as readonly string[]).includes(flags.failOn)) throw new LlmprofError(null, `--fail-on: unknown severity "${flags.failOn}" (known: ${SEVERITIES.join(", ")})`);
      severity = flags.failOn as Severity;
    }
    const maxRegressionPct = flags.maxRegression === undefined ? 5 : parsePercent("--max-regression", flags.maxRegression);
    const { top, limits } = boundsFromFlags(flags);
    const options = { ...analysisOptionsFromFlags(flags), ...limits };
    // the budget is read first: a malformed one fails fast, before any trace is parsed
    const lines = flags.budget ? parseBudget(readText(flags.budget), flags.budget) : null;
    const summary = await loadRun(run, options, flags.run, top);
    const items: CheckItem[] = [];
    const notes: string[] = [];
    if (lines) items.push(...evaluateBudget(summary, lines));
    if (flags.baseline) {
      const base = await loadRun(flags.baseline, options, flags.run, top);
      items.push(...evaluateBaseline(base, summary, { maxRegressionPct, strict: Boolean(flags.strict) }));
    }
    if (severity) {
      const found = evaluateFindings(summary, severity);
      if (typeof found === "string") notes.push(`--fail-on ${severity}: ${found}; no finding was checked`);
      else items.push(...found);
    }
    if (summary.trace.partial) notes.push("the run is PARTIAL (its input was cut short): figures cover what was read");
    const result = checkResult(items, notes);
    const ctx = { run: summary.trace.files.length ? summary.trace.files : [run], budgetFile: flags.budget ?? null, baselineFile: flags.baseline ?? null, version: VERSION };
    const inputs = [run, ...(flags.budget ? [flags.budget] : []), ...(flags.baseline ? [flags.baseline] : []), ...settingsFiles(flags)];
    const write = { inputs, force: Boolean(flags.force) };
    if (flags.junit) {
      writeOutput(flags.junit, renderJunit(result), write);
      process.stderr.write(`wrote ${flags.junit}\n`);
    }
    if (flags.markdown) {
      writeOutput(flags.markdown, renderCheckMarkdown(result, ctx), write);
      process.stderr.write(`wrote ${flags.markdown}\n`);
    }
    process.stdout.write(renderCheckText(result, ctx));
    if (!result.passed) process.exitCode = 1;
  });
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new LlmprofError(path, code === "ENOENT" ? "no such file or directory" : code === "EISDIR" ? "is a directory, expected a budget file" : e instanceof Error ? e.message : String(e));
  }
}
