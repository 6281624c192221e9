/**
 * Bounded tables: summary.json, the HTML report, Markdown and the terminal show
 * the first N rows of each table that grows with the trace's distinct names
 * (kernels, operators, modules) and one "(all others)" row holding the sums of
 * the rest, so a trace with 10^6 kernel names gives a report of the same size
 * as one with 300. The full lists are written only as CSV (`-f csv`).
 */
import type { Summary } from "../src/analysis/summary.js";

/** Rows kept per table in summary.json and the HTML report (`--top <n>`). */
export const DEFAULT_TOP_ROWS = 500;
/** The name of the row that stands for every row left out. */
export const OTHERS_NAME = "(all others)";

/** What one bounded table kept, in summary.json's `bounded` list. */
export interface BoundedTable {
  table: string;
  rows: number;
  kept: number;
}

type Row = object;
type Merged = Record<string, unknown> & { others: number };

/**
 * One row standing for `rows`: counts, times and shares add up (a share at most
 * to 100%); min/max are the extremes; means are recomputed from total / count;
 * rates, shares of a peak and other derived figures become null; a text field keeps its value when every row agrees.
 * `nameKey` is set to OTHERS_NAME and `others` to the number of rows merged.
 */
export function othersRow<T extends Row>(rows: readonly T[], nameKey: keyof T & string, selfKeys: Record<string, string> = {}): T & { others: number } {
  const out: Merged = { others: rows.length };
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) keys.add(k);
  for (const key of keys) {
    const values = rows.map((r) => (r as Record<string, unknown>)[selfKeys[key] ?? key]);
    out[key] = mergeValues(key, values);
  }
  (out as Record<string, unknown>)[nameKey] = OTHERS_NAME;
  // an "(all others)" row merged again still counts every row it stands for
  out.others = rows.reduce((n, r) => n + representedRows(r), 0);
  const total = out["totalNs"];
  const count = out["count"] ?? out["calls"];
  if (typeof total === "number" && typeof count === "number") {
    for (const key of keys) if (/^mean[A-Z]/.test(key)) out[key] = count > 0 ? total / count : 0;
  }
  return out as T & { others: number };
}

function mergeValues(key: string, values: unknown[]): unknown {
  const present = values.filter((v) => v !== undefined);
  if (present.length === 0) return undefined;
  if (present.every((v) => typeof v === "number")) {
    const nums = present as number[];
    if (/^min[A-Z]/.test(key)) return nums.reduce((a, b) => Math.min(a, b));
    if (/^max[A-Z]/.test(key)) return nums.reduce((a, b) => Math.max(a, b));
    if (/PerS$|^mean[A-Z]|Ratio$|^depth$|^vsMedian|^pctOf(Peak|Attainable)$/.test(key)) return null;
    const sum = nums.reduce((a, b) => a + b, 0);
    // shares of one whole: rows that overlap in time (concurrent kernels) would sum past it,
    // and the union of their intervals is not in the summary, so the sum is capped at 100
    return /^pctOf[A-Z]/.test(key) ? Math.min(100, sum) : sum;
  }
  if (present.every((v) => typeof v === "number" || v === null)) return /PerS$/.test(key) ? null : present.some((v) => v === null) ? null : 0;
  if (present.every((v) => typeof v === "string" || typeof v === "boolean")) return present.every((v) => v === present[0]) ? present[0] : null;
  // lists and nested objects (per-category splits) do not merge meaningfully
  return undefined;
}

/** How many original rows a row stands for: 1, or an "(all others)" row's count. */
export function representedRows(row: object): number {
  const n = (row as { others?: unknown }).others;
  return typeof n === "number" ? n : 1;
}

/** The first `n` rows and, when more exist, one "(all others)" row for the rest. */
export function topWithOthers<T extends Row>(rows: readonly T[], n: number, nameKey: keyof T & string, selfKeys?: Record<string, string>): T[] {
  if (rows.length <= n) return [...rows];
  return [...rows.slice(0, n), othersRow(rows.slice(n), nameKey, selfKeys)];
}

