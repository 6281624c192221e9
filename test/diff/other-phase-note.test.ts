/**
 * diff's note on phase "other": in training it is mostly work queued before the
 * trace began (an artefact of where profiling started); in inference it is the
 * program's own work outside the forward pass, which the note must not dismiss.
 * No bundled inference trace has such work: the tiny inference summary gets 1 ms
 * of it in the test (said so), and the shared H100 Qwen trace has 13.44 ms.
 */
import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { diffSummaries } from "../../src/analysis/diff.js";
import type { Summary } from "../../src/analysis/summary.js";
import { fixture, sharedTrace } from "../helpers/paths.js";

async function summary(name: string): Promise<Summary> {
  return analyzeModels([await parseKineto(fixture(name))]);
}
const otherNs = (s: Summary) => (s.phases.available ? (s.phases.total.find((p) => p.phase === "other")?.kernelNs ?? 0) : 0);
const backwardNs = (s: Summary) => (s.phases.available ? (s.phases.total.find((p) => p.phase === "backward")?.kernelNs ?? 0) : 0);

describe('diff: the phase "other" note', () => {
  const inferenceNote = (s: Summary) => {
    expect(backwardNs(s)).toBe(0);
    expect(otherNs(s)).toBeGreaterThan(0);
    const note = diffSummaries(s, s).notes.find((n) => n.includes('phase "other"'))!;
    expect(note).toContain("outside the forward pass");
    expect(note).not.toContain("where profiling started");
  };

  it("inference (tiny trace given 1 ms of 'other' work): named as work outside the forward pass, not dismissed", async () => {
    const s = await summary("llama-tiny-infer-bs2.json.gz");
    if (!s.phases.available) throw new Error("no phases");
    const total = s.phases.total.map((p) => (p.phase === "other" ? { ...p, kernelNs: 1e6 } : p));
    inferenceNote({ ...s, phases: { ...s.phases, total } });
  });

  const qwen = sharedTrace("external/tracelens/h100-qwen1.5-0.5b.json.gz");
  it.skipIf(!qwen)("inference (shared H100 Qwen trace, 13.44 ms of 'other')", async () => {
    inferenceNote(analyzeModels([await parseKineto(qwen!)]));
  });

  it("training: the queued-work note", async () => {
    const base = await summary("l2-train-gpu-bound-bs8.json.gz");
    const head = await summary("llama-tiny-train.json.gz");
    expect(backwardNs(base)).toBeGreaterThan(0);
    expect(otherNs(base) + otherNs(head)).toBeGreaterThan(0);
    const note = diffSummaries(base, head).notes.find((n) => n.includes('phase "other"'))!;
    expect(note).toContain("where profiling started");
  });
});
