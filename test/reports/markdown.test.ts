/**
 * summary.md: the figures it prints agree with the raw trace (recomputed here
 * from the JSON events), and it stays under GitHub's comment limit however big
 * the summary gets.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Summary } from "../../src/analysis/summary.js";
import { escapeMarkdown, MARKDOWN_LIMIT, renderMarkdown } from "../../reports/markdown.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { isGpu, readRaw, referenceSteps } from "../helpers/raw.js";
import { buildReports, type Built } from "./build.js";

const TINY = fixture("llama-tiny-train.json.gz");
let built: Built;
beforeAll(async () => {
  built = await buildReports([TINY]);
});

/** Rows of the Markdown table that follows `heading`, as arrays of cells. */
function tableAfter(md: string, heading: string): string[][] {
  const lines = md.split("\n");
  let i = lines.indexOf(heading);
  expect(i, heading).toBeGreaterThanOrEqual(0);
  while (!lines[i]!.startsWith("|")) i++;
  const rows: string[][] = [];
  for (i += 2; i < lines.length && lines[i]!.startsWith("|"); i++) {
    rows.push(
      lines[i]!.slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

describe("summary.md of the tiny training fixture", () => {
  const raw = readRaw(TINY);
  const steps = referenceSteps(raw);
  const from = steps[0]!.start;
  const to = steps[steps.length - 1]!.end;
  const inWindow = raw.traceEvents.filter((e) => isGpu(e) && e.ts! >= from && e.ts! < to);

  it("opens with a heading naming llmprof and is plain GFM", () => {
    expect(built.markdown.startsWith("## llmprof: llama-tiny-train.json")).toBe(true);
    expect(built.markdown).not.toMatch(/<(?!sub>|\/sub>)[a-z]/i); // no HTML but the footer's <sub>
  });

  it("has one step row per ProfilerStep with its duration", () => {
    const rows = tableAfter(built.markdown, "### Step breakdown");
    // "#2" carries a zero-width joiner so GitHub does not link issue 2
    expect(rows.map((r) => r[0]!.replace(/\u200d/g, ""))).toEqual(steps.map((s) => `#${s.number}`));
    rows.forEach((r, k) => expect(Math.abs(Number(r[2]) - (steps[k]!.end - steps[k]!.start) / 1e3)).toBeLessThanOrEqual(0.005));
  });

  it("counts every GPU activity of the window in the category table", () => {
    const rows = tableAfter(built.markdown, "### Kernel categories");
    const count = rows.reduce((a, r) => a + Number(r[1]!.replace(/,/g, "")), 0);
    expect(count).toBe(inWindow.length);
    const pct = rows.reduce((a, r) => a + Number(r[3]!.replace("%", "")), 0);
    expect(Math.abs(pct - 100)).toBeLessThan(0.1 * rows.length);
  });

  it("puts the kernel with the most summed time first", () => {
    const total = new Map<string, { n: number; us: number }>();
    for (const e of inWindow) {
      const t = total.get(e.name!) ?? { n: 0, us: 0 };
      t.n++;
      t.us += e.dur!;
      total.set(e.name!, t);
    }
    const top = [...total.values()].sort((a, b) => b.us - a.us)[0]!;
    const first = tableAfter(built.markdown, "### Top kernels")[0]!;
    expect(Number(first[2])).toBe(top.n);
    expect(Math.abs(Number(first[3]) - top.us / 1e3)).toBeLessThanOrEqual(0.005);
  });

  it("lists each parser diagnostic with its count", () => {
    for (const d of built.summary.diagnostics) expect(built.markdown).toContain(`\`${d.id}\` ×${d.count.toLocaleString("en-US")}`);
  });
});

describe("size", () => {
  it("fits the limit with 20,000 long kernel names, 400 steps and 300 diagnostics", () => {
    const s = structuredClone(built.summary) as Summary;
    if (!s.kernels.available || !s.temporal.available) throw new Error("fixture summary lacks kernels/temporal");
    const proto = s.kernels.byName[0]!;
    s.kernels.byName = Array.from({ length: 20_000 }, (_, i) => ({ ...proto, name: `kernel_${i}_${"x|<".repeat(400)}` }));
    const dev = s.temporal.devices[0]!;
    dev.steps = Array.from({ length: 400 }, (_, i) => ({ ...dev.steps[0]!, step: i }));
    s.diagnostics = Array.from({ length: 300 }, () => ({ ...built.summary.diagnostics[0]!, example: "e".repeat(5000) }));
    s.trace.files = Array.from({ length: 64 }, (_, i) => `/very/long/path/${"d".repeat(300)}/rank${i}.json`);
    const md = renderMarkdown(s);
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(md).toContain("### Top kernels");
    expect(md).toContain("### Notes");
  });

  const INFER = sharedTrace("kineto/llama-1b-infer-bs8.json.gz");
  it.skipIf(INFER === null)("is under 65,000 characters for the 1B inference trace (shared)", async () => {
    const { markdown } = await buildReports([INFER!]);
    expect(markdown.length).toBeLessThan(65_000);
    expect(markdown).toContain("### Top kernels");
  });
});

describe("escapeMarkdown", () => {
  it("escapes what would change a table cell, add markup or start code", () => {
    expect(escapeMarkdown("a|b<c>&d`e*f[g]h\\i")).toBe("a\\|b&lt;c&gt;&amp;d&#96;e\\*f\\[g\\]h\\\\i");
    expect(escapeMarkdown("two\nlines")).toBe("two lines");
    expect(escapeMarkdown("abcdef", 4)).toBe("abc…");
    expect(escapeMarkdown("nvjet_sm90_tst")).toBe("nvjet_sm90_tst");
  });
});

describe("summary.md of the SGLang serving trace", () => {
  const SGLANG = fixture("external/mi300-sglang-qwen3-8b-decode.json.gz");
  it("prints the per step kind rows with the batch and tokens of the raw marker, and TTFT n/a", async () => {
    const markers = readRaw(SGLANG).traceEvents.filter((e) => e.ph === "X" && e.cat === "user_annotation" && e.name === "step[DECODE bs=32]");
    const md = (await buildReports([SGLANG])).markdown;
    expect(md).toContain("time to first token n/a");
    const rows = tableAfter(md, "### Inference");
    expect(rows.map((r) => [r[0], Number(r[1]), Number(r[4]), Number(r[5]), r[3]])).toEqual([["decode", markers.length, 32, 32, "100.0%"]]);
  });
});
