import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { parseKineto } from "../../parsers/kineto.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { isGpu, readRaw, referenceSteps, referenceTemporal } from "../helpers/raw.js";

/** |a - b| within 0.1% of b (or 1 ns for tiny values). */
function close(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(1, Math.abs(expected) * 1e-3));
}

async function checkAgainstReference(path: string): Promise<void> {
  const model = await parseKineto(path);
  const summary = analyzeModels([model]);
  const raw = readRaw(path);
  const origin = Number(BigInt(model.meta.originNs)); // ns; the µs -> ns conversion below loses < 1 ns
  const toNs = (us: number) => us * 1000 - origin;

  const refSteps = referenceSteps(raw);
  expect(summary.steps.available).toBe(true);
  if (!summary.steps.available || !summary.temporal.available || !summary.kernels.available) return;
  expect(summary.steps.items.map((s) => s.number)).toEqual(refSteps.map((s) => s.number));
  summary.steps.items.forEach((s, i) => {
    close(s.startNs, toNs(refSteps[i]!.start));
    close(s.endNs, toNs(refSteps[i]!.end));
  });

  const wFrom = refSteps[0]!.start;
  const wTo = refSteps[refSteps.length - 1]!.end;
  for (const dev of summary.temporal.devices) {
    const ref = referenceTemporal(raw, dev.device, wFrom, wTo);
    close(dev.total.windowNs, ref.window * 1000);
    close(dev.total.busyNs, ref.busy * 1000);
    close(dev.total.computeNs, ref.compute * 1000);
    close(dev.total.communicationNs, ref.comm * 1000);
    close(dev.total.memoryNs, ref.memory * 1000);
    close(dev.total.overlapNs, ref.overlap * 1000);
    close(dev.total.exposedMemoryNs, ref.exposedMemory * 1000);
    close(dev.total.idleNs, ref.idle * 1000);
    // the stacked figures add up to the window exactly
    const t = dev.total;
    expect(t.computeNs + t.exposedCommunicationNs + t.exposedMemoryNs + t.idleNs).toBeCloseTo(t.windowNs, 3);
    dev.steps.forEach((st, i) => {
      const r = referenceTemporal(raw, dev.device, refSteps[i]!.start, refSteps[i]!.end);
      close(st.busyNs, r.busy * 1000);
      close(st.idleNs, r.idle * 1000);
      close(st.communicationNs, r.comm * 1000);
    });
  }

  // kernel counts: every GPU activity starting inside the window, exactly
  const inWindow = raw.traceEvents.filter((e) => isGpu(e) && e.ts! >= wFrom && e.ts! < wTo);
  expect(summary.kernels.count).toBe(inWindow.length);
  expect(summary.kernels.count + summary.kernels.outsideWindow.count).toBe(raw.traceEvents.filter(isGpu).length);
  const byName = new Map<string, number>();
  for (const e of inWindow) byName.set(e.name!, (byName.get(e.name!) ?? 0) + 1);
  for (const row of summary.kernels.byName) expect(row.count).toBe(byName.get(row.name));
  expect(summary.kernels.byName.length).toBe(byName.size);
}

describe("temporal breakdown agrees with an independent endpoint sweep", () => {
  it("bundled tiny training trace", async () => {
    await checkAgainstReference(fixture("llama-tiny-train.json.gz"));
  });
  for (const name of [
    "kineto/llama-1b-train-sdpa.json.gz",
    "kineto/llama-1b-train-eager.json.gz",
    "kineto/llama-1b-train-nostack.json.gz",
    "kineto/llama-1b-train-recompute-bs8.json.gz",
    "kineto/llama-1b-train-compiled.json.gz",
    "multi-gpu/ddp-2gpu-rank0.json.gz",
    "multi-gpu/ddp-2gpu-rank1.json.gz",
  ]) {
    const path = sharedTrace(name);
    it.skipIf(!path)(name, async () => {
      await checkAgainstReference(path!);
    });
  }
});
