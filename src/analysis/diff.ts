/**
 * diff: Summary (base) x Summary (head) -> DiffResult (schema "llmprof.diff/1").
 * Pure: no I/O.
 *
 * Every time is PER STEP: the window figure of summary.json divided by that
 * run's step count (steps.count), so runs with different numbers of profiled
 * steps compare. Percentages are the window's. Multi-rank runs are compared on
 * their primary rank (the lowest; the one the tables of summary.json describe)
 * and its first GPU.
 *
 * Each row: base, head, deltaAbs = head - base, deltaPct = deltaAbs / |base| x 100
 * (null when base is 0), and a verdict by the noise rule below. Rows are sorted
 * by impact, |deltaAbs|, largest first. A module, operator or kernel present in
 * one run only counts 0 in the other.
 *
 * Noise rule (README "Comparing runs and CI budgets"):
 *   spread         sample standard deviation (n-1) of a figure's per-step values in one run
 *   pooled spread  sqrt(((nb-1)·sb² + (nh-1)·sh²) / (nb + nh - 2)); a one-step run adds nothing
 *   threshold      max(factor × pooled spread, floor); factor 2 by default
 *   floor          times: max(minRelativePct % of max(|base|, |head|), minAbsoluteNs per step);
 *                  percentages: minAbsolutePoints percentage points
 *   verdict        |deltaAbs| > threshold: "significant", else "not-significant"; with no
 *                  spread at all (one step in both runs) a change above the floor is "unknown"
 * Figures with per-step values in summary.json (step time, temporal, phases,
 * idle causes, overlap) use their own ("per-step"). Module, operator and kernel
 * times have window totals only: they borrow the pooled coefficient of variation
 * (spread / mean) of the per-step kernel time of the matching phase — forward,
 * backward, forward+backward, or launched = forward + backward + optimizer —
 * times max(|base|, |head|) ("scaled-<reference>"). The phase "other" is left
 * out of the reference: it holds work queued before the trace began, which
 * lands in the first profiled step only.
 * The floor is there because two steps of one run agree more closely than two
 * runs (processes) do: GPU clocks, allocator state and launch order differ.
 * Measured on two separate runs of the same 1.1B training step (shared traces
 * llama-1b-train-sdpa vs -nostack): phases and module-free categories moved by
 * < 1%, single kernels by up to 1.1% (6 µs per step), while their per-step
 * spread was near 0.1%.
 */
import { VERSION } from "../version.js";
import { CATEGORY_LABELS } from "./categories.js";
import { IDLE_CAUSES } from "./idle.js";
import type { Summary } from "./summary.js";
import { METRICS, type Metric } from "./metrics.js";
import { sampleSd } from "./stats.js";

export const DIFF_SCHEMA = "llmprof.diff/1";

// ---------------------------------------------------------------- noise rule

export interface NoiseOptions {
  /** Multiple of the pooled spread a change must exceed (default 2). */
  factor?: number;
  /** Relative floor for times, % of max(|base|, |head|) (default 2). */
  minRelativePct?: number;
  /** Absolute floor for times, ns per step (default 5,000 = 5 µs). */
  minAbsoluteNs?: number;
  /** Floor for percentage figures, percentage points (default 0.5). */
  minAbsolutePoints?: number;
}
export type ResolvedNoise = Required<NoiseOptions>;
export const DEFAULT_NOISE: ResolvedNoise = { factor: 2, minRelativePct: 2, minAbsoluteNs: 5_000, minAbsolutePoints: 0.5 };

export type Unit = "ns" | "pct" | "tokens/s";
export type Verdict = "significant" | "not-significant" | "unknown";
/** Where a row's spread comes from (see the noise rule above). */
export type NoiseModel = "per-step" | "scaled-forward" | "scaled-backward" | "scaled-forward-backward" | "scaled-launched" | "none";
type Reference = "forward" | "backward" | "forward-backward" | "launched";

export { sampleSd };

