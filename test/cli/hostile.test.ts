/** Issue 23: hostile input II. Every adversarial input is generated here, small. */
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeOutput } from "../../src/cli/output.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";

const dir = mkdtempSync(join(tmpdir(), "llmprof-hostile-"));
const trace = fixture("llama-tiny-train.json.gz");

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe("temporary files (point 1)", () => {
  it("never follows a symlink planted at the old predictable temp name", () => {
    const victim = file("victim.txt", "precious");
    const out = join(dir, "planted.json");
    // the name main used: .<name>.<pid>.tmp
    symlinkSync(victim, join(dir, `.planted.json.${process.pid}.tmp`));
    writeOutput(out, '{"llmprof": 1}', { inputs: [], force: false });
    expect(readFileSync(victim, "utf8")).toBe("precious");
    expect(readFileSync(out, "utf8")).toBe('{"llmprof": 1}');
  });
  it("leaves no temporary file behind and uses unpredictable names", () => {
    const sub = mkdtempSync(join(dir, "clean-"));
    writeOutput(join(sub, "a.json"), "llmprof a", { inputs: [], force: false });
    writeOutput(join(sub, "a.json"), "llmprof b", { inputs: [], force: false });
    expect(readdirSync(sub)).toEqual(["a.json"]);
  });
});

describe("every input file is protected from -o ... --force (point 8)", () => {
  for (const flag of ["--config", "--peaks", "--gpu-info"]) {
    it(flag, () => {
      const content = flag === "--gpu-info" ? "<nvidia_smi_log><gpu><product_name>NVIDIA H100 80GB HBM3</product_name></gpu></nvidia_smi_log>\n" : flag === "--peaks" ? "tflops:\n  bf16: 989.4\n" : "findings: {}\n";
      const p = file(`settings${flag}.json`, content);
      const r = runCli(["analyze", trace, flag, p, "-o", p, "--force"]);
      expectCleanError(r, p, /is one of the inputs/);
      expect(readFileSync(p, "utf8")).toBe(content);
    });
  }
  it("check --budget (already protected; kept so it stays so)", () => {
    const p = file("budget.json", '{"step_time_ms": 1000}');
    expectCleanError(runCli(["check", trace, "--budget", p, "--junit", p, "--force"]), p, /is one of the inputs/);
    expect(readFileSync(p, "utf8")).toBe('{"step_time_ms": 1000}');
  });
});
