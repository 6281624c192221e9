/**
 * The metrics catalogue (src/analysis/metrics.ts): every figure reaches budgets,
 * diff, compare and the batch table from its one entry, and the one added through
 * the catalogue alone (tokens per second per GPU) is recomputed from the raw
 * traces of the bundled 2-GPU DDP run.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { METRIC_VOCABULARY, metricValue } from "../../src/analysis/budget.js";
import { compareSummaries } from "../../src/analysis/compare.js";
import { diffSummaries, type DiffRow } from "../../src/analysis/diff.js";
import { METRICS, batchColumnOf } from "../../src/analysis/metrics.js";
import type { Summary } from "../../src/analysis/summary.js";
import { TRACE_COLUMNS } from "../../src/batch/columns.js";
import { traceRow } from "../../src/batch/rows.js";
import { loadTraces } from "../../parsers/registry.js";
import { compareRows } from "../../reports/compare-format.js";
import { fixture } from "../helpers/paths.js";
import { isGpu, readRaw, referenceRunTemporal } from "../helpers/raw.js";
import { medianOf, rawStepNs, rawTokensPerStep } from "../compare/reference.js";

const RANKS = [fixture("multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz"), fixture("multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz")];
const INFO = { root: "r", file: "f", sizeBytes: 1, mtimeMs: 0, runDateMs: 0, runDateSource: "mtime" as const, series: "s" };
const EXTRAS = { ranksInFile: 1, report: null, analysisMs: 0, analysedAtMs: 0 };

async function summarize(paths: string[]): Promise<Summary> {
  return analyzeModels(await loadTraces(paths));
}

function diffRowOf(rows: readonly DiffRow[], id: string): DiffRow | undefined {
  return rows.find((r) => r.metric === id);
}

describe("metrics catalogue", () => {
  it("every figure reaches the budget vocabulary, diff, compare and the batch columns from its one entry", async () => {
    // rank 0 of the DDP run: it has communication, so every diff section is there
    const s = await summarize([RANKS[0]!]);
    const d = diffSummaries(s, s);
    const figures = d.sections.find((x) => x.id === "figures");
    if (!figures?.available) throw new Error("diff has no figures section");
    const rows = compareRows(compareSummaries([{ label: "a", summary: s }]));
    const columns = new Set(TRACE_COLUMNS.map((c) => c.name));
    expect(columns.size, "batch column names are unique").toBe(TRACE_COLUMNS.length);
    const row = traceRow(s, INFO, EXTRAS);
    expect(new Set(METRICS.map((m) => m.id)).size).toBe(METRICS.length);
    for (const m of METRICS) {
      expect(METRIC_VOCABULARY.scalars, m.id).toContain(m.id);
      if (m.diffRow) {
        const [section, key, metric] = m.diffRow;
        const sec = d.sections.find((x) => x.id === section);
        expect(sec?.available && sec.rows.some((r) => r.key === key && r.metric === metric), `${m.id} in diff ${section}`).toBe(true);
      } else {
        expect(diffRowOf(figures.rows, m.id), `${m.id} in diff figures`).toBeDefined();
      }
      expect(
        rows.some((r) => r.id === (m.compareRow ?? `figure.${m.id}`)),
        `${m.id} in compare`,
      ).toBe(true);
      const col = batchColumnOf(m);
      if (col !== null) {
        expect(columns.has(col), `${m.id} column ${col}`).toBe(true);
        expect(row[col]).toBe(metricValue(s, m.id).value);
      }
    }
  });

  it("tokens per second per GPU (added as one entry) is Σ tokens / median step / GPUs in budgets, diff, compare and batch", async () => {
    const raws = RANKS.map(readRaw);
    const tokens = raws.reduce((a, r) => a + rawTokensPerStep(r).tokens, 0);
    const medianStepNs = medianOf(raws.map((r) => medianOf(rawStepNs(r))));
    const expected = tokens / (medianStepNs / 1e9) / 2;
    const one = readRaw(RANKS[0]!);
    const expectedOne = rawTokensPerStep(one).tokens / (medianOf(rawStepNs(one)) / 1e9);
    const near = (v: number | null | undefined, want: number) => {
      expect(v).not.toBeNull();
      expect(Math.abs(v! - want)).toBeLessThanOrEqual(want * 1e-6);
    };

    const ddp = await summarize(RANKS);
    const rank0 = await summarize([RANKS[0]!]);
    near(metricValue(ddp, "tokens_per_s_per_gpu").value, expected);
    near(metricValue(rank0, "tokens_per_s_per_gpu").value, expectedOne);

    const d = diffSummaries(rank0, ddp);
    const figures = d.sections.find((x) => x.id === "figures");
    if (!figures?.available) throw new Error("diff has no figures section");
    const r = diffRowOf(figures.rows, "tokens_per_s_per_gpu")!;
    expect(r.unit).toBe("tokens/s");
    near(r.base, expectedOne);
    near(r.head, expected);

    const c = compareSummaries([{ label: "ddp", summary: ddp }]);
    near(c.runs[0]!.tokensPerSPerGpu, expected);
    near(c.runs[0]!.figures["tokens_per_s_per_gpu"], expected);

    near(traceRow(rank0, INFO, EXTRAS)["tokens_per_s_per_gpu"] as number, expectedOne);
    // tokens/s: one definition for the catalogue and batch's column (one GPU per rank: the per-GPU figure)
    near(metricValue(rank0, "tokens_per_s").value, expectedOne);
    near(traceRow(rank0, INFO, EXTRAS)["tokens_per_s"] as number, expectedOne);
    near(traceRow(ddp, INFO, EXTRAS)["tokens_per_s"] as number, expected * 2);
  });

  it("GPU idle % and exposed communication % are one figure over every GPU of the run in budgets, compare and batch", async () => {
    // raw: per rank, an endpoint sweep of its GPU over its step window; the run's figure = Σ over GPUs / Σ windows
    const { window, idle, exposedComm: exposed } = referenceRunTemporal(RANKS);
    const near = (v: number | null | undefined, want: number) => {
      expect(v).not.toBeNull();
      expect(Math.abs(v! - want)).toBeLessThan(1e-3);
    };
    const ddp = await summarize(RANKS);
    const c = compareSummaries([{ label: "ddp", summary: ddp }]).runs[0]!;
    const row = traceRow(ddp, INFO, { ...EXTRAS, ranksInFile: 2 });
    for (const [id, want, compared] of [
      ["gpu_idle_pct", (100 * idle) / window, c.gpuIdlePct],
      ["exposed_comm_pct", (100 * exposed) / window, c.exposedCommunicationPct],
    ] as const) {
      near(metricValue(ddp, id).value, want);
      near(compared, want);
      near(c.figures[id], want);
      near(row[id] as number, want);
    }
    // one GPU: the same figure is that GPU's
    const one = await summarize([RANKS[0]!]);
    if (!one.temporal.available) throw new Error("temporal expected");
    near(metricValue(one, "gpu_idle_pct").value, one.temporal.devices[0]!.total.idlePct);
  });

  it("a figure the run cannot compute has no value and says why", async () => {
    const s = await summarize([fixture("llama-tiny-infer-bs2.json.gz")]);
    for (const m of METRICS) {
      const v = m.value(s);
      if (v.value === null) expect(v.reason.length, m.id).toBeGreaterThan(0);
      else expect(Number.isFinite(v.value), m.id).toBe(true);
    }
    // no communication in a single-GPU inference run: no overlap to measure
    expect(metricValue(s, "comm_overlap_pct").value).toBeNull();
  });
});

describe("GPU model and count: one definition for batch and compare", () => {
  it("counts the GPUs a trace used, not the ones it describes (llama-tiny eager: 2 described, 1 used)", async () => {
    const path = fixture("llama-tiny-train-eager.json.gz");
    const raw = readRaw(path);
    const used = new Set(raw.traceEvents.filter(isGpu).map((e) => e.args?.["device"]));
    const described = (raw["deviceProperties"] as { name: string }[]).length;
    expect(described).toBe(2);
    expect(used.size).toBe(1);
    const s = await summarize([path]);
    const row = traceRow(s, INFO, EXTRAS);
    const run = compareSummaries([{ label: "a", summary: s }]).runs[0]!;
    expect(row["gpu_count"]).toBe(used.size);
    expect(run.gpuCount).toBe(used.size);
    expect(row["gpu_model"]).toBe((raw["deviceProperties"] as { name: string }[])[0]!.name);
    expect(run.gpuModel).toBe(row["gpu_model"]);
  });

  it("a CPU-only trace has no GPU, so no tokens/s per GPU", async () => {
    const path = fixture("external/hta-cpu-only-rank-34.pt.trace.json.gz");
    expect(readRaw(path).traceEvents.some(isGpu)).toBe(false);
    const s = await summarize([path]);
    expect(traceRow(s, INFO, EXTRAS)["gpu_count"]).toBe(0);
    expect(compareSummaries([{ label: "a", summary: s }]).runs[0]!.gpuCount).toBe(0);
    expect(metricValue(s, "tokens_per_s_per_gpu").value).toBeNull();
  });
});
