/** Issue 23: hostile input II. Every adversarial input is generated here, small. */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { writeOutput } from "../../src/io/output.js";
import { renderCsv } from "../../reports/csv.js";
import { inertForPullRequest } from "../../reports/markdown-safe.js";
import { chromiumAvailable, launch, openReport } from "../reports/browser.js";
import { fanOutKineto, PROTOTYPE_NAMES } from "../fuzz/generators.js";
import { configFromObject, loadConfig } from "../../src/config.js";
import { parseBudget } from "../../src/analysis/budget.js";
import { MAX_YAML_BYTES, nestingDepth, parseBoundedYaml } from "../../src/yaml-bounded.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { CLI, fixture } from "../helpers/paths.js";
import { execFileSync, spawn, spawnSync } from "node:child_process";

const dir = mkdtempSync(join(tmpdir(), "llmprof-hostile-"));
const trace = fixture("llama-tiny-train.json.gz");

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe("temporary files (point 1)", () => {
  it("never follows a symlink planted at the old predictable temp name", () => {
    const victim = file("victim.txt", "precious");
    const out = join(dir, "planted.json");
    // the name main used: .<name>.<pid>.tmp
    symlinkSync(victim, join(dir, `.planted.json.${process.pid}.tmp`));
    writeOutput(out, '{"llmprof": 1}', { inputs: [], force: false });
    expect(readFileSync(victim, "utf8")).toBe("precious");
    expect(readFileSync(out, "utf8")).toBe('{"llmprof": 1}');
  });
  it("leaves no temporary file behind and uses unpredictable names", () => {
    const sub = mkdtempSync(join(dir, "clean-"));
    writeOutput(join(sub, "a.json"), "llmprof a", { inputs: [], force: false });
    writeOutput(join(sub, "a.json"), "llmprof b", { inputs: [], force: false });
    expect(readdirSync(sub)).toEqual(["a.json"]);
  });
});

describe("every input file is protected from -o ... --force (point 8)", () => {
  for (const flag of ["--config", "--peaks", "--gpu-info"]) {
    it(flag, () => {
      const content =
        flag === "--gpu-info" ? "<nvidia_smi_log><gpu><product_name>NVIDIA H100 80GB HBM3</product_name></gpu></nvidia_smi_log>\n" : flag === "--peaks" ? "tflops:\n  bf16: 989.4\n" : "findings: {}\n";
      const p = file(`settings${flag}.json`, content);
      const r = runCli(["analyze", trace, flag, p, "-o", p, "--force"]);
      expectCleanError(r, p, /is one of the inputs/);
      expect(readFileSync(p, "utf8")).toBe(content);
    });
  }
  it("check --budget (already protected; kept so it stays so)", () => {
    const p = file("budget.json", '{"step_time_ms": 1000}');
    expectCleanError(runCli(["check", trace, "--budget", p, "--junit", p, "--force"]), p, /is one of the inputs/);
    expect(readFileSync(p, "utf8")).toBe('{"step_time_ms": 1000}');
  });
});

describe("prototype keys in budgets and config (point 7)", () => {
  const check = (budget: string) => runCli(["check", trace, "--budget", file("proto-budget.yml", budget)]);
  it("a figure named like an Object.prototype member is unknown, not n/a", () => {
    expectCleanError(check("phases.forward.constructor: 0\n"), "proto-budget.yml", /unknown figure "constructor"/);
  });
  it("a metric named constructor is a budget error (exit 2), not a failed check", () => {
    expectCleanError(check("constructor: 5\n"), "proto-budget.yml", /unknown metric "constructor"/);
  });
  it("a __proto__ key is plain data, never an internal error", () => {
    expectCleanError(check("__proto__: {step_time_ms: 1}\n"), "proto-budget.yml", /unknown metric "__proto__.step_time_ms"/);
  });
  it("config thresholds named after prototype members are unknown", () => {
    expect(() => configFromObject(parseBoundedYaml('findings: {thresholds: {"host-bound.constructor": 1}}', "c.yml", { what: "config file" }), "c.yml")).toThrow(/unknown threshold/);
    expect(() => loadConfig(file("proto.yml", "__proto__: {findings: {}}\n"))).toThrow(/unknown key "__proto__"/);
  });
});

