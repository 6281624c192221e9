/**
 * MTIA (Kineto with `mtia_runtime` calls and `mtia_ccp_events` device events linked
 * only by `ac2g` flows): the parser's device rows and launch links are checked
 * against a plain second reading of the raw JSON. Needs ../shared (the 3 MB
 * trace is not copied into fixtures); skips with a note otherwise.
 */
import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { GpuKind } from "../../src/model/tables.js";
import { sharedTrace } from "../helpers/paths.js";
import { readRaw } from "../helpers/raw.js";

const MTIA = sharedTrace("external/hta/mtia_rank_0.json.gz");

describe.skipIf(MTIA === null)("MTIA device activity through ac2g flows", () => {
  it("reads every mtia_ccp_events event as device activity and links those an ac2g flow ends on to their mtia_runtime call", async () => {
    const raw = readRaw(MTIA!).traceEvents;
    const device = raw.filter((e) => e.cat === "mtia_ccp_events" && e.ph === "X");
    const runtimeCorrelations = new Set(raw.filter((e) => e.cat === "mtia_runtime" && e.ph === "X").map((e) => e.args?.["correlation"]));
    const flowEndAt = new Map<string, number>();
    for (const e of raw) if (e.cat === "ac2g" && e.ph === "f") flowEndAt.set(`${e.pid}:${e.tid}:${e.ts}`, e.id!);
    const linked = device.filter((e) => runtimeCorrelations.has(flowEndAt.get(`${e.pid}:${e.tid}:${e.ts}`))).length;
    const totalUs = device.reduce((sum, e) => sum + (e.dur ?? 0), 0);
    const dma = device.filter((e) => e.name!.startsWith("dma_")).length;

    const model = await parseKineto(MTIA!);
    const gpu = model.gpu;
    let totalNs = 0;
    let launched = 0;
    let memcpy = 0;
    for (let i = 0; i < gpu.length; i++) {
      totalNs += gpu.end[i]! - gpu.start[i]!;
      if (gpu.launch[i]! >= 0) launched++;
      if (gpu.kind[i] === GpuKind.Memcpy) memcpy++;
    }
    expect(device.length).toBeGreaterThan(0);
    expect(gpu.length).toBe(device.length);
    // µs with three decimals read as integer ns: at most 1 ns of rounding per event
    expect(Math.abs(totalNs - totalUs * 1000)).toBeLessThanOrEqual(device.length);
    expect(launched).toBeGreaterThan(0);
    expect(launched).toBe(linked);
    expect(memcpy).toBe(dma);
    expect(model.runtime.length).toBe(runtimeCorrelations.size);
    expect(new Set(gpu.device)).toEqual(new Set(device.map((e) => e.pid)));
  }, 60_000);
});
