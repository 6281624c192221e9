/**
 * Reading a summary.json (or summary.json.gz) file: the I/O half of
 * src/analysis/summary-io.ts, which validates and migrates what is read here.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { validateSummary } from "../analysis/summary-io.js";
import type { Summary } from "../analysis/summary.js";
import { LlmprofError } from "../errors.js";

/** Reads a summary.json (or summary.json.gz) file and validates it. */
export function loadSummary(path: string): Summary {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new LlmprofError(path, code === "ENOENT" ? "no such file or directory" : code === "EISDIR" ? "is a directory, expected a summary.json" : e instanceof Error ? e.message : String(e));
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new LlmprofError(path, `corrupt gzip data (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(buf.toString("utf8"));
  } catch (e) {
    throw new LlmprofError(path, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return validateSummary(value, path);
}