/** Pooled standard deviation of two runs (spread and value count of each); null without degrees of freedom. */
export function pooledSd(sb: number | null, nb: number, sh: number | null, nh: number): number | null {
  const db = sb === null ? 0 : nb - 1;
  const dh = sh === null ? 0 : nh - 1;
  if (db + dh <= 0) return null;
  return Math.sqrt((db * (sb ?? 0) ** 2 + dh * (sh ?? 0) ** 2) / (db + dh));
}

/** sd / mean of per-step values; null with fewer than 2 values or a mean <= 0. */
export function coefficientOfVariation(values: readonly number[]): number | null {
  const sd = sampleSd(values);
  if (sd === null) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return mean > 0 ? sd / mean : null;
}

function floorOf(unit: Unit, base: number, head: number, o: ResolvedNoise): number {
  if (unit === "pct") return o.minAbsolutePoints;
  if (unit === "tokens/s") return (o.minRelativePct / 100) * Math.max(Math.abs(base), Math.abs(head));
  return Math.max((o.minRelativePct / 100) * Math.max(Math.abs(base), Math.abs(head)), o.minAbsoluteNs);
}

/** One-paragraph statement of the rule with its settings, for reports. */
export function describeNoise(o: ResolvedNoise): string {
  return (
    `A change is significant when |head − base| > max(${o.factor} × pooled per-step standard deviation, floor); ` +
    `floor = max(${o.minRelativePct}% of the larger value, ${o.minAbsoluteNs / 1000} µs per step) for times, ${o.minAbsolutePoints} percentage points for percentages. ` +
    `Module, operator and kernel times have no per-step values: they use the relative per-step spread of the matching phase's kernel time.`
  );
}

// ---------------------------------------------------------------- result types

export interface DiffRow {
  /** The thing compared: a module class, a kernel name, a phase, "GPU"... */
  key: string;
  /** The figure, named like the summary.json key it comes from (forwardNs, idlePct...). */
  metric: string;
  unit: Unit;
  /** Per step for times; null when the run lacks the figure. */
  base: number | null;
  head: number | null;
  deltaAbs: number | null;
  /** deltaAbs / |base| x 100; null when base is 0 or missing. */
  deltaPct: number | null;
  noiseModel: NoiseModel;
  /** Pooled spread in the row's unit (per-step model) or scaled (scaled models); null when none. */
  spread: number | null;
  /** |deltaAbs| above this is significant. */
  thresholdAbs: number | null;
  verdict: Verdict;
}

export type DiffSectionId = "figures" | "steps" | "temporal" | "phases" | "moduleClasses" | "moduleInstances" | "operators" | "kernelCategories" | "kernels" | "idle" | "overlap";

export type DiffSection = { id: DiffSectionId; title: string; available: true; rows: DiffRow[] } | { id: DiffSectionId; title: string; available: false; reason: string };

export interface RunInfo {
  files: string[];
  format: string;
  traceName: string | null;
  partial: boolean;
  steps: number;
  stepNumbers: number[];
  devices: string[];
  generatorVersion: string;
}

export interface DiffResult {
  schema: typeof DIFF_SCHEMA;
  generator: { name: "llmprof"; version: string };
  base: RunInfo;
  head: RunInfo;
  noise: ResolvedNoise & { rule: string };
  /** Step time, kernel time, GPU idle %, exposed communication %: copies of section rows. */
  headline: DiffRow[];
  sections: DiffSection[];
  /** Things to know when reading the comparison (different GPUs, partial inputs...). */
  notes: string[];
}

export interface DiffOptions {
  noise?: NoiseOptions;
}

// ---------------------------------------------------------------- computation

/** Per-step view of one run: step count and per-step reference series. */
interface Run {
  s: Summary;
  n: number;
  primaryRank: number | null;
  refs: Record<Reference, number[]>;
}

const SECTION_TITLES: Record<DiffSectionId, string> = {
  figures: "Headline figures",
  steps: "Step time",
  temporal: "GPU time breakdown (primary GPU)",
  phases: "Phases",
  moduleClasses: "Modules by class",
  moduleInstances: "Module instances",
  operators: "Operators (GPU self time)",
  kernelCategories: "Kernel categories",
  kernels: "Kernels",
  idle: "GPU idle time by cause",
  overlap: "Communication overlap (primary GPU)",
};

