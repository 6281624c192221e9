/** `llmprof compare` on the terminal: the table (one column per run), scaling groups, notes. */
import type { CompareResult } from "../src/analysis/compare.js";
import { compareRows, PER_STEP_NOTE, unavailableLines } from "./compare-format.js";
import { textTable } from "./format.js";

/** Control characters in trace strings would garble the terminal. */
const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ");

export function renderCompareText(c: CompareResult): string {
  const out: string[] = [`llmprof compare: ${c.runs.length} runs`];
  for (const r of c.runs)
    out.push(`  ${clean(r.label)}: ${clean(r.files.length > 3 ? `${r.files.slice(0, 3).join(", ")} (+${r.files.length - 3} more)` : r.files.join(", "))}${r.partial ? " (PARTIAL)" : ""}`);
  out.push("");
  const rows = compareRows(c);
  const body: string[][] = [];
  let group = "";
  for (const r of rows) {
    if (r.group !== group) {
      group = r.group;
      body.push([`${group}`, ...c.runs.map(() => "")]);
    }
    body.push([`  ${r.label}`, ...r.cells.map(clean)]);
  }
  out.push(textTable(["", ...c.runs.map((r) => clean(r.label))], body, [false, ...c.runs.map(() => true)]), "");
  out.push(`${PER_STEP_NOTE}.`);
  if (c.scaling.length) {
    out.push("", "Scaling efficiency:");
    for (const g of c.scaling) {
      out.push(
        `  baseline ${clean(g.baseline)} (${clean(g.configuration.gpuModel ?? "")}, batch ${clean(g.configuration.batchShape ?? "")} per rank, ${g.configuration.attention} attention${g.configuration.recomputation ? ", recomputation" : ""})`,
      );
      for (const m of g.members)
        out.push(
          `    ${clean(m.label)}: ${m.gpuCount} GPU${m.gpuCount === 1 ? "" : "s"}, ${Math.round(m.tokensPerSPerGpu).toLocaleString("en-US")} tokens/s per GPU, efficiency ${m.efficiency.toFixed(3)}`,
        );
    }
  }
  const notes = [...c.notes, ...unavailableLines(c)];
  if (notes.length) out.push("", "Notes:", ...notes.map((n) => `  - ${clean(n)}`));
  return `${out.join("\n")}\n`;
}
