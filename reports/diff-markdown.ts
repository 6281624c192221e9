/**
 * `llmprof diff` as GitHub-flavoured Markdown for a pull-request comment.
 * Trace strings go through escapeMd. GitHub rejects comments over 65,536
 * characters: the tables shrink until the text fits MARKDOWN_DIFF_LIMIT.
 */
import type { DiffResult, DiffRow, DiffSection } from "../src/analysis/diff.js";
import { countSignificant, escapeMd, formatDelta, formatDeltaPct, formatThreshold, formatValue, keyLabel, metricLabel, PER_STEP_NOTE, shownRows } from "./diff-format.js";

export const MARKDOWN_DIFF_LIMIT = 65_000;

export function renderDiffMarkdown(d: DiffResult): string {
  let rows = 12;
  let text = 120;
  for (;;) {
    const md = renderWith(d, rows, text);
    if (md.length <= MARKDOWN_DIFF_LIMIT) return md;
    if (rows <= 1 && text <= 30) {
      const note = "\n\n_(diff truncated to fit a pull-request comment; see diff.json)_\n";
      return md.slice(0, Math.max(0, md.lastIndexOf("\n", MARKDOWN_DIFF_LIMIT - note.length))) + note;
    }
    rows = Math.max(1, rows >> 1);
    text = Math.max(30, text >> 1);
  }
}

function verdictCell(r: DiffRow): string {
  if (r.verdict === "significant") return "**significant**";
  if (r.verdict === "unknown") return "unknown";
  return "within noise";
}

function table(id: DiffSection["id"], rows: DiffRow[], text: number): string[] {
  const out = ["| what | figure | base | head | change | % | noise | verdict |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"];
  for (const r of rows) {
    out.push(
      `| ${escapeMd(keyLabel(id, r.key, text), text)} | ${metricLabel(r.metric)} | ${formatValue(r, r.base)} | ${formatValue(r, r.head)} | ${formatDelta(r)} | ${formatDeltaPct(r)} | ${formatThreshold(r)} | ${verdictCell(r)} |`,
    );
  }
  return out;
}

function fileList(files: string[], text: number): string {
  const shown = files.slice(0, 3).map((f) => escapeMd(f, text));
  return shown.join(", ") + (files.length > 3 ? ` (+${files.length - 3} more)` : "");
}

function renderWith(d: DiffResult, rowLimit: number, text: number): string {
  const out: string[] = [];
  const sig = countSignificant(d);
  out.push(`## llmprof diff: ${sig} significant change${sig === 1 ? "" : "s"}`, "");
  for (const which of ["base", "head"] as const) {
    const r = d[which];
    out.push(`- **${which}**: ${fileList(r.files, text)} — ${escapeMd(r.format, 40)}, ${r.steps} step${r.steps === 1 ? "" : "s"}${r.partial ? ", **PARTIAL**" : ""}`);
  }
  out.push("", `_${PER_STEP_NOTE}; rows sorted by the size of the change_`, "");
  for (const n of d.notes) out.push(`> ${escapeMd(n, 400)}`, ">");
  if (d.notes.length) out.pop();
  if (d.headline.length) out.push("", "### Headline", "", ...table("steps", d.headline, text));
  for (const s of d.sections) {
    out.push("", `### ${s.title}`, "");
    if (!s.available) {
      out.push(`_not compared: ${escapeMd(s.reason, 400)}_`);
      continue;
    }
    const rows = shownRows(s, rowLimit);
    const nSig = s.rows.filter((r) => r.verdict === "significant").length;
    if (!rows.length) {
      out.push("_nothing to compare_");
      continue;
    }
    out.push(...table(s.id, rows, text));
    out.push("", `<sub>${nSig} significant of ${s.rows.length}${s.rows.length > rows.length ? `; the ${rows.length} largest changes shown, all in diff.json` : ""}</sub>`);
  }
  out.push("", `<details><summary>Noise rule</summary>\n\n${escapeMd(d.noise.rule)}\n\n</details>`);
  out.push("", `<sub>llmprof ${escapeMd(d.generator.version, 40)} · ${d.schema}</sub>`, "");
  return out.join("\n");
}