export function diffSummaries(base: Summary, head: Summary, options: DiffOptions = {}): DiffResult {
  const noise: ResolvedNoise = { ...DEFAULT_NOISE, ...definedOnly(options.noise ?? {}) };
  const b = runOf(base);
  const h = runOf(head);
  const ctx = { b, h, o: noise };
  const sections: DiffSection[] = [
    stepsSection(ctx),
    temporalSection(ctx),
    phasesSection(ctx),
    moduleClassesSection(ctx),
    moduleInstancesSection(ctx),
    operatorsSection(ctx),
    categoriesSection(ctx),
    kernelsSection(ctx),
    idleSection(ctx),
    overlapSection(ctx),
    figuresSection(ctx),
  ];
  const pick = (id: DiffSectionId, key: string, metric: string) => {
    const sec = sections.find((x) => x.id === id);
    return sec?.available ? sec.rows.find((r) => r.key === key && r.metric === metric) : undefined;
  };
  const headline = [
    pick("steps", "step", "stepTimeNs"),
    pick("kernelCategories", "all kernels", "totalNs"),
    pick("temporal", "GPU", "idlePct"),
    pick("temporal", "GPU", "exposedCommunicationPct"),
  ].filter((r): r is DiffRow => r !== undefined);
  return {
    schema: DIFF_SCHEMA,
    generator: { name: "llmprof", version: VERSION },
    base: runInfo(base),
    head: runInfo(head),
    noise: { ...noise, rule: describeNoise(noise) },
    headline,
    sections,
    notes: notesOf(base, head),
  };
}

function definedOnly(o: NoiseOptions): NoiseOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === "number" && Number.isFinite(v))) as NoiseOptions;
}

function runOf(s: Summary): Run {
  const n = s.steps.available ? Math.max(1, s.steps.count) : 1;
  const primaryRank = s.steps.available ? (s.steps.items[0]?.rank ?? null) : null;
  const refs: Record<Reference, number[]> = { forward: [], backward: [], "forward-backward": [], launched: [] };
  if (s.phases.available) {
    for (const st of s.phases.steps) {
      const k = (p: string) => st.phases.find((x) => x.phase === p)?.kernelNs ?? 0;
      refs.forward.push(k("forward"));
      refs.backward.push(k("backward"));
      refs["forward-backward"].push(k("forward") + k("backward"));
      refs.launched.push(k("forward") + k("backward") + k("optimizer"));
    }
  } else if (s.temporal.available) {
    // no phases (no ProfilerStep ranges): the compute time of the primary GPU per step
    const d = s.temporal.devices[0];
    const compute = d ? d.steps.map((x) => x.computeNs) : [];
    refs.forward = refs.backward = refs["forward-backward"] = refs.launched = compute;
  }
  return { s, n, primaryRank, refs };
}

interface Ctx {
  b: Run;
  h: Run;
  o: ResolvedNoise;
}

/** A figure of one run: its value and, when known, its per-step values. */
interface Figure {
  value: number | null;
  perStep?: readonly number[];
}

function row(ctx: Ctx, key: string, metric: string, unit: Unit, fb: Figure, fh: Figure, scaled: Reference | null): DiffRow {
  const { o } = ctx;
  const base = fb.value;
  const head = fh.value;
  if (base === null || head === null || !Number.isFinite(base) || !Number.isFinite(head)) {
    return { key, metric, unit, base, head, deltaAbs: null, deltaPct: null, noiseModel: "none", spread: null, thresholdAbs: null, verdict: "unknown" };
  }
  const deltaAbs = head - base;
  const deltaPct = base !== 0 ? (100 * deltaAbs) / Math.abs(base) : null;
  let spread: number | null = null;
  let noiseModel: NoiseModel = "none";
  if (scaled) {
    const rb = ctx.b.refs[scaled];
    const rh = ctx.h.refs[scaled];
    const cv = pooledSd(coefficientOfVariation(rb), rb.length, coefficientOfVariation(rh), rh.length);
    if (cv !== null) {
      spread = cv * Math.max(Math.abs(base), Math.abs(head));
      noiseModel = `scaled-${scaled}` as NoiseModel;
    }
  } else if (fb.perStep && fh.perStep) {
    spread = pooledSd(sampleSd(fb.perStep), fb.perStep.length, sampleSd(fh.perStep), fh.perStep.length);
    if (spread !== null) noiseModel = "per-step";
  }
  const floor = floorOf(unit, base, head, o);
  const thresholdAbs = Math.max(spread === null ? 0 : o.factor * spread, floor);
  const verdict: Verdict = Math.abs(deltaAbs) <= thresholdAbs ? "not-significant" : spread === null ? "unknown" : "significant";
  return { key, metric, unit, base, head, deltaAbs, deltaPct, noiseModel, spread, thresholdAbs, verdict };
}

