/** `llmprof analyze` writes the HTML report and the Markdown summary (built CLI, dist/). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";
import { tempDir } from "./build.js";

const TINY = fixture("llama-tiny-train.json.gz");

describe("analyze --format html/md", () => {
  it("writes report.html, summary.json and summary.md into a directory by default", () => {
    const out = join(tempDir("llmprof-cli-"), "out") + "/";
    const r = runCli(["analyze", TINY, "-o", out]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ["report.html", "summary.json", "summary.md"]) expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, "summary.txt"))).toBe(false);
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(/^<!DOCTYPE html>/);
    // a second run replaces its own outputs
    expect(runCli(["analyze", TINY, "-o", out]).status).toBe(0);
  });

  it("picks the format from the extension", () => {
    const dir = tempDir("llmprof-cli-");
    for (const [name, start] of [
      ["r.html", "<!DOCTYPE html>"],
      ["s.md", "## llmprof: "],
    ] as const) {
      const r = runCli(["analyze", TINY, "-o", join(dir, name)]);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(dir, name), "utf8").startsWith(start)).toBe(true);
    }
  });

  it("prints Markdown on stdout with --format md", () => {
    const r = runCli(["analyze", TINY, "--format", "md"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.startsWith("## llmprof: ")).toBe(true);
    expect(r.stdout).toContain("### Top kernels");
  });

  it("embeds the GPU timeline in the HTML it writes", () => {
    const file = join(tempDir("llmprof-cli-"), "r.html");
    expect(runCli(["analyze", TINY, "-o", file]).status).toBe(0);
    const m = /<script type="application\/json" id="llmprof-data">([\s\S]*?)<\/script>/.exec(readFileSync(file, "utf8"));
    const data = JSON.parse(m![1]!) as { timeline: { streams: unknown[] } | null };
    expect(data.timeline?.streams.length).toBeGreaterThan(0);
  });
});
