/**
 * Performance budgets for `llmprof check`. Pure: text in, results out.
 *
 * A budget is YAML or JSON: metric path -> limit. A limit is a number (a
 * maximum) or {max: x, min: y}. Paths may be written flat
 * (`modules.LlamaAttention.forward_ms: 5`) or nested (`modules: {LlamaAttention:
 * {forward_ms: 5}}`). The vocabulary (README "Comparing runs and CI budgets"):
 *
 *   step_time_ms                 mean step duration (steps.stepTimeMeanNs)
 *   step_time_median_ms / step_time_max_ms
 *   kernel_time_ms               sum of GPU activity durations per step (kernels.totalNs / steps)
 *   gpu_busy_pct, gpu_compute_pct, gpu_idle_pct, exposed_comm_pct, exposed_memory_pct
 *                                Σ over every GPU / Σ of their windows (metrics.ts allGpus)
 *   gpu_idle_ms, exposed_comm_ms per step: the mean GPU's total / steps
 *   comm_overlap_pct             overlap / communication (n/a without communication)
 *   tokens_per_s, tokens_per_s_per_gpu  throughput.globalTokensPerS (÷ GPUs)
 *   (the scalars are the catalogue's, metrics.ts, which defines each one)
 *   phases.<phase>.<figure>      phase: forward backward recompute optimizer other;
 *                                figure: kernel_ms compute_ms busy_ms span_ms uncovered_ms (per step)
 *   modules.<Class>.<figure>     figure: forward_ms backward_ms recompute_ms total_ms self_ms
 *                                forward_self_ms backward_self_ms (per step), pct (of kernel time)
 *   operators.<name>.<figure>    figure: gpu_self_ms gpu_total_ms cpu_total_ms (per step), calls (per step)
 *   kernels.<name>.<figure>      figure: time_ms (per step), count (per step), pct (of kernel time)
 *   categories.<category>.<figure>  category: gemm attention ... (categories.ts); figure: time_ms (per step), pct
 *   idle.<cause>.<figure>        cause: host-bound synchronization ... (idle.ts); figure: time_ms (per step), pct (of the window)
 *
 * Per step = window total / summary.steps.count. Multi-rank runs: the primary
 * (lowest) rank and its first GPU, as in the tables of summary.json, except the
 * GPU time shares above (every GPU) and the throughput (every rank).
 * A metric the run cannot compute (modules without with_stack, a class that is
 * not in the trace) FAILS its line, so a budget never passes by vacuity. A name
 * cut from a bounded summary.json (past --top, in "(all others)") says so.
 */
import { LlmprofError } from "../errors.js";
import { parseBoundedYaml } from "../yaml-bounded.js";
import { CATEGORIES } from "./categories.js";
import { diffSummaries, type DiffRow, type DiffSectionId, type NoiseOptions } from "./diff.js";
import { IDLE_CAUSES } from "./idle.js";
import type { Summary } from "./summary.js";
import { SEVERITIES, type Severity } from "./findings.js";
import { METRICS, metricById, type MetricUnit, type MetricValue } from "./metrics.js";

export type { MetricUnit, MetricValue };

export interface BudgetLine {
  /** Canonical metric path, e.g. modules.LlamaAttention.forward_ms. */
  metric: string;
  max: number | null;
  min: number | null;
}

export interface CheckItem {
  kind: "budget" | "baseline" | "finding";
  metric: string;
  unit: MetricUnit;
  /** "≤ 120 ms", "≥ 50%", "≤ 19.3 ms (base 18.4 ms + 5%)". */
  limit: string;
  value: number | null;
  /** Base value (baseline checks). */
  base: number | null;
  passed: boolean;
  /** One line: metric, value, limit and why it failed or passed. */
  message: string;
}

export interface CheckResult {
  passed: boolean;
  items: CheckItem[];
  notes: string[];
}

// ---------------------------------------------------------------- vocabulary

