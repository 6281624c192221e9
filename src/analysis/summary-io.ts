/**
 * Reading summary.json back: check the schema version, migrate older versions,
 * and check the sections the readers (diff, check) rely on. Pure: the file is
 * read by src/io/summary-file.ts.
 *
 * Schema versions: "llmprof.summary/1" is current. MIGRATIONS maps an older
 * version to a function that turns it into the next one; none exists yet (1 is
 * the first published version), so any other "llmprof.summary/N" gets an
 * error that says which versions this llmprof reads and what to do.
 */
import { LlmprofError } from "../errors.js";
import { SUMMARY_SCHEMA, type Summary } from "./summary.js";
import { checkSummaryTables } from "./summary-shape.js";

const SCHEMA_PREFIX = "llmprof.summary/";

/** Older schema -> function producing the next version's object. Empty: version 1 is the first. */
export const MIGRATIONS: Readonly<Record<string, (old: Record<string, unknown>) => Record<string, unknown>>> = {};

/** Sections that must be present (as objects with a boolean `available`). */
const SECTIONS = ["steps", "temporal", "kernels", "modules", "operators", "phases", "idle", "launch", "overlap", "collectives", "ranks"] as const;

/**
 * Validates (and migrates) a parsed summary.json. `file` names the source in errors.
 * Throws LlmprofError with one line naming the file and the problem.
 */
export function validateSummary(value: unknown, file: string): Summary {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new LlmprofError(file, "not an llmprof summary.json (expected a JSON object)");
  let obj = value as Record<string, unknown>;
  let schema = obj["schema"];
  if (typeof schema !== "string") throw new LlmprofError(file, `not an llmprof summary.json (no "schema" field; expected "${SUMMARY_SCHEMA}")`);
  if (schema.startsWith("llmprof.diff/")) throw new LlmprofError(file, `is an llmprof diff (${schema}), not a summary.json; pass the summary.json of a run or its trace`);
  if (!schema.startsWith(SCHEMA_PREFIX)) throw new LlmprofError(file, `not an llmprof summary.json (schema "${clip(schema)}"; expected "${SUMMARY_SCHEMA}")`);
  for (let guard = 0; schema !== SUMMARY_SCHEMA && guard < 100; guard++) {
    const migrate = MIGRATIONS[schema];
    if (!migrate) throw new LlmprofError(file, unsupported(schema));
    obj = migrate(obj);
    schema = obj["schema"];
    if (typeof schema !== "string") throw new LlmprofError(file, "migration produced no schema field (internal error)");
  }
  if (schema !== SUMMARY_SCHEMA) throw new LlmprofError(file, unsupported(schema));
  for (const key of SECTIONS) {
    const section = obj[key];
    if (typeof section !== "object" || section === null || typeof (section as { available?: unknown }).available !== "boolean") {
      throw new LlmprofError(file, `summary.json is missing its "${key}" section (or it lacks "available"); was it edited or cut short?`);
    }
  }
  const trace = obj["trace"];
  if (typeof trace !== "object" || trace === null || !Array.isArray((trace as { files?: unknown }).files)) {
    throw new LlmprofError(file, 'summary.json is missing its "trace" section');
  }
  checkSummaryTables(obj, file);
  return obj as unknown as Summary;
}

function unsupported(schema: string): string {
  const n = Number(schema.slice(SCHEMA_PREFIX.length));
  const current = Number(SUMMARY_SCHEMA.slice(SCHEMA_PREFIX.length));
  if (Number.isFinite(n) && n > current) {
    return `summary schema "${clip(schema)}" was written by a newer llmprof; this one reads "${SUMMARY_SCHEMA}": upgrade llmprof, or re-run this llmprof's \`analyze\` on the trace`;
  }
  const known = [SUMMARY_SCHEMA, ...Object.keys(MIGRATIONS)].join(", ");
  return `summary schema "${clip(schema)}" is not supported (this llmprof reads ${known}); re-run \`llmprof analyze\` on the trace to get a current summary.json`;
}

function clip(s: string): string {
  const t = s.replace(/[\r\n\t]+/g, " ");
  return t.length > 60 ? `${t.slice(0, 59)}…` : t;
}

/**
 * Whether the start of a file (uncompressed) looks like an llmprof JSON output
 * (summary or diff) rather than a trace: its first key is "schema" with an
 * "llmprof." value, as every llmprof writer emits it.
 */
export function looksLikeLlmprofJson(head: string): boolean {
  return /^\s*\{\s*"schema"\s*:\s*"llmprof\./.test(head);
}
