/**
 * Many tiny events: 10^5 by default, 10^7 with LLMPROF_FUZZ_LONG=1 (about 1 GB
 * of JSON; written streaming, parsed streaming). The result must be complete
 * and consistent.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { loadTraces } from "../../parsers/registry.js";
import { boundSummary, DEFAULT_TOP_ROWS, OTHERS_NAME } from "../../reports/top-rows.js";
import { renderTerminal } from "../../reports/terminal.js";

const N = process.env["LLMPROF_FUZZ_LONG"] ? 10_000_000 : 100_000;

describe(`${N.toLocaleString("en-US")} tiny events`, () => {
  it("parses and analyses them all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llmprof-many-"));
    const path = join(dir, "many.json");
    const fd = openSync(path, "w");
    writeSync(fd, '{"schemaVersion": 1, "traceEvents": [\n');
    const lines: string[] = [];
    for (let i = 0; i < N; i++) {
      // alternating kernels and their launches, 1 µs apart
      lines.push(
        i % 2 === 0
          ? `{"ph":"X","cat":"cuda_runtime","name":"cudaLaunchKernel","pid":1,"tid":1,"ts":${i}.5,"dur":0.3,"args":{"correlation":${i}}}`
          : `{"ph":"X","cat":"kernel","name":"k${i % 7}","pid":0,"tid":7,"ts":${i}.1,"dur":0.5,"args":{"correlation":${i - 1},"device":0,"stream":7}}`,
      );
      if (lines.length === 10_000 || i === N - 1) {
        writeSync(fd, lines.join(",\n") + (i === N - 1 ? "\n" : ",\n"));
        lines.length = 0;
      }
    }
    writeSync(fd, "]}\n");
    closeSync(fd);
    try {
      const models = await loadTraces([path]);
      expect(models[0]!.gpu.length).toBe(N / 2);
      expect(models[0]!.runtime.length).toBe(N / 2);
      let linked = 0;
      for (let g = 0; g < models[0]!.gpu.length; g++) if (models[0]!.gpu.launch[g]! >= 0) linked++;
      expect(linked).toBe(N / 2);
      const s = analyzeModels(models);
      if (!s.kernels.available) throw new Error("kernels unavailable");
      expect(s.kernels.count).toBe(N / 2);
      expect(s.kernels.totalNs).toBeCloseTo((N / 2) * 500, 0);
      // the 7 kernel names repeat in a fixed order: a block of 7 found about N/14 times,
      // far more layers than any model has; the outputs keep the first ones and one "(all others)" row
      if (!s.inferredLayers.available) throw new Error("no inferred layers");
      const layers = s.inferredLayers.layers;
      expect(s.inferredLayers.opsPerLayer).toBe(7);
      expect(layers.length).toBeGreaterThan(N / 14 - 10);
      const bounded = boundSummary(s);
      if (!bounded.inferredLayers.available) throw new Error("no inferred layers");
      const kept = bounded.inferredLayers.layers;
      expect(kept).toHaveLength(DEFAULT_TOP_ROWS + 1);
      const others = kept[DEFAULT_TOP_ROWS] as unknown as { index: string; others: number; totalNs: number };
      expect(others.index).toBe(OTHERS_NAME);
      expect(others.others).toBe(layers.length - DEFAULT_TOP_ROWS);
      expect(others.totalNs).toBeCloseTo(
        layers.slice(DEFAULT_TOP_ROWS).reduce((a, l) => a + l.totalNs, 0),
        3,
      );
      expect(bounded.bounded).toContainEqual({ table: "inferredLayers.layers", rows: layers.length, kept: DEFAULT_TOP_ROWS });
      const text = renderTerminal(bounded);
      expect(text.split("\n").filter((l) => /^#\d+ +\d+\.\d\d +\d+\.\d\d$/.test(l))).toHaveLength(60);
      expect(text).toContain(`(all others: ${(layers.length - 60).toLocaleString("en-US")} layers)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