// the scalar figures are the catalogue's (metrics.ts)
const SCALARS: Record<string, MetricUnit> = Object.fromEntries(METRICS.map((m) => [m.id, m.unit]));
const PHASES = ["forward", "backward", "recompute", "optimizer", "other"];
const GROUPS: Record<string, { figures: Record<string, MetricUnit>; names: readonly string[] | null; what: string }> = {
  phases: { figures: { kernel_ms: "ms", compute_ms: "ms", busy_ms: "ms", span_ms: "ms", uncovered_ms: "ms" }, names: PHASES, what: "phase" },
  modules: {
    figures: { forward_ms: "ms", backward_ms: "ms", recompute_ms: "ms", total_ms: "ms", self_ms: "ms", forward_self_ms: "ms", backward_self_ms: "ms", pct: "pct" },
    names: null,
    what: "module class",
  },
  operators: { figures: { gpu_self_ms: "ms", gpu_total_ms: "ms", cpu_total_ms: "ms", calls: "count" }, names: null, what: "operator" },
  kernels: { figures: { time_ms: "ms", count: "count", pct: "pct" }, names: null, what: "kernel" },
  categories: { figures: { time_ms: "ms", pct: "pct" }, names: CATEGORIES, what: "kernel category" },
  idle: { figures: { time_ms: "ms", pct: "pct" }, names: IDLE_CAUSES, what: "idle cause" },
};

export const METRIC_VOCABULARY = { scalars: Object.keys(SCALARS), groups: Object.fromEntries(Object.entries(GROUPS).map(([g, d]) => [g, { figures: Object.keys(d.figures), names: d.names }])) };

interface ParsedPath {
  group: string | null;
  name: string | null;
  figure: string;
  unit: MetricUnit;
}

/** Splits and checks a metric path; a string says what is wrong. */
export function parseMetricPath(path: string): ParsedPath | string {
  // own keys only: a path such as "constructor" must not find Object.prototype
  if (Object.hasOwn(SCALARS, path)) return { group: null, name: null, figure: path, unit: SCALARS[path]! };
  const dot = path.indexOf(".");
  const last = path.lastIndexOf(".");
  const group = dot > 0 ? path.slice(0, dot) : path;
  const def = Object.hasOwn(GROUPS, group) ? GROUPS[group] : undefined;
  if (!def)
    return `unknown metric "${path}" (known: ${Object.keys(SCALARS).join(", ")}, or ${Object.keys(GROUPS)
      .map((g) => `${g}.<name>.<figure>`)
      .join(", ")})`;
  const name = last > dot ? path.slice(dot + 1, last) : "";
  const figure = path.slice(last + 1);
  if (!name || dot === last) return `metric "${path}": expected ${group}.<${def.what}>.<figure> (figures: ${Object.keys(def.figures).join(", ")})`;
  const unit = Object.hasOwn(def.figures, figure) ? def.figures[figure] : undefined;
  if (!unit) return `metric "${path}": unknown figure "${figure}" for ${group} (known: ${Object.keys(def.figures).join(", ")})`;
  if (def.names && !def.names.includes(name)) return `metric "${path}": unknown ${def.what} "${name}" (known: ${def.names.join(", ")})`;
  return { group, name, figure, unit };
}

// ---------------------------------------------------------------- parsing

/** Parses budget text (YAML, which includes JSON). `file` names the source in errors. */
export function parseBudget(text: string, file: string): BudgetLine[] {
  const doc = parseBoundedYaml(text, file, { what: "budget", syntaxError: "malformed budget" });
  if (doc === null || doc === undefined) throw new LlmprofError(file, "the budget is empty (expected lines such as `step_time_ms: 120`)");
  if (typeof doc !== "object" || Array.isArray(doc)) throw new LlmprofError(file, "malformed budget: expected a mapping of metric paths to limits, such as `step_time_ms: 120`");
  const lines: BudgetLine[] = [];
  flatten(doc as Record<string, unknown>, "", lines, file);
  if (lines.length === 0) throw new LlmprofError(file, "the budget has no limits");
  const seen = new Set<string>();
  for (const l of lines) {
    if (seen.has(l.metric)) throw new LlmprofError(file, `metric "${l.metric}" is limited twice`);
    seen.add(l.metric);
  }
  return lines;
}

