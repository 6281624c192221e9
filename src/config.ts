/**
 * The config file (`--config llmprof.yml`, YAML or JSON):
 *   categories:                 extra kernel category rules, tried before the defaults
 *     - { category: attention, pattern: "my_fused_attn", flags: i }
 *   findings:
 *     disable: [fp32-gemm]      rule ids to skip
 *     thresholds:               "<rule>.<threshold>": value (see README, Findings)
 *       host-bound.minPctOfWindow: 20
 *   idle:
 *     launchLatencyThresholdUs: 10
 *     cpuBoundHostBoundPct: 30  a step is CPU-bound above this host-bound share (cpu-bound.ts)
 *   parallelism:
 *     groups:                   process group name or description -> DP, TP, PP, CP or EP
 *       default_pg: TP
 * Unknown keys, categories, rules or thresholds are errors, so typos do not pass silently.
 */
import { readFileSync } from "node:fs";
import { CATEGORIES, type Category, type CategoryRule } from "./analysis/categories.js";
import type { AnalysisOptions } from "./analysis/context.js";
import { RULES } from "./analysis/rules/index.js";
import { LlmprofError } from "./errors.js";
import { parseBoundedYaml } from "./yaml-bounded.js";
import { PARALLEL_DIMS, type ParallelDim } from "./analysis/process-groups.js";

