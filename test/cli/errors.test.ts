import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";

const dir = mkdtempSync(join(tmpdir(), "llmprof-bad-"));
const text = gunzipSync(readFileSync(fixture("llama-tiny-train.json.gz")));

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe("bad input: one clear line naming the file, exit code 2", () => {
  it("empty file", () => {
    const p = file("empty.json", "");
    expectCleanError(runCli(["analyze", p]), p, /empty/);
  });
  it("not JSON", () => {
    const p = file("notes.json", "hello, this is not a trace\n");
    expectCleanError(runCli(["analyze", p]), p, /unrecognised format|not a PyTorch Profiler trace/);
  });
  it("JSON cut before any event", () => {
    const p = file("cut-early.json", '{"schemaVersion": 1, "deviceProperties": [');
    expectCleanError(runCli(["analyze", p]), p, /traceEvents/);
  });
  it("corrupt gzip", () => {
    const gz = gzipSync(text);
    for (let i = 200; i < 400; i++) gz[i] = gz[i]! ^ 0x5a;
    const p = file("corrupt.json.gz", gz);
    expectCleanError(runCli(["analyze", p]), p, /corrupt gzip|not valid JSON|not a PyTorch/);
  });
  it("valid JSON that is not a trace", () => {
    const p = file("package.json", JSON.stringify({ schemaVersion: 2, name: "x", deviceProperties: [] }));
    expectCleanError(runCli(["analyze", p]), p, /no `traceEvents` array/);
  });
  it("a path that does not exist", () => {
    const p = join(dir, "missing.json.gz");
    expectCleanError(runCli(["analyze", p]), p, /no such file/);
  });
  it("a directory with no traces", () => {
    const d = join(dir, "empty-dir");
    mkdirSync(d);
    file("empty-dir/readme.txt", "nothing here");
    expectCleanError(runCli(["analyze", d]), d, /no trace files/);
  });
  it("bad --steps value", () => {
    const r = runCli(["analyze", fixture("llama-tiny-train.json.gz"), "--steps", "x-y"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("truncated traces are analysed as partial", () => {
  it("plain JSON cut in the middle of the events", () => {
    const p = file("cut.json", text.subarray(0, Math.floor(text.length * 0.6)));
    const r = runCli(["analyze", p, "--format", "json"]);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as { trace: { partial: boolean }; diagnostics: { id: string }[] };
    expect(s.trace.partial).toBe(true);
    expect(s.diagnostics.map((d) => d.id)).toContain("truncated-input");
  });
  it("gzip stream cut short", () => {
    const gz = gzipSync(text);
    const p = file("cut.json.gz", gz.subarray(0, Math.floor(gz.length * 0.5)));
    const r = runCli(["analyze", p, "--format", "json"]);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as { trace: { partial: boolean } };
    expect(s.trace.partial).toBe(true);
    expect(runCli(["analyze", p]).stdout).toMatch(/PARTIAL/);
  });
});

describe("outputs", () => {
  it("writes summary.json with the schema version and refuses to overwrite a foreign file", () => {
    const out = join(dir, "out.json");
    const r = runCli(["analyze", fixture("llama-tiny-train.json.gz"), "-o", out]);
    expect(r.status).toBe(0);
    const s = JSON.parse(readFileSync(out, "utf8")) as { schema: string };
    expect(s.schema).toBe("llmprof.summary/1");
    // re-running over our own output is fine
    expect(runCli(["analyze", fixture("llama-tiny-train.json.gz"), "-o", out]).status).toBe(0);
    const foreign = file("precious.json", '{"mine": true}');
    expectCleanError(runCli(["analyze", fixture("llama-tiny-train.json.gz"), "-o", foreign]), foreign, /refusing to overwrite/);
    expect(readFileSync(foreign, "utf8")).toBe('{"mine": true}');
  });
  it("never overwrites an input", () => {
    const copy = file("input.json", text);
    expectCleanError(runCli(["analyze", copy, "-o", copy, "--force"]), copy, /is one of the inputs/);
    expect(readFileSync(copy).length).toBe(text.length);
  });
  it("info prints the capabilities of a trace", () => {
    const r = runCli(["info", fixture("llama-tiny-train.json.gz")]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/yes\s+modules/);
    expect(r.stdout).toMatch(/kernel\/X\s+596/);
  });
});
