/**
 * Headline figures of the terminal and Markdown summaries, read from the metrics
 * catalogue (src/analysis/metrics.ts): the same label, unit and definition as
 * check budgets, diff, compare and batch, formatted by unit.
 */
import { labelWithUnit, metricById, type Metric } from "../src/analysis/metrics.js";
import type { Summary } from "../src/analysis/summary.js";
import { formatCount, formatMs, formatPct } from "./format.js";

export interface HeadlineFigure {
  id: string;
  label: string;
  text: string;
}

/** A catalogue value as text: "12.3%", "4.56", "12,345" (units other than % are in the label: labelWithUnit). */
export function formatMetricValue(m: Metric, value: number): string {
  if (m.unit === "pct") return formatPct(value);
  if (m.unit === "ms") return formatMs(value * 1e6);
  return formatCount(value);
}

/** The figures among `ids` that the run has, in that order; figures without a value are left out. */
export function headlineFigures(s: Summary, ids: readonly string[]): HeadlineFigure[] {
  const out: HeadlineFigure[] = [];
  for (const id of ids) {
    const m = metricById(id);
    if (!m) throw new Error(`no catalogue figure "${id}"`);
    const v = m.value(s).value;
    if (v !== null) out.push({ id, label: m.unit === "pct" ? m.label : labelWithUnit(m), text: formatMetricValue(m, v) });
  }
  return out;
}
