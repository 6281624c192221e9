/**
 * summary.md: a GitHub-flavoured Markdown summary for a pull-request comment.
 * Readable as plain text too. Trace strings are escaped (`|`, `<`, `>`, `&`,
 * backticks and the characters that start emphasis or links), so a kernel named
 * "<script>" or "a|b" shows as text and cannot break a table.
 * GitHub rejects comments over 65,536 characters: tables shrink until the whole
 * summary fits MARKDOWN_LIMIT.
 *
 * Adding a Summary section: add its key to SECTION_RENDERERS (which fails to
 * compile while one is missing) and, if it prints something, to SECTION_ORDER.
 */
import type { Summary } from "../src/analysis/summary.js";
import { deviceList, formatBytes, formatCount, formatMs, formatNs, formatPct, shortKernelName, signedOneDecimal } from "./format.js";
import { isOthers, shownAndOthers } from "./top-rows.js";
import { inertForPullRequest } from "./markdown-safe.js";
import { medianPathStep, pathStepHeader, pathStepRow, whatIfHeader, whatIfRows } from "./critical-path-text.js";
import { headlineFigures } from "./headline-figures.js";
import { phaseTotalRows } from "./phase-rows.js";

export const MARKDOWN_LIMIT = 65_000;

type SectionKey = Exclude<keyof Summary, "schema" | "generator">;

/** How many rows each table may show; halved until the document fits. */
interface Budget {
  kernels: number;
  modules: number;
  operators: number;
  steps: number;
  diagnostics: number;
  /** Longest trace string printed (names, file paths, examples). */
  text: number;
}

type Renderer = ((s: Summary, b: Budget) => string[]) | null;

/** Every Summary section and how it prints (null: printed by another section's renderer). */
const SECTION_RENDERERS: Record<SectionKey, Renderer> = {
  trace: traceLines,
  steps: stepLines,
  temporal: null, // in the steps table
  kernels: kernelLines,
  modules: moduleLines,
  inferredLayers: null, // with modules
  operators: operatorLines,
  phases: phaseLines,
  idle: idleLines,
  launch: launchLines,
  overlap: overlapLines,
  collectives: null, // with overlap
  ranks: rankLines,
  processGroups: parallelismLines,
  collectiveWaits: null, // with processGroups
  pipeline: null, // with processGroups
  criticalPath: criticalPathLines,
  memory: memoryLines,
  throughput: null, // with memory
  findings: findingLines,
  inference: inferenceLines,
  efficiency: efficiencyLines,
  diagnostics: notesLines,
};
const SECTION_ORDER: SectionKey[] = [
  "trace",
  "findings",
  "steps",
  "phases",
  "modules",
  "operators",
  "kernels",
  "idle",
  "launch",
  "overlap",
  "ranks",
  "processGroups",
  "criticalPath",
  "memory",
  "inference",
  "efficiency",
  "diagnostics",
];

export function renderMarkdown(s: Summary): string {
  let budget: Budget = { kernels: 15, modules: 12, operators: 12, steps: 40, diagnostics: 30, text: 200 };
  for (;;) {
    const text = renderWith(s, budget);
    if (text.length <= MARKDOWN_LIMIT) return text;
    if (budget.kernels <= 1 && budget.modules <= 1 && budget.operators <= 1 && budget.steps <= 1 && budget.diagnostics <= 1 && budget.text <= 40) {
      // nothing left to shrink: cut at a line break and say so
      const note = "\n\n_(summary truncated to fit a pull-request comment; see summary.json)_\n";
      const cut = text.lastIndexOf("\n", MARKDOWN_LIMIT - note.length);
      return text.slice(0, Math.max(0, cut)) + note;
    }
    budget = {
      kernels: Math.max(1, budget.kernels >> 1),
      modules: Math.max(1, budget.modules >> 1),
      operators: Math.max(1, budget.operators >> 1),
      steps: Math.max(1, budget.steps >> 1),
      diagnostics: Math.max(1, budget.diagnostics >> 1),
      text: Math.max(40, budget.text >> 1),
    };
  }
}

function renderWith(s: Summary, b: Budget): string {
  const out: string[] = [];
  for (const key of SECTION_ORDER) {
    const r = SECTION_RENDERERS[key];
    if (r) out.push(...r(s, b));
  }
  out.push("", `<sub>llmprof ${esc(s.generator.version, 40)} · ${s.schema} · every figure is in summary.json</sub>`, "");
  return out.join("\n");
}