const byImpact = (a: DiffRow, b: DiffRow) => Math.abs(b.deltaAbs ?? 0) - Math.abs(a.deltaAbs ?? 0) || a.key.localeCompare(b.key) || a.metric.localeCompare(b.metric);

function unavailable(id: DiffSectionId, ...parts: [string, { available: boolean; reason?: string }][]): DiffSection | null {
  const missing = parts.filter(([, s]) => !s.available).map(([who, s]) => `${who}: ${s.reason ?? "not available"}`);
  return missing.length ? { id, title: SECTION_TITLES[id], available: false, reason: missing.join("; ") } : null;
}

function both<K extends keyof Summary>(ctx: Ctx, id: DiffSectionId, key: K): DiffSection | null {
  const b = ctx.b.s[key] as { available: boolean; reason?: string };
  const h = ctx.h.s[key] as { available: boolean; reason?: string };
  return unavailable(id, ["base", b], ["head", h]);
}

function section(id: DiffSectionId, rows: DiffRow[]): DiffSection {
  return { id, title: SECTION_TITLES[id], available: true, rows: rows.sort(byImpact) };
}

function stepsSection(ctx: Ctx): DiffSection {
  const { b, h } = ctx;
  if (!b.s.steps.available || !h.s.steps.available) return both(ctx, "steps", "steps")!;
  const per = (r: Run) => (r.s.steps.available ? r.s.steps.items.filter((i) => i.rank === r.primaryRank).map((i) => i.durationNs) : []);
  const pb = per(b);
  const ph = per(h);
  const mean = (v: number[]) => (v.length ? v.reduce((x, y) => x + y, 0) / v.length : null);
  const cpu = (r: Run) => (r.s.steps.available ? r.s.steps.items.filter((i) => i.rank === r.primaryRank).map((i) => i.cpuDurationNs) : []);
  return section("steps", [
    row(ctx, "step", "stepTimeNs", "ns", { value: mean(pb), perStep: pb }, { value: mean(ph), perStep: ph }, null),
    row(ctx, "step", "cpuStepTimeNs", "ns", { value: mean(cpu(b)), perStep: cpu(b) }, { value: mean(cpu(h)), perStep: cpu(h) }, null),
  ]);
}

type TemporalKey = "busyNs" | "computeNs" | "communicationNs" | "exposedCommunicationNs" | "memoryNs" | "exposedMemoryNs" | "idleNs" | "busyPct" | "idlePct" | "exposedCommunicationPct";
const TEMPORAL_METRICS: TemporalKey[] = ["busyNs", "computeNs", "communicationNs", "exposedCommunicationNs", "memoryNs", "exposedMemoryNs", "idleNs", "busyPct", "idlePct", "exposedCommunicationPct"];

function primaryDevice(r: Run) {
  return r.s.temporal.available ? (r.s.temporal.devices.find((d) => d.rank === r.primaryRank) ?? r.s.temporal.devices[0] ?? null) : null;
}

function temporalSection(ctx: Ctx): DiffSection {
  const un = both(ctx, "temporal", "temporal");
  if (un) return un;
  const db = primaryDevice(ctx.b);
  const dh = primaryDevice(ctx.h);
  if (!db || !dh) return { id: "temporal", title: SECTION_TITLES.temporal, available: false, reason: "no GPU in one of the runs" };
  const fig = (d: NonNullable<typeof db>, r: Run, k: TemporalKey): Figure => {
    const pct = k.endsWith("Pct");
    return { value: pct ? d.total[k] : d.total[k] / r.n, perStep: d.steps.map((s) => s[k]) };
  };
  return section(
    "temporal",
    TEMPORAL_METRICS.map((k) => row(ctx, "GPU", k, k.endsWith("Pct") ? "pct" : "ns", fig(db, ctx.b, k), fig(dh, ctx.h, k), null)),
  );
}

