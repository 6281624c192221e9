/**
 * CUDA/HIP graph replays on a real vLLM decode trace replayed with one
 * hipGraphLaunch (MI300X, TraceLens). The count and times are recomputed from
 * the raw JSON: the kernels whose correlation id is a graph launch call's.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import type { Summary } from "../../src/analysis/summary.js";
import { parseKineto } from "../../parsers/kineto.js";
import { fixture } from "../helpers/paths.js";
import { isGpu, readRaw, type RawEvent } from "../helpers/raw.js";

const HIPGRAPH = fixture("external/mi300-vllm-decode-hipgraph.json.gz");

/** Union length of [start, end) pairs (µs). */
function unionLength(pairs: [number, number][]): number {
  const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curS = -Infinity;
  let curE = -Infinity;
  for (const [s, e] of sorted) {
    if (s > curE) {
      if (curE > curS) total += curE - curS;
      curS = s;
      curE = e;
    } else if (e > curE) curE = e;
  }
  if (curE > curS) total += curE - curS;
  return total;
}

describe("graph replays (hipGraphLaunch)", async () => {
  const raw = readRaw(HIPGRAPH);
  const s: Summary = analyzeModels([await parseKineto(HIPGRAPH)]);
  const corr = (e: RawEvent) => (e.args?.["correlation"] as number | undefined) ?? -1;
  const graphLaunches = raw.traceEvents.filter((e) => e.ph === "X" && e.cat === "cuda_runtime" && /GraphLaunch/.test(e.name ?? ""));
  const graphCorr = new Set(graphLaunches.map(corr));
  const gpu = raw.traceEvents.filter(isGpu);
  const inGraph = gpu.filter((e) => graphCorr.has(corr(e)));

  it("counts the replays and their kernels, and their time, as the raw JSON does", () => {
    if (!s.launch.available) throw new Error(s.launch.reason);
    const gr = s.launch.graphReplays;
    expect(graphLaunches.length).toBe(1);
    expect(gr.replays).toBe(1);
    expect(inGraph.length).toBeGreaterThan(400);
    expect(gr.kernels).toBe(inGraph.length);
    const sumUs = inGraph.reduce((t, e) => t + (e.dur ?? 0), 0);
    expect(gr.sumNs / 1e3).toBeCloseTo(sumUs, 0);
    const unionUs = unionLength(inGraph.map((e) => [e.ts!, e.ts! + e.dur!]));
    expect(gr.unionNs / 1e3).toBeCloseTo(unionUs, 0);
    expect(gr.pctOfWindow).toBeGreaterThan(0);
    expect(gr.pctOfWindow).toBeLessThanOrEqual(100);
    expect(gr.note).toMatch(/capture|eager/);
  });

  it("computes no launch latency for graph kernels", () => {
    if (!s.launch.available) throw new Error(s.launch.reason);
    const launchedOther = gpu.filter((e) => e.cat === "kernel" && !graphCorr.has(corr(e)));
    const rtCorr = new Set(raw.traceEvents.filter((e) => e.cat === "cuda_runtime").map(corr));
    expect(s.launch.kernels).toBe(launchedOther.length);
    expect(s.launch.latency.count).toBe(launchedOther.filter((e) => rtCorr.has(corr(e))).length);
  });

  it("no finding costs more than the window, and tiny-kernels stays silent", () => {
    if (!s.findings.available) throw new Error(s.findings.reason);
    for (const f of s.findings.findings) expect(f.costPctOfWindow ?? 0).toBeLessThanOrEqual(100);
    expect(s.findings.findings.find((f) => f.id === "tiny-kernels")).toBeUndefined();
    if (!s.idle.available) throw new Error(s.idle.reason);
    expect(s.idle.byCause.find((c) => c.cause === "host-bound")?.totalNs ?? 0).toBeLessThanOrEqual(s.idle.idleNs);
  });
});

describe("hip* runtime calls play their CUDA twins' roles", async () => {
  const { SYNC_NAME } = await import("../../src/analysis/idle.js");
  it("blocking hip memcpy and synchronise calls are synchronisations; async ones and launches are not", () => {
    // names as they appear in the MI300 traces, and their CUDA twins
    for (const n of ["hipEventSynchronize", "hipStreamSynchronize", "hipDeviceSynchronize", "hipMemcpy", "hipMemcpyDtoH", "cudaMemcpy", "cudaStreamSynchronize"])
      expect(SYNC_NAME.test(n), n).toBe(true);
    for (const n of ["hipMemcpyAsync", "hipLaunchKernel", "hipExtModuleLaunchKernel", "hipGraphLaunch", "cudaMemcpyAsync", "hipStreamWaitEvent"]) expect(SYNC_NAME.test(n), n).toBe(false);
  });

  it("hipLaunchKernel / hipExtModuleLaunchKernel link their kernels by correlation id, as in the raw JSON", async () => {
    const raw = readRaw(HIPGRAPH);
    const model = await parseKineto(HIPGRAPH);
    const corr = (e: RawEvent) => (e.args?.["correlation"] as number | undefined) ?? -1;
    const launchCorr = new Set(raw.traceEvents.filter((e) => e.cat === "cuda_runtime" && /^hip(Ext)?(Module)?LaunchKernel$/.test(e.name ?? "")).map(corr));
    const expected = raw.traceEvents.filter((e) => e.cat === "kernel" && launchCorr.has(corr(e))).length;
    expect(expected).toBeGreaterThan(0);
    let linked = 0;
    for (let g = 0; g < model.gpu.length; g++) {
      const r = model.gpu.launch[g]!;
      if (r >= 0 && /^hip(Ext)?(Module)?LaunchKernel$/.test(model.strings.get(model.runtime.name[r]!))) linked++;
    }
    expect(linked).toBe(expected);
  });
});
