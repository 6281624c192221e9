/**
 * A step whose first GPU work was launched long before it ran (vLLM decode on
 * MI300, fixtures/external): the GPU was not waiting for the CPU after the
 * launch, so only the time until the launch call returned is
 * before-first-activity; the rest is queued-dependency. The serving engine's
 * step-start finding speaks of the engine, not of a DataLoader. Figures from
 * the raw JSON.
 */
import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { fixture } from "../helpers/paths.js";
import { isGpu, readRaw } from "../helpers/raw.js";

const VLLM = fixture("external/mi300-vllm-decode-hipgraph.json.gz");

describe("idle at the start of a step whose first work was queued early", () => {
  it("splits at the end of the first activity's launch call (µs from the raw JSON)", async () => {
    const raw = readRaw(VLLM);
    const marker = raw.traceEvents.find((e) => e.cat === "user_annotation" && /^execute_/.test(e.name ?? ""))!;
    const first = raw.traceEvents.filter(isGpu).sort((a, b) => a.ts! - b.ts!)[0]!;
    const launch = raw.traceEvents.find((e) => e.cat === "cuda_runtime" && e.args?.["correlation"] === first.args?.["correlation"])!;
    const launchEnd = launch.ts! + launch.dur!;
    // the raw facts the test rests on: launched early in the step, run ~8 ms later
    expect(launchEnd - marker.ts!).toBeLessThan(1000);
    expect(first.ts! - launchEnd).toBeGreaterThan(5000);

    const s = analyzeModels([await parseKineto(VLLM)]);
    const idle = s.idle;
    if (!idle.available || !s.steps.available) throw new Error("idle unavailable");
    expect(s.steps.source).toBe("serving-steps");
    const cause = (c: string) => idle.byCause.find((x) => x.cause === c)!;
    expect(cause("before-first-activity").totalNs / 1000).toBeCloseTo(launchEnd - marker.ts!, 2);
    const queued = idle.largestGaps.find((g) => g.cause === "queued-dependency")!;
    expect(queued.durationNs / 1000).toBeCloseTo(first.ts! - launchEnd, 2);
    expect(cause("queued-dependency").totalNs).toBeGreaterThanOrEqual(queued.durationNs);

    if (!s.findings.available) throw new Error(s.findings.reason);
    const f = s.findings.findings.find((x) => x.id === "step-start-wait");
    // 0.55 ms of a 19.1 ms step: above the rule's 2% floor, so it fires, worded for a serving engine
    expect(f).toBeDefined();
    expect(f!.costNs! / 1000).toBeCloseTo(launchEnd - marker.ts!, 2);
    expect(f!.title).toMatch(/engine step/);
    expect(f!.how ?? "").toMatch(/--async-scheduling/);
    expect(f!.how ?? "").not.toMatch(/DataLoader/);
  });
});