type PhaseKey = "kernelNs" | "gpuSpanNs" | "uncoveredNs";
const PHASE_METRICS: PhaseKey[] = ["kernelNs", "gpuSpanNs", "uncoveredNs"];

function phasesSection(ctx: Ctx): DiffSection {
  const { b, h } = ctx;
  if (!b.s.phases.available || !h.s.phases.available) return both(ctx, "phases", "phases")!;
  const pb = b.s.phases;
  const ph = h.s.phases;
  const rows: DiffRow[] = [];
  const names = [...new Set([...pb.total.map((p) => p.phase), ...ph.total.map((p) => p.phase)])];
  for (const phase of names) {
    const tb = pb.total.find((p) => p.phase === phase);
    const th = ph.total.find((p) => p.phase === phase);
    if ((tb?.count ?? 0) === 0 && (th?.count ?? 0) === 0) continue; // e.g. no recomputation in either run
    for (const m of PHASE_METRICS) {
      const fig = (r: Run, p: typeof pb, t: typeof tb): Figure => ({
        value: (t?.[m] ?? 0) / r.n,
        perStep: p.steps.map((s) => s.phases.find((x) => x.phase === phase)?.[m] ?? 0),
      });
      rows.push(row(ctx, phase, m, "ns", fig(b, pb, tb), fig(h, ph, th), null));
    }
  }
  return section("phases", rows);
}

/** Joins two keyed tables: every key of either, 0 where a run lacks it. */
function joinRows<T>(bRows: readonly T[], hRows: readonly T[], keyOf: (r: T) => string): [string, T | undefined, T | undefined][] {
  const mb = new Map(bRows.map((r) => [keyOf(r), r]));
  const mh = new Map(hRows.map((r) => [keyOf(r), r]));
  return [...new Set([...mb.keys(), ...mh.keys()])].map((k) => [k, mb.get(k), mh.get(k)]);
}

function windowRows<T>(ctx: Ctx, id: DiffSectionId, bRows: readonly T[], hRows: readonly T[], keyOf: (r: T) => string, metrics: [keyof T & string, Reference][]): DiffSection {
  const rows: DiffRow[] = [];
  for (const [key, rb, rh] of joinRows(bRows, hRows, keyOf)) {
    for (const [m, ref] of metrics) {
      const vb = rb ? Number(rb[m]) : 0;
      const vh = rh ? Number(rh[m]) : 0;
      if (vb === 0 && vh === 0) continue;
      rows.push(row(ctx, key, m, "ns", { value: vb / ctx.b.n }, { value: vh / ctx.h.n }, ref));
    }
  }
  return section(id, rows);
}

function moduleClassesSection(ctx: Ctx): DiffSection {
  const { b, h } = ctx;
  if (!b.s.modules.available || !h.s.modules.available) return both(ctx, "moduleClasses", "modules")!;
  return windowRows(ctx, "moduleClasses", b.s.modules.classes, h.s.modules.classes, (r) => r.className, [
    ["forwardNs", "forward"],
    ["backwardNs", "backward"],
    ["recomputeNs", "backward"],
    ["forwardSelfNs", "forward"],
    ["backwardSelfNs", "backward"],
    ["selfNs", "forward-backward"],
    ["totalNs", "forward-backward"],
  ]);
}

function moduleInstancesSection(ctx: Ctx): DiffSection {
  const { b, h } = ctx;
  if (!b.s.modules.available || !h.s.modules.available) return both(ctx, "moduleInstances", "modules")!;
  return windowRows(ctx, "moduleInstances", b.s.modules.instances, h.s.modules.instances, (r) => r.path, [
    ["totalNs", "forward-backward"],
    ["selfNs", "forward-backward"],
  ]);
}

