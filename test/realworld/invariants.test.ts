/**
 * Invariants every summary must keep, on every fixture (always) and every trace
 * under ../shared/traces (external included; skipped with a note when absent):
 * every percentage of the window in [0, 100]; no finding costs more than the
 * window; idle causes sum to idle; category shares sum to 100; modules +
 * unattributed = kernel time; phases = the step's kernel time.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import type { Summary } from "../../src/analysis/summary.js";
import { loadTraces } from "../../parsers/registry.js";
import { FIXTURES, SHARED_TRACES, sharedTrace } from "../helpers/paths.js";

const TRACE = /\.(json\.gz|json|xplane\.pb|sqlite\.gz)$/;

function tracesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === "tracelens-reference") continue; // published outputs, not traces
      out.push(...tracesUnder(p));
    } else if (TRACE.test(name)) out.push(p);
  }
  return out;
}

/** Every number under a key ending in "Pct" or named pctOf* that is a share of a window (not of busy time). */
function windowShares(value: unknown, path: string, out: [string, number][]): void {
  if (Array.isArray(value)) value.forEach((v, i) => windowShares(v, `${path}[${i}]`, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "number" && (/Pct$/.test(k) || k === "pctOfWindow" || k === "costPctOfWindow") && !/Busy/i.test(k)) out.push([`${path}.${k}`, v]);
      else windowShares(v, `${path}.${k}`, out);
    }
  }
}

function checkInvariants(s: Summary): void {
  const tol = (x: number) => Math.max(2, Math.abs(x) * 1e-9); // ns, rounding of float sums
  const shares: [string, number][] = [];
  windowShares(s.temporal, "temporal", shares);
  windowShares(s.idle, "idle", shares);
  windowShares(s.findings, "findings", shares);
  windowShares(s.launch, "launch", shares);
  windowShares(s.processGroups, "processGroups", shares);
  windowShares(s.collectiveWaits, "collectiveWaits", shares);
  windowShares(s.pipeline, "pipeline", shares);
  if (s.temporal.available) expect(shares.length, "window shares found").toBeGreaterThan(0);
  for (const [where, v] of shares) {
    expect(v, where).toBeGreaterThanOrEqual(0);
    expect(v, where).toBeLessThanOrEqual(100 + 1e-9);
  }
  if (s.findings.available && s.steps.available) {
    for (const f of s.findings.findings) expect(f.costNs ?? 0, f.id).toBeLessThanOrEqual(s.steps.windowNs + 1);
  }
  if (s.idle.available) {
    const sum = s.idle.byCause.reduce((t, c) => t + c.totalNs, 0);
    expect(Math.abs(sum - s.idle.idleNs), "idle causes = idle").toBeLessThanOrEqual(tol(s.idle.idleNs));
    expect(s.idle.idleNs).toBeLessThanOrEqual(s.idle.windowNs + 1);
  }
  if (s.kernels.available && s.kernels.byCategory.length > 0) {
    const pct = s.kernels.byCategory.reduce((t, c) => t + c.pctOfKernelTime, 0);
    expect(pct, "category shares").toBeCloseTo(100, 6);
  }
  if (s.processGroups.available && s.collectives.available) {
    // every NCCL kernel of the window is in exactly one process group
    for (const r of s.collectives.ranks) {
      const grouped = s.processGroups.groups.reduce((t, g) => t + (g.perRank.find((x) => x.rank === r.rank)?.kernels ?? 0), 0);
      expect(grouped, `grouped NCCL kernels, rank ${r.rank}`).toBe(r.count);
    }
  }
  if (s.modules.available) {
    const m = s.modules;
    const un = m.unattributed.reduce((t, u) => t + u.totalNs, 0);
    expect(Math.abs(m.attributedNs + un - m.kernelTotalNs), "modules + unattributed = kernels").toBeLessThanOrEqual(tol(m.kernelTotalNs));
  }
  if (s.phases.available) {
    for (const st of s.phases.steps) {
      const sum = st.phases.filter((p) => p.phase !== "recompute").reduce((t, p) => t + p.kernelNs, 0);
      expect(Math.abs(sum - st.kernelTotalNs), `phases = kernels, step ${st.step}`).toBeLessThanOrEqual(tol(st.kernelTotalNs));
    }
  }
}

async function summariesOf(file: string): Promise<Summary[]> {
  // one summary per file; a multi-rank report (nsys) gives all its ranks to one analysis
  return [analyzeModels(await loadTraces([file]))];
}

describe("invariants on the fixtures", () => {
  const files = tracesUnder(FIXTURES).filter((f) => !f.includes("parquetdir"));
  it.each(files.map((f) => [relative(FIXTURES, f), f]))("%s", async (_name, file) => {
    for (const s of await summariesOf(file)) checkInvariants(s);
  });
});

describe("invariants on the multi-rank fixtures (ranks analysed together)", () => {
  const pairs = ["distributed/pp2-1f1b-m4", "distributed/tp2", "distributed/ep2-moe-a2a", "multi-gpu/l2-ddp-straggler-2gpu"];
  it.each(pairs)("%s-rank{0,1}", async (stem) => {
    checkInvariants(analyzeModels(await loadTraces([0, 1].map((r) => join(FIXTURES, `${stem}-rank${r}.json.gz`)))));
  });
});

describe("invariants on ../shared/traces", () => {
  const root = sharedTrace("README.md") ? SHARED_TRACES : null;
  const files = root ? tracesUnder(root) : [];
  it.skipIf(!root).each(files.length ? files.map((f) => [relative(SHARED_TRACES, f), f]) : [["(none)", ""]])(
    "%s",
    async (_name, file) => {
      for (const s of await summariesOf(file)) checkInvariants(s);
    },
    120_000,
  );
});
