/**
 * What large traces rely on: the key matcher, progress reporting, and the
 * trace tiler used by `npm run bench` (bench/tile.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseSize, shiftTs, tile } from "../../bench/tile.js";
import { KeyMatcher } from "../../parsers/json/keys.js";
import { parseKineto } from "../../parsers/kineto.js";
import { findSteps } from "../../src/analysis/steps.js";
import { GpuKind } from "../../src/model/tables.js";
import { fixture } from "../helpers/paths.js";

const TINY = fixture("llama-tiny-train.json.gz");
const tmp = mkdtempSync(join(tmpdir(), "llmprof-scale-"));

describe("KeyMatcher", () => {
  const keys = { ph: 1, cat: 2, "External id": 3, "Sequence number": 4, "est. achieved occupancy %": 5, é: 6 };
  const m = new KeyMatcher(keys);
  const match = (s: string) => {
    const b = Buffer.from(`xx${s}yy`, "utf8"); // keys are matched inside a larger buffer
    return m.match(b, 2, b.length - 2);
  };
  it("finds every known key, including multi-byte ones", () => {
    for (const [k, id] of Object.entries(keys)) expect(match(k)).toBe(id);
  });
  it("rejects unknown keys: same length and ends, prefixes, empty, longer than any key", () => {
    for (const k of ["pH", "hp", "ca", "cats", "External Id", "Sequence numbex", "", "x".repeat(100), "e"]) expect(match(k)).toBe(0);
  });
});

describe("onProgress", () => {
  for (const [name, make] of [
    ["gzip", () => TINY],
    [
      "plain",
      () => {
        const p = join(tmp, "tiny.json");
        writeFileSync(p, gunzipSync(readFileSync(TINY)));
        return p;
      },
    ],
  ] as const) {
    it(`${name}: reports increasing byte counts that end at the text size`, async () => {
      const seen: number[] = [];
      const model = await parseKineto(make(), { blockBytes: 1 << 16, onProgress: (b) => seen.push(b) });
      expect(seen.length).toBeGreaterThan(10);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
      expect(seen[seen.length - 1]).toBe(model.meta.bytesRead);
    });
  }
});

describe("bench/tile.ts", () => {
  it("parses sizes in decimal and binary units", () => {
    expect(parseSize("250MB")).toBe(250e6);
    expect(parseSize("1GB")).toBe(1e9);
    expect(parseSize("2.2GB")).toBe(2.2e9);
    expect(parseSize("2GiB")).toBe(2 ** 31);
    expect(parseSize("4096")).toBe(4096);
    expect(() => parseSize("lots")).toThrow();
  });

  it("shifts timestamp literals by whole µs and keeps their digits", () => {
    expect(shiftTs(false, 4716031606954, ".386", 1000)).toBe("4716031607954.386");
    expect(shiftTs(false, 12, "", 5)).toBe("17");
    expect(shiftTs(true, -5, ".3", 0)).toBe("-5.3");
    expect(shiftTs(true, -5, ".3", 10)).toBe("4.7");
    expect(shiftTs(true, -0, ".250", 1)).toBe("0.750");
    expect(shiftTs(true, -0, ".5", 0)).toBe("-0.5");
    expect(shiftTs(true, -2, "", 1)).toBe("-1");
    expect(shiftTs(true, -3, ".25", 1)).toBe("-2.25");
  });

  it("tiles a real trace: valid JSON, every event kind scaled, distinct steps, launches still linked", async () => {
    const out = join(tmp, "tiled.json");
    const r = tile({ from: TINY, out, sizeBytes: 3 * 3.4e6 });
    expect(r.copies).toBe(3);
    const text = readFileSync(out, "utf8");
    const raw = JSON.parse(text) as { traceEvents: { ph?: string; cat?: string; name?: string }[] };
    const orig = JSON.parse(gunzipSync(readFileSync(TINY)).toString("utf8")) as typeof raw;
    const metaCount = orig.traceEvents.filter((e) => e.ph === "M").length;
    expect(raw.traceEvents.length).toBe(3 * orig.traceEvents.length - 2 * metaCount);

    const one = await parseKineto(TINY);
    const three = await parseKineto(out);
    expect(three.cpu.length).toBe(3 * one.cpu.length);
    expect(three.gpu.length).toBe(3 * one.gpu.length);
    expect(three.runtime.length).toBe(3 * one.runtime.length);
    expect(three.fwdbwd.length).toBe(3 * one.fwdbwd.length);
    expect(three.memory.length).toBe(3 * one.memory.length);
    const linked = (m: typeof one) => Array.from(m.gpu.launch).filter((l) => l >= 0).length;
    expect(linked(three)).toBe(3 * linked(one));
    expect(three.diagnostics.find((d) => d.id === "duplicate-correlation")).toBeUndefined();

    const steps = findSteps(three).steps.map((s) => s.number);
    const base = findSteps(one).steps.map((s) => s.number);
    expect(steps.length).toBe(3 * base.length);
    expect(new Set(steps).size).toBe(steps.length);

    // copy k is copy 0 shifted by k * shift: kernel durations and gaps repeat exactly
    const kernels = (m: typeof one) => {
      const d: number[] = [];
      for (let i = 0; i < m.gpu.length; i++) if (m.gpu.kind[i] === GpuKind.Kernel) d.push(m.gpu.end[i]! - m.gpu.start[i]!);
      return d;
    };
    const k1 = kernels(one);
    const k3 = kernels(three);
    expect(k3.slice(0, k1.length)).toEqual(k1);
    expect(k3.slice(2 * k1.length)).toEqual(k1);
    const shift = three.gpu.start[one.gpu.length]! - three.gpu.start[0]!;
    expect(three.gpu.start[2 * one.gpu.length]! - three.gpu.start[one.gpu.length]!).toBe(shift);
    expect(shift % 1000).toBe(0); // whole µs
  });

  it("reads a gzip source and writes at least one copy for tiny sizes", () => {
    const src = join(tmp, "small.json.gz");
    writeFileSync(src, gzipSync(JSON.stringify({ traceEvents: [{ ph: "X", cat: "kernel", name: "k", pid: 0, tid: 7, ts: -1.5, dur: 2, args: { correlation: 9 } }] })));
    const out = join(tmp, "small.json");
    expect(tile({ from: src, out, sizeBytes: 1 }).copies).toBe(1);
    const r = tile({ from: src, out, sizeBytes: 400 });
    const ev = (JSON.parse(readFileSync(out, "utf8")) as { traceEvents: { ts: number; args: { correlation: number } }[] }).traceEvents;
    expect(ev.length).toBe(r.copies);
    expect(ev.map((e) => e.args.correlation)).toEqual(ev.map((_, k) => 9 + 10 * k));
    expect(ev[1]!.ts).toBe(-1.5 + (2 + 1000)); // span (2 µs) + 1 ms gap
  });
});