function operatorsSection(ctx: Ctx): DiffSection {
  const { b, h } = ctx;
  if (!b.s.operators.available || !h.s.operators.available) return both(ctx, "operators", "operators")!;
  return windowRows(ctx, "operators", b.s.operators.byName, h.s.operators.byName, (r) => r.name, [["gpuSelfNs", "launched"]]);
}

function categoriesSection(ctx: Ctx): DiffSection {
  const { b, h } = ctx;
  if (!b.s.kernels.available || !h.s.kernels.available) return both(ctx, "kernelCategories", "kernels")!;
  const total = (s: typeof b.s.kernels) => (s.available ? [{ key: "all kernels", totalNs: s.totalNs }] : []);
  const cats = (s: typeof b.s.kernels) => (s.available ? s.byCategory.map((c) => ({ key: CATEGORY_LABELS[c.category] ?? c.category, totalNs: c.totalNs })) : []);
  return windowRows(ctx, "kernelCategories", [...total(b.s.kernels), ...cats(b.s.kernels)], [...total(h.s.kernels), ...cats(h.s.kernels)], (r) => r.key, [["totalNs", "launched"]]);
}

function kernelsSection(ctx: Ctx): DiffSection {
  const { b, h } = ctx;
  if (!b.s.kernels.available || !h.s.kernels.available) return both(ctx, "kernels", "kernels")!;
  return windowRows(ctx, "kernels", b.s.kernels.byName, h.s.kernels.byName, (r) => r.name, [["totalNs", "launched"]]);
}

function idleSection(ctx: Ctx): DiffSection {
  const { b, h } = ctx;
  if (!b.s.idle.available || !h.s.idle.available) return both(ctx, "idle", "idle")!;
  const ib = b.s.idle;
  const ih = h.s.idle;
  const rows: DiffRow[] = [
    row(ctx, "all causes", "idleNs", "ns", { value: ib.idleNs / b.n, perStep: ib.steps.map((s) => s.idleNs) }, { value: ih.idleNs / h.n, perStep: ih.steps.map((s) => s.idleNs) }, null),
  ];
  for (const cause of IDLE_CAUSES) {
    const vb = ib.byCause.find((c) => c.cause === cause)?.totalNs ?? 0;
    const vh = ih.byCause.find((c) => c.cause === cause)?.totalNs ?? 0;
    if (vb === 0 && vh === 0) continue;
    rows.push(
      row(ctx, cause, "totalNs", "ns", { value: vb / b.n, perStep: ib.steps.map((s) => s.byCause[cause] ?? 0) }, { value: vh / h.n, perStep: ih.steps.map((s) => s.byCause[cause] ?? 0) }, null),
    );
  }
  return section("idle", rows);
}

function overlapSection(ctx: Ctx): DiffSection {
  const { b, h } = ctx;
  if (!b.s.overlap.available && !h.s.overlap.available) return both(ctx, "overlap", "overlap")!;
  // a run without communication has none to overlap: its figures are 0 (overlap % n/a)
  const rowsOf = (r: Run) => {
    if (!r.s.overlap.available) return null;
    const d = primaryDevice(r);
    const mine = r.s.overlap.rows.filter((x) => x.rank === r.primaryRank && (d === null || x.device === d.device));
    return { total: mine.find((x) => x.step === null) ?? null, steps: mine.filter((x) => x.step !== null) };
  };
  const ob = rowsOf(b);
  const oh = rowsOf(h);
  const rows: DiffRow[] = [];
  for (const m of ["communicationNs", "overlapNs", "exposedCommunicationNs"] as const) {
    const fig = (o: ReturnType<typeof rowsOf>, r: Run): Figure => (o ? { value: (o.total?.[m] ?? 0) / r.n, perStep: o.steps.map((x) => x[m]) } : { value: 0, perStep: r.refs.launched.map(() => 0) });
    rows.push(row(ctx, "communication", m, "ns", fig(ob, b), fig(oh, h), null));
  }
  const pct = (o: ReturnType<typeof rowsOf>): Figure =>
    o ? { value: o.total?.overlapPct ?? null, perStep: o.steps.map((x) => x.overlapPct).filter((x): x is number => x !== null) } : { value: null };
  rows.push(row(ctx, "communication", "overlapPct", "pct", pct(ob), pct(oh), null));
  return section("overlap", rows);
}

