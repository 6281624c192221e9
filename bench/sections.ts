/**
 * Where the analyses' time goes, per shared need (context.ts) and per section
 * of summary.json (analyze.ts SECTIONS), in CPU ms of this process:
 *   node dist/bench/sections.js trace [--runs N]
 * The trace is parsed once; each run builds fresh contexts, computes every need
 * in NEEDS order, then each section. Printed: the first run ("cold": what one
 * `analyze` pays, JIT and per-model caches such as the slice locator included)
 * and the best of the runs ("warm").
 */
import { pathToFileURL } from "node:url";
import { runSections, SECTIONS } from "../src/analysis/analyze.js";
import { NEEDS, computeNeed, createContext } from "../src/analysis/context.js";
import { COMMUNICATION } from "../src/analysis/categories.js";
import { assignProcessGroups, type ProcessGroupAssignment } from "../src/analysis/process-groups.js";
import type { AnalysisContext } from "../src/analysis/context.js";
import { loadTraces } from "../parsers/registry.js";

function cpuMs(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

function hasCommunication(ctx: AnalysisContext): boolean {
  return ctx.categories.includes(COMMUNICATION);
}

async function main(argv: string[]): Promise<void> {
  const file = argv.find((a) => !a.startsWith("--"));
  if (!file) throw new Error("usage: node dist/bench/sections.js trace [--runs N]");
  const ri = argv.indexOf("--runs");
  const runs = ri >= 0 ? Number(argv[ri + 1]) : 3;
  let parse = 0;
  const models = await (async () => {
    const c0 = process.cpuUsage();
    const m = await loadTraces([file], { threads: 1 });
    const c = process.cpuUsage(c0);
    parse = (c.user + c.system) / 1000;
    return m;
  })();
  const best = new Map<string, number>();
  const cold = new Map<string, number>();
  const keep = (key: string, ms: number) => {
    if (!cold.has(key)) cold.set(key, ms);
    best.set(key, Math.min(best.get(key) ?? Infinity, ms));
  };
  for (let r = 0; r < runs; r++) {
    const contexts = models.map((m) => createContext(m));
    let all = 0;
    for (const need of NEEDS) {
      const ms = cpuMs(() => contexts.forEach((c) => computeNeed(c, need)));
      keep(`need ${need}`, ms);
      all += ms;
    }
    // process groups as runSections computes them (once, only with communication), timed as one item
    let groups: ProcessGroupAssignment | null = null;
    keep(
      "process groups",
      cpuMs(() => (groups = contexts.some(hasCommunication) ? assignProcessGroups(contexts, undefined) : null)),
    );
    // the needs are computed: each section is timed alone
    for (const [key, spec] of Object.entries(SECTIONS)) {
      const ms = cpuMs(() => spec.compute({ models, contexts, primary: contexts[0]!, options: {}, groups: () => groups } as never));
      keep(`section ${key}`, ms);
      all += ms;
    }
    keep("all (needs + sections)", all);
    const fresh = models.map((m) => createContext(m));
    keep(
      "runSections (as analyze runs them)",
      cpuMs(() => runSections({ models, contexts: fresh, primary: fresh[0]!, options: {} })),
    );
  }
  console.log(`parse ${parse.toFixed(0)} CPU ms (one thread)`);
  const pct = (ms: number) => `${((100 * ms) / parse).toFixed(1).padStart(5)}%`;
  console.log("cold ms  % of parse  warm ms  % of parse  item");
  for (const [key, ms] of [...cold].sort((a, b) => b[1] - a[1])) {
    const warm = best.get(key)!;
    console.log(`${ms.toFixed(0).padStart(7)} ${pct(ms)}      ${warm.toFixed(0).padStart(7)} ${pct(warm)}      ${key}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  });
}
