/** compare.json: the CompareResult (schema "llmprof.compare/1" as its first key). */
import type { CompareResult } from "../src/analysis/compare.js";

export function renderCompareJson(c: CompareResult): string {
  return `${JSON.stringify(c, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`;
}
