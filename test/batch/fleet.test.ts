/**
 * Fleet scale (issue 20): shards from array-job schedulers' variables, hive
 * parts with a manifest each, a re-run that replaces only its own part, SQL
 * over the parts with real DuckDB giving analyze's figures, listings of inputs
 * (file or stdin), `analyze -` on stdin, and the examples/array-jobs files.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { listedInputs, parseListing } from "../../src/batch/inputs-from.js";
import { shardOf } from "../../src/batch/naming.js";
import { resolveShard } from "../../src/batch/scheduler.js";
import { LlmprofError } from "../../src/errors.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { loadTraces } from "../../parsers/registry.js";
import { CLI, FIXTURES } from "../helpers/paths.js";
import { expectClose, expectedFor, readParquet, tempRoot, tracesUnder, type TableRow } from "./helpers.js";

function cli(args: string[], env: Record<string, string> = {}, input?: string | Buffer) {
  // the test process may itself run under a scheduler: drop its variables
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLURM_|JOB_COMPLETION_INDEX|AWS_BATCH_)/.test(k)));
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...clean, CI: "1", ...env }, input, encoding: input instanceof Buffer ? undefined : "utf8", maxBuffer: 64 << 20 });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const covers = (paths: readonly string[], shards: readonly { index: number; count: number }[]) => paths.map((p) => shards.filter((s) => shardOf(p, s.count) === s.index).length);

describe("--shard auto: the shard from the scheduler's variables", () => {
  const paths = tracesUnder(FIXTURES);
  const cases: [string, Record<string, string>[], string | undefined][] = [
    [
      "Slurm 1-2",
      [
        { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "2" },
        { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "2", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "2" },
      ],
      undefined,
    ],
    [
      "Slurm 0-2:2",
      [
        { SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "2", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "2", SLURM_ARRAY_TASK_STEP: "2" },
        { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "2", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "2", SLURM_ARRAY_TASK_STEP: "2" },
      ],
      undefined,
    ],
    ["Kubernetes Indexed Job", [{ JOB_COMPLETION_INDEX: "0" }, { JOB_COMPLETION_INDEX: "1" }], "2"],
    [
      "AWS Batch",
      [
        { AWS_BATCH_JOB_ARRAY_INDEX: "0", AWS_BATCH_JOB_ARRAY_SIZE: "2" },
        { AWS_BATCH_JOB_ARRAY_INDEX: "1", AWS_BATCH_JOB_ARRAY_SIZE: "2" },
      ],
      undefined,
    ],
  ];
  it.each(cases)("%s: its two tasks are shards 1/2 and 2/2, which cover every fixture trace exactly once", (_name, envs, shards) => {
    const resolved = envs.map((env) => resolveShard(undefined, shards, env));
    expect(resolved.map((r) => r.shard)).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    expect(resolved.every((r) => r.source !== "flag" && r.source !== null)).toBe(true);
    // the same variables give the same shard (a retried task)
    expect(envs.map((env) => resolveShard("auto", shards, env).shard)).toEqual(resolved.map((r) => r.shard));
    expect(paths.length).toBeGreaterThan(5);
    expect(
      covers(
        paths,
        resolved.map((r) => r.shard!),
      ),
    ).toEqual(paths.map(() => 1));
  });
  it("an explicit k/n or none wins over the variables; contradictions and missing sizes are usage errors", () => {
    const slurm = { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "4" };
    expect(resolveShard("2/8", undefined, slurm)).toMatchObject({ shard: { index: 2, count: 8 }, source: "flag" });
    expect(resolveShard("none", undefined, slurm).shard).toBeNull();
    expect(resolveShard(undefined, undefined, {}).shard).toBeNull();
    expect(resolveShard(undefined, undefined, { ...slurm, SLURM_ARRAY_TASK_MIN: "0" }).shard).toEqual({ index: 4, count: 4 });
    expect(() => resolveShard(undefined, undefined, slurm)).toThrow(/without SLURM_ARRAY_TASK_MIN/);
    const bad: [string | undefined, string | undefined, Record<string, string>, RegExp][] = [
      ["auto", undefined, {}, /no array-job variables/],
      [undefined, undefined, { JOB_COMPLETION_INDEX: "0" }, /--shards N/],
      [undefined, "2", { JOB_COMPLETION_INDEX: "2" }, /outside an array of 2/],
      [undefined, undefined, { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "3", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "7" }, /evenly spaced/],
      [undefined, undefined, { AWS_BATCH_JOB_ARRAY_INDEX: "0" }, /AWS_BATCH_JOB_ARRAY_SIZE/],
      [undefined, undefined, { AWS_BATCH_JOB_ARRAY_INDEX: "0", AWS_BATCH_JOB_ARRAY_SIZE: "2", JOB_COMPLETION_INDEX: "1" }, /several schedulers/],
      [undefined, "3", { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2", SLURM_ARRAY_TASK_MIN: "1" }, /contradicts/],
    ];
    for (const [flag, shards, env, why] of bad) expect(() => resolveShard(flag, shards, env), JSON.stringify(env)).toThrow(why);
    expect(() => resolveShard("auto", undefined, {})).toThrow(LlmprofError);
  });
});

describe("array-job parts, manifests, re-runs and SQL over the parts", () => {
  let root: string;
  let input: string;
  let out: string;
  const names = ["2025-05-01/llama-tiny-train.json.gz", "2025-05-01/llama-tiny-train-nostack.json.gz", "2025-05-02/llama-tiny-train.json.gz", "2025-05-02/l2-train-gpu-bound-bs8.json.gz"];
  const slurm = (k: number) => ({ SLURM_ARRAY_TASK_ID: String(k), SLURM_ARRAY_TASK_COUNT: "2", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "2" });
  const part = (table: string, k: number, ext = ".parquet") => join(out, table, `shard=${k}-of-2`, `part-${k}-of-2${ext}`);
  const manifest = (k: number) =>
    JSON.parse(readFileSync(join(out, "manifests", `shard=${k}-of-2.json`), "utf8")) as {
      shard: unknown;
      shard_source: string;
      llmprof_version: string;
      options: unknown;
      outputs: string[];
      inputs: { file: string; size_bytes: number; mtime: string; sha256: string; status: string }[];
    };

  beforeAll(() => {
    root = tempRoot("llmprof-fleet-");
    input = join(root, "archive");
    out = join(root, "results");
    for (const n of names) {
      mkdirSync(join(input, n, ".."), { recursive: true });
      cpSync(join(FIXTURES, n.split("/")[1]!), join(input, n));
    }
    // the names are chosen so that the hash splits them 2 + 2
    expect(names.map((n) => shardOf(n, 2)).sort()).toEqual([1, 1, 2, 2]);
    for (const k of [1, 2]) {
      const r = cli(["batch", input, "--out", out, "--jobs", "1"], slurm(k));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`shard ${k}/2 from SLURM_ARRAY_TASK_ID=${k} of 2`);
    }
  });

  it("each Slurm task writes its own hive part and a manifest: inputs with size, mtime and SHA-256, version, options", async () => {
    const seen: string[] = [];
    for (const k of [1, 2]) {
      for (const t of ["traces", "errors", "runs"]) expect(existsSync(part(t, k)), `${t} ${k}`).toBe(true);
      const rows = await readParquet(part("traces", k));
      const files = rows.map((r) => String(r["file"])).sort();
      expect(files).toEqual(names.filter((n) => shardOf(n, 2) === k).sort());
      seen.push(...files);
      const m = manifest(k);
      expect(m.shard).toEqual({ index: k, count: 2 });
      expect(m.shard_source).toBe("slurm");
      expect(m.llmprof_version).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
      expect(m.options).toEqual({ jobs: 1, reports: false, force: false, analysis: "{}" });
      expect(m.outputs).toContain(`traces/shard=${k}-of-2/part-${k}-of-2.parquet`);
      expect(m.outputs).toContain(`errors/shard=${k}-of-2/part-${k}-of-2.csv`);
      expect(m.inputs.map((i) => i.file).sort()).toEqual(files);
      for (const i of m.inputs) {
        const path = join(input, i.file);
        expect(i.sha256).toBe(createHash("sha256").update(readFileSync(path)).digest("hex"));
        expect(i.size_bytes).toBe(statSync(path).size);
        expect(new Date(i.mtime).getTime()).toBe(Math.round(statSync(path).mtimeMs));
        expect(i.status).toBe("analysed");
      }
    }
    expect(seen.sort()).toEqual([...names].sort());
    expect(existsSync(join(out, "traces.parquet"))).toBe(false);
  });

  it("llmprof query runs DuckDB over both shards' parts and returns analyze's per-trace figures", async () => {
    const cols = ["step_count", "step_time_median_ms", "step_time_max_ms", "gpu_busy_pct", "gpu_idle_pct", "exposed_comm_pct", "phase_forward_ms_per_step", "kernel_gemm_ms_per_step"];
    const r = cli(["query", out, `SELECT shard, file, tokens_per_s, mfu_pct, ${cols.join(", ")} FROM traces ORDER BY file`, "-f", "json"]);
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as TableRow[];
    expect(rows.map((x) => x["file"])).toEqual([...names].sort());
    for (const row of rows) {
      const file = String(row["file"]);
      expect(row["shard"]).toBe(`${shardOf(file, 2)}-of-2`);
      const [expected] = await expectedFor(join(input, file));
      for (const c of cols) if (c in expected!.values) expectClose(row[c], expected!.values[c]!, `${file} ${c}`);
      // the throughput headline figure, the catalogue's definition: median tokens per step / median step duration (steps section)
      const s = analyzeModels(await loadTraces([join(input, file)]));
      const median = (v: number[]) => {
        const x = [...v].sort((a, b) => a - b);
        return x.length % 2 ? x[(x.length - 1) / 2]! : (x[x.length / 2 - 1]! + x[x.length / 2]!) / 2;
      };
      const tokens = s.throughput.available ? s.throughput.ranks[0]!.steps.map((x) => x.tokens) : [];
      const durations = s.steps.available ? s.steps.items.map((x) => (x.endNs - x.startNs) / 1e9) : [];
      expectClose(row["tokens_per_s"], s.throughput.available ? median(tokens) / median(durations) : null, `${file} tokens_per_s`);
      expectClose(row["mfu_pct"], s.efficiency.available ? s.efficiency.window.mfuPct : null, `${file} mfu_pct`);
      expect(Object.keys(expected!.values).filter((c) => cols.includes(c)).length).toBeGreaterThanOrEqual(6);
    }
    expect(rows.filter((x) => typeof x["tokens_per_s"] === "number" && typeof x["mfu_pct"] === "number").length).toBeGreaterThan(0);
    // the manifests as a table, and a count by shard
    const inputs = cli(["query", out, "SELECT shard, count(*) AS n, sum(size_bytes) AS bytes FROM inputs GROUP BY shard ORDER BY shard", "-f", "csv"]);
    expect(inputs.status, inputs.stderr).toBe(0);
    const bytes = (k: number) => names.filter((n) => shardOf(n, 2) === k).reduce((s, n) => s + statSync(join(input, n)).size, 0);
    expect(inputs.stdout).toBe(`shard,n,bytes\r\n1-of-2,2,${bytes(1)}\r\n2-of-2,2,${bytes(2)}\r\n`);
  });

  it("query: bad SQL or a directory without output is one line and exit 2", () => {
    const bad = cli(["query", out, "SELECT nope FROM traces"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/query failed: .*nope/);
    const empty = cli(["query", input, "SELECT 1"]);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/holds no batch output/);
  });

  it("batch --merge writes one index.html over both shards' parts, touching no part", () => {
    const before = [1, 2].map((k) => statSync(part("traces", k)).mtimeMs);
    const r = cli(["batch", "--merge", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^merged 2 of 2 shards: 4 rows, 0 failed traces/);
    const html = readFileSync(join(out, "index.html"), "utf8");
    const block = /<script type="application\/json" id="llmprof-batch">([^<]*)<\/script>/.exec(html)![1]!;
    const data = JSON.parse(block) as { shard: unknown; rows: { file: string }[] };
    expect(data.shard).toBeNull();
    expect(data.rows.map((x) => x.file).sort()).toEqual([...names].sort());
    expect([1, 2].map((k) => statSync(part("traces", k)).mtimeMs)).toEqual(before);
    expect(cli(["batch", input, "--merge", "--out", out]).status).toBe(2);
  });

  it("re-running shard 1 after deleting one of its traces replaces its part only; shard 2's files are untouched", async () => {
    const other = [part("traces", 2), part("traces", 2, ".csv"), part("errors", 2), part("runs", 2), join(out, "manifests", "shard=2-of-2.json"), join(out, "index-2-of-2.html")];
    const before = other.map((p) => ({ bytes: readFileSync(p), mtime: statSync(p).mtimeMs }));
    const mine = names.filter((n) => shardOf(n, 2) === 1);
    rmSync(join(input, mine[0]!));
    const r = cli(["batch", input, "--out", out, "--jobs", "1"], slurm(1));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 traces: 0 analysed, 1 unchanged \(kept\), 0 failed/);
    expect((await readParquet(part("traces", 1))).map((x) => x["file"])).toEqual([mine[1]]);
    expect(manifest(1).inputs.map((i) => [i.file, i.status])).toEqual([[mine[1], "kept"]]);
    other.forEach((p, i) => {
      expect(readFileSync(p).equals(before[i]!.bytes), p).toBe(true);
      expect(statSync(p).mtimeMs, p).toBe(before[i]!.mtime);
    });
  });

  it("Kubernetes without --shards, and batch with '-' as a trace, are one-line usage errors", () => {
    const k8s = cli(["batch", input, "--out", join(root, "k8s")], { JOB_COMPLETION_INDEX: "0" });
    expect(k8s.status).toBe(2);
    expect(k8s.stderr).toMatch(/^llmprof: error: JOB_COMPLETION_INDEX is set: give --shards N/);
    const dash = cli(["batch", "-", "--out", join(root, "dash")]);
    expect(dash.status).toBe(2);
    expect(dash.stderr).toMatch(/--inputs-from -/);
    expect(existsSync(join(root, "k8s"))).toBe(false);
  });
});

describe("--inputs-from: a listing of paths", () => {
  it("parses one path a line, skipping blanks and # comments, with CRLF", () => {
    expect(parseListing("a/b.json\r\n\n# note\n  \n/x y/z.json.gz\n")).toEqual(["a/b.json", "/x y/z.json.gz"]);
  });

  it("two shards of a listing take every listed trace once, relative to the listing's common directory", () => {
    const root = tempRoot("llmprof-listing-");
    const paths = tracesUnder(FIXTURES)
      .filter((p) => !p.endsWith(".parquetdir"))
      .map((p) => join(FIXTURES, p));
    const shards = [1, 2].map((k) => listedInputs(paths, join(root, "out"), (rel) => shardOf(rel, 2) === k));
    const taken = shards.flatMap((s) => s.entries.map((e) => e.path)).sort();
    expect(taken).toEqual([...paths].sort());
    for (const s of shards) for (const e of s.entries) expect(join(e.root, e.file)).toBe(e.path);
    expect(new Set(shards.flatMap((s) => s.entries.map((e) => e.root)))).toEqual(new Set([FIXTURES]));
  });

  it("batch --inputs-from - reads the listing from stdin: listed traces analysed, a missing path and a URL in the errors table", async () => {
    const root = tempRoot("llmprof-listing-");
    const a = join(root, "a", "llama-tiny-train-nostack.json.gz");
    const b = join(root, "b", "c", "l2-train-gpu-bound-bs8.json.gz");
    for (const p of [a, b]) {
      mkdirSync(join(p, ".."), { recursive: true });
      cpSync(join(FIXTURES, p.split("/").pop()!), p);
    }
    const listing = `# nightly\n${a}\n\n${b}\n${join(root, "gone.json.gz")}\ns3://bucket/x.json.gz\n`;
    writeFileSync(join(root, "listing.txt"), listing);
    const out = join(root, "out");
    const r = cli(["batch", "--inputs-from", "-", "--out", out, "--jobs", "1"], {}, listing);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/2 traces: 2 analysed, 0 unchanged \(kept\), 2 failed/);
    const rows = await readParquet(join(out, "traces.parquet"));
    expect(rows.map((x) => [x["root"], x["file"]]).sort()).toEqual([
      [root, "a/llama-tiny-train-nostack.json.gz"],
      [root, "b/c/l2-train-gpu-bound-bs8.json.gz"],
    ]);
    const errors = await readParquet(join(out, "errors.parquet"));
    expect(errors.map((e) => [e["file"], /no such file|URL/.test(String(e["error"]))]).sort()).toEqual([
      ["gone.json.gz", true],
      ["s3://bucket/x.json.gz", true],
    ]);
    // the same listing from a file is the same work: all kept
    const again = cli(["batch", "--inputs-from", join(root, "listing.txt"), "--out", out, "--jobs", "1"]);
    expect(again.stderr).toMatch(/2 traces: 0 analysed, 2 unchanged \(kept\), 2 failed/);
    const missing = cli(["batch", "--inputs-from", join(root, "nope.txt"), "--out", out]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.txt: cannot read the listing/);
  });
});

describe("analyze - (standard input)", () => {
  it("gives the same summary as the file, but for the file's name", () => {
    const file = join(FIXTURES, "llama-tiny-train-nostack.json.gz");
    const fromFile = cli(["analyze", file, "-f", "json"]);
    const fromStdin = cli(["analyze", "-", "-f", "json"], {}, readFileSync(file));
    expect(fromFile.status, fromFile.stderr).toBe(0);
    expect(fromStdin.status, fromStdin.stderr).toBe(0);
    const stdinText = fromStdin.stdout;
    expect(stdinText).toContain('"stdin"');
    expect(JSON.parse(stdinText)).toEqual(JSON.parse(fromFile.stdout.split(JSON.stringify(file)).join('"stdin"')));
  });
});

describe("examples/array-jobs", () => {
  const dir = "examples/array-jobs";
  const bashSyntax = (script: string) => spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });

  it("the Slurm script is valid bash and declares an array", () => {
    const script = readFileSync(join(dir, "slurm-array.sh"), "utf8");
    const r = bashSyntax(script);
    expect(r.status, r.stderr).toBe(0);
    expect(script).toMatch(/^#SBATCH --array=\d+-\d+$/m);
    expect(script).toMatch(/llmprof batch /);
  });

  it("the Kubernetes Indexed Job parses, its --shards equals completions, and its script is valid bash", () => {
    const job = parseYaml(readFileSync(join(dir, "k8s-indexed-job.yaml"), "utf8")) as {
      kind: string;
      spec: { completionMode: string; completions: number; template: { spec: { containers: { args: string[] }[] } } };
    };
    expect(job.kind).toBe("Job");
    expect(job.spec.completionMode).toBe("Indexed");
    const script = job.spec.template.spec.containers[0]!.args[0]!;
    expect(Number(/--shards (\d+)/.exec(script)?.[1])).toBe(job.spec.completions);
    const r = bashSyntax(script);
    expect(r.status, r.stderr).toBe(0);
  });

  it("the GitHub Actions matrix parses, its --shard k/N matches the matrix, and every run step is valid bash", () => {
    const wf = parseYaml(readFileSync(join(dir, "github-actions-matrix.yml"), "utf8")) as { jobs: Record<string, { strategy?: { matrix: { shard: number[] } }; steps: { run?: string }[] }> };
    const shards = wf.jobs["shard"]!.strategy!.matrix.shard;
    const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run).filter((s): s is string => typeof s === "string"));
    const batch = runs.find((s) => s.includes("llmprof batch"))!;
    expect(Number(/--shard \$\{\{ matrix\.shard \}\}\/(\d+)/.exec(batch)?.[1])).toBe(shards.length);
    expect(shards).toEqual(shards.map((_, i) => i + 1));
    expect(runs.some((s) => s.includes("llmprof query"))).toBe(true);
    for (const s of runs) {
      const r = bashSyntax(s.replace(/\$\{\{[^}]*\}\}/g, "1"));
      expect(r.status, `${s}\n${r.stderr}`).toBe(0);
    }
  });
});
