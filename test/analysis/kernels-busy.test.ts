/**
 * A kernel row's share of GPU busy time counts the time its name was running,
 * not the sum of its durations: launches of one name on concurrent streams
 * overlap and count once, so no row passes 100% (figures by hand below).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { analyzeModels } from "../../src/analysis/analyze.js";

/** Kernels as [name, stream, start µs, duration µs], each with its launch. */
function trace(kernels: [string, number, number, number][]): string {
  const events = kernels.flatMap(([name, stream, ts, dur], k) => [
    `{"ph":"X","cat":"cuda_runtime","name":"cudaLaunchKernel","pid":1,"tid":1,"ts":${-10 + k},"dur":0.5,"args":{"correlation":${k + 1}}}`,
    `{"ph":"X","cat":"kernel","name":"${name}","pid":0,"tid":${stream},"ts":${ts},"dur":${dur},"args":{"correlation":${k + 1},"device":0,"stream":${stream}}}`,
  ]);
  return `{"schemaVersion":1,"traceEvents":[\n${events.join(",\n")}\n]}`;
}

async function kernelRows(kernels: [string, number, number, number][]) {
  const dir = mkdtempSync(join(tmpdir(), "llmprof-kbusy-"));
  const path = join(dir, "t.json");
  writeFileSync(path, trace(kernels));
  const s = analyzeModels([await parseKineto(path)]);
  if (!s.kernels.available) throw new Error("no kernels");
  return new Map(s.kernels.byName.map((r) => [r.name, r]));
}

describe("kernels: % of GPU busy", () => {
  it("one name on three concurrent streams counts its union, not its sum", async () => {
    // k: [0,100) on 7, [0,100) on 8, [50,150) on 9; g: [150,160) on 10.
    // busy = [0,160) = 160 µs; k's union [0,150) = 150 µs → 93.75% (its durations sum to 300 µs: 187.5%)
    const rows = await kernelRows([
      ["k", 7, 0, 100],
      ["k", 8, 0, 100],
      ["k", 9, 50, 100],
      ["g", 10, 150, 10],
    ]);
    const k = rows.get("k")!;
    expect(k.totalNs).toBe(300_000);
    expect(k.pctOfBusy).toBeCloseTo((100 * 150) / 160, 9);
    expect(rows.get("g")!.pctOfBusy).toBeCloseTo((100 * 10) / 160, 9);
    // the shares of kernel time still come from the durations and sum to 100
    expect(k.pctOfKernelTime).toBeCloseTo((100 * 300) / 310, 9);
  });

  it("separate runs of one name add up: gaps between them are not counted", async () => {
    // k: [0,40) and [20,60) (overlap) then [100,130); g: [60,100). busy 130 µs, k's union 60 + 30 = 90 µs
    const rows = await kernelRows([
      ["k", 7, 0, 40],
      ["k", 8, 20, 40],
      ["g", 7, 60, 40],
      ["k", 7, 100, 30],
    ]);
    expect(rows.get("k")!.pctOfBusy).toBeCloseTo((100 * 90) / 130, 9);
    expect(rows.get("g")!.pctOfBusy).toBeCloseTo((100 * 40) / 130, 9);
  });
});
