/** summary.json: the Summary object as indented JSON (non-finite numbers become null). */
import type { Summary } from "../src/analysis/summary.js";

// JSON.stringify escapes C0 only; DEL, C1 (U+009B is CSI on some terminals) and the bidi
// controls are escaped too, so `cat summary.json` cannot drive a terminal or reorder text.
// They occur only inside strings, where \uXXXX parses back to the same character.
const TERMINAL_ACTIVE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function renderJson(summary: Summary): string {
  const text = JSON.stringify(summary, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
  return `${text.replace(TERMINAL_ACTIVE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;
}
