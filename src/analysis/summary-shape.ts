/**
 * The shape of the tables diff, check and compare read from a summary.json: an
 * edited file with a row that is null, a name that is a number or a table that
 * is an object would otherwise fail deep inside them ("internal error"). Checked
 * once when the file is read; each problem named by its path, in one line.
 */
import { LlmprofError } from "../errors.js";

type Kind = "string" | "number" | "number?" | "array" | "object";

/** section -> table -> the fields of each row the readers use, and their kinds ("number?" may be null). */
const TABLES: Record<string, Record<string, Record<string, Kind>>> = {
  steps: { items: { number: "number", startNs: "number", endNs: "number", durationNs: "number", cpuDurationNs: "number" } },
  temporal: { devices: { device: "number", total: "object", steps: "array" } },
  kernels: { byName: { name: "string", count: "number", totalNs: "number" }, byCategory: { category: "string", count: "number", totalNs: "number" } },
  modules: {
    instances: { name: "string", className: "string", path: "string", forwardNs: "number", backwardNs: "number", totalNs: "number", selfNs: "number" },
    classes: { className: "string", forwardNs: "number", backwardNs: "number", totalNs: "number", selfNs: "number" },
    unattributed: { id: "string", totalNs: "number" },
  },
  operators: {
    byName: { name: "string", calls: "number", gpuSelfNs: "number", cpuTotalNs: "number" },
    byNameAndShapes: { name: "string", calls: "number", gpuSelfNs: "number" },
  },
  phases: { steps: { step: "number", phases: "array" }, total: { phase: "string", kernelNs: "number" } },
  idle: { byCause: { cause: "string", totalNs: "number" }, steps: { step: "number", idleNs: "number", byCause: "object" } },
  launch: { steps: { step: "number", launches: "number", hostBoundNs: "number" } },
  overlap: { rows: { device: "number", step: "number?", communicationNs: "number", exposedCommunicationNs: "number" } },
  ranks: { ranks: { device: "number", stepTimeMedianNs: "number", idleNs: "number" } },
  collectives: { ranks: { types: "array", totalNs: "number" } },
};

function kindOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

function fits(v: unknown, kind: Kind): boolean {
  if (kind === "number?") return v === null || typeof v === "number";
  return kindOf(v) === kind;
}

/** Throws a one-line LlmprofError naming the first malformed table, row or field. */
export function checkSummaryTables(obj: Record<string, unknown>, file: string): void {
  for (const [section, tables] of Object.entries(TABLES)) {
    const s = obj[section] as Record<string, unknown>;
    if (s["available"] !== true) continue;
    for (const [table, fields] of Object.entries(tables)) {
      const rows = s[table];
      const where = `${section}.${table}`;
      if (!Array.isArray(rows)) throw malformed(file, `${where} is ${rows === undefined ? "missing" : kindOf(rows)}, expected a list`);
      rows.forEach((row: unknown, i) => {
        if (kindOf(row) !== "object") throw malformed(file, `${where}[${i}] is ${kindOf(row)}, expected an object`);
        for (const [field, kind] of Object.entries(fields)) {
          const v = (row as Record<string, unknown>)[field];
          if (v !== undefined && !fits(v, kind)) throw malformed(file, `${where}[${i}].${field} is ${kindOf(v)}, expected ${kind === "number?" ? "a number or null" : `a ${kind}`}`);
          if (v === undefined && !Object.hasOwn(row as object, field)) throw malformed(file, `${where}[${i}] has no "${field}"`);
        }
      });
    }
  }
}

function malformed(file: string, what: string): LlmprofError {
  return new LlmprofError(file, `summary.json is malformed: ${what} (was it edited? re-run \`llmprof analyze\` on the trace)`);
}
