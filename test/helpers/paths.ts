/** Where fixtures and the optional shared traces live. */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = join(ROOT, "fixtures");
export const SHARED_TRACES = process.env["LLMPROF_SHARED_TRACES"] ?? resolve(ROOT, "../shared/traces");
/** The command line as installed (package.json "bin"): the bundle tools/bundle.mjs writes. */
export const CLI = join(ROOT, "dist/bundle/main.js");

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** Path of a shared trace, or null (with a note on stderr) when ../shared is absent. */
export function sharedTrace(rel: string): string | null {
  const p = join(SHARED_TRACES, rel);
  if (existsSync(p)) return p;
  if (!warned.has(rel)) {
    warned.add(rel);
    process.stderr.write(`[skip] shared trace ${rel} not found under ${SHARED_TRACES}; tests that need it are skipped\n`);
  }
  return null;
}
const warned = new Set<string>();