export function loadConfig(path: string): AnalysisOptions {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new LlmprofError(path, `cannot read the config file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const raw = parseBoundedYaml(text, path, { what: "config file" });
  return configFromObject(raw ?? {}, path);
}

export function configFromObject(raw: unknown, path: string): AnalysisOptions {
  const fail = (problem: string): never => {
    throw new LlmprofError(path, problem);
  };
  if (!isObject(raw)) return fail("the config must be a mapping (categories, findings, idle, parallelism)");
  for (const key of Object.keys(raw)) if (!["categories", "findings", "idle", "parallelism"].includes(key)) fail(`unknown key "${key}" (known: categories, findings, idle, parallelism)`);
  const options: AnalysisOptions = {};

  if (raw["categories"] !== undefined) {
    const list = raw["categories"];
    if (!Array.isArray(list)) fail("categories must be a list of {category, pattern, flags}");
    options.categoryRules = (list as unknown[]).map((r, i): CategoryRule => {
      if (!isObject(r) || typeof r["category"] !== "string" || typeof r["pattern"] !== "string") return fail(`categories[${i}] needs a category and a pattern`);
      const category = r["category"];
      if (!(CATEGORIES as readonly string[]).includes(category)) fail(`categories[${i}]: unknown category "${category}" (known: ${CATEGORIES.join(", ")})`);
      const flags = typeof r["flags"] === "string" ? r["flags"] : "";
      const risk = backtrackingRisk(r["pattern"]);
      if (risk) fail(`categories[${i}]: pattern refused: ${risk}`);
      try {
        new RegExp(r["pattern"], flags);
      } catch (e) {
        fail(`categories[${i}]: invalid pattern (${e instanceof Error ? e.message : String(e)})`);
      }
      return { category: category as Category, pattern: r["pattern"], flags };
    });
  }

  if (raw["findings"] !== undefined) {
    const f = raw["findings"];
    if (!isObject(f)) return fail("findings must be a mapping (disable, thresholds)");
    const ids = new Set(RULES.map((r) => r.id));
    const disable = f["disable"] ?? [];
    if (!Array.isArray(disable) || disable.some((d) => typeof d !== "string")) fail("findings.disable must be a list of rule ids");
    for (const d of disable as string[]) if (!ids.has(d)) fail(`findings.disable: unknown rule "${d}" (known: ${[...ids].join(", ")})`);
    const thresholds = Object.create(null) as Record<string, number>;
    const t = f["thresholds"] ?? {};
    if (!isObject(t)) fail('findings.thresholds must be a mapping of "rule.threshold": number');
    for (const [key, value] of Object.entries(t as Record<string, unknown>)) {
      const [id, name] = key.split(".", 2);
      const rule = RULES.find((r) => r.id === id);
      if (!rule || !name || !Object.hasOwn(rule.defaults, name)) {
        fail(`findings.thresholds: unknown threshold "${key}"${rule ? ` (known for ${rule.id}: ${Object.keys(rule.defaults).join(", ") || "none"})` : ""}`);
      }
      if (typeof value !== "number" || !Number.isFinite(value)) fail(`findings.thresholds.${key} must be a number`);
      thresholds[key] = value as number;
    }
    options.findings = { disable: disable as string[], thresholds };
  }

  if (raw["idle"] !== undefined) {
    const idle = raw["idle"];
    if (!isObject(idle)) return fail("idle must be a mapping");
    for (const key of Object.keys(idle))
      if (key !== "launchLatencyThresholdUs" && key !== "cpuBoundHostBoundPct") fail(`idle: unknown key "${key}" (known: launchLatencyThresholdUs, cpuBoundHostBoundPct)`);
    const us = idle["launchLatencyThresholdUs"];
    const cpuBound = idle["cpuBoundHostBoundPct"];
    options.idle = {};
    if (us !== undefined) {
      if (typeof us !== "number" || !(us >= 0)) fail("idle.launchLatencyThresholdUs must be a non-negative number");
      options.idle.launchLatencyThresholdNs = (us as number) * 1000;
    }
    if (cpuBound !== undefined) {
      if (typeof cpuBound !== "number" || !(cpuBound >= 0 && cpuBound <= 100)) fail("idle.cpuBoundHostBoundPct must be a number from 0 to 100");
      options.idle.cpuBoundHostBoundPct = cpuBound as number;
    }
  }
  if (raw["parallelism"] !== undefined) options.parallelism = parallelismOptions(raw["parallelism"], fail);
  return options;
}

function parallelismOptions(p: unknown, fail: (problem: string) => never): AnalysisOptions["parallelism"] {
  if (!isObject(p)) return fail("parallelism must be a mapping (groups)");
  for (const key of Object.keys(p)) if (key !== "groups") fail(`parallelism: unknown key "${key}" (known: groups)`);
  const groups = p["groups"] ?? {};
  if (!isObject(groups)) return fail("parallelism.groups must be a mapping of process group name or description to DP, TP, PP, CP or EP");
  const labels = Object.create(null) as Record<string, ParallelDim>;
  for (const [name, label] of Object.entries(groups)) {
    if (typeof label !== "string" || !(PARALLEL_DIMS as readonly string[]).includes(label)) fail(`parallelism.groups.${name}: "${String(label)}" is not one of ${PARALLEL_DIMS.join(", ")}`);
    labels[name] = label as ParallelDim;
  }
  return { groupLabels: labels };
}

/** Longest user-supplied category pattern accepted. */
export const MAX_PATTERN_LENGTH = 200;

/**
 * Why a user pattern could backtrack catastrophically on a long kernel name,
 * or null. Conservative and linear: refuses a quantified group that contains
 * a quantifier or an alternation ((a+)+, (a|a)*, (\w+\s?)*) and backreferences;
 * such patterns can take exponential time in V8's backtracking engine.
 */
export function backtrackingRisk(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/\\[1-9]|\\k</.test(pattern)) return "backreferences can take exponential time";
  // innermost groups first: a group whose body repeats and that is itself repeated
  const groups = /\((?:\?[:=!]|\?<[\w$]+>)?((?:[^()\\]|\\.)*)\)\s*([*+]|\{\d+,\d*\})/g;
  let reduced = pattern;
  for (let round = 0; round < 32; round++) {
    let risky: string | null = null;
    const replaced = reduced.replace(groups, (_, body: string) => {
      if (/(^|[^\\])([*+]|\{\d+,\d*\})|\|/.test(body)) risky = "a repeated group that itself repeats or alternates (nested quantifier) can take exponential time";
      return "Y+";
    });
    if (risky) return risky;
    // a group with no quantifier after it stands for its body: repeating ("Y+") when the body repeats
    const next = replaced.replace(/\(((?:[^()\\]|\\.)*)\)(?!\s*[*+{])/g, (_, body: string) => (/(^|[^\\])[*+]/.test(body) ? "Y+" : "X"));
    if (next === reduced) break;
    reduced = next;
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
