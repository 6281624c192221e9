/**
 * Every output names where the module results came from: Kineto module spans, NVTX
 * module ranges (nsys, forward-hook snippet), XLA name scopes (JAX XPlane), or layers
 * inferred from repeats (with the match's confidence). One small real fixture per source.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedOneDecimal } from "../../reports/format.js";
import { renderTerminal } from "../../reports/terminal.js";
import type { Summary } from "../../src/analysis/summary.js";
import { fixture } from "../helpers/paths.js";
import { chromiumAvailable, launch, openReport } from "./browser.js";
import { buildReports, tempDir, writeTemp, type Built } from "./build.js";

/** Fixture, the words its source line must hold, whether the modules are inferred. */
const CASES: [string, string, RegExp, boolean][] = [
  ["Kineto with_stack", fixture("l4-train-kineto-stack-step3.json.gz"), /^recorded: PyTorch Profiler nn\.Module spans \(with_stack=True\)/, false],
  ["nsys hook ranges + emit_nvtx", fixture("nsys/nsys-l4-train-hooks-step1.sqlite.gz"), /^recorded: NVTX module ranges .*linked through emit_nvtx sequence numbers$/, false],
  ["JAX XPlane name scopes", fixture("jax/scopes.xplane.pb.gz"), /^recorded: XLA name scopes \(jax\.named_scope\)/, false],
  [
    "plain nsys (no NVTX): inferred",
    fixture("nsys/nsys-l4-train-nonvtx.sqlite.gz"),
    /^inferred from repeats, not recorded: the kernel sequence repeats every \d+ kernels, 4 times in a row, over the whole trace \(no steps or forward passes to search\); \d+\.\d% of kernel time inside the layers$/,
    true,
  ],
];

const sourceOf = (s: Summary): string => {
  if (s.modules.available) return s.modules.sourceDescription ?? "";
  if (s.inferredLayers.available) return s.inferredLayers.sourceDescription ?? "";
  throw new Error("no module results");
};

const built = new Map<string, Built>();
beforeAll(async () => {
  for (const [label, path] of CASES) built.set(label, await buildReports([path]));
});

describe("module source in summary.json, the terminal and summary.md", () => {
  for (const [label, , words, inferred] of CASES) {
    it(label, () => {
      const { summary, markdown } = built.get(label)!;
      expect(summary.modules.available).toBe(!inferred);
      const source = sourceOf(summary);
      expect(source).toMatch(words);
      if (inferred && summary.inferredLayers.available) {
        // the confidence figures it quotes are the result's own
        const l = summary.inferredLayers;
        expect(source).toContain(`every ${l.opsPerLayer} kernels, ${l.repeats} times in a row`);
        expect([l.windowKind, l.windowsMatched, l.windows]).toEqual(["trace", 1, 1]);
        expect(source).toContain(`${l.pctOfKernelTime.toFixed(1)}% of kernel time`);
      }
      const terminal = renderTerminal(summary);
      expect(terminal).toContain(inferred ? `Inferred layers (module source: ${source}):` : `Module source: ${source}`);
      // Markdown escapes what it prints: compare with the Markdown punctuation removed
      const plain = (t: string) => t.replace(/\\/g, "");
      expect(plain(markdown)).toContain(`Module source: ${source}.`);
    });
  }
});

const hasChromium = chromiumAvailable();
describe.skipIf(!hasChromium)("module source in the HTML modules view", () => {
  let browser: Browser;
  const dir = tempDir("llmprof-modsrc-");
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  for (const [label] of CASES) {
    it(label, async () => {
      const { summary, html } = built.get(label)!;
      const opened = await openReport(browser, writeTemp(dir, `${label.replace(/\W+/g, "-")}.html`, html));
      try {
        expect(opened.errors).toEqual([]);
        const shown = await opened.page.locator("#modules [data-module-source]").allTextContents();
        expect(shown).toEqual([`Module source: ${sourceOf(summary)}.`]);
        if (summary.modules.available && summary.modules.source === "NVTX ranges") {
          // hook ranges name modules by path: the icicle shows the last path segment and the class
          const labels = await opened.page.locator('[data-chart="modules"] text.icicle-label').allTextContents();
          expect(labels.some((t) => t.startsWith("model (LlamaForCausalLM)"))).toBe(true);
        }
      } finally {
        await opened.page.close();
      }
    });
  }
});

describe("inferred layers against the median", () => {
  it("signs one-decimal changes, and a tiny negative one reads 0.0, not -0.0", () => {
    expect([1.24, -0.4, -0.04, 0, 0.04].map(signedOneDecimal)).toEqual(["+1.2", "-0.4", "0.0", "0.0", "0.0"]);
  });
});
