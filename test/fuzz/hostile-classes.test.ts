/**
 * Issue 23's classes of hostile input, generated (test/fuzz/generators.ts) and
 * pushed through the library and every renderer: control characters,
 * prototype names, regex-hostile names and fan-out. Quick: small inputs, seeded.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import type { Summary } from "../../src/analysis/summary.js";
import { loadTraces } from "../../parsers/registry.js";
import { csvTables, renderCsv } from "../../reports/csv.js";
import { renderHtml } from "../../reports/html/render.js";
import { renderJson } from "../../reports/json.js";
import { renderMarkdown } from "../../reports/markdown.js";
import { renderTerminal } from "../../reports/terminal.js";
import { boundSummary, OTHERS_NAME } from "../../reports/top-rows.js";
import { controlCharacterNames, fanOutKineto, PROTOTYPE_NAMES, regexHostileNames, type FanOutOptions } from "./generators.js";
import { rng } from "./mutators.js";

const dir = mkdtempSync(join(tmpdir(), "llmprof-classes-"));
let n = 0;

async function analyse(o: FanOutOptions): Promise<{ s: Summary; raw: ReturnType<typeof fanOutKineto> }> {
  const raw = fanOutKineto(o);
  const path = join(dir, `t${n++}.json`);
  writeFileSync(path, raw.text);
  return { s: analyzeModels(await loadTraces([path])), raw };
}

function renderAll(s: Summary): { terminal: string; markdown: string; html: string; json: string; csv: string } {
  return {
    terminal: renderTerminal(s),
    markdown: renderMarkdown(s),
    html: renderHtml(s, { timeline: null }),
    json: renderJson(s),
    csv: csvTables(s).map(renderCsv).join("\n"),
  };
}

const C0_C1 = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe("control characters (generated names)", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: terminal and Markdown carry none, JSON and CSV keep them escaped or quoted`, async () => {
      const names = controlCharacterNames(seed, 12);
      const { s } = await analyse({ kernels: 36, name: (i) => names[i % 12]!, operator: (i) => `op${names[i % 12]!}`, module: (i) => `M${names[i % 12]!}` });
      const out = renderAll(s);
      expect(out.terminal).not.toMatch(C0_C1);
      expect(out.markdown).not.toMatch(C0_C1);
      expect(out.markdown).not.toMatch(BIDI);
      expect(out.json).not.toMatch(C0_C1); // escaped as \uXXXX
      expect(out.json).not.toMatch(BIDI);
      expect(
        JSON.parse(out.json)
          .kernels.byName.map((r: { name: string }) => r.name)
          .sort(),
      ).toEqual([...new Set(names)].sort());
      // the names are all there: one kernel row per distinct name
      expect(s.kernels.available && s.kernels.byName.length).toBe(new Set(names).size);
    });
  }
});

describe("prototype names (generated names)", () => {
  it("kernels, operators and modules named after Object.prototype members are ordinary rows", async () => {
    const names = [...PROTOTYPE_NAMES];
    const { s, raw } = await analyse({ kernels: names.length * 3, name: (i) => names[i % names.length]!, operator: (i) => names[i % names.length]!, module: (i) => names[i % names.length]! });
    if (!s.kernels.available) throw new Error("kernels unavailable");
    for (const name of names) {
      const row = s.kernels.byName.find((r) => r.name === name);
      expect(row?.count, name).toBe(raw.byName.get(name)!.count);
      expect(row?.totalNs, name).toBeCloseTo(raw.byName.get(name)!.totalNs, 0);
    }
    const out = renderAll(s);
    expect(JSON.parse(out.json)).toBeTruthy();
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

describe("regex-hostile names (generated names)", () => {
  it("analysis time grows about linearly with the name length (relative, re-measured once)", async () => {
    const timed = async (length: number) => {
      const names = regexHostileNames(length);
      const raw = fanOutKineto({ kernels: names.length * 2, name: (i) => names[i % names.length]!, operator: (i) => `aten::${names[i % names.length]!}` });
      const path = join(dir, `re${length}.json`);
      writeFileSync(path, raw.text);
      const models = await loadTraces([path]);
      const started = performance.now();
      const s = analyzeModels(models);
      renderMarkdown(s);
      renderTerminal(s);
      return performance.now() - started;
    };
    await timed(2_000);
    const ratio = async () => (await timed(64_000)) / Math.max(1, await timed(16_000));
    // linear: 4x the length costs about 4x; quadratic would be ~16x
    const first = await ratio();
    expect(first < 10 ? first : await ratio()).toBeLessThan(10);
  }, 60_000);
});

describe("fan-out (generated tables)", () => {
  for (const seed of [11, 12, 13, 14]) {
    it(`seed ${seed}: bounded tables keep --top rows and the (all others) row holds exactly the rest`, async () => {
      const r = rng(seed);
      const distinct = 1 + Math.floor(r() * 1500);
      const top = 1 + Math.floor(r() * 80);
      const { s } = await analyse({ kernels: distinct + Math.floor(r() * 500), name: (i) => `k${i % distinct}`, operator: (i) => `op${i % 97}` });
      const b = boundSummary(s, top);
      if (!s.kernels.available || !b.kernels.available || !s.operators.available || !b.operators.available) throw new Error("unavailable");
      for (const [full, cut] of [
        [s.kernels.byName, b.kernels.byName],
        [s.operators.byName, b.operators.byName],
      ] as const) {
        expect(cut.length).toBe(Math.min(full.length, top + 1));
        if (full.length <= top) {
          expect(cut).toEqual(full);
          continue;
        }
        const others = cut[top]! as { name: string; others?: number; totalNs?: number; gpuSelfNs?: number };
        expect(others.name).toBe(OTHERS_NAME);
        expect(others.others).toBe(full.length - top);
        const key = "totalNs" in full[0]! ? "totalNs" : "gpuSelfNs";
        const sum = (rows: readonly object[]) => rows.reduce((a, x) => a + (x as Record<string, number>)[key]!, 0);
        expect(sum(cut)).toBeCloseTo(sum(full), 3);
        expect(others[key]).toBeCloseTo(sum(full.slice(top)), 3);
      }
      // the bounded summary renders
      const out = renderAll(b);
      expect(out.markdown.length).toBeLessThan(65_536);
    });
  }
});