/** The catalogue's figures that no section above reports (metrics.ts: no diffRow), in the catalogue's order. */
function figuresSection(ctx: Ctx): DiffSection {
  const fig = (m: Metric, s: Summary): Figure => {
    const scale = m.unit === "ms" ? 1e6 : 1;
    const v = m.value(s).value;
    const perStep = m.perStep?.(s);
    return { value: v === null ? null : v * scale, ...(perStep ? { perStep: perStep.map((x) => x * scale) } : {}) };
  };
  const unitOf = (m: Metric): Unit => (m.unit === "ms" ? "ns" : m.unit === "pct" ? "pct" : "tokens/s");
  const rows = METRICS.filter((m) => !m.diffRow && m.unit !== "count").map((m) => row(ctx, m.label, m.id, unitOf(m), fig(m, ctx.b.s), fig(m, ctx.h.s), null));
  return { id: "figures", title: SECTION_TITLES.figures, available: true, rows };
}

function runInfo(s: Summary): RunInfo {
  const rank = s.steps.available ? (s.steps.items[0]?.rank ?? null) : null;
  return {
    files: [...s.trace.files],
    format: s.trace.format,
    traceName: s.trace.traceName,
    partial: s.trace.partial,
    steps: s.steps.available ? s.steps.count : 0,
    stepNumbers: s.steps.available ? s.steps.items.filter((i) => i.rank === rank).map((i) => i.number) : [],
    devices: s.trace.devices.map((d) => d.name),
    generatorVersion: s.generator.version,
  };
}

function notesOf(base: Summary, head: Summary): string[] {
  const notes: string[] = [];
  if (base.trace.partial || head.trace.partial)
    notes.push(`${base.trace.partial ? "base" : "head"}${base.trace.partial && head.trace.partial ? " and head are" : " is"} PARTIAL (the input was cut short): its figures cover what was read`);
  const gb = [...new Set(base.trace.devices.map((d) => d.name))].join(", ");
  const gh = [...new Set(head.trace.devices.map((d) => d.name))].join(", ");
  if (gb && gh && gb !== gh) notes.push(`the runs used different GPUs (base: ${gb}; head: ${gh})`);
  const nb = base.steps.available ? base.steps.count : 0;
  const nh = head.steps.available ? head.steps.count : 0;
  if (nb !== nh) notes.push(`the runs profiled different numbers of steps (base ${nb}, head ${nh}); all times are per step`);
  if (nb < 2 && nh < 2) notes.push("one profiled step per run: no step-to-step spread to judge noise by; changes above the floor are marked unknown");
  if (base.trace.ranks.length !== head.trace.ranks.length)
    notes.push(`the runs have different numbers of ranks (base ${base.trace.ranks.length}, head ${head.trace.ranks.length}); the primary (lowest) rank of each is compared`);
  const queued = (s: Summary) => (s.phases.available ? (s.phases.total.find((p) => p.phase === "other")?.kernelNs ?? 0) : 0);
  const training = (s: Summary) => s.phases.available && (s.phases.total.find((p) => p.phase === "backward")?.kernelNs ?? 0) > 0;
  if (queued(base) > 0 || queued(head) > 0) {
    const amounts = `${(queued(base) / 1e6).toFixed(2)} ms base, ${(queued(head) / 1e6).toFixed(2)} ms head over the window`;
    // in training, "other" is mostly work queued before the trace began; without a backward pass it is the
    // program's own work outside the forward pass (sampling, input preparation), which the code does change
    notes.push(
      training(base) || training(head)
        ? `kernel and category totals include phase "other" (work queued before the trace began, e.g. the fused optimizer kernels of the warm-up step, plus zero_grad): ${amounts}; a difference there is about where profiling started, not about the code`
        : `kernel and category totals include phase "other" (kernels outside the forward pass: sampling, input preparation, copies): ${amounts}`,
    );
  }
  if (base.trace.format !== head.trace.format) notes.push(`different trace formats (base ${base.trace.format}, head ${head.trace.format}): module and operator names may differ between formats`);
  return notes;
}
