/**
 * Test helpers for `llmprof batch`: a throw-away archive made from the bundled
 * fixtures plus bad and oddly named files, reading the Parquet tables back with
 * hyparquet, and the figures each row should hold, recomputed here from
 * analyzeModels(loadTraces(file)) by other paths than src/batch/rows.ts takes.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { expect } from "vitest";
import { loadTraces } from "../../parsers/registry.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import type { Summary } from "../../src/analysis/summary.js";
import { FIXTURES } from "../helpers/paths.js";

export type TableRow = Record<string, unknown>;

const made: string[] = [];
// the archives are copies of the fixtures: remove them when the test process ends
process.on("exit", () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

export function tempRoot(prefix = "llmprof-batch-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A trace name with path separators spelled out, HTML, quotes, shell syntax and a newline. */
export const ODD_NAME = "..\\..\\évil <img src=x onerror=alert(1)> \"q\" 'a' $(id);&%2e%2e%2f\n.json.gz";

export interface Archive {
  root: string;
  input: string;
  out: string;
  /** Relative paths of the two files that must fail. */
  bad: string[];
  odd: string;
}

/**
 * <root>/in: a copy of fixtures/, plus a corrupt copy of a trace (deflate data
 * overwritten), a gzipped non-trace with a trace name, an oddly named copy of a
 * good trace, and a text file that must be skipped silently.
 */
export function makeArchive(): Archive {
  const root = tempRoot();
  const input = join(root, "in");
  cpSync(FIXTURES, input, { recursive: true });
  const good = readFileSync(join(FIXTURES, "llama-tiny-train.json.gz"));
  const corrupt = Buffer.from(good);
  corrupt.fill(0x55, 1000, 1400);
  writeFileSync(join(input, "corrupt-copy.json.gz"), corrupt);
  writeFileSync(join(input, "not-a-trace.json.gz"), gzipSync("name,value\nsteps,3\n"));
  writeFileSync(join(input, "notes.txt"), "not a trace, and not named like one\n");
  cpSync(join(FIXTURES, "llama-tiny-train-nostack.json.gz"), join(input, "odd", ODD_NAME), { recursive: true });
  return { root, input, out: join(root, "out"), bad: ["corrupt-copy.json.gz", "not-a-trace.json.gz"], odd: `odd/${ODD_NAME}` };
}

/** Names that hold a trace in the fixtures (README, XML and text files do not). */
const TRACE_FILE = /\.(json|sqlite|arrow)(\.gz)?$|\.xplane\.pb(\.gz)?$/;

/** Every trace under `dir` (a parquetdir counts as one), relative '/' paths, found independently of src/batch. */
export function tracesUnder(dir: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (statSync(p).isDirectory()) {
        if (name.endsWith(".parquetdir")) out.push(rel);
        else walk(p);
      } else if (TRACE_FILE.test(name) && !skip.includes(rel)) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

export async function readParquet(path: string): Promise<TableRow[]> {
  return (await parquetReadObjects({ file: await asyncBufferFromFile(path) })) as TableRow[];
}

/** Every file and folder under `dir` with its mtime, for "nothing else was written". */
export function snapshot(dir: string, except: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (p === except) continue;
      const st = statSync(p);
      out.set(relative(dir, p), st.mtimeMs);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** The figures one row must hold, per rank of the file. */
export interface Expected {
  rank: number | null;
  values: Record<string, number | null>;
}

const MS = 1e6;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/** Llama module classes and the fixed column each falls in (as README "Batch analysis of archives" lists). */
const LLAMA_GROUPS: Record<string, string> = {
  LlamaRotaryEmbedding: "rotary",
  Embedding: "embedding",
  LlamaAttention: "attention",
  LlamaMLP: "mlp",
  LlamaRMSNorm: "norm",
  LlamaDecoderLayer: "decoder_layer",
  Linear: "linear",
};

export async function expectedFor(path: string): Promise<Expected[]> {
  const models = await loadTraces([path]);
  const whole = analyzeModels(models);
  const ordered = [...models].sort((a, b) => (a.meta.rank ?? 0) - (b.meta.rank ?? 0));
  return ordered.map((m, i) => {
    const rank = m.meta.rank;
    // table sections describe the primary rank: for the others, analyse that rank alone
    const own = i === 0 ? whole : analyzeModels([m]);
    return { rank, values: figures(whole, own, rank) };
  });
}

function figures(whole: Summary, own: Summary, rank: number | null): Record<string, number | null> {
  const v: Record<string, number | null> = {};
  let steps = 0;
  if (whole.steps.available) {
    const items = whole.steps.items.filter((s) => s.rank === rank);
    steps = items.length;
    v["step_count"] = steps;
    v["step_time_median_ms"] = median(items.map((s) => s.endNs - s.startNs)) / MS;
    v["step_time_max_ms"] = Math.max(...items.map((s) => s.endNs - s.startNs)) / MS;
  }
  if (whole.temporal.available) {
    const devs = whole.temporal.devices.filter((d) => d.rank === rank);
    const sum = (k: "windowNs" | "busyNs" | "computeNs" | "idleNs" | "exposedCommunicationNs") => devs.reduce((s, d) => s + d.total[k], 0);
    v["gpu_busy_pct"] = (100 * sum("busyNs")) / sum("windowNs");
    v["gpu_compute_pct"] = (100 * sum("computeNs")) / sum("windowNs");
    v["gpu_idle_pct"] = (100 * sum("idleNs")) / sum("windowNs");
    v["exposed_comm_pct"] = (100 * sum("exposedCommunicationNs")) / sum("windowNs");
  }
  if (own.phases.available) {
    for (const phase of ["forward", "backward", "optimizer", "other"] as const) {
      const total = own.phases.steps.reduce((s, st) => s + (st.phases.find((p) => p.phase === phase)?.kernelNs ?? 0), 0);
      v[`phase_${phase}_ms_per_step`] = total / own.phases.steps.length / MS;
    }
  }
  if (own.kernels.available && steps > 0) {
    const byCat = new Map<string, number>();
    // a name launched by operators of different categories is split (operator-first categories)
    for (const k of own.kernels.byName) for (const p of k.splitByCategory ?? [k]) byCat.set(p.category, (byCat.get(p.category) ?? 0) + p.totalNs);
    for (const cat of ["gemm", "attention", "elementwise", "optimizer", "communication", "memory"]) v[`kernel_${cat}_ms_per_step`] = (byCat.get(cat) ?? 0) / steps / MS;
  }
  if (own.idle.available && steps > 0) {
    const host = own.idle.steps.reduce((s, st) => s + st.byCause["host-bound"], 0);
    v["idle_host_bound_ms_per_step"] = host / steps / MS;
  }
  if (own.modules.available && steps > 0) {
    const groups = new Map<string, number>();
    for (const c of own.modules.classes) {
      const g = LLAMA_GROUPS[c.className];
      if (g) groups.set(g, (groups.get(g) ?? 0) + c.totalNs);
    }
    for (const g of ["attention", "mlp", "decoder_layer"]) if (groups.has(g)) v[`module_${g}_ms_per_step`] = groups.get(g)! / steps / MS;
  }
  return v;
}

export function expectClose(actual: unknown, expected: number | null, what: string): void {
  if (expected === null || !Number.isFinite(expected)) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(typeof actual, what).toBe("number");
  const a = actual as number;
  expect(Math.abs(a - expected), `${what}: ${a} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}
