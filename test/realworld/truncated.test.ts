/**
 * A trace cut before its first complete event is an error (exit 2, one line
 * naming the file and the byte of the cut), in `analyze` and in `batch`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CLI, fixture } from "../helpers/paths.js";

describe("truncated before the first complete event", () => {
  const text = gunzipSync(readFileSync(fixture("external/mi300-sglang-qwen3-8b-decode.json.gz"))).toString("utf8");
  // cut in the middle of the first event: just after the first '{' that follows "traceEvents"
  const firstEvent = text.indexOf("{", text.indexOf('"traceEvents"'));
  const cut = firstEvent + 20;
  expect(text.slice(firstEvent, cut)).not.toContain("}");
  const dir = mkdtempSync(join(tmpdir(), "llmprof-cut-"));
  const file = join(dir, "cut.json");
  writeFileSync(file, text.slice(0, cut));

  it("analyze exits 2 with one line naming the file and the cut", () => {
    const r = spawnSync(process.execPath, [CLI, "analyze", file, "-o", join(dir, "out")], { encoding: "utf8" });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith(`${file}: no complete event before the cut at byte ${Buffer.byteLength(text.slice(0, cut))}`)).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(dir)).toEqual(["cut.json"]);
  });

  it("batch lists it in the errors table, not as a result", () => {
    const out = join(dir, "batch");
    spawnSync(process.execPath, [CLI, "batch", file, "--out", out, "-j", "1"], { encoding: "utf8" });
    const files = readdirSync(out);
    const errorsCsv = files.find((f) => /error/i.test(f) && f.endsWith(".csv"));
    expect(errorsCsv, files.join(", ")).toBeDefined();
    expect(readFileSync(join(out, errorsCsv!), "utf8")).toContain("no complete event before the cut");
  });
});
