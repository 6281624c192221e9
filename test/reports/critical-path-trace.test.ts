/**
 * `--format trace`: the "llmprof: critical path" track on each rank of the 1F1B
 * pipeline pair. Its compute slices sit exactly on kernels of the raw per-rank
 * JSON (same name, same start), and its slices add up to the path's time on
 * that rank.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { loadTraces } from "../../parsers/registry.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { writeAnnotatedTrace } from "../../reports/trace-export.js";
import { csvTables } from "../../reports/csv.js";
import { fixture } from "../helpers/paths.js";
import { isGpu, readRaw } from "../helpers/raw.js";
import { checkTraceEventFormat } from "../helpers/trace-event-format.js";

type Ev = { ph: string; name: string; pid: number; tid: number; ts: number; dur?: number; cat?: string; args?: Record<string, unknown> };

describe("critical path track of the annotated trace", () => {
  it("pp2 1F1B m4: compute slices on raw kernels, per-rank totals equal the path's", async () => {
    const paths = [0, 1].map((r) => fixture(`distributed/pp2-1f1b-m4-rank${r}.json.gz`));
    const models = await loadTraces(paths);
    const summary = analyzeModels(models);
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (c: Buffer) => chunks.push(c));
    await writeAnnotatedTrace(models, summary, sink, { overlayOnly: true });
    const file = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { traceEvents: Ev[] };
    expect(checkTraceEventFormat(file, (name) => name.startsWith("llmprof: "))).toEqual([]);
    const names = new Map<string, string>();
    for (const e of file.traceEvents) if (e.ph === "M" && e.name === "thread_name") names.set(`${e.pid}:${e.tid}`, String(e.args!["name"]));
    const track = file.traceEvents.filter((e) => e.ph === "X" && names.get(`${e.pid}:${e.tid}`) === "llmprof: critical path");
    if (!summary.criticalPath.available) throw new Error("unavailable");
    const st = summary.criticalPath.steps[0]!;
    for (const rank of [0, 1]) {
      const mine = track.filter((e) => e.pid === rank);
      const totalUs = mine.reduce((a, e) => a + e.dur!, 0);
      const pathNs = st.byRank.filter((x) => x.rank === rank).reduce((a, x) => a + x.ns, 0);
      expect(Math.abs(totalUs * 1000 - pathNs)).toBeLessThan(mine.length + 1); // ns rounding per slice
      // every compute slice starts on a raw kernel of that name on that rank (µs, 3 decimals)
      const raw = readRaw(paths[rank]!).traceEvents.filter(isGpu);
      const starts = new Map<string, number[]>();
      for (const e of raw) starts.set(e.name!, [...(starts.get(e.name!) ?? []), e.ts!]);
      const compute = mine.filter((e) => e.args!["kind"] === "compute");
      expect(compute.length).toBeGreaterThan(100);
      let onKernel = 0;
      for (const e of compute) if ((starts.get(e.name) ?? []).some((t) => Math.abs(t - e.ts) < 0.002)) onKernel++;
      // slices cut by the previous step's piece may start later; here there is one step
      expect(onKernel).toBe(compute.length);
    }
    // the CSV table: per step, rank and kind; its rows add up to the step time
    const table = csvTables(summary).find((t) => t.name === "critical_path")!;
    const sum = table.rows.reduce((a, r) => a + Number(r[5]), 0);
    expect(Math.abs(sum - st.stepTimeNs)).toBeLessThan(1);
  });
});