/**
 * Escapes a trace string for Markdown text and table cells: HTML-significant
 * characters become entities; `|`, `\`, `*`, `[` and `]` get a backslash (no
 * table breaks, emphasis or links; `_` stays, since GitHub ignores it inside
 * words and kernel names stay readable); line breaks become spaces; long
 * strings are cut to `max` characters. Mentions, issue references, bare URLs,
 * bidi and control characters are made inert first (markdown-safe.ts).
 */
export function escapeMarkdown(text: string, max = Infinity): string {
  let t = text.replace(/[\r\n\t\u2028\u2029]+/g, " ");
  if (t.length > max) t = `${t.slice(0, Math.max(1, max - 1))}…`;
  return inertForPullRequest(t).replace(/[&<>`|\\*[\]]/g, (ch) => MD_ESCAPES[ch]!);
}
const MD_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "`": "&#96;",
  "|": "\\|",
  "\\": "\\\\",
  "*": "\\*",
  "[": "\\[",
  "]": "\\]",
};
const esc = escapeMarkdown;

function table(header: string[], align: ("l" | "r")[], rows: string[][]): string[] {
  return [`| ${header.join(" | ")} |`, `| ${align.map((a) => (a === "r" ? "---:" : "---")).join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

/** "#3" as GitHub shows it without linking issue 3 (a zero-width joiner after "#"). */
function numbered(n: number | string): string {
  return inertForPullRequest(`#${n}`);
}

/** The label of a table's "(all others)" row. */
function othersLabel(rows: number, what: string): string {
  return `_(all others: ${formatCount(rows)} ${what})_`;
}

function othersNote(others: object | null): string[] {
  return others ? ["", "_Every row is in the CSV tables (`llmprof analyze -f csv -o DIR`)._"] : [];
}

function more(shown: number, total: number, what: string): string[] {
  return total > shown ? ["", `_${formatCount(total - shown)} more ${what} in summary.json._`] : [];
}

function traceLines(s: Summary, b: Budget): string[] {
  const t = s.trace;
  const name = t.traceName ?? t.files[0] ?? "trace";
  const out = [`## llmprof: ${esc(basename(name), b.text)}${t.partial ? " (PARTIAL)" : ""}`, ""];
  if (t.partial) out.push("> **Partial trace:** the input was cut short; the figures cover the complete events before the cut.", "");
  const facts: string[] = [];
  facts.push(`**Files:** ${t.files.map((f) => esc(f, b.text)).join(", ")} (${esc(t.format, 40)})`);
  if (t.devices.length) facts.push(`**GPUs:** ${deviceList(t.devices, (name) => esc(name, 80))}`);
  const ranks = t.ranks.filter((r) => r.rank !== null);
  if (ranks.length) facts.push(`**Ranks:** ${ranks.map((r) => r.rank).join(", ")} of world size ${ranks[0]!.worldSize ?? "?"}`);
  const versions = Object.entries(t.versions).filter(([k]) => k !== "baseTimeNanoseconds");
  if (versions.length) facts.push(`**Versions:** ${versions.map(([k, v]) => `${esc(k, 40)} ${esc(v, 40)}`).join(", ")}`);
  out.push(facts.join("  \n"), "");
  out.push(...headline(s));
  return out;
}

function headline(s: Summary): string[] {
  const cells: [string, string][] = [];
  if (s.steps.available) {
    const st = s.steps;
    if (st.source === "profiler-steps") cells.push([`Step time (median of ${st.count})`, formatNs(st.stepTimeMedianNs)]);
    else cells.push(["GPU span (no steps)", formatNs(st.windowNs)]);
  }
  if (s.temporal.available) {
    // the catalogue's figures (over every GPU of the run), as check, diff, compare and batch
    const comm = s.temporal.devices.some((d) => d.total.communicationNs > 0);
    for (const f of headlineFigures(s, ["gpu_busy_pct", "gpu_idle_pct", "exposed_comm_pct"])) cells.push([capitalised(f.label), f.id === "exposed_comm_pct" && !comm ? "none" : f.text]);
  }
  if (s.kernels.available && s.kernels.byCategory[0]) {
    const c = s.kernels.byCategory[0];
    cells.push(["Top kernel category", `${c.label} (${formatPct(c.pctOfKernelTime)})`]);
  }
  if (s.modules.available && s.modules.classes.length) {
    const m = s.modules;
    const top = [...m.classes].sort((a, b) => b.selfNs - a.selfNs)[0]!;
    cells.push(["Top module class (self)", `${esc(top.className, 60)} (${formatPct(m.kernelTotalNs > 0 ? (100 * top.selfNs) / m.kernelTotalNs : NaN)})`]);
  }
  if (cells.length === 0) return [];
  return [
    ...table(
      cells.map((c) => c[0]),
      cells.map(() => "r"),
      [cells.map((c) => c[1])],
    ),
    "",
  ];
}

function stepLines(s: Summary, b: Budget): string[] {
  const out = ["### Step breakdown", ""];
  if (!s.steps.available) return [...out, `_Not available: ${esc(s.steps.reason, b.text)}._`, ""];
  if (!s.temporal.available) return [...out, `_GPU time breakdown not available: ${esc(s.temporal.reason, b.text)}._`, ""];
  const gpu = (rank: number | null, device: number) => (rank === null ? `GPU ${device}` : `rank ${rank} GPU ${device}`);
  const rows: string[][] = [];
  let total = 0;
  for (const d of s.temporal.devices) {
    for (const x of d.steps) {
      total++;
      if (rows.length >= b.steps) continue;
      rows.push([
        s.steps.source === "gpu-span" ? "whole trace" : numbered(x.step),
        gpu(d.rank, d.device),
        formatMs(x.windowNs),
        `${formatMs(x.computeNs)} (${formatPct(x.computePct)})`,
        `${formatMs(x.exposedCommunicationNs)} (${formatPct(x.exposedCommunicationPct)})`,
        `${formatMs(x.exposedMemoryNs)} (${formatPct(x.exposedMemoryPct)})`,
        `${formatMs(x.idleNs)} (${formatPct(x.idlePct)})`,
      ]);
    }
  }
  out.push(
    "Compute, then communication and memory copies not hidden behind compute, then idle: the four add up to the step time (ms).",
    "",
    ...table(["step", "GPU", "step ms", "compute ms", "exposed comm. ms", "exposed memory ms", "idle ms"], ["l", "l", "r", "r", "r", "r", "r"], rows),
    ...more(rows.length, total, "step rows"),
    "",
  );
  return out;
}

function kernelLines(s: Summary, b: Budget): string[] {
  const k = s.kernels;
  const out = ["### Kernel categories", ""];
  if (!k.available) return [...out, `_Not available: ${esc(k.reason, b.text)}._`, ""];
  out.push(
    `${formatCount(k.count)} GPU activities, ${formatNs(k.totalNs)} of summed kernel time in the window.`,
    "",
    ...table(
      ["category", "count", "total ms", "% of kernel time"],
      ["l", "r", "r", "r"],
      k.byCategory.map((c) => [c.label, formatCount(c.count), formatMs(c.totalNs), formatPct(c.pctOfKernelTime)]),
    ),
    "",
    "### Top kernels",
    "",
  );
  const { shown: top, others } = shownAndOthers(k.byName, b.kernels, "name");
  out.push(
    ...table(
      ["kernel", "category", "count", "total ms", "mean µs", "% of kernel time", "decided by"],
      ["l", "l", "r", "r", "r", "r", "l"],
      [
        ...top.map((r) => [
          esc(shortKernelName(r.name, Math.min(80, b.text)), b.text),
          r.category,
          formatCount(r.count),
          formatMs(r.totalNs),
          (r.meanNs / 1e3).toFixed(1),
          formatPct(r.pctOfKernelTime),
          esc(r.categorySource ?? "", Math.min(48, b.text)),
        ]),
        ...(others
          ? [
              [
                othersLabel(others.others, "kernel names"),
                "",
                formatCount(others.count),
                formatMs(others.totalNs),
                (others.count > 0 ? others.totalNs / others.count / 1e3 : 0).toFixed(1),
                formatPct(others.pctOfKernelTime),
                "",
              ],
            ]
          : []),
      ],
    ),
    ...othersNote(others),
    "",
  );
  return out;
}

function phaseLines(s: Summary, b: Budget): string[] {
  const p = s.phases;
  const out = ["### Phases", ""];
  if (!p.available) return [...out, `_Not available: ${esc(p.reason, b.text)}._`, ""];
  out.push(
    `Kernel time by phase, summed over ${p.steps.length} step${p.steps.length === 1 ? "" : "s"}; GPU span = first to last kernel of the phase, not covered = the part of that span with none of its kernels running.`,
    "",
    ...table(
      ["phase", "activities", "kernel ms", "compute ms", "% of kernel time", "GPU span ms", "not covered ms"],
      ["l", "r", "r", "r", "r", "r", "r"],
      phaseTotalRows(p, "↳ recomputation (in backward)"),
    ),
    "",
  );
  return out;
}

function moduleLines(s: Summary, b: Budget): string[] {
  const m = s.modules;
  const out = ["### Modules", ""];
  if (!m.available) {
    out.push(`_Not available: ${esc(m.reason, b.text)}._`, "");
    const l = s.inferredLayers;
    if (l.available) {
      out.push(
        l.sourceDescription
          ? `**Inferred layers** (no module spans). Module source: ${esc(l.sourceDescription, 300)}.`
          : `**Inferred layers** (no module spans; ${esc(l.method, 200)}): ${formatPct(l.pctOfKernelTime)} of kernel time.`,
        "",
        ...table(
          ["layer (inferred)", "forward ms", "backward ms", "vs median"],
          ["l", "r", "r", "r"],
          l.layers
            .filter((x) => !isOthers(x))
            .slice(0, b.modules)
            .map((x) => [numbered(x.index), formatMs(x.forwardNs), formatMs(x.backwardNs), `${signedOneDecimal(x.vsMedianPct)}%`]),
        ),
        "",
        `Outside the layers: ${formatMs(l.outside.beforeNs)} ms before them (embedding...), ${formatMs(l.outside.afterNs)} ms after or between them (head, loss, optimizer...).`,
        "",
      );
    }
    return out;
  }
  const inside = m.kernelTotalNs > 0 ? (100 * m.attributedNs) / m.kernelTotalNs : NaN;
  const pct = (ns: number) => formatPct(m.kernelTotalNs > 0 ? (100 * ns) / m.kernelTotalNs : NaN);
  const recompute = m.classes.some((c) => c.recomputeNs > 0);
  const { shown: classes, others: otherClasses } = shownAndOthers(
    [...m.classes].sort((a, c) => c.selfNs - a.selfNs),
    b.modules,
    "className",
  );
  out.push(
    `GPU kernel time by nn.Module class, by self time (not in child modules); ${formatPct(inside)} of kernel time runs inside modules.`,
    "",
    ...(m.sourceDescription ? [`Module source: ${esc(m.sourceDescription, 300)}.`, ""] : []),
    ...table(
      ["class", "instances", "forward ms", "backward ms", ...(recompute ? ["recompute ms"] : []), "self ms", "% self", "inclusive ms"],
      ["l", "r", "r", "r", ...(recompute ? (["r"] as const) : []), "r", "r", "r"],
      [...classes, ...(otherClasses ? [otherClasses] : [])].map((c) => [
        isOthers(c) ? othersLabel(c.others, "module classes") : esc(c.className, Math.min(80, b.text)),
        formatCount(c.instances),
        formatMs(c.forwardNs),
        formatMs(c.backwardNs),
        ...(recompute ? [formatMs(c.recomputeNs)] : []),
        formatMs(c.selfNs),
        pct(c.selfNs),
        formatMs(c.totalNs),
      ]),
    ),
    ...othersNote(otherClasses),
  );
  if (m.unattributed.length) {
    out.push("", "Outside modules: " + m.unattributed.map((u) => `${esc(u.label, b.text)} ${formatMs(u.totalNs)} ms (${pct(u.totalNs)})`).join("; ") + ".");
  }
  out.push("");
  return out;
}

function operatorLines(s: Summary, b: Budget): string[] {
  const o = s.operators;
  const out = ["### Top operators", ""];
  if (!o.available) return [...out, `_Not available: ${esc(o.reason, b.text)}._`, ""];
  const { shown: top, others } = shownAndOthers(
    [...o.byName].sort((x, y) => y.gpuSelfNs - x.gpuSelfNs),
    b.operators,
    "name",
  );
  out.push(
    "By GPU self time: the kernels whose innermost launching operator is this one.",
    "",
    ...table(
      ["operator", "calls", "CPU total ms", "GPU self ms", "% of kernel time", "TFLOP/s"],
      ["l", "r", "r", "r", "r", "r"],
      [...top, ...(others ? [others] : [])].map((r) => [
        isOthers(r) ? othersLabel(r.others, "operators") : esc(r.name, Math.min(80, b.text)),
        formatCount(r.calls),
        formatMs(r.cpuTotalNs),
        formatMs(r.gpuSelfNs),
        formatPct(r.pctOfKernelTime),
        r.tflopsPerS === null ? "" : r.tflopsPerS.toFixed(1),
      ]),
    ),
    ...othersNote(others),
    "",
  );
  return out;
}

function idleLines(s: Summary, b: Budget): string[] {
  const idle = s.idle;
  const out = ["### Idle time by cause", ""];
  if (!idle.available) return [...out, `_Not available: ${esc(idle.reason, b.text)}._`, ""];
  if (idle.verdict) out.push(esc(idle.verdict, 400), "");
  out.push(
    ...table(
      ["cause", "gaps", "idle ms", "% of idle", "% of window"],
      ["l", "r", "r", "r", "r"],
      idle.byCause.filter((c) => c.count > 0).map((c) => [c.cause, formatCount(c.count), formatMs(c.totalNs), formatPct(c.pctOfIdle), formatPct(c.pctOfWindow)]),
    ),
  );
  const culprits = idle.topCulprits.slice(0, Math.min(5, b.operators));
  if (culprits.length) {
    out.push("", "While the GPU waited, the CPU was in: " + culprits.map((c) => `${esc(c.culprit, Math.min(80, b.text))} (${c.cause}, ${formatMs(c.totalNs)} ms)`).join("; ") + ".");
  }
  out.push("");
  return out;
}

function findingLines(s: Summary, b: Budget): string[] {
  const f = s.findings;
  if (!f.available || f.findings.length === 0) return [];
  const out = ["### Findings", ""];
  for (const x of f.findings.slice(0, Math.max(3, Math.min(10, b.kernels)))) {
    const cost = x.costNs !== null ? `${formatMs(x.costNs)} ms, ${formatPct(x.costPctOfWindow)} of the window` : x.costBytes !== undefined ? formatBytes(x.costBytes) : "";
    out.push(`- **${esc(x.title, 200)}** (${x.severity}${cost ? `; ${cost}` : ""}): ${esc(x.summary, 600)} _How:_ ${esc(x.how, 600)}`);
  }
  out.push("");
  return out;
}

function inferenceLines(s: Summary, _b: Budget): string[] {
  const i = s.inference;
  if (!i.available) return [];
  const tok = i.tokensPerS.decode === null ? "n/a" : formatCount(i.tokensPerS.decode);
  return [
    "### Inference",
    "",
    `${i.prefillCount} prefill and ${i.decodeCount} decode ${i.serving ? "serving steps" : "forwards"}; time to first token ${i.ttftNs === null ? "n/a" : formatNs(i.ttftNs)}, time per output token ${i.tpotNs === null ? "n/a" : formatNs(i.tpotNs)}` +
      `${i.decodeStep ? ` (p90 ${formatNs(i.decodeStep.p90Ns)})` : ""}; ${tok} tokens/s in decode; ${formatPct(i.cpuBound.pctOfSteps)} of decode steps CPU-bound.`,
    "",
    ...(i.serving ? servingKindTable(i.serving.kinds) : []),
  ];
}

/** Per step kind rows of serving-engine steps (prefill/decode split). */
function servingKindTable(kinds: NonNullable<Extract<Summary["inference"], { available: true }>["serving"]>["kinds"]): string[] {
  return [
    ...table(
      ["step kind", "steps", "time (ms)", "% of serving time", "mean batch", "tokens", "tokens/s"],
      ["l", "r", "r", "r", "r", "r", "r"],
      kinds.map((k) => [
        k.kind,
        formatCount(k.steps),
        formatMs(k.timeNs),
        formatPct(k.pctOfTime),
        k.meanBatchSize.toFixed(1),
        k.tokens === null ? "n/a" : formatCount(k.tokens),
        k.tokensPerS === null ? "n/a" : formatCount(Math.round(k.tokensPerS)),
      ]),
    ),
    "",
  ];
}

function efficiencyLines(s: Summary, b: Budget): string[] {
  const e = s.efficiency;
  if (!e.available) return [];
  const out = ["### Efficiency", ""];
  out.push(
    e.window.mfuPct === null
      ? `MFU not available: ${esc(e.mfuUnavailableReason ?? "unknown peak", b.text)}; ${e.window.achievedTflopsPerS.toFixed(1)} TFLOP/s achieved.`
      : `MFU ${formatPct(e.window.mfuPct)}: ${e.window.achievedTflopsPerS.toFixed(1)} TFLOP/s achieved of ${(e.peakTflopsPerS ?? 0).toFixed(1)} (${e.peakDtype ?? "?"} peak, ${esc(e.hardware.tableEntry ?? e.hardware.deviceName ?? "unknown GPU", 80)}); FLOPs ${e.flopsSource}.`,
    "",
  );
  return out;
}

function memoryLines(s: Summary, b: Budget): string[] {
  const out = ["### Memory and throughput", ""];
  const t = s.throughput;
  if (t.available) {
    const r = t.ranks[0]!;
    out.push(
      `${formatCount(r.tokensPerStep)} tokens per step${r.batchShape ? ` (batch × sequence ${esc(r.batchShape, 40)})` : ""}; ${formatCount(r.tokensPerSMedian)} tokens/s per GPU (median over steps), ${formatCount(t.globalTokensPerS)} tokens/s over ${t.worldSize} rank(s).`,
      "",
    );
  }
  const m = s.memory;
  if (!m.available) return [...out, `_Memory not available: ${esc(m.reason, b.text)}._`, ""];
  out.push(
    ...table(
      ["GPU", "peak allocated", "peak reserved", "allocations", "allocated / s"],
      ["l", "r", "r", "r", "r"],
      m.devices.map((d) => [`GPU ${d.device}`, formatBytes(d.peakAllocatedBytes), formatBytes(d.peakReservedBytes), formatCount(d.allocations), `${formatBytes(d.allocationRateBytesPerS)}/s`]),
    ),
    "",
  );
  return out;
}

function launchLines(s: Summary, _b: Budget): string[] {
  const l = s.launch;
  if (!l.available) return [];
  const cpuBound = l.steps.filter((x) => x.verdict === "cpu-bound").length;
  return [
    "### Launch overhead",
    "",
    `${formatCount(l.withLaunchRecord)} kernel launches; launch latency median ${formatNs(l.latency.p50Ns)} (p90 ${formatNs(l.latency.p90Ns)}), CPU cost per launch median ${formatNs(l.cpuCost.p50Ns)}; ` +
      `${formatPct(l.tiny.pct)} of kernels are shorter than ${formatNs(l.tinyKernelNs)}; ${cpuBound} of ${l.steps.length} steps CPU-bound (host-bound idle > ${l.cpuBoundHostBoundPct}% of the step).`,
    "",
  ];
}

function overlapLines(s: Summary, b: Budget): string[] {
  const o = s.overlap;
  const out = ["### Communication", ""];
  if (!o.available) return [...out, `_Overlap not available: ${esc(o.reason, b.text)}._`, ""];
  const rows = o.rows.filter((r) => r.step === null);
  if (!rows.some((r) => r.communicationNs > 0)) return [...out, "No communication kernels in the window.", ""];
  out.push(
    ...table(
      ["GPU", "comm. ms", "overlapped ms", "exposed ms", "overlap", "exposed, % of time"],
      ["l", "r", "r", "r", "r", "r"],
      rows
        .slice(0, b.steps)
        .map((r) => [
          r.rank === null ? `GPU ${r.device}` : `rank ${r.rank} GPU ${r.device}`,
          formatMs(r.communicationNs),
          formatMs(r.overlapNs),
          formatMs(r.exposedCommunicationNs),
          formatPct(r.overlapPct),
          formatPct(r.exposedCommunicationPctOfWindow),
        ]),
    ),
    ...more(Math.min(rows.length, b.steps), rows.length, "ranks"),
  );
  const c = s.collectives;
  if (c.available) {
    const types = c.ranks.flatMap((r) => r.types.map((t) => ({ rank: r.rank, ...t }))).slice(0, b.kernels);
    out.push(
      "",
      ...table(
        ["rank", "collective", "calls", "total ms", "bytes", "bus GB/s"],
        ["l", "l", "r", "r", "r", "r"],
        types.map((t) => [
          t.rank === null ? "–" : String(t.rank),
          esc(t.collective, 60),
          formatCount(t.count),
          formatMs(t.totalNs),
          t.bytes === null ? "" : formatBytes(t.bytes),
          t.busBandwidthGBps === null ? "" : t.busBandwidthGBps.toFixed(1),
        ]),
      ),
    );
  }
  out.push("");
  return out;
}

function rankLines(s: Summary, b: Budget): string[] {
  const r = s.ranks;
  if (!r.available) return [];
  const out = ["### Ranks", ""];
  out.push(
    ...table(
      ["rank", "GPU", "step median ms", "compute ms", "exposed comm. ms", "idle ms", "busy"],
      ["l", "r", "r", "r", "r", "r", "r"],
      r.ranks
        .slice(0, b.steps)
        .map((x) => [
          x.rank === null ? "–" : String(x.rank),
          String(x.device),
          formatMs(x.stepTimeMedianNs),
          formatMs(x.computeNs),
          formatMs(x.exposedCommunicationNs),
          formatMs(x.idleNs),
          formatPct(x.busyPct),
        ]),
    ),
    ...more(Math.min(r.ranks.length, b.steps), r.ranks.length, "ranks"),
  );
  const named = r.stragglers.filter((x) => x.straggler !== null).slice(0, b.steps);
  if (named.length) out.push("", "Stragglers: " + named.map((x) => `step ${numbered(x.step)} rank ${x.straggler} (+${formatMs(x.delayNs)} ms)`).join(", ") + ".");
  out.push("");
  return out;
}

function parallelismLines(s: Summary, b: Budget): string[] {
  // summaries written before these sections existed lack them
  const pg = s.processGroups as Summary["processGroups"] | undefined;
  if (!pg?.available) return [];
  const rank = (r: number | null) => (r === null ? "–" : String(r));
  const out = ["### Parallelism", ""];
  const rows = pg.groups.flatMap((g) => g.perRank.map((r) => ({ g, r }))).slice(0, b.steps);
  out.push(
    ...table(
      ["group", "label", "rank", "kernels", "ms", "exposed ms", "share of steps", "bytes", "bus GB/s"],
      ["l", "l", "r", "r", "r", "r", "r", "r", "r"],
      rows.map(({ g, r }) => [
        esc(g.description ?? g.id, 60),
        g.label ?? "?",
        rank(r.rank),
        formatCount(r.kernels),
        formatMs(r.timeNs),
        formatMs(r.exposedNs),
        formatPct(r.shareOfStepPct),
        r.bytes === null ? "" : formatBytes(r.bytes),
        r.busBandwidthGBps === null ? "" : r.busBandwidthGBps.toFixed(1),
      ]),
    ),
    "",
    ...pg.groups
      .filter((g) => g.perRank.length > 0)
      .map((g) => `- ${esc(g.description ?? g.id, 60)} (ranks ${g.ranks ? g.ranks.join(", ") : "?"}): **${g.label ?? "?"}**, ${esc(g.labelReason, 200)}.`),
  );
  const w = s.collectiveWaits as Summary["collectiveWaits"] | undefined;
  if (w?.available && w.groups.length > 0) {
    out.push(
      "",
      ...table(
        ["group", "rank", "collectives", "ms", "waiting ms", "transferring ms", "waiting"],
        ["l", "r", "r", "r", "r", "r", "r"],
        w.groups
          .flatMap((g) =>
            g.perRank.map((r) => [
              esc(g.group, 60) + (g.label ? ` (${g.label})` : ""),
              rank(r.rank),
              formatCount(r.instances),
              formatMs(r.timeNs),
              formatMs(r.waitingNs),
              formatMs(r.transferringNs),
              formatPct(r.waitingPct),
            ]),
          )
          .slice(0, b.steps),
      ),
    );
    for (const a of w.allToAll) {
      out.push(
        "",
        `All-to-all ${esc(a.group, 60)}: received bytes max/mean ${a.receivedImbalance.toFixed(2)} (worst instance ${a.worstInstanceImbalance === null ? "n/a" : a.worstInstanceImbalance.toFixed(2)}); ` +
          a.perRank
            .map((r) => `rank ${rank(r.rank)} sent ${formatBytes(r.sentBytes)}, received ${formatBytes(r.receivedBytes)} (${formatBytes(r.receivedFromOthersBytes)} from other ranks)`)
            .join("; ") +
          ".",
      );
    }
  }
  const p = s.pipeline as Summary["pipeline"] | undefined;
  if (p?.available) {
    out.push(
      "",
      ...table(
        ["stage", "rank", "step", "bubble ms", "bubble", "1F1B ideal", "no compute", "F", "B", "schedule"],
        ["r", "r", "r", "r", "r", "r", "r", "r", "r", "l"],
        p.stages
          .flatMap((st) =>
            st.steps.map((x) => [
              `${st.stage}/${st.stages}`,
              rank(st.rank),
              `#${x.step}`,
              formatMs(x.bubbleNs),
              formatPct(x.bubblePct),
              x.idealBubblePct === null ? "" : formatPct(x.idealBubblePct),
              formatPct(x.noComputePct),
              String(x.forward),
              String(x.backward),
              "`" + x.schedule.slice(0, 80) + "`",
            ]),
          )
          .slice(0, b.steps),
      ),
    );
  }
  out.push("");
  return out;
}

function notesLines(s: Summary, b: Budget): string[] {
  const notes: string[] = [];
  if (s.trace.partial) notes.push("**Partial trace**: the input ends early; figures cover the events before the cut.");
  if (s.steps.available && s.steps.source === "gpu-span") notes.push("No ProfilerStep ranges: the window is the span of all GPU activity.");
  if (s.kernels.available) {
    const k = s.kernels;
    if (k.withoutLaunch.count > 0)
      notes.push(`${formatCount(k.withoutLaunch.count)} GPU activities (${formatNs(k.withoutLaunch.totalNs)}) have no launch record (queued before profiling began); they are counted.`);
    if (k.outsideWindow.count > 0)
      notes.push(`${formatCount(k.outsideWindow.count)} GPU activities (${formatNs(k.outsideWindow.totalNs)}) start outside the profiled steps and are not in the kernel tables.`);
  }
  const out = ["### Notes", ""];
  if (notes.length === 0 && s.diagnostics.length === 0) return [...out, "None: every event was read as recorded.", ""];
  out.push(...notes.map((n) => `- ${n}`));
  const diags = s.diagnostics.slice(0, b.diagnostics);
  for (const d of diags) {
    const where = s.trace.files.length > 1 ? ` (${esc(d.file, b.text)})` : "";
    const example = d.example ? ` Example: ${esc(d.example, Math.min(120, b.text))}` : "";
    out.push(`- ${d.severity} \`${d.id}\` ×${formatCount(d.count)}${where}: ${esc(d.explanation, 400)}${example}`);
  }
  if (s.diagnostics.length > diags.length) out.push(`- _${formatCount(s.diagnostics.length - diags.length)} more diagnostics in summary.json._`);
  out.push("");
  return out;
}

function basename(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i >= 0 ? path.slice(i + 1) : path;
}

function criticalPathLines(s: Summary, b: Budget): string[] {
  const cp = s.criticalPath;
  // summaries written before the section existed lack it
  if (!cp?.available || cp.steps.length === 0) return [];
  const out = ["### Critical path", "", "Share of each step on the chain of dependent work that sets its time (README: Critical path)."];
  out.push(
    "",
    ...table(
      pathStepHeader(),
      pathStepHeader().map((_, i) => (i === 0 ? "l" : "r")),
      cp.steps.slice(0, b.steps).map((x) => {
        const row = pathStepRow(x);
        return [numbered(x.step), ...row.slice(1)];
      }),
    ),
    ...more(Math.min(cp.steps.length, b.steps), cp.steps.length, "steps"),
  );
  const st = medianPathStep(cp);
  if (st && st.whatIf.length) {
    out.push("", `What-if for step ${numbered(st.step)} (estimates bounded by the slack of parallel work):`, "");
    const rows = whatIfRows(st, b.text)
      .slice(0, b.kernels)
      .map((r) => [esc(r[0]!, b.text), ...r.slice(1)]);
    out.push(
      ...table(
        whatIfHeader(cp),
        whatIfHeader(cp).map((_, i) => (i < 2 ? "l" : "r")),
        rows,
      ),
    );
  }
  out.push("");
  return out;
}

function capitalised(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}
