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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
