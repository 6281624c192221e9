/**
 * `llmprof check` verdicts: a Markdown block for a pull-request comment and
 * the plain lines printed on the terminal. Each line names the metric, the
 * limit and the value. Trace-derived strings (module and operator names) go
 * through escapeMd.
 */
import { formatMetric, type CheckItem, type CheckResult } from "../src/analysis/budget.js";
import { escapeMd } from "./diff-format.js";

const MARKDOWN_LIMIT = 65_000;

export interface CheckContext {
  /** What was checked (file names). */
  run: string[];
  budgetFile?: string | null;
  baselineFile?: string | null;
  version: string;
}

function valueText(i: CheckItem): string {
  return formatMetric(i.value, i.unit);
}

export function renderCheckText(result: CheckResult, ctx: CheckContext): string {
  const out = [`llmprof ${ctx.version} check — ${ctx.run.join(", ")}`];
  for (const n of result.notes) out.push(`note: ${n}`);
  for (const i of result.items) out.push(`${i.passed ? "PASS" : "FAIL"}  ${i.message}`);
  const failed = result.items.filter((i) => !i.passed).length;
  out.push(result.passed ? `passed: ${result.items.length} check(s) hold` : `FAILED: ${failed} of ${result.items.length} check(s)`, "");
  return out.join("\n");
}

export function renderCheckMarkdown(result: CheckResult, ctx: CheckContext): string {
  const failed = result.items.filter((i) => !i.passed);
  const head = [`## llmprof check: ${result.passed ? "✅ passed" : `❌ ${failed.length} of ${result.items.length} failed`}`, "", `- run: ${ctx.run.map((f) => escapeMd(f, 200)).join(", ")}`];
  if (ctx.budgetFile) head.push(`- budget: ${escapeMd(ctx.budgetFile, 200)}`);
  if (ctx.baselineFile) head.push(`- baseline: ${escapeMd(ctx.baselineFile, 200)}`);
  for (const n of result.notes) head.push(`- note: ${escapeMd(n, 400)}`);
  head.push("", "| | metric | value | limit | |", "| --- | --- | ---: | --- | --- |");
  // failures first, then the rest in budget order
  const ordered = [...failed, ...result.items.filter((i) => i.passed)];
  const rows = ordered.map((i) => `| ${i.passed ? "✅" : "❌"} | ${escapeMd(i.metric, 160)} | ${valueText(i)} | ${escapeMd(i.limit, 120)} | ${escapeMd(i.message, 300)} |`);
  const foot = ["", `<sub>llmprof ${escapeMd(ctx.version, 40)} check</sub>`, ""];
  let shown = rows.length;
  for (;;) {
    const extra = shown < rows.length ? [`| | _${rows.length - shown} more line(s) left out to fit a comment; see the JUnit XML_ | | | |`] : [];
    const md = [...head, ...rows.slice(0, shown), ...extra, ...foot].join("\n");
    if (md.length <= MARKDOWN_LIMIT || shown === 0) return md;
    shown >>= 1; // failures come first, so they are the last to go
  }
}
