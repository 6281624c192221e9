/** `llmprof diff` on the terminal: headline, then each section's largest changes. */
import type { DiffResult } from "../src/analysis/diff.js";
import { countSignificant, formatDelta, formatDeltaPct, formatThreshold, formatValue, keyLabel, metricLabel, PER_STEP_NOTE, runLine, shownRows, VERDICT_LABELS } from "./diff-format.js";
import { textTable } from "./format.js";

export interface DiffTextOptions {
  /** Rows per section (largest changes first); default 10. */
  rows?: number;
}

export function renderDiffText(d: DiffResult, options: DiffTextOptions = {}): string {
  const limit = options.rows ?? 10;
  const out: string[] = [];
  out.push(`llmprof ${d.generator.version} diff — ${countSignificant(d)} significant change(s)`);
  out.push(runLine("base", d), runLine("head", d));
  out.push(`(${PER_STEP_NOTE})`);
  for (const n of d.notes) out.push(`note: ${n}`);
  const header = ["what", "figure", "base", "head", "change", "%", "noise", "verdict"];
  const right = [false, false, true, true, true, true, true, false];
  const cells = (id: Parameters<typeof keyLabel>[0], rows: DiffResult["headline"]) =>
    rows.map((r) => [keyLabel(id, r.key, 60), metricLabel(r.metric), formatValue(r, r.base), formatValue(r, r.head), formatDelta(r), formatDeltaPct(r), formatThreshold(r), VERDICT_LABELS[r.verdict]]);
  if (d.headline.length) {
    out.push("", "Headline");
    out.push(textTable(header, cells("steps", d.headline), right));
  }
  for (const s of d.sections) {
    out.push("");
    if (!s.available) {
      out.push(`${s.title}: not compared — ${s.reason}`);
      continue;
    }
    const rows = shownRows(s, limit);
    const sig = s.rows.filter((r) => r.verdict === "significant").length;
    out.push(`${s.title} (${sig} significant of ${s.rows.length}${s.rows.length > rows.length ? `; largest ${rows.length} shown` : ""})`);
    if (rows.length) out.push(textTable(header, cells(s.id, rows), right));
  }
  out.push("", `Noise rule: ${d.noise.rule}`, "");
  return out.join("\n");
}
