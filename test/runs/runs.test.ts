/**
 * Runs in a TensorBoard log directory: a 2-rank DDP run (the multi-gpu
 * fixtures), an older single-GPU run and unrelated files. analyze picks the
 * newest run with both ranks, --run the other; batch's runs table holds one
 * row per run whose figures are recomputed here: per-rank step times from the
 * raw events (helpers/raw.ts), the straggler through the library's cross-rank
 * analysis of the rank files loaded separately.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTraces } from "../../parsers/registry.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { median } from "../../src/analysis/stats.js";
import { headMetaOf } from "../../src/runs/head-meta.js";
import { groupRuns, rankRanges, type RunFile } from "../../src/runs/runs.js";
import { readParquet, tempRoot, type TableRow } from "../batch/helpers.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { ROOT, fixture } from "../helpers/paths.js";
import { readRaw, referenceSteps } from "../helpers/raw.js";

const RANK = [0, 1].map((r) => fixture(`multi-gpu/l2-ddp-straggler-2gpu-rank${r}.json.gz`));
const SINGLE = fixture("llama-tiny-train.json.gz");
// tensorboard_trace_handler names: <host>_<pid>.<epoch ms>.pt.trace.json.gz
const DDP_DIR = "ddp/plugins/profile/2026_12_01_10_00_00";
const SINGLE_DIR = "single/plugins/profile/2026_11_30_09_00_00";
const DDP_FILES = ["gpu-a_101.1796119200000.pt.trace.json.gz", "gpu-a_102.1796119201500.pt.trace.json.gz"];
const SINGLE_FILE = "gpu-b_7.1796029200000.pt.trace.json.gz";

function makeLogdir(ranks: readonly number[] = [0, 1]): string {
  const logdir = join(tempRoot("llmprof-runs-"), "logdir");
  mkdirSync(join(logdir, DDP_DIR), { recursive: true });
  mkdirSync(join(logdir, SINGLE_DIR), { recursive: true });
  for (const r of ranks) copyFileSync(RANK[r]!, join(logdir, DDP_DIR, DDP_FILES[r]!));
  copyFileSync(SINGLE, join(logdir, SINGLE_DIR, SINGLE_FILE));
  // unrelated files, written last (newest mtime): neither is a run
  writeFileSync(join(logdir, "notes.txt"), "learning rate sweep\n");
  writeFileSync(join(logdir, "ddp", "events.out.tfevents.1796119200.gpu-a.101.0"), Buffer.from([0x18, 0, 0, 0, 0, 0, 0, 0]));
  writeFileSync(join(logdir, "ddp", "config.json"), JSON.stringify({ lr: 3e-4, batch: 8 }));
  return logdir;
}

/** Median step time of a trace in ms, from the raw events. */
function rawStepMedianMs(path: string): number {
  return median(referenceSteps(readRaw(path)).map((s) => s.end - s.start)) / 1000;
}

function analyzeJson(args: string[]): { summary: { trace: { files: string[]; ranks: { rank: number | null }[] } }; stderr: string } {
  const out = join(tempRoot("llmprof-runs-out-"), "summary.json");
  const r = runCli(["analyze", ...args, "-o", out]);
  expect(r.status, r.stderr).toBe(0);
  return { summary: JSON.parse(readFileSync(out, "utf8")), stderr: r.stderr };
}

describe("analyze of a log directory", () => {
  it("picks the newest run, with both ranks, and lists the runs", () => {
    const { summary, stderr } = analyzeJson([makeLogdir()]);
    expect(summary.trace.files.map((f) => basename(f)).sort()).toEqual(DDP_FILES);
    expect(summary.trace.ranks.map((r) => r.rank).sort()).toEqual([0, 1]);
    expect(stderr).toMatch(/2 runs/);
    expect(stderr).toMatch(/^\* ddp\/2026_12_01_10_00_00 .* 2 ranks/m);
    expect(stderr).toMatch(/^ {2}single\/2026_11_30_09_00_00 .* 1 rank/m);
  });

  it("--run picks the other run", () => {
    const { summary } = analyzeJson([makeLogdir(), "--run", "single"]);
    expect(summary.trace.files.map((f) => basename(f))).toEqual([SINGLE_FILE]);
  });

  it("warns when ranks are missing, and rejects an unknown --run in one line", () => {
    const logdir = makeLogdir([0]);
    const { stderr } = analyzeJson([logdir]);
    expect(stderr).toMatch(/world size 2 but no file for rank 1/);
    expectCleanError(runCli(["analyze", logdir, "--run", "nope"]), logdir, /no run named "nope"/);
    const onFile = runCli(["analyze", SINGLE, "--run", "single"]);
    expect([onFile.status, onFile.stderr.trim().split("\n").length]).toEqual([2, 1]);
    expect(onFile.stderr).toMatch(/--run chooses among the runs of a directory/);
  });
});

