/**
 * Types of the report's client scripts (checked by tsconfig.client.json): the
 * data block is reports/html/render.ts's ReportData (the Summary type itself),
 * d3 is the inlined d3, and `window.llmprof` is the object core.js builds.
 */
import type * as D3 from "d3";
import type { ReportData as Data } from "../render.js";
import type { CompareHtmlData } from "../../compare-html.js";
import type { IndexRow } from "../../batch-index.js";

declare global {
  const d3: typeof D3;
  /** The #llmprof-data block. */
  type ReportData = Data;
  type Summary = Data["summary"];
  /** The #llmprof-compare block of compare.html (reports/compare-html.ts). */
  type CompareData = CompareHtmlData;
  /** The #llmprof-batch block of the batch index.html (reports/batch-index.ts's renderBatchIndex). */
  interface BatchIndexData {
    generator: string;
    generatedAtMs: number;
    /** "k/n" when sharded. */
    shard: string | null;
    rows: IndexRow[];
    errors: IndexRow[];
    runs: IndexRow[];
  }
  /** A Summary section once its `available` flag has been checked. */
  type Available<S> = Extract<S, { available: true }>;
  interface Window {
    llmprof: LlmprofClient;
    /** pages/dom.js: the helpers of the standalone pages (compare.html, the batch index). */
    llmprofDom: {
      el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string | number> | null, children?: readonly (string | Node)[]): HTMLElementTagNameMap[K];
      isNum(v: unknown): v is number;
      byId(id: string): HTMLElement;
      readData(id: string): unknown;
    };
  }
  /** What core.js exports on window.llmprof (its top-level `var llmprof`, typed by its JSDoc); views read it through `L`. */
  type LlmprofClient = typeof llmprof;
  /** A column of core.js's table(): `value` reads the cell (default row[key]), `format`/`render` draw it, `bar` a 0-100 bar, `title` a tooltip, `help` the header's. */
  interface TableColumn<Row = any> {
    key: string;
    label: string;
    numeric?: boolean;
    cellClass?: string;
    help?: string;
    value?: (row: Row) => unknown;
    format?: (value: any) => string;
    render?: (row: Row) => string | Node;
    bar?: (row: Row) => number | null | undefined;
    title?: (row: Row) => string | null;
  }
}
export {};
