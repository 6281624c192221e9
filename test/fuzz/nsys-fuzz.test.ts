/**
 * Damaged Nsight Systems exports (a real fixture, cut or with flipped bytes):
 * a result or one LlmprofError, never another exception.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { LlmprofError } from "../../src/errors.js";
import { loadTraces } from "../../parsers/registry.js";
import { fixture } from "../helpers/paths.js";
import { rng } from "./mutators.js";

const dir = mkdtempSync(join(tmpdir(), "llmprof-nsys-fuzz-"));

async function outcome(path: string): Promise<string | null> {
  try {
    analyzeModels(await loadTraces([path]));
    return null;
  } catch (e) {
    if (e instanceof LlmprofError && !e.message.includes("\n")) return null;
    return e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e);
  }
}

describe("Nsight fuzzing", () => {
  for (const [name, ext] of [
    ["nsys-tiny-train.sqlite.gz", ".sqlite"],
    ["nsys-tiny-train.arrow.gz", ".arrow"],
    ["nsys-tiny-train.json.gz", ".json"],
  ] as const) {
    it(`${name}: 40 cut or byte-flipped copies`, async () => {
      const original = gunzipSync(readFileSync(fixture(`nsys/${name}`)));
      const failures: string[] = [];
      for (let i = 0; i < 40; i++) {
        const r = rng(1000 + i);
        let buf: Buffer;
        if (i % 2 === 0) buf = original.subarray(0, Math.floor(r() * original.length));
        else {
          buf = Buffer.from(original);
          for (let k = 0; k < 20; k++) buf[Math.floor(r() * buf.length)] = Math.floor(r() * 256);
        }
        const path = join(dir, `case-${i}${ext}`);
        writeFileSync(path, buf);
        const f = await outcome(path);
        if (f) failures.push(`case ${i}: ${f}`);
        rmSync(path, { force: true });
      }
      expect(failures).toEqual([]);
    });
  }
});
