#!/usr/bin/env node
/**
 * Writes canonical outputs of every fixture, to prove a refactor changes nothing:
 *   node tools/summary-snapshot.mjs OUT_DIR [DIST_DIR]
 * For each fixture (single files, and the multi-rank pairs): summary.json with
 * default options and with the options the tests use (--steps, --tokens-per-step,
 * a category rule), plus the figures built on summaries: a diff, a compare, the
 * budget values of every catalogue metric, and the batch traces-table row.
 * Compare two runs with `diff -r BEFORE AFTER`. Run from the repository root after
 * `npx tsc -p tsconfig.json`.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [outDir, distArg] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: node tools/summary-snapshot.mjs OUT_DIR [DIST_DIR]");
  process.exit(2);
}
const dist = resolve(distArg ?? "dist");
const lib = await import(pathToFileURL(join(dist, "src/index.js")).href);
const rows = await import(pathToFileURL(join(dist, "src/batch/rows.js")).href);

const FIXTURES = "fixtures";
const singles = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (name.endsWith(".parquetdir")) singles.push(p);
    else if (statSync(p).isDirectory()) walk(p);
    else if (/\.(json\.gz|json|sqlite\.gz|arrow\.gz|pb|pb\.gz)$/.test(name)) singles.push(p);
  }
})(FIXTURES);
const byStem = new Map();
for (const f of singles) {
  const m = /^(.*)-?rank\d\.json\.gz$/.exec(f);
  if (m) byStem.set(m[1], [...(byStem.get(m[1]) ?? []), f]);
}
const multis = [...byStem.values()].filter((l) => l.length > 1);

const VARIANTS = {
  default: {},
  steps: { steps: { from: 2, to: 3 } },
  tokens: { tokensPerStep: 1000 },
  rules: { categoryRules: [{ pattern: "elementwise", category: "other" }] },
};

mkdirSync(outDir, { recursive: true });
const canonical = (v) => JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x), 1) + "\n";
const safe = (p) => relative(FIXTURES, p).replace(/[/\\]/g, "__");
const write = (name, v) => writeFileSync(join(outDir, name), canonical(v));

const summaries = new Map();
for (const inputs of [...singles.map((f) => [f]), ...multis]) {
  const key = inputs.map(safe).join("+");
  for (const [variant, options] of Object.entries(VARIANTS)) {
    let s;
    try {
      s = await lib.analyze(inputs, options);
    } catch (e) {
      write(`${key}.${variant}.error.json`, { error: String(e?.message ?? e) });
      continue;
    }
    if (variant === "default") summaries.set(key, s);
    write(`${key}.${variant}.summary.json`, s);
  }
  const s = summaries.get(key);
  if (!s) continue;
  const metrics = [...lib.METRIC_VOCABULARY.scalars];
  for (const [g, d] of Object.entries(lib.METRIC_VOCABULARY.groups)) for (const n of d.names ?? []) for (const f of d.figures) metrics.push(`${g}.${n}.${f}`);
  if (s.modules.available) for (const c of s.modules.classes) metrics.push(`modules.${c.className}.total_ms`);
  write(`${key}.budget.json`, Object.fromEntries(metrics.map((m) => [m, lib.metricValue(s, m)])));
  const info = { root: "r", file: key, sizeBytes: 1, mtimeMs: 0, runDateMs: 0, runDateSource: "mtime", series: "s" };
  const row = rows.traceRow(s, info, { ranksInFile: 1, report: null, analysisMs: 0, analysedAtMs: 0 });
  delete row.llmprof_version;
  write(`${key}.batch-row.json`, row);
}
// diff and compare across pairs of fixtures of the same kind
const keys = [...summaries.keys()];
for (let i = 0; i + 1 < keys.length; i++) {
  const a = summaries.get(keys[i]);
  const b = summaries.get(keys[i + 1]);
  const d = lib.diffSummaries(a, b);
  write(`diff.${keys[i]}~${keys[i + 1]}.json`, JSON.parse(lib.renderDiffJson(d)));
  write(`check.${keys[i]}~${keys[i + 1]}.json`, lib.evaluateBaseline(a, b, { maxRegressionPct: 5 }));
}
const c = lib.compareSummaries(keys.map((k) => ({ label: k, summary: summaries.get(k) })));
write("compare.all.json", JSON.parse(lib.renderCompareJson(c)));
console.log(`${singles.length} fixtures, ${multis.length} multi-rank sets -> ${outDir}`);
