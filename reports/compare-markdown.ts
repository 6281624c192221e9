/**
 * `llmprof compare` as GitHub-flavoured Markdown: one table, a column per run.
 * Labels, GPU names and notes are trace strings: they go through escapeMd.
 */
import type { CompareResult } from "../src/analysis/compare.js";
import { compareRows, PER_STEP_NOTE, unavailableLines } from "./compare-format.js";
import { escapeMd } from "./diff-format.js";

export function renderCompareMarkdown(c: CompareResult): string {
  const out: string[] = [`## llmprof compare: ${c.runs.length} runs`, ""];
  for (const r of c.runs) out.push(`- **${escapeMd(r.label, 60)}**: ${escapeMd(fileList(r.files), 300)} — ${escapeMd(r.format, 40)}${r.partial ? ", **PARTIAL**" : ""}`);
  out.push("");
  out.push(`| figure | ${c.runs.map((r) => escapeMd(r.label, 60)).join(" | ")} |`);
  out.push(`| --- | ${c.runs.map(() => "---:").join(" | ")} |`);
  let group = "";
  for (const r of compareRows(c)) {
    if (r.group !== group) {
      group = r.group;
      out.push(`| **${escapeMd(group)}** | ${c.runs.map(() => "").join(" | ")} |`);
    }
    out.push(`| ${escapeMd(r.label)} | ${r.cells.map((x) => escapeMd(x, 80)).join(" | ")} |`);
  }
  out.push("", `_${escapeMd(PER_STEP_NOTE)}._`);
  if (c.scaling.length) {
    out.push("", "### Scaling efficiency", "", "| run | GPUs | tokens/s per GPU | efficiency |", "| --- | ---: | ---: | ---: |");
    for (const g of c.scaling) {
      for (const m of g.members) {
        out.push(`| ${escapeMd(m.label, 60)}${m.label === g.baseline ? " (baseline)" : ""} | ${m.gpuCount} | ${Math.round(m.tokensPerSPerGpu).toLocaleString("en-US")} | ${m.efficiency.toFixed(3)} |`);
      }
    }
  }
  out.push("", `<sub>${escapeMd(c.scalingRule)}</sub>`);
  const notes = [...c.notes, ...unavailableLines(c)];
  if (notes.length)
    out.push(
      "",
      ...notes
        .map((n) => `> ${escapeMd(n, 400)}`)
        .flatMap((l) => [l, ">"])
        .slice(0, -1),
    );
  out.push("", `<sub>llmprof ${escapeMd(c.generator.version, 40)} · ${c.schema}</sub>`, "");
  return out.join("\n");
}

function fileList(files: string[]): string {
  return files.length > 3 ? `${files.slice(0, 3).join(", ")} (+${files.length - 3} more)` : files.join(", ");
}