describe("check and diff of a log directory", () => {
  it("check --run single gives the verdicts of the single trace itself", () => {
    const budget = join(ROOT, "examples/budget.yml");
    const fromDir = runCli(["check", makeLogdir(), "--run", "single", "--budget", budget]);
    const fromFile = runCli(["check", SINGLE, "--budget", budget]);
    expect(fromDir.status).toBe(fromFile.status);
    const verdicts = (out: string) => out.split("\n").filter((l) => /^(PASS|FAIL|WARN)/.test(l));
    expect(verdicts(fromDir.stdout).length).toBeGreaterThan(0);
    expect(verdicts(fromDir.stdout)).toEqual(verdicts(fromFile.stdout));
  });
});

describe("batch runs table", () => {
  let runs: TableRow[] = [];
  let csv = "";
  let errors: TableRow[] = [];
  beforeAll(async () => {
    const logdir = makeLogdir();
    const out = join(logdir, "..", "out");
    const r = runCli(["batch", logdir, "--out", out, "-j", "1"]);
    // batch reports a file named like a trace that is none (config.json) as failed
    expect(r.status, r.stderr).toBe(1);
    errors = await readParquet(join(out, "errors.parquet"));
    runs = await readParquet(join(out, "runs.parquet"));
    csv = readFileSync(join(out, "runs.csv"), "utf8");
  }, 60_000);

  it("has one row per run, also in CSV", () => {
    expect(runs.map((r) => r["run"]).sort()).toEqual(["ddp/2026_12_01_10_00_00", "single/2026_11_30_09_00_00"]);
    expect(csv.trim().split("\n")).toHaveLength(3);
    expect(errors.map((e) => e["file"])).toEqual(["ddp/config.json"]); // failed, but no run
  });

  it("the DDP run: both ranks, step times from the raw events, straggler from the cross-rank analysis", async () => {
    const ddp = runs.find((r) => r["run"] === "ddp/2026_12_01_10_00_00")!;
    expect([ddp["world_size"], ddp["ranks_found"], ddp["ranks_missing"], ddp["complete"], ddp["files"]]).toEqual([2, 2, null, true, 2]);
    const steps = RANK.map(rawStepMedianMs);
    expect(ddp["step_time_median_ms_min"]).toBeCloseTo(Math.min(...steps), 4);
    expect(ddp["step_time_median_ms_max"]).toBeCloseTo(Math.max(...steps), 4);
    expect(ddp["step_time_median_ms_median"]).toBeCloseTo((steps[0]! + steps[1]!) / 2, 4);
    expect(ddp["step_time_slowest_rank_ms"]).toBeCloseTo(Math.max(...steps), 4);
    expect(ddp["slowest_rank"]).toBe(steps[1]! > steps[0]! ? 1 : 0);
    // rank-level figures as `analyze` of each rank gives them
    const perRank = await Promise.all(RANK.map(async (p) => analyzeModels(await loadTraces([p]))));
    const exposed = perRank.map((s) => (s.temporal.available && s.steps.available ? s.temporal.devices.reduce((t, d) => t + d.total.exposedCommunicationNs, 0) / s.steps.count / 1e6 : NaN));
    expect(ddp["exposed_comm_ms_per_step_all_ranks"]).toBeCloseTo(exposed[0]! + exposed[1]!, 6);
    expect(ddp["exposed_comm_ms_per_step_max"]).toBeCloseTo(Math.max(...exposed), 6);
    // the straggler: the rank named in most steps by `analyze` of both rank files together
    const whole = analyzeModels(await loadTraces(RANK));
    if (!whole.ranks.available) throw new Error("ranks section unavailable");
    const named = whole.ranks.stragglers.filter((s) => s.straggler !== null);
    expect(named.length).toBeGreaterThan(0);
    const top = [0, 1].map((r) => named.filter((s) => s.straggler === r)).sort((a, b) => b.length - a.length)[0]!;
    expect(ddp["straggler_rank"]).toBe(top[0]!.straggler);
    expect(ddp["straggler_steps"]).toBe(top.length);
    expect(ddp["straggler_delay_ms"]).toBeCloseTo(median(top.map((s) => s.delayNs)) / 1e6, 6);
  });

  it("the single-GPU run: one rank, its own step time", () => {
    const single = runs.find((r) => r["run"] === "single/2026_11_30_09_00_00")!;
    expect([single["world_size"], single["ranks_analysed"], single["complete"], single["straggler_rank"]]).toEqual([1, 1, true, null]);
    expect(single["step_time_slowest_rank_ms"]).toBeCloseTo(rawStepMedianMs(SINGLE), 4);
  });

  it("flags a run with a missing rank file", async () => {
    const logdir = makeLogdir([1]);
    const out = join(logdir, "..", "out");
    expect(runCli(["batch", logdir, "--out", out, "-j", "1"]).status).toBe(1);
    const ddp = (await readParquet(join(out, "runs.parquet"))).find((r) => String(r["run"]).startsWith("ddp/"))!;
    expect([ddp["world_size"], ddp["ranks_found"], ddp["ranks_missing"], ddp["complete"]]).toEqual([2, 1, "0", false]);
  }, 60_000);
});

