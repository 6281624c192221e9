/** summary.json: the Summary object as indented JSON (non-finite numbers become null). */
import type { Summary } from "../src/analysis/summary.js";

export function renderJson(summary: Summary): string {
  return `${JSON.stringify(summary, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`;
}