describe("YAML bounds (point 11)", () => {
  it("40,000 keys parse in linear time and a duplicate is still found", () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`);
    lines.push("k7: 2");
    const started = Date.now();
    expect(() => parseBudget(lines.join("\n"), "b.yml")).toThrow(/"k7" appears twice/);
    // main's quadratic duplicate check took ~30 s on this input
    expect(Date.now() - started).toBeLessThan(8000);
  }, 20_000);
  it("deep nesting is refused before parsing, flow or block", () => {
    expect(() => parseBudget("[".repeat(200_000) + "]".repeat(200_000), "b.yml")).toThrow(/nests deeper than 64 levels/);
    const block = Array.from({ length: 100 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " 1\n";
    expect(() => parseBudget(block, "b.yml")).toThrow(/nests deeper than 64 levels/);
    expect(nestingDepth("a:\n  b:\n    c: [1, {d: 2}]\n")).toBe(5);
  });
  it("files over the size cap are refused with a clear message", () => {
    expect(() => parseBoundedYaml("#".repeat(MAX_YAML_BYTES + 1), "big.yml", { what: "config file" })).toThrow(/larger than 1024 KiB/);
  });
  it("ordinary budgets still parse", () => {
    expect(parseBudget("step_time_ms: 120\nphases:\n  forward:\n    kernel_ms: {max: 5, min: 1}\n", "b.yml")).toEqual([
      { metric: "step_time_ms", max: 120, min: null },
      { metric: "phases.forward.kernel_ms", max: 5, min: 1 },
    ]);
  });
});

describe("non-seekable inputs are streamed (point 9)", () => {
  const gz = readFileSync(trace);
  it("`-` reads the trace from stdin (gzip), and the report names stdin, not a temporary path", () => {
    const r = spawnSync(process.execPath, [CLI, "analyze", "-", "-f", "json"], { input: gz, encoding: "utf8", env: { ...process.env, CI: "1" } });
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as { trace: { files: string[] }; steps: { count: number } };
    expect(s.trace.files).toEqual(["stdin"]);
    expect(s.steps.count).toBe(2); // the fixture records ProfilerStep#2 and #3
    expect(r.stdout).not.toMatch(/llmprof-input-/);
  });
  it("a FIFO with a late writer is read; one without a writer fails in one line instead of hanging", async () => {
    const fifo = join(dir, "trace.fifo");
    execFileSync("mkfifo", [fifo]);
    const env = { ...process.env, CI: "1", LLMPROF_FIFO_WAIT_MS: "300" };
    const lonely = spawnSync(process.execPath, [CLI, "analyze", fifo], { encoding: "utf8", env, timeout: 15_000 });
    expectCleanError({ status: lonely.status, stdout: lonely.stdout, stderr: lonely.stderr }, fifo, /nothing wrote to it/);
    const reader = spawn(process.execPath, [CLI, "analyze", fifo, "-f", "json"], { env: { ...env, LLMPROF_FIFO_WAIT_MS: "10000" } });
    let out = "";
    reader.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((resolve) => reader.on("close", resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    writeFileSync(fifo, gz); // blocks until the reader has it open
    expect(await done).toBe(0);
    expect((JSON.parse(out) as { trace: { files: string[] } }).trace.files).toEqual([fifo]);
  }, 30_000);
});

describe("decompression to disk is bounded (point 3)", () => {
  it("a small .sqlite.gz bomb stops at the relative limit, names a real option and leaves nothing in TMPDIR", () => {
    const raw = Buffer.alloc(80 * 2 ** 20); // 80 MiB: above the 64 MiB floor, and 100x the ~80 KiB compressed size
    raw.write("SQLite format 3\0", 0, "latin1");
    const bomb = file("bomb.sqlite.gz", gzipSync(raw, { level: 1 }));
    const tmp = mkdtempSync(join(dir, "tmpdir-"));
    const r = spawnSync(process.execPath, [CLI, "analyze", bomb], { encoding: "utf8", env: { ...process.env, CI: "1", TMPDIR: tmp } });
    expectCleanError({ status: r.status, stdout: r.stdout, stderr: r.stderr }, bomb, /decompresses to more than 100x its compressed size, 64 MiB.*--max-decompressed-gib/);
    expect(readdirSync(tmp)).toEqual([]);
    expect(runCli(["analyze", "--help"]).stdout).toContain("--max-decompressed-gib");
  });
});

describe("privacy (point 10)", () => {
  it("the trace's recorded name keeps no directory of the recording machine", () => {
    const text = gunzipSync(readFileSync(trace)).toString("utf8");
    const named = file("named.json", text.replace(/"traceName": *"[^"]*"/, '"traceName": "/home/alice/secret-project/tmp1234/rank0.pt.trace.json"'));
    for (const args of [
      ["analyze", named, "-f", "json,md"],
      ["info", named],
    ]) {
      const r = runCli(args);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toContain("/home/alice");
      expect(r.stdout).not.toContain("secret-project");
    }
    const html = join(dir, "named.html");
    expect(runCli(["analyze", named, "-o", html]).status).toBe(0);
    expect(readFileSync(html, "utf8")).not.toContain("secret-project");
    const s = JSON.parse(runCli(["analyze", named, "-f", "json"]).stdout) as { trace: { traceName: string } };
    expect(s.trace.traceName).toBe("rank0.pt.trace.json");
    // asked for, the whole recorded name
    const shown = JSON.parse(runCli(["analyze", named, "-f", "json", "--show-paths"]).stdout) as { trace: { traceName: string } };
    expect(shown.trace.traceName).toBe("/home/alice/secret-project/tmp1234/rank0.pt.trace.json");
  });

  it("the gzip header's original file name (FNAME) is never copied", () => {
    const gz = gzipSync(gunzipSync(readFileSync(trace)));
    // FLG.FNAME set, the name after the 10-byte header (RFC 1952, 2.3.1)
    const header = Buffer.from(gz.subarray(0, 10));
    header[3] = header[3]! | 0x08;
    const p = file("fname.json.gz", Buffer.concat([header, Buffer.from("/home/zqrecorder/secret-project/rank0.json\0", "latin1"), gz.subarray(10)]));
    expect(gunzipSync(readFileSync(p)).length).toBeGreaterThan(0);
    const out = join(dir, "fname-out");
    const r = runCli(["analyze", p, "-o", out, "-f", "json,md,html,csv"]);
    expect(r.status, r.stderr).toBe(0);
    const texts = [r.stdout, runCli(["info", p]).stdout, ...["summary.json", "summary.md", "report.html", "csv/kernels.csv", "csv/steps.csv"].map((f) => readFileSync(join(out, f), "utf8"))];
    for (const t of texts) expect(t).not.toMatch(/zqrecorder|secret-project/);
  });

  it("a relative directory gives relative file names", () => {
    const r = runCli(["analyze", "multi-gpu", "-f", "json"], { cwd: fixture(".") });
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { trace: { files: string[]; ranks: { file: string }[] } };
    expect(s.trace.files).toEqual(["multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz", "multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz"]);
    expect(s.trace.ranks.map((x) => x.file)).toEqual(s.trace.files);
  });

  it("batch --reports names each trace relative to the directory given, never by its absolute path", () => {
    const out = join(dir, "batch-paths");
    const r = runCli(["batch", fixture("multi-gpu"), "--out", out, "--reports"]);
    expect(r.status, r.stderr).toBe(0);
    const reports = readdirSync(join(out, "reports"));
    expect(reports).toHaveLength(2);
    for (const folder of reports) {
      const html = readFileSync(join(out, "reports", folder, "report.html"), "utf8");
      expect(html).not.toContain(fixture("multi-gpu"));
      expect(html).toMatch(/l2-ddp-straggler-2gpu-rank[01]\.json\.gz/);
    }
  });
});

// as root, permissions do not stop a write: the CLI runs as nobody (uid 65534) when this test runs as root
const asNobody = process.getuid?.() === 0;
// ... which needs a checkout nobody can read (not one under a private directory such as `mktemp -d`'s)
const nobodyReadsCli = asNobody && spawnSync(process.execPath, ["-e", `require("fs").accessSync(${JSON.stringify(CLI)}, require("fs").constants.R_OK)`], { uid: 65534, gid: 65534 }).status === 0;
if (asNobody && !nobodyReadsCli) process.stderr.write(`[skip] uid 65534 cannot read ${CLI} (a private parent directory): the EACCES checks of point 9 are not run\n`);
describe.skipIf(!nobodyReadsCli)("an unwritable output directory is one clean line (point 9, EACCES)", () => {
  const ro = mkdtempSync(join(dir, "readonly-"));
  chmodSync(ro, 0o555);
  const nobody = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", uid: 65534, gid: 65534, env: { ...process.env, CI: "1" } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  it("analyze -o file, -o dir -f csv, the annotated trace and batch --out", () => {
    const traceCopy = join(mkdtempSync(join(tmpdir(), "llmprof-ro-in-")), "t.json.gz");
    writeFileSync(traceCopy, readFileSync(trace));
    chmodSync(dirname(traceCopy), 0o755);
    chmodSync(traceCopy, 0o644);
    expectCleanError(nobody(["analyze", traceCopy, "-o", join(ro, "s.json")]), join(ro, "s.json"), /permission denied/);
    expectCleanError(nobody(["analyze", traceCopy, "-o", `${ro}/`, "-f", "csv"]), join(ro, "csv"), /permission denied/);
    expectCleanError(nobody(["analyze", traceCopy, "-o", join(ro, "a.json.gz")]), join(ro, "a.json.gz"), /permission denied/);
    expectCleanError(nobody(["batch", fixture("multi-gpu"), "--out", join(ro, "b")]), join(ro, "b"), /permission denied/);
    expect(readdirSync(ro)).toEqual([]);
  });
});

describe("terminal summary printed once (point 12)", () => {
  it("a format repeated in --format is written once", () => {
    const r = runCli(["analyze", fixture("multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz"), fixture("multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz"), "-f", "text,text"]);
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^Headline:/gm)).toHaveLength(1);
  });
  it("diff and compare write a repeated format once too (one --format parser for the three)", () => {
    const runs = [fixture("llama-tiny-train.json.gz"), fixture("llama-tiny-train-eager.json.gz")];
    const diff = runCli(["diff", ...runs, "-f", "text,TEXT"]);
    expect(diff.status).toBe(0);
    expect(diff.stdout.match(/^llmprof \S+ diff — /gm)).toHaveLength(1);
    const compare = runCli(["compare", ...runs, "-f", "text,text"]);
    expect(compare.status).toBe(0);
    expect(compare.stdout.match(/^llmprof compare: 2 runs$/gm)).toHaveLength(1);
  });
});

describe("user category patterns are checked for catastrophic backtracking (point 2, config side)", () => {
  const rule = (pattern: string) => () => configFromObject({ categories: [{ category: "attention", pattern }] }, "c.yml");
  it("nested quantifiers, repeated alternations, backreferences and over-long patterns are refused", () => {
    for (const p of ["(a+)+$", "((ab)*)+", "(\\w+\\s?)*$", "(x|x)*y", "(a)\\1", "a".repeat(201)]) expect(rule(p), p).toThrow(/pattern refused/);
  });
  it("ordinary patterns pass", () => {
    for (const p of ["my_fused_attn", "flash_?attn", "(flash|mem_eff)_attn", "reduce[_a-z]*fusion", "(?:ab)+c"]) expect(rule(p), p).not.toThrow();
  });
  it("a refused pattern is one a backtracking engine really chokes on (relative time)", () => {
    const timed = (n: number) => {
      const started = process.hrtime.bigint();
      /(a+)+$/.test("a".repeat(n) + "!");
      return Number(process.hrtime.bigint() - started);
    };
    timed(12);
    // exponential: four more characters cost far more than 4/16 more time
    expect(timed(22)).toBeGreaterThan(4 * timed(18));
  });
});

describe("CSV formula guard (point 5)", () => {
  it("a cell that only starts like a number is guarded; plain numbers are not", () => {
    const csv = renderCsv({ name: "t", header: ["name"], rows: [['-2+3+cmd|" /C calc"!A0'], ["-12.5"], ["+3e5"], ["@SUM(A1)"], ["kernel"]] });
    const cells = csv.trim().split("\r\n").slice(1);
    expect(cells).toEqual(['"\'-2+3+cmd|"" /C calc""!A0"', "-12.5", "+3e5", '"\'@SUM(A1)"', "kernel"]);
  });
});

describe("terminal output carries no control characters (point 5, terminal part)", () => {
  it("a kernel name with ESC, BEL and an OSC 8 hyperlink reaches the terminal defanged", () => {
    const text = gunzipSync(readFileSync(trace)).toString("utf8");
    const evil = "\u001b]8;;x\u0007k\u001b[2J";
    const p = file("evil-names.json", text.replace(/"name": "void at::native::elementwise_kernel/g, `"name": ${JSON.stringify(evil).slice(0, -1)}at::native::elementwise_kernel`));
    const r = runCli(["analyze", p]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("\ufffd]8;;x\ufffdk\ufffd[2J");
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});

describe("Markdown for pull-request comments is inert (point 6)", () => {
  const PING = "ping @octocat and @org/team, see #12, GH-7 and o/r#3 at https://evil.example/x or www.evil.example";
  const BIDI = "\u202eevil\u202c\u2066iso\u2069\u200f";
  const hostile = (name: string, extra: string) => {
    const text = gunzipSync(readFileSync(trace)).toString("utf8");
    return file(
      name,
      text.replace(/"name": "void at::native::elementwise_kernel/g, `"name": ${JSON.stringify(`${PING} ${BIDI}\u0007\u001b[31m`).slice(0, -1)}${extra}void at::native::elementwise_kernel`),
    );
  };
  const check = (md: string, readable = PING.slice(0, 60)) => {
    expect(md).not.toMatch(/@[\w/]/);
    expect(md).not.toMatch(/(?<!&)#\d/);
    expect(md).not.toMatch(/GH-\d/i);
    expect(md).not.toMatch(/(https?|ftp):\/\//i);
    expect(md).not.toMatch(/www\./i);
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    // it still reads the same: without the zero-width joiners the text is there, only the controls gone
    expect(md.replace(/\u200d/g, "")).toContain(readable);
  };
  it("analyze -f md: mentions, issue references, bare URLs, bidi and control characters are defused", () => {
    const r = runCli(["analyze", hostile("pr-a.json", ""), "-f", "md"]);
    expect(r.status).toBe(0);
    check(r.stdout);
  });
  it("diff -f md and check --markdown", () => {
    const a = hostile("pr-base.json", "");
    const b = hostile("pr-head.json", "x_");
    const d = runCli(["diff", a, b, "-f", "md"]);
    expect(d.status).toBe(0);
    check(d.stdout);
    // the check's Markdown names the run: a file name that pings and links
    const run = file("pr @octocat #12 www.x.json", readFileSync(b));
    const budget = file("pr-budget.yml", "step_time_ms: 100000\n");
    const md = join(dir, "pr-check.md");
    const c = runCli(["check", run, "--budget", budget, "--markdown", md]);
    expect(c.status).toBe(0);
    check(readFileSync(md, "utf8"), "pr @octocat #12 www.x.json");
  });
  it("an ordinary kernel name is unchanged", () => {
    const name = "ampere_bf16_s16816gemm_bf16_128x64_ldg8_f2f_stages_64x4_tn";
    expect(inertForPullRequest(name)).toBe(name);
    expect(inertForPullRequest("aten::scaled_dot_product_attention")).toBe("aten::scaled_dot_product_attention");
  });
});

describe.skipIf(!chromiumAvailable())("prototype names in the pages (point 7, client side)", () => {
  it("modules named after Object.prototype members all appear in the icicle; a trace file named __proto__ is counted in the batch index", async () => {
    const names = [...PROTOTYPE_NAMES];
    const t = file("proto-modules.json", fanOutKineto({ kernels: names.length * 2, name: (i) => `k${i}`, operator: (i) => `aten::op${i}`, module: (i) => names[i % names.length]! }).text);
    const html = join(dir, "proto-modules.html");
    expect(runCli(["analyze", t, "-o", html]).status).toBe(0);
    const archive = mkdtempSync(join(dir, "proto-archive-"));
    for (const n of ["__proto__", "constructor", "a.json.gz"]) writeFileSync(join(archive, n), readFileSync(trace));
    const out = join(dir, "proto-batch");
    expect(runCli(["batch", archive, "--out", out]).status).toBe(0);
    const browser = await launch();
    try {
      const report = await openReport(browser, html);
      expect(report.errors).toEqual([]);
      // the root and one node per module (each a root-level instance), by the data d3 bound to it
      const labels = await report.page.evaluate(() => [...document.querySelectorAll("#modules g.node")].map((g) => (g as unknown as { __data__: { data: { label: string } } }).__data__.data.label));
      expect(labels.slice(1).sort()).toEqual([...names].sort());
      const index = await openReport(browser, join(out, "index.html"));
      expect(index.errors).toEqual([]);
      expect(await index.page.evaluate(() => document.querySelector("header .subtitle")?.textContent ?? "")).toMatch(/^3 traces, 3 rows/);
    } finally {
      await browser.close();
    }
  }, 90_000);
});

describe("diff of an edited summary.json with malformed entries (point 9)", () => {
  it("a null row, a numeric name, a table that is not a list, a missing table: one line naming the file and the path", () => {
    const good = file("good-summary.json", runCli(["analyze", trace, "-f", "json"]).stdout);
    const edits: [string, (s: Record<string, Record<string, unknown>>) => void, RegExp][] = [
      ["row-null", (s) => ((s["kernels"]!["byName"] as unknown[])[0] = null), /kernels\.byName\[0\] is null/],
      ["name-number", (s) => ((s["kernels"]!["byName"] as Record<string, unknown>[])[0]!["name"] = 5), /kernels\.byName\[0\]\.name is number/],
      ["table-object", (s) => (s["temporal"]!["devices"] = {}), /temporal\.devices is object, expected a list/],
      ["table-missing", (s) => delete s["operators"]!["byName"], /operators\.byName is missing/],
      ["phases-not-list", (s) => (s["phases"]!["steps"] = [{ step: 2, phases: 5 }]), /phases\.steps\[0\]\.phases is number/],
    ];
    for (const [name, edit, problem] of edits) {
      const s = JSON.parse(readFileSync(good, "utf8")) as Record<string, Record<string, unknown>>;
      edit(s);
      const bad = file(`bad-${name}.json`, JSON.stringify(s));
      expectCleanError(runCli(["diff", good, bad, "-f", "json"]), bad, problem);
    }
    expect(runCli(["diff", good, good, "-f", "json"]).status).toBe(0);
  });
});
