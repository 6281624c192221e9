/** diff.json: the DiffResult (schema "llmprof.diff/1") as indented JSON; non-finite numbers become null. */
import type { DiffResult } from "../src/analysis/diff.js";

export function renderDiffJson(d: DiffResult): string {
  return `${JSON.stringify(d, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`;
}