function isLimitObject(v: object): boolean {
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k === "max" || k === "min");
}

function flatten(obj: Record<string, unknown>, prefix: string, out: BudgetLine[], file: string): void {
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "object" && v !== null && !Array.isArray(v) && !isLimitObject(v)) {
      if (Object.keys(v).length === 0) throw new LlmprofError(file, `"${path}" has no limits`);
      flatten(v as Record<string, unknown>, path, out, file);
      continue;
    }
    const parsed = parseMetricPath(path);
    if (typeof parsed === "string") throw new LlmprofError(file, parsed);
    let max: number | null = null;
    let min: number | null = null;
    if (typeof v === "number") max = v;
    else if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const o = v as { max?: unknown; min?: unknown };
      if (o.max !== undefined) max = limitNumber(o.max, `${path}.max`, file);
      if (o.min !== undefined) min = limitNumber(o.min, `${path}.min`, file);
    } else throw new LlmprofError(file, `"${path}": the limit must be a number or {max: …, min: …}, got ${JSON.stringify(v) ?? String(v)}`);
    if (max !== null && !Number.isFinite(max)) throw new LlmprofError(file, `"${path}": the limit must be a finite number`);
    if (max !== null && min !== null && min > max) throw new LlmprofError(file, `"${path}": min ${min} is above max ${max}`);
    out.push({ metric: path, max, min });
  }
}

