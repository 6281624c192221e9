import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { parseKineto } from "../../parsers/kineto.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";
import { readRaw, referenceSteps } from "../helpers/raw.js";

const dir = mkdtempSync(join(tmpdir(), "llmprof-config-"));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("config file", () => {
  it("user category rules come first: softmax_warp kernels become attention", async () => {
    const path = fixture("llama-tiny-train-eager.json.gz");
    const options = loadConfig(write("cats.yml", "categories:\n  - { category: attention, pattern: softmax_warp }\n"));
    const s = analyzeModels([await parseKineto(path)], options);
    if (!s.kernels.available) throw new Error("unavailable");
    const raw = readRaw(path);
    const st = referenceSteps(raw);
    const expected = raw.traceEvents.filter((e) => e.cat === "kernel" && /softmax_warp/.test(e.name ?? "") && e.ts! >= st[0]!.start && e.ts! < st[st.length - 1]!.end).length;
    expect(expected).toBeGreaterThan(0);
    const attention = s.kernels.byName.filter((k) => k.category === "attention" && /softmax_warp/.test(k.name)).reduce((a, k) => a + k.count, 0);
    expect(attention).toBe(expected);
  });

  it("disables rules and changes thresholds", async () => {
    const options = loadConfig(write("f.json", JSON.stringify({ findings: { disable: ["host-bound"], thresholds: { "tiny-kernels.minPctShorter": 99.5 } } })));
    const s = analyzeModels([await parseKineto(fixture("llama-tiny-train.json.gz"))], options);
    if (!s.findings.available) throw new Error("unavailable");
    expect(s.findings.disabled).toEqual(["host-bound"]);
    expect(s.findings.passed).toContain("tiny-kernels");
  });

  it("typos are errors naming the file and what is known", () => {
    const bad = write("bad.yml", "findings:\n  thresholds:\n    host-bound.minPct: 3\n");
    expectCleanError(runCli(["analyze", fixture("llama-tiny-train.json.gz"), "--config", bad]), bad, /unknown threshold "host-bound.minPct" \(known for host-bound: minPctOfWindow\)/);
    const cat = write("cat.yml", "categories:\n  - { category: gemmm, pattern: x }\n");
    expectCleanError(runCli(["analyze", fixture("llama-tiny-train.json.gz"), "--config", cat]), cat, /unknown category "gemmm"/);
    const yaml = write("broken.yml", "categories: [\n");
    expectCleanError(runCli(["analyze", fixture("llama-tiny-train.json.gz"), "--config", yaml]), yaml, /not valid YAML/);
  });
});
