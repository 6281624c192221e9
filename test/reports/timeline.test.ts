/**
 * src/analysis/timeline.ts (the HTML report's GPU timeline), checked against
 * the raw trace JSON: segments cover exactly the stream's activity inside the
 * window, respect the cap, and merge no more than needed.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadTraces } from "../../parsers/registry.js";
import { gpuTimeline, type StreamTimeline } from "../../src/analysis/timeline.js";
import type { TraceModel } from "../../src/model/tables.js";
import { fixture } from "../helpers/paths.js";
import { isGpu, readRaw, referenceSteps } from "../helpers/raw.js";

const TINY = fixture("llama-tiny-train.json.gz");
const raw = readRaw(TINY);
const steps = referenceSteps(raw);
const from = steps[0]!.start; // µs
const to = steps[steps.length - 1]!.end;

/** Activities of one stream clipped to the window, in ns relative to its start, sorted. */
function rawStream(device: number, stream: number): [number, number][] {
  return raw.traceEvents
    .filter((e) => isGpu(e) && e.args?.["device"] === device && e.args?.["stream"] === stream)
    .map((e) => [Math.max(e.ts!, from), Math.min(e.ts! + e.dur!, to)] as [number, number])
    .filter(([a, b]) => b > a)
    .map(([a, b]) => [(a - from) * 1e3, (b - from) * 1e3] as [number, number])
    .sort((x, y) => x[0] - y[0]);
}

/** Length of the union, by sorting endpoints (a plain second method). */
function unionLength(iv: [number, number][]): number {
  let total = 0;
  let end = -Infinity;
  let start = 0;
  for (const [a, b] of iv) {
    if (a > end) {
      if (end > -Infinity) total += end - start;
      start = a;
      end = b;
    } else if (b > end) end = b;
  }
  return end > -Infinity ? total + end - start : total;
}

function gapsOf(iv: [number, number][]): number[] {
  const gaps: number[] = [];
  let end = -Infinity;
  for (const [a, b] of iv) {
    if (end > -Infinity) gaps.push(a - end);
    end = Math.max(end, b);
  }
  return gaps;
}

const TOL = 2; // ns: the raw side goes through float µs

function checkStream(st: StreamTimeline, max: number) {
  const iv = rawStream(st.device, st.stream);
  expect(st.activityCount).toBe(iv.length);
  expect(st.startNs.length).toBeLessThanOrEqual(max);
  expect(st.count.reduce((a, b) => a + b, 0)).toBe(iv.length);
  for (let i = 0; i < st.startNs.length; i++) {
    expect(st.endNs[i]!).toBeGreaterThan(st.startNs[i]!);
    expect(st.busyInNs[i]!).toBeLessThanOrEqual(st.endNs[i]! - st.startNs[i]! + TOL);
    if (i > 0) expect(st.startNs[i]! - st.endNs[i - 1]!).toBeGreaterThan(st.resolutionNs);
  }
  expect(Math.abs(st.busyNs - unionLength(iv))).toBeLessThan(TOL * iv.length);
  // every activity lies inside one segment
  let k = 0;
  for (const [a, b] of iv) {
    while (k < st.startNs.length && st.endNs[k]! < b - TOL) k++;
    expect(k).toBeLessThan(st.startNs.length);
    expect(st.startNs[k]!).toBeLessThanOrEqual(a + TOL);
  }
  // the resolution is the smallest that meets the cap
  const gaps = gapsOf(iv);
  expect(gaps.filter((g) => g > st.resolutionNs + TOL).length).toBeLessThanOrEqual(max - 1);
  if (st.resolutionNs > 0) expect(gaps.filter((g) => g >= st.resolutionNs - TOL).length).toBeGreaterThan(max - 1);
}

describe("gpuTimeline on the tiny training fixture", () => {
  let models: TraceModel[];
  beforeAll(async () => {
    models = await loadTraces([TINY]);
  });

  it("keeps every activity when the stream fits the cap", () => {
    const tl = gpuTimeline(models);
    expect(tl.ranks).toHaveLength(1);
    expect(tl.ranks[0]!.steps.map((s) => s.number)).toEqual(steps.map((s) => s.number));
    const streams = new Set(raw.traceEvents.filter(isGpu).map((e) => `${e.args?.["device"]}:${e.args?.["stream"]}`));
    expect(tl.streams.map((s) => `${s.device}:${s.stream}`).sort()).toEqual([...streams].sort());
    for (const st of tl.streams) {
      expect(st.resolutionNs).toBe(0);
      checkStream(st, tl.maxSegmentsPerStream);
    }
  });

  it.each([1, 2, 10, 100])("merges down to at most %i segments per stream", (max) => {
    const tl = gpuTimeline(models, { maxSegmentsPerStream: max });
    for (const st of tl.streams) checkStream(st, max);
  });

  it("follows --steps", () => {
    const last = steps[steps.length - 1]!;
    const tl = gpuTimeline(models, { steps: { from: last.number, to: last.number } });
    const r = tl.ranks[0]!;
    expect(r.steps.map((s) => s.number)).toEqual([last.number]);
    expect(Math.abs((r.windowEndNs - r.windowStartNs) / 1e3 - (last.end - last.start))).toBeLessThan(0.01);
  });
});
