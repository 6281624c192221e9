/** Reading summary.json back: schema versions, migration hook, clear errors. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { validateSummary } from "../../src/analysis/summary-io.js";
import { loadSummary } from "../../src/io/summary-file.js";
import { LlmprofError } from "../../src/errors.js";
import { loadTraces } from "../../parsers/registry.js";
import { renderJson } from "../../reports/json.js";
import { tempDir } from "../reports/build.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";

async function summaryText(): Promise<string> {
  return renderJson(analyzeModels(await loadTraces([fixture("llama-tiny-train.json.gz")])));
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LlmprofError);
    return (e as Error).message;
  }
  throw new Error("no error");
}

describe("summary.json schema", () => {
  it("reads the current schema back", async () => {
    const dir = tempDir("llmprof-sio-");
    const p = join(dir, "summary.json");
    writeFileSync(p, await summaryText());
    const s = loadSummary(p);
    expect(s.schema).toBe("llmprof.summary/1");
    expect(s.steps.available).toBe(true);
  });

  it("an older or newer version, a missing schema, a diff, or a cut-short file: one clear line", async () => {
    const obj = JSON.parse(await summaryText()) as Record<string, unknown>;
    expect(errorOf(() => validateSummary({ ...obj, schema: "llmprof.summary/0" }, "old.json"))).toMatch(
      /^old\.json: summary schema "llmprof\.summary\/0" is not supported \(this llmprof reads llmprof\.summary\/1\); re-run `llmprof analyze`/,
    );
    expect(errorOf(() => validateSummary({ ...obj, schema: "llmprof.summary/2" }, "new.json"))).toMatch(/written by a newer llmprof/);
    const { schema: _drop, ...noSchema } = obj;
    expect(errorOf(() => validateSummary(noSchema, "x.json"))).toMatch(/no "schema" field/);
    expect(errorOf(() => validateSummary({ schema: "llmprof.diff/1" }, "d.json"))).toMatch(/is an llmprof diff/);
    const { modules: _m, ...cut } = obj;
    expect(errorOf(() => validateSummary(cut, "c.json"))).toMatch(/missing its "modules" section/);
    expect(errorOf(() => validateSummary([1, 2], "a.json"))).toMatch(/expected a JSON object/);
  });

  it("the CLI reports an old summary.json as a one-line error, exit 2", async () => {
    const dir = tempDir("llmprof-sio-");
    const p = join(dir, "old-summary.json");
    writeFileSync(p, (await summaryText()).replace('"schema": "llmprof.summary/1"', '"schema": "llmprof.summary/0"'));
    expectCleanError(runCli(["diff", p, fixture("llama-tiny-train.json.gz")]), p, /summary schema "llmprof\.summary\/0" is not supported/);
    expectCleanError(runCli(["check", p, "--baseline", fixture("llama-tiny-train.json.gz")]), p, /not supported/);
  });
});