function limitNumber(v: unknown, path: string, file: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new LlmprofError(file, `"${path}": expected a number, got ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

// ---------------------------------------------------------------- values

const ns = (x: number) => x / 1e6;

/** The value of a metric path in a Summary, by the definitions above. */
export function metricValue(s: Summary, path: string): MetricValue {
  const p = parseMetricPath(path);
  if (typeof p === "string") return { value: null, reason: p };
  const steps = s.steps.available ? Math.max(1, s.steps.count) : null;
  const perStep = (x: number): MetricValue => (steps === null ? { value: null, reason: unavailableReason(s.steps) } : { value: ns(x) / steps });
  if (p.group === null) return metricById(p.figure)?.value(s) ?? { value: null, reason: `unknown metric "${path}"` };
  const name = p.name!;
  switch (p.group) {
    case "phases": {
      if (!s.phases.available) return { value: null, reason: `phases not available: ${s.phases.reason}` };
      const ph = s.phases.total.find((x) => x.phase === name);
      if (!ph) return { value: 0 };
      const f = { kernel_ms: ph.kernelNs, compute_ms: ph.computeKernelNs, busy_ms: ph.busyNs, span_ms: ph.gpuSpanNs, uncovered_ms: ph.uncoveredNs }[p.figure as "kernel_ms"];
      return perStep(f);
    }
    case "modules": {
      if (!s.modules.available) return { value: null, reason: `modules not available: ${s.modules.reason}` };
      const c = s.modules.classes.find((x) => x.className === name && !isOthersRow(x));
      if (!c)
        return {
          value: null,
          reason:
            cutReason("module class", name, s.modules.classes) ??
            `no module class "${name}" in this run (classes: ${s.modules.classes
              .slice(0, 12)
              .map((x) => x.className)
              .join(", ")}${s.modules.classes.length > 12 ? ", …" : ""})`,
        };
      if (p.figure === "pct") return { value: c.pctOfKernelTime };
      const f = {
        forward_ms: c.forwardNs,
        backward_ms: c.backwardNs,
        recompute_ms: c.recomputeNs,
        total_ms: c.totalNs,
        self_ms: c.selfNs,
        forward_self_ms: c.forwardSelfNs,
        backward_self_ms: c.backwardSelfNs,
      }[p.figure as "total_ms"];
      return perStep(f);
    }
    case "operators": {
      if (!s.operators.available) return { value: null, reason: `operators not available: ${s.operators.reason}` };
      const o = s.operators.byName.find((x) => x.name === name && !isOthersRow(x));
      if (!o) return { value: null, reason: cutReason("operator", name, s.operators.byName) ?? `no operator "${name}" in this run` };
      if (p.figure === "calls") return steps === null ? { value: null, reason: unavailableReason(s.steps) } : { value: o.calls / steps };
      return perStep({ gpu_self_ms: o.gpuSelfNs, gpu_total_ms: o.gpuTotalNs, cpu_total_ms: o.cpuTotalNs }[p.figure as "gpu_self_ms"]);
    }
    case "kernels": {
      if (!s.kernels.available) return { value: null, reason: `kernels not available: ${s.kernels.reason}` };
      const k = s.kernels.byName.find((x) => x.name === name && !isOthersRow(x));
      if (!k) return { value: null, reason: cutReason("kernel", name, s.kernels.byName) ?? `no kernel "${name}" in this run` };
      if (p.figure === "pct") return { value: k.pctOfKernelTime };
      if (p.figure === "count") return steps === null ? { value: null, reason: unavailableReason(s.steps) } : { value: k.count / steps };
      return perStep(k.totalNs);
    }
    case "categories": {
      if (!s.kernels.available) return { value: null, reason: `kernels not available: ${s.kernels.reason}` };
      const c = s.kernels.byCategory.find((x) => x.category === name);
      if (p.figure === "pct") return { value: c?.pctOfKernelTime ?? 0 };
      return perStep(c?.totalNs ?? 0);
    }
    case "idle": {
      if (!s.idle.available) return { value: null, reason: `idle not available: ${s.idle.reason}` };
      const c = s.idle.byCause.find((x) => x.cause === name);
      if (p.figure === "pct") return { value: c?.pctOfWindow ?? 0 };
      return perStep(c?.totalNs ?? 0);
    }
  }
  return { value: null, reason: `unknown metric "${path}"` };
}

/** An "(all others)" row of a bounded table (reports/top-rows.ts): it carries `others`, the rows it stands for. */
function isOthersRow(row: object): boolean {
  return typeof (row as { others?: unknown }).others === "number";
}

/** Why `name` is missing when its table was cut to --top rows, or null when the table is whole. */
function cutReason(what: string, name: string, rows: readonly object[]): string | null {
  const others = rows.find(isOthersRow) as { others: number } | undefined;
  if (!others) return null;
  const kept = rows.length - 1;
  return `${what} "${name}" is not among the ${kept} ${what} rows this summary keeps (the other ${others.others} were cut into "(all others)" by --top ${kept}); raise --top (llmprof analyze --top <n>, or check the trace with --top <n>) to budget it`;
}

function unavailableReason(section: { available: boolean; reason?: string }): string {
  return section.available ? "not available" : `not available: ${section.reason ?? ""}`;
}

// ---------------------------------------------------------------- evaluation

export function formatMetric(v: number | null, unit: MetricUnit): string {
  if (v === null || !Number.isFinite(v)) return "n/a";
  if (unit === "pct") return `${round(v)}%`;
  if (unit === "count") return round(v);
  if (unit === "tokens/s") return `${round(v)} tokens/s`;
  return `${round(v)} ms`;
}

/** A limit as the budget wrote it (no padding digits): "120 ms", "10%". */
function formatLimit(v: number, unit: MetricUnit): string {
  const t = String(Number(v.toPrecision(10)));
  return unit === "pct" ? `${t}%` : unit === "count" ? t : unit === "tokens/s" ? `${t} tokens/s` : `${t} ms`;
}

function round(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toPrecision(3);
}

/** Evaluates budget lines against a run: each line passes when min ≤ value ≤ max. */
export function evaluateBudget(s: Summary, lines: readonly BudgetLine[]): CheckItem[] {
  return lines.map((l) => {
    const unit = (parseMetricPath(l.metric) as ParsedPath).unit;
    const limit = [l.min !== null ? `≥ ${formatLimit(l.min, unit)}` : "", l.max !== null ? `≤ ${formatLimit(l.max, unit)}` : ""].filter(Boolean).join(" and ");
    const mv = metricValue(s, l.metric);
    if (mv.value === null) {
      return { kind: "budget", metric: l.metric, unit, limit, value: null, base: null, passed: false, message: `${l.metric}: no value (${mv.reason}); limit ${limit}` };
    }
    const v = mv.value;
    const over = l.max !== null && v > l.max;
    const under = l.min !== null && v < l.min;
    const passed = !over && !under;
    const shown = formatMetric(v, unit);
    const message = over
      ? `${l.metric} = ${shown} exceeds the limit ${formatLimit(l.max!, unit)}`
      : under
        ? `${l.metric} = ${shown} is below the limit ${formatLimit(l.min!, unit)}`
        : `${l.metric} = ${shown} within ${limit}`;
    return { kind: "budget", metric: l.metric, unit, limit, value: v, base: null, passed, message };
  });
}

export interface BaselineOptions {
  /** Allowed increase over the base, in % of the base value. */
  maxRegressionPct: number;
  /** Fail on any increase past the limit, even one within noise. */
  strict?: boolean;
  noise?: NoiseOptions;
}

/** Which diff row measures a baseline metric (for its noise threshold). */
function diffRowOf(path: string): [DiffSectionId, string, string] | null {
  const p = parseMetricPath(path);
  if (typeof p === "string") return null;
  if (p.group === null) {
    const m = metricById(p.figure);
    if (!m) return null;
    // the catalogue names diff sections by id (metrics.ts cannot import diff.ts, which imports it)
    return m.diffRow ? [m.diffRow[0] as DiffSectionId, m.diffRow[1], m.diffRow[2]] : ["figures", m.label, m.id];
  }
  if (p.group === "phases" && p.figure === "kernel_ms") return ["phases", p.name!, "kernelNs"];
  if (p.group === "modules" && p.figure === "total_ms") return ["moduleClasses", p.name!, "totalNs"];
  return null;
}

/** The metrics a baseline comparison checks: step time, idle, exposed communication, phases, module class totals. */
export function baselineMetrics(base: Summary): string[] {
  const out = ["step_time_ms", "gpu_idle_pct", "exposed_comm_pct", "phases.forward.kernel_ms", "phases.backward.kernel_ms", "phases.optimizer.kernel_ms"];
  // an "(all others)" row stands for different classes in each run: not a metric
  if (base.modules.available) for (const c of base.modules.classes) if (!isOthersRow(c)) out.push(`modules.${c.className}.total_ms`);
  return out;
}

/**
 * Head against base: a metric fails when head > base × (1 + maxRegressionPct/100)
 * and, unless strict, the increase is not within noise by `llmprof diff`'s rule
 * (a change with no noise estimate counts as beyond it).
 */
export function evaluateBaseline(base: Summary, head: Summary, options: BaselineOptions): CheckItem[] {
  const diff = diffSummaries(base, head, options.noise ? { noise: options.noise } : {});
  const rowOf = (path: string): DiffRow | undefined => {
    const at = diffRowOf(path);
    const sec = at && diff.sections.find((s) => s.id === at[0]);
    return sec && sec.available ? sec.rows.find((r) => r.key === at![1] && r.metric === at![2]) : undefined;
  };
  const r = options.maxRegressionPct;
  return baselineMetrics(base).map((metric) => {
    const unit = (parseMetricPath(metric) as ParsedPath).unit;
    const b = metricValue(base, metric);
    const h = metricValue(head, metric);
    const limitValue = b.value === null ? null : b.value * (1 + r / 100);
    const limit = limitValue === null ? `base + ${r}%` : `≤ ${formatMetric(limitValue, unit)} (base ${formatMetric(b.value, unit)} + ${r}%)`;
    const item = (passed: boolean, message: string): CheckItem => ({ kind: "baseline", metric, unit, limit, value: h.value, base: b.value, passed, message });
    if (b.value === null) return item(true, `${metric}: not checked, the baseline has no value (${b.reason})`);
    // absent from head (a module class that is gone): no time spent there
    const hv = h.value ?? (metric.startsWith("modules.") && head.modules.available ? 0 : null);
    if (hv === null) return item(false, `${metric}: no value in this run (${"reason" in h ? h.reason : "n/a"}); baseline ${formatMetric(b.value, unit)}`);
    const change =
      b.value !== 0 ? `${hv >= b.value ? "+" : "−"}${Math.abs((100 * (hv - b.value)) / b.value).toFixed(1)}%` : `${hv >= b.value ? "+" : "−"}${formatMetric(Math.abs(hv - b.value), unit)}`;
    if (hv <= limitValue!) return { ...item(true, `${metric} = ${formatMetric(hv, unit)} within ${limit}, change ${change}`), value: hv };
    const row = rowOf(metric);
    const noise = row?.thresholdAbs != null ? formatMetric(unit === "ms" ? row.thresholdAbs / 1e6 : row.thresholdAbs, unit) : null;
    if (!options.strict && row?.verdict === "not-significant") {
      return { ...item(true, `${metric} = ${formatMetric(hv, unit)} is above ${limit} (change ${change}) but within noise (±${noise}); --strict fails it`), value: hv };
    }
    return { ...item(false, `${metric} = ${formatMetric(hv, unit)} exceeds ${limit}, change ${change}${noise ? `, beyond noise ±${noise}` : ""}`), value: hv };
  });
}

// ---------------------------------------------------------------- findings

export { SEVERITIES, type Severity };

/**
 * --fail-on: one failing item per finding at or above `severity`. Applies when
 * the summary has a findings section (summary.findings.findings: [{id, title,
 * severity, costPctOfWindow...}]); returns a string (why nothing was checked)
 * when it has none or it is unavailable. Read defensively: summaries written
 * before findings existed lack the section.
 */
export function evaluateFindings(s: Summary, severity: Severity): CheckItem[] | string {
  const raw = (s as unknown as { findings?: unknown }).findings;
  if (raw === undefined || raw === null) return "this summary has no findings section (written by an llmprof without findings)";
  const sec = raw as { available?: unknown; reason?: unknown; findings?: unknown };
  if (sec.available === false) return `findings not available: ${typeof sec.reason === "string" ? sec.reason : "no reason given"}`;
  const list = Array.isArray(raw) ? raw : Array.isArray(sec.findings) ? (sec.findings as unknown[]) : null;
  if (!list) return "the findings section has no list of findings";
  const floor = SEVERITIES.indexOf(severity);
  const items: CheckItem[] = [];
  for (const f of list) {
    if (!f || typeof f !== "object") continue;
    const o = f as { severity?: unknown; title?: unknown; id?: unknown; costPctOfWindow?: unknown };
    const sev = typeof o.severity === "string" ? SEVERITIES.indexOf(o.severity as Severity) : -1;
    if (sev < 0 || sev < floor) continue;
    const id = typeof o.id === "string" ? o.id : "finding";
    const title = typeof o.title === "string" ? o.title : id;
    const cost = typeof o.costPctOfWindow === "number" ? `, cost ${o.costPctOfWindow.toFixed(1)}% of the window` : "";
    items.push({
      kind: "finding",
      metric: `findings.${id}`,
      unit: "count",
      limit: `no finding of severity ${severity} or worse`,
      value: null,
      base: null,
      passed: false,
      message: `finding ${id} (${String(o.severity)}${cost}): ${title}`,
    });
  }
  if (items.length === 0) {
    items.push({
      kind: "finding",
      metric: "findings",
      unit: "count",
      limit: `no finding of severity ${severity} or worse`,
      value: 0,
      base: null,
      passed: true,
      message: `no finding of severity ${severity} or worse (${list.length} finding(s) in all)`,
    });
  }
  return items;
}

export function checkResult(items: CheckItem[], notes: string[] = []): CheckResult {
  return { passed: items.every((i) => i.passed), items, notes };
}
