/**
 * report.html: one self-contained page. The shell below holds a strict
 * Content-Security-Policy (no network, scripts and styles only the inline ones
 * listed by hash), the data as a JSON block, d3, and one client script per view
 * (reports/html/assets/views/<name>.js). Trace strings are never markup: the
 * client builds DOM with textContent.
 *
 * Adding a view: write assets/views/<name>.js (it calls llmprof.registerView),
 * add <name> to VIEWS in page order, and point the Summary sections it shows
 * at it in SECTION_VIEWS (which fails to compile while a section is missing).
 */
import { basename } from "node:path";
import { CATEGORY_LABELS } from "../../src/analysis/categories.js";
import type { Summary } from "../../src/analysis/summary.js";
import type { Timeline } from "../../src/analysis/timeline.js";
import { shortKernelName } from "../format.js";
import { readAsset, readD3, readStyles } from "./assets.js";
import { renderPage } from "./page.js";

/** Client views, in page order. */
export const VIEWS = [
  "overview",
  "findings",
  "notes",
  "steps",
  "phases",
  "modules",
  "operators",
  "kernels",
  "idle",
  "launch",
  "overlap",
  "ranks",
  "parallelism",
  "critical-path",
  "memory",
  "inference",
  "efficiency",
  "timeline",
] as const;
export type ViewName = (typeof VIEWS)[number];

type SectionKey = Exclude<keyof Summary, "schema" | "generator">;

/** Which view shows each Summary section: a new section must be placed here to compile. */
export const SECTION_VIEWS: Record<SectionKey, ViewName> = {
  trace: "overview",
  steps: "steps",
  temporal: "steps",
  kernels: "kernels",
  modules: "modules",
  inferredLayers: "modules",
  operators: "operators",
  phases: "phases",
  idle: "idle",
  launch: "launch",
  overlap: "overlap",
  collectives: "overlap",
  ranks: "ranks",
  processGroups: "parallelism",
  collectiveWaits: "parallelism",
  pipeline: "parallelism",
  criticalPath: "critical-path",
  memory: "memory",
  throughput: "memory",
  findings: "findings",
  inference: "inference",
  efficiency: "efficiency",
  diagnostics: "notes",
};

export interface ReportExtras {
  /** GPU timeline overview (src/analysis/timeline.ts); the timeline view says so when absent. */
  timeline?: Timeline | null;
}

/** What the page's scripts read from the #llmprof-data block. */
export interface ReportData {
  summary: Summary;
  timeline: Timeline | null;
  /** Display names made with reports/format.ts, aligned with the rows they label. */
  labels: { kernels: string[]; categories: Readonly<Record<string, string>>; pathItems: Readonly<Record<string, string>> };
}

export function reportData(summary: Summary, extras: ReportExtras = {}): ReportData {
  return {
    summary,
    timeline: extras.timeline ?? null,
    labels: {
      kernels: summary.kernels.available ? summary.kernels.byName.map((r) => shortKernelName(r.name, 90)) : [],
      // the category names of src/analysis/categories.ts, so the page never keeps its own copy
      categories: CATEGORY_LABELS,
      // critical-path what-if items: kernel names shortened like the kernel table's
      pathItems: summary.criticalPath.available
        ? Object.fromEntries(summary.criticalPath.steps.flatMap((st) => st.whatIf.map((w) => [w.item, w.kind === "compute" ? shortKernelName(w.item, 90) : w.item])))
        : {},
    },
  };
}

export function renderHtml(summary: Summary, extras: ReportExtras = {}): string {
  const name = summary.trace.traceName ?? summary.trace.files[0] ?? "trace";
  return renderPage({
    kind: "report",
    version: summary.generator.version,
    title: `llmprof report — ${basename(name)}`,
    dataId: "llmprof-data",
    data: reportData(summary, extras),
    scripts: [readD3(), readAsset("core.js"), ...VIEWS.map((v) => readAsset(`views/${v}.js`)), readAsset("main.js")],
    css: readStyles("styles.css"),
    noscript: "This report draws its tables and charts with JavaScript; please open it in a browser with JavaScript enabled. The numbers are also in summary.json (llmprof analyze -o out/).",
  });
}
