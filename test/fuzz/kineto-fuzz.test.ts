/**
 * Fuzzing the Kineto path with a seeded mutator of a real trace: every case
 * must end in a result (with a consistent model; partial where data was lost)
 * or in an LlmprofError — never another exception or a hang.
 * LLMPROF_FUZZ_CASES raises the count (default 2000); LLMPROF_FUZZ_SEED changes the seed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { LlmprofError } from "../../src/errors.js";
import { loadTraces } from "../../parsers/registry.js";
import { assertModelIntegrity } from "../helpers/integrity.js";
import { runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";
import { MUTATIONS, rng, type Base } from "./mutators.js";

const CASES = Number(process.env["LLMPROF_FUZZ_CASES"] ?? 2000);
const SEED = Number(process.env["LLMPROF_FUZZ_SEED"] ?? 20261127);
const dir = mkdtempSync(join(tmpdir(), "llmprof-fuzz-"));

/** A ~100 KB slice of the real tiny trace that still has every kind of event. */
function baseTrace(): Base {
  const raw = JSON.parse(gunzipSync(readFileSync(fixture("llama-tiny-train.json.gz"))).toString("utf8")) as { traceEvents: Record<string, unknown>[] } & Record<string, unknown>;
  const events = raw.traceEvents.filter((e, i) => i % 25 === 0 || ["user_annotation", "gpu_user_annotation"].includes(e["cat"] as string) || e["ph"] === "M");
  const head: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (k !== "traceEvents") head[k] = v;
  return { head: JSON.stringify(head), events: events.map((e) => JSON.stringify(e)) };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`hang: no result within ${ms} ms`)), ms))]);
}

describe(`Kineto fuzzing: ${CASES} seeded cases (seed ${SEED})`, () => {
  const base = baseTrace();
  const names = Object.keys(MUTATIONS);

  it("ends every case in a result or one LlmprofError", async () => {
    const failures: string[] = [];
    const outcomes: Record<string, number> = { result: 0, partial: 0, error: 0 };
    for (let i = 0; i < CASES; i++) {
      const name = names[i % names.length]!;
      const r = rng(SEED + i);
      const content = MUTATIONS[name]!(base, r);
      const gz = r() < 0.3;
      const path = join(dir, `case-${i}.json${gz ? ".gz" : ""}`);
      writeFileSync(path, gz ? gzipSync(content) : content);
      try {
        const models = await withTimeout(loadTraces([path]), 20_000);
        for (const m of models) assertModelIntegrity(m);
        const s = analyzeModels(models);
        JSON.stringify(s);
        outcomes[s.trace.partial ? "partial" : "result"]!++;
      } catch (e) {
        if (e instanceof LlmprofError && !e.message.includes("\n")) outcomes["error"]!++;
        else failures.push(`case ${i} (${name}): ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}` : String(e)}`);
      } finally {
        rmSync(path, { force: true });
      }
    }
    process.stderr.write(`[fuzz] ${CASES} cases: ${JSON.stringify(outcomes)}, ${failures.length} failures\n`);
    expect(failures).toEqual([]);
  });

  it("the CLI answers damaged files with exit 0 or one error line and exit 2, never a stack trace", () => {
    for (let i = 0; i < 24; i++) {
      const name = names[i % names.length]!;
      const path = join(dir, `cli-${i}.json`);
      writeFileSync(path, MUTATIONS[name]!(base, rng(SEED * 7 + i)));
      const res = runCli(["analyze", path, "-f", "json"]);
      expect([0, 2], `${name}: ${res.stderr}`).toContain(res.status);
      if (res.status === 2) expect(res.stderr.trim().split("\n"), name).toHaveLength(1);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("a gzip bomb stops at the decompression limit with a clear error", async () => {
    const path = join(dir, "bomb.json.gz");
    // 256 MiB of spaces compress to ~256 KiB: a valid-looking prefix, then nothing but padding
    const chunk = Buffer.alloc(16 << 20, 0x20);
    const gz = gzipSync(Buffer.concat([Buffer.from('{"traceEvents": ['), ...Array.from({ length: 16 }, () => chunk)]), { level: 9 });
    writeFileSync(path, gz);
    await expect(loadTraces([path], { maxTextBytes: 64 << 20 })).rejects.toThrow(/decompresses to more than/);
  });
});
