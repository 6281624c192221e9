/**
 * Findings: rules over the analysis results, each with its measured cost, the
 * events that prove it and a concrete suggestion. Severity comes from the cost
 * as a share of the analysis window (the GPU time of the profiled steps):
 *   high >= 10%, medium >= 3%, low >= 0.5%, info below
 * (rules whose cost is not time — memory — set severity from their own ratio).
 * Rules can be disabled and their thresholds changed from the config file.
 */
import type { AnalysisContext } from "./context.js";
import type { Summary } from "./summary.js";

/** Finding severities, least to most severe: the one list for findings and `check --fail-on`. */
export const SEVERITIES = ["info", "low", "medium", "high"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Evidence {
  /** What the item is: a gap, kernel, operator, module, step, call site... */
  kind: "gap" | "kernel" | "operator" | "module" | "step" | "call-site" | "collective" | "metric";
  label: string;
  /** Time the item accounts for, ns (when it is a time). */
  durationNs?: number;
  startNs?: number;
  step?: number;
  detail?: string;
}

export interface Finding {
  id: string;
  title: string;
  severity: Severity;
  /** The measured cost: GPU time per window the problem explains (ns), null when the cost is not time. */
  costNs: number | null;
  /** costNs as % of the analysis window (per GPU). */
  costPctOfWindow: number | null;
  /** For costs that are not time (memory), the measured amount. */
  costBytes?: number;
  /** One sentence: what was measured. */
  summary: string;
  why: string;
  how: string;
  evidence: Evidence[];
  /** Anchor of the report section that shows the data (e.g. "idle"). */
  section: string;
}

export interface RuleInput {
  summary: Omit<Summary, "findings">;
  /** The primary rank's analysis context (model, attribution, categories...). */
  ctx: AnalysisContext;
  thresholds: Readonly<Record<string, number>>;
}

export interface Rule {
  id: string;
  title: string;
  /** Default thresholds, overridable per rule from the config file as "<ruleId>.<name>". */
  defaults: Readonly<Record<string, number>>;
  /** A finding, null when the rule holds, or a string saying why it could not be evaluated. */
  evaluate(input: RuleInput): Finding | null | string;
}

export interface FindingsOptions {
  /** Rule ids to skip. */
  disable?: readonly string[];
  /** "<ruleId>.<threshold>" -> value. */
  thresholds?: Readonly<Record<string, number>>;
}

export interface FindingsResult {
  findings: Finding[];
  /** Rules that ran and found nothing. */
  passed: string[];
  notEvaluated: { id: string; reason: string }[];
  disabled: string[];
}

export function severityOf(pctOfWindow: number): Severity {
  if (pctOfWindow >= 10) return "high";
  if (pctOfWindow >= 3) return "medium";
  if (pctOfWindow >= 0.5) return "low";
  return "info";
}

/** The window of the primary rank's first device, in ns (the denominator of costPctOfWindow). */
export function windowNsOf(summary: RuleInput["summary"]): number {
  return summary.steps.available ? summary.steps.windowNs : 0;
}

export function timeCost(summary: RuleInput["summary"], costNs: number): { costNs: number; costPctOfWindow: number; severity: Severity } {
  const w = windowNsOf(summary);
  const pct = w > 0 ? (100 * costNs) / w : 0;
  return { costNs, costPctOfWindow: pct, severity: severityOf(pct) };
}

export function runRules(rules: readonly Rule[], summary: RuleInput["summary"], ctx: AnalysisContext, options: FindingsOptions = {}): FindingsResult {
  const disabled = new Set(options.disable ?? []);
  const result: FindingsResult = { findings: [], passed: [], notEvaluated: [], disabled: [] };
  for (const rule of rules) {
    if (disabled.has(rule.id)) {
      result.disabled.push(rule.id);
      continue;
    }
    const thresholds: Record<string, number> = { ...rule.defaults };
    for (const [key, value] of Object.entries(options.thresholds ?? {})) {
      const [id, name] = key.split(".", 2);
      if (id === rule.id && name) thresholds[name] = value;
    }
    const out = rule.evaluate({ summary, ctx, thresholds });
    if (typeof out === "string") result.notEvaluated.push({ id: rule.id, reason: out });
    else if (out === null) result.passed.push(rule.id);
    else result.findings.push(out);
  }
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  // most severe first
  result.findings.sort((a, b) => rank(b.severity) - rank(a.severity) || (b.costNs ?? 0) - (a.costNs ?? 0));
  return result;
}