describe("grouping rank files into runs", () => {
  it("reads rank and world size from the head as the full JSON has them", () => {
    const text = gunzipSync(readFileSync(RANK[1]!)).toString("utf8");
    const full = JSON.parse(text) as { distributedInfo: { rank: number; world_size: number }; baseTimeNanoseconds: number };
    const meta = headMetaOf(text.slice(0, 64 * 1024));
    expect([meta.rank, meta.worldSize]).toEqual([full.distributedInfo.rank, full.distributedInfo.world_size]);
    expect(meta.baseTimeMs).toBe(Math.floor(Number(text.match(/"baseTimeNanoseconds"\s*:\s*(\d+)/)![1]) / 1e6));
  });

  const file = (name: string, rank: number | null, worldSize: number | null, startMs: number): RunFile => ({
    entry: { root: "/r", file: `job/${name}`, path: `/r/job/${name}`, sizeBytes: 10, mtimeMs: 0, directory: false },
    meta: { rank, worldSize, baseTimeMs: null },
    startMs,
    startSource: "file-name",
  });

  it("never joins a repeated rank, another world size, a trace without distributedInfo, or a later window", () => {
    const t = Date.UTC(2026, 0, 1);
    const runs = groupRuns([
      file("a0", 0, 2, t),
      file("a1", 1, 2, t + 2000), // one run
      file("b0", 0, 2, t + 60_000), // rank 0 again: the next window
      file("c1", 1, 4, t + 61_000), // another world size
      file("d", null, null, t + 62_000), // single GPU
      file("e1", 1, 2, t + 3_600_000), // an hour later
    ]);
    const sets = runs.map((r) => r.files.map((f) => basename(f.entry.file)).join("+")).sort();
    expect(sets).toEqual(["a0+a1", "b0", "c1", "d", "e1"]);
    expect(runs.find((r) => r.files.length === 2)!.ranksMissing).toEqual([]);
    expect(runs.find((r) => r.files[0]!.entry.file === "job/c1")!.ranksMissing).toEqual([0, 2, 3]);
    expect(new Set(runs.map((r) => r.name)).size).toBe(runs.length); // names stay unique
  });

  it("names single traces of one directory by their file, and missing ranks as ranges", () => {
    const t = Date.UTC(2026, 0, 1);
    const names = groupRuns([file("a.json.gz", null, null, t), file("a.sqlite.gz", null, null, t), file("b.pt.trace.json", null, null, t)])
      .map((r) => r.name)
      .sort();
    expect(names).toEqual(["job/a", "job/a.sqlite.gz", "job/b"]);
    expect(rankRanges([0, 1, 2, 5, 7, 8])).toBe("0-2,5,7-8");
  });
});
