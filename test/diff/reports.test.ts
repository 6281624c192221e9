/** The diff's outputs: Markdown (escaped, < 65,000 chars), HTML (CSP, no markup from trace strings), JSON, and the CLI. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { diffSummaries } from "../../src/analysis/diff.js";
import type { Summary } from "../../src/analysis/summary.js";
import { loadTraces } from "../../parsers/registry.js";
import { renderJson } from "../../reports/json.js";
import { renderDiffHtml } from "../../reports/diff-html.js";
import { MARKDOWN_DIFF_LIMIT, renderDiffMarkdown } from "../../reports/diff-markdown.js";
import { renderDiffText } from "../../reports/diff-text.js";
import { chromiumAvailable, launch } from "../reports/browser.js";
import { tempDir } from "../reports/build.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";

const EAGER = fixture("llama-tiny-train-eager.json.gz");
const SDPA = fixture("llama-tiny-train.json.gz");

async function summarize(path: string): Promise<Summary> {
  return analyzeModels(await loadTraces([path]));
}

const HOSTILE = "<script>alert(1)</script>|a`b&c <img src=x onerror=alert(2)>";

/** The head run with one operator renamed to a hostile string (a trace can name ops anything). */
async function hostilePair(): Promise<[Summary, Summary]> {
  const base = await summarize(SDPA);
  const head = JSON.parse(JSON.stringify(base)) as Summary;
  if (!head.operators.available) throw new Error("operators unavailable");
  head.operators.byName[0]!.name = HOSTILE;
  return [base, head];
}

describe("diff reports", () => {
  it("Markdown escapes trace strings and stays a table", async () => {
    const [b, h] = await hostilePair();
    const md = renderDiffMarkdown(diffSummaries(b, h));
    expect(md.startsWith("## llmprof diff: ")).toBe(true);
    expect(md).not.toMatch(/<script|<img/);
    expect(md).toContain("&lt;script&gt;alert(1)&lt;/script&gt;\\|a&#96;b&amp;c");
    // every table row keeps its 8 cells: an unescaped | would add one
    for (const line of md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| ---"))) {
      expect(line.replace(/\\\|/g, "").split("|").length - 2, line).toBe(8);
    }
  });

  it("Markdown shrinks to fit a pull-request comment", async () => {
    const base = await summarize(SDPA);
    const head = JSON.parse(JSON.stringify(base)) as Summary;
    if (!head.kernels.available || !head.operators.available) throw new Error("unavailable");
    // thousands of long, distinct names: far beyond one comment at full size
    const k = head.kernels.byName[0]!;
    for (let i = 0; i < 4000; i++) head.kernels.byName.push({ ...k, name: `kernel_${i}_${"x".repeat(300)}`, totalNs: 1e6 + i });
    const md = renderDiffMarkdown(diffSummaries(base, head));
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_DIFF_LIMIT);
    expect(md).toContain("### Kernels");
  });

  it("HTML: strict CSP, no script, trace strings only as text", async () => {
    const [b, h] = await hostilePair();
    const html = renderDiffHtml(diffSummaries(b, h));
    expect(html.slice(0, 4096)).toContain("llmprof");
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-/);
    // the only <script> is the inert JSON data block
    expect(html.match(/<script/g)!.length).toBe(1);
    expect(html).toContain('<script type="application/json" id="llmprof-diff">');
    expect(html).not.toMatch(/<img|<script>alert/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;|a`b&amp;c");
    if (!chromiumAvailable()) return;
    const file = join(tempDir("llmprof-diff-"), "diff.html");
    writeFileSync(file, html);
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("dialog", (d) => {
        problems.push(`dialog ${d.message()}`);
        void d.dismiss();
      });
      await page.goto(`file://${file}`);
      expect(await page.locator("img").count()).toBe(0);
      expect(await page.locator("table.diff").count()).toBeGreaterThan(5);
      const text = await page.locator("body").innerText();
      expect(text).toContain("<script>alert(1)</script>|a`b&c");
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("text names both runs and every section", async () => {
    const d = diffSummaries(await summarize(EAGER), await summarize(SDPA));
    const t = renderDiffText(d);
    expect(t.startsWith("llmprof ")).toBe(true);
    for (const s of d.sections) expect(t).toContain(s.title);
  });
});

describe("llmprof diff (CLI)", () => {
  it("writes diff.html, diff.json and diff.md into a directory; a summary.json works as an input", () => {
    const dir = tempDir("llmprof-diff-");
    const summary = join(dir, "eager.json");
    expect(runCli(["analyze", EAGER, "-o", summary]).status).toBe(0);
    const out = join(dir, "out") + "/";
    const r = runCli(["diff", summary, SDPA, "-o", out]);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, "diff.json"), "utf8")) as { schema: string; base: { files: string[] }; sections: { id: string; available: boolean }[] };
    expect(json.schema).toBe("llmprof.diff/1");
    expect(json.base.files[0]).toContain("llama-tiny-train-eager");
    expect(json.sections.map((s) => s.id)).toEqual(["steps", "temporal", "phases", "moduleClasses", "moduleInstances", "operators", "kernelCategories", "kernels", "idle", "overlap", "figures"]);
    expect(readFileSync(join(out, "diff.md"), "utf8").startsWith("## llmprof diff")).toBe(true);
    expect(readFileSync(join(out, "diff.html"), "utf8").startsWith("<!DOCTYPE html>")).toBe(true);
    expect(r.stdout).toContain("Modules by class");
    // a second run replaces its own outputs
    expect(runCli(["diff", summary, SDPA, "-o", out]).status).toBe(0);
  });

  it("prints Markdown with --format md", () => {
    const r = runCli(["diff", EAGER, SDPA, "--format", "md"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.startsWith("## llmprof diff")).toBe(true);
  });

  it("bad input: one line naming the file", () => {
    expectCleanError(runCli(["diff", EAGER, "/nonexistent/x.json"]), "/nonexistent/x.json", /no such file/);
    const dir = tempDir("llmprof-diff-");
    const bad = join(dir, "notes.json");
    writeFileSync(bad, JSON.stringify({ hello: 1 }));
    expectCleanError(runCli(["diff", bad, SDPA]), bad, /not an llmprof summary\.json/);
    expectCleanError(runCli(["diff", EAGER, SDPA, "--format", "pdf"]), "--format", /unknown format "pdf"/);
  });

  it("the JSON round-trips through renderJson/summary.json unchanged in meaning", async () => {
    // summary.json written by analyze and read back gives the same diff as the in-memory summary
    const s = await summarize(EAGER);
    const dir = tempDir("llmprof-diff-");
    const p = join(dir, "s.json");
    writeFileSync(p, renderJson(s));
    const r = runCli(["diff", p, EAGER, "--format", "json"]);
    expect(r.status, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as { sections: { available: boolean; rows?: { deltaAbs: number | null }[] }[] };
    for (const sec of d.sections) for (const row of sec.rows ?? []) expect(row.deltaAbs ?? 0).toBe(0);
  });
});
