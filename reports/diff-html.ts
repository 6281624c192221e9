/**
 * diff.html: `llmprof diff` as one self-contained page in the report's style.
 * Rendered on the server side as static tables on the shell of every llmprof
 * page (reports/html/page.ts) without scripts: every trace string goes through
 * escapeHtml, and the Content-Security-Policy allows nothing but the one inline
 * stylesheet (by hash). The DiffResult rides along
 * as an inert JSON data block (type application/json) for tools.
 */
import type { DiffResult, DiffRow, DiffSection } from "../src/analysis/diff.js";
import { countSignificant, direction, formatDelta, formatDeltaPct, formatThreshold, formatValue, keyLabel, metricLabel, PER_STEP_NOTE, VERDICT_LABELS } from "./diff-format.js";
import { readStyles } from "./html/assets.js";
import { escapeHtml } from "./html/embed.js";
import { renderPage } from "./html/page.js";

export interface DiffHtmlOptions {
  /** Rows per section (largest changes first); default 25. */
  rows?: number;
}

const EXTRA_CSS = `
table.diff { border-collapse: collapse; margin: 6px 0 4px; font-variant-numeric: tabular-nums; }
table.diff th, table.diff td { padding: 3px 10px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
table.diff th { color: var(--muted); font-weight: 600; background: var(--panel); }
table.diff td.num { text-align: right; white-space: nowrap; }
table.diff td.key { font-family: var(--mono); font-size: 12px; overflow-wrap: anywhere; max-width: 48em; }
tr.significant td.verdict { font-weight: 600; }
tr.significant.worse td.change { color: #cf222e; }
tr.significant.better td.change { color: #1a7f37; }
tr.not-significant td { color: var(--muted); }
p.note { background: var(--info-bg); border: 1px solid var(--info-border); padding: 6px 10px; border-radius: 6px; max-width: 70em; }
p.unavailable { color: var(--muted); font-style: italic; }
p.more, p.rule { color: var(--muted); font-size: 12px; max-width: 70em; }
`;

export function renderDiffHtml(d: DiffResult, options: DiffHtmlOptions = {}): string {
  const limit = options.rows ?? 25;
  const sig = countSignificant(d);
  const body: string[] = [];
  body.push('<header class="page">', `<h1><span class="brand">llmprof</span> diff: ${sig} significant change${sig === 1 ? "" : "s"}</h1>`);
  for (const which of ["base", "head"] as const) {
    const r = d[which];
    body.push(`<p class="subtitle"><b>${which}</b>: ${escapeHtml(r.files.join(", "))} — ${escapeHtml(r.format)}, ${r.steps} step${r.steps === 1 ? "" : "s"}${r.partial ? ", <b>PARTIAL</b>" : ""}</p>`);
  }
  body.push("</header>", "<main>", `<p class="lede">${escapeHtml(PER_STEP_NOTE)}; rows sorted by the size of the change.</p>`);
  for (const n of d.notes) body.push(`<p class="note">${escapeHtml(n)}</p>`);
  if (d.headline.length) body.push('<section class="view">', "<h2>Headline</h2>", table("steps", d.headline), "</section>");
  for (const s of d.sections) body.push(sectionHtml(s, limit));
  body.push(`<p class="rule">Noise rule: ${escapeHtml(d.noise.rule)}</p>`, "</main>");
  return renderPage({
    kind: "diff",
    version: d.generator.version,
    title: `llmprof diff — ${sig} significant change${sig === 1 ? "" : "s"}`,
    dataId: "llmprof-diff",
    data: d,
    scripts: [],
    css: readStyles("styles.css") + EXTRA_CSS,
    body: body.join("\n"),
  });
}

function sectionHtml(s: DiffSection, limit: number): string {
  const out = ['<section class="view">', `<h2>${escapeHtml(s.title)}</h2>`];
  if (!s.available) out.push(`<p class="unavailable">not compared: ${escapeHtml(s.reason)}</p>`);
  else if (!s.rows.length) out.push('<p class="unavailable">nothing to compare</p>');
  else {
    const rows = s.rows.slice(0, limit);
    out.push(table(s.id, rows));
    const nSig = s.rows.filter((r) => r.verdict === "significant").length;
    out.push(`<p class="more">${nSig} significant of ${s.rows.length}${s.rows.length > rows.length ? `; the ${rows.length} largest changes shown, all in the JSON block and diff.json` : ""}</p>`);
  }
  out.push("</section>");
  return out.join("\n");
}

function table(id: DiffSection["id"], rows: DiffRow[]): string {
  const head = "<tr><th>what</th><th>figure</th><th>base</th><th>head</th><th>change</th><th>%</th><th>noise</th><th>verdict</th></tr>";
  const body = rows.map((r) => {
    const dir = direction(r);
    return (
      `<tr class="${r.verdict}${dir ? ` ${dir}` : ""}"><td class="key" title="${escapeHtml(r.key)}">${escapeHtml(keyLabel(id, r.key, 100))}</td><td>${escapeHtml(metricLabel(r.metric))}</td>` +
      `<td class="num">${escapeHtml(formatValue(r, r.base))}</td><td class="num">${escapeHtml(formatValue(r, r.head))}</td>` +
      `<td class="num change">${escapeHtml(formatDelta(r))}</td><td class="num">${escapeHtml(formatDeltaPct(r))}</td>` +
      `<td class="num">${escapeHtml(formatThreshold(r))}</td><td class="verdict">${escapeHtml(VERDICT_LABELS[r.verdict])}</td></tr>`
    );
  });
  return `<table class="diff"><thead>${head}</thead><tbody>\n${body.join("\n")}\n</tbody></table>`;
}