// Module instances are a tree in parent-first order: the first n are closed under
// parents, so the rows left out are whole subtrees and their inclusive time is the
// sum of their self times (summing inclusive times would count a child twice).
const MODULE_SELF_KEYS = { totalNs: "selfNs", forwardNs: "forwardSelfNs", backwardNs: "backwardSelfNs", recomputeNs: "recomputeSelfNs" };

/**
 * The summary as summary.json and the reports show it: each name-keyed table cut
 * to `top` rows plus "(all others)", and `bounded` listing what was cut.
 */
export function boundSummary(s: Summary, top = DEFAULT_TOP_ROWS): Summary & { bounded?: BoundedTable[] } {
  const bounded: BoundedTable[] = [];
  const cut = <T extends Row>(table: string, rows: readonly T[], nameKey: keyof T & string, selfKeys?: Record<string, string>): T[] => {
    if (rows.length <= top) return rows as T[];
    bounded.push({ table, rows: rows.length, kept: top });
    return topWithOthers(rows, top, nameKey, selfKeys);
  };
  const out: Summary & { bounded?: BoundedTable[] } = { ...s };
  if (s.kernels.available) out.kernels = { ...s.kernels, byName: cut("kernels.byName", s.kernels.byName, "name") };
  if (s.operators.available) {
    out.operators = { ...s.operators, byName: cut("operators.byName", s.operators.byName, "name"), byNameAndShapes: cut("operators.byNameAndShapes", s.operators.byNameAndShapes, "name") };
  }
  if (s.modules.available) {
    const instances = cut("modules.instances", s.modules.instances, "name", MODULE_SELF_KEYS);
    const last = instances[instances.length - 1];
    // the left-out subtrees hang as one root, so the tree (and the icicle) stays whole
    if (last !== undefined && "others" in last) Object.assign(last, { className: OTHERS_NAME, path: OTHERS_NAME, parentPath: null, depth: 0 });
    out.modules = { ...s.modules, instances, classes: cut("modules.classes", s.modules.classes, "className") };
  }
  if (s.efficiency.available) out.efficiency = { ...s.efficiency, byOperator: cut("efficiency.byOperator", s.efficiency.byOperator, "name") };
  if (s.inferredLayers.available) {
    // a block found in a trace of 10^6 tiny kernels can repeat 10^6 times: the first layers by index
    const l = s.inferredLayers;
    const names = (table: string, list: string[]) => {
      if (list.length <= top) return list;
      bounded.push({ table, rows: list.length, kept: top });
      return list.slice(0, top);
    };
    out.inferredLayers = {
      ...l,
      layers: cut("inferredLayers.layers", l.layers, "index"),
      layerOps: names("inferredLayers.layerOps", l.layerOps),
      otherPassOps: l.otherPassOps && names("inferredLayers.otherPassOps", l.otherPassOps),
    };
  }
  if (bounded.length > 0) out.bounded = bounded;
  return out;
}

/** True for an "(all others)" row. */
export function isOthers<T extends object>(row: T): row is T & { others: number } {
  return typeof (row as { others?: unknown }).others === "number";
}

/**
 * For a table printed with `n` rows (Markdown, terminal): the first `n` ordinary
 * rows and one row merging all the others (an "(all others)" row of summary.json
 * included), or null when nothing is left out.
 */
export function shownAndOthers<T extends object>(rows: readonly T[], n: number, nameKey: keyof T & string): { shown: T[]; others: (T & { others: number }) | null } {
  const plain = rows.filter((r) => !isOthers(r));
  const rest = [...plain.slice(n), ...rows.filter(isOthers)];
  return { shown: plain.slice(0, n), others: rest.length > 0 ? othersRow(rest, nameKey) : null };
}
