/**
 * Issue 23, point 4: fan-out. Generated traces with many distinct kernel names,
 * operators, device ids or processes give bounded outputs (top rows plus one
 * "(all others)" row whose sums equal the left-out rows' raw sums; every row only
 * in CSV), and a limit that stops a run names itself and the option raising it.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";
import { chromiumAvailable, launch, openReport } from "../reports/browser.js";
import { fanOutKineto, garbageSqlite, manyProcessesSqlite, overlappingKineto, type FanOutTrace } from "../fuzz/generators.js";
import { othersRow } from "../../reports/top-rows.js";

const dir = mkdtempSync(join(tmpdir(), "llmprof-fanout-"));

interface KernelJsonRow {
  name: string;
  count: number;
  totalNs: number;
  minNs: number;
  maxNs: number;
  others?: number;
}

function analyse(
  name: string,
  t: FanOutTrace,
  extra: string[] = [],
): {
  out: string;
  json: {
    kernels: { byName: KernelJsonRow[] };
    operators: { byName: { name: string; calls: number; gpuSelfNs: number; others?: number }[] };
    bounded?: { table: string; rows: number; kept: number }[];
  };
} {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, t.text);
  const out = join(dir, `${name}-out`);
  const r = runCli(["analyze", path, "-o", out, "-f", "json,md,html,csv", ...extra]);
  expect(r.status, r.stderr).toBe(0);
  return { out, json: JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) };
}

describe("many distinct kernel names (point 4)", () => {
  const N = 6000;
  const t = fanOutKineto({ kernels: N });
  const { out, json } = analyse("names", t);
  const rows = json.kernels.byName;

  it("summary.json keeps 500 rows and one (all others) row whose sums are the left-out kernels' raw sums", () => {
    expect(rows).toHaveLength(501);
    const others = rows[500]!;
    expect(others.name).toBe("(all others)");
    expect(others.others).toBe(N - 500);
    const kept = new Set(rows.slice(0, 500).map((r) => r.name));
    let totalNs = 0;
    let count = 0;
    let minNs = Infinity;
    let maxNs = 0;
    for (const [name, k] of t.byName) {
      if (kept.has(name)) continue;
      totalNs += k.totalNs;
      count += k.count;
      minNs = Math.min(minNs, k.totalNs / k.count);
      maxNs = Math.max(maxNs, k.totalNs / k.count);
    }
    expect(others.count).toBe(count);
    expect(others.totalNs).toBeCloseTo(totalNs, 0);
    expect(others.minNs).toBeCloseTo(minNs, 0);
    expect(others.maxNs).toBeCloseTo(maxNs, 0);
    // the kept rows are the largest: none left out is longer than the shortest kept
    const shortestKept = Math.min(...rows.slice(0, 500).map((r) => r.totalNs));
    for (const [name, k] of t.byName) if (!kept.has(name)) expect(k.totalNs).toBeLessThanOrEqual(shortestKept);
    expect(json.bounded).toEqual([{ table: "kernels.byName", rows: N, kept: 500 }]);
  });

  it("CSV has every kernel name; summary.json and the HTML report stay small", () => {
    const csv = readFileSync(join(out, "csv", "kernels.csv"), "utf8")
      .trim()
      .split("\r\n");
    expect(csv).toHaveLength(N + 1);
    // 500 rows of ~250 bytes; without the bound 6,000 names made 2.1 MB
    expect(statSync(join(out, "summary.json")).size).toBeLessThan(400_000);
    expect(statSync(join(out, "report.html")).size).toBeLessThan(1_200_000);
  });

  it("ten times the names give the same output size (bounded, not proportional)", () => {
    const small = analyse("names-small", fanOutKineto({ kernels: 600 }));
    const ratio = statSync(join(out, "summary.json")).size / statSync(join(small.out, "summary.json")).size;
    expect(ratio).toBeLessThan(1.3);
  });

  it("Markdown and the terminal print an (all others) row with the rest's raw total", () => {
    const shownMd = 15;
    const md = readFileSync(join(out, "summary.md"), "utf8");
    const line = md.split("\n").find((l) => l.includes("(all others:"))!;
    expect(line).toContain(`(all others: ${(N - shownMd).toLocaleString("en-US")} kernel names)`);
    const top = new Set(rows.slice(0, shownMd).map((r) => r.name));
    let restNs = 0;
    for (const [name, k] of t.byName) if (!top.has(name)) restNs += k.totalNs;
    expect(line).toContain(`| ${(restNs / 1e6).toFixed(2)} |`);
    const text = runCli(["analyze", join(dir, "names.json")]).stdout;
    expect(text).toContain(`(all others: ${(N - 10).toLocaleString("en-US")} kernel names)`);
  });

  it("--top sets the rows kept", () => {
    const { json: small } = analyse("names-top", fanOutKineto({ kernels: 300 }), ["--top", "20"]);
    expect(small.kernels.byName).toHaveLength(21);
    expect(small.kernels.byName[20]!.others).toBe(280);
  });
});

describe("(all others) of kernels that overlap in time: every share physically possible", () => {
  const names = 40;
  const t = overlappingKineto(names);
  const path = join(dir, "overlap.json");
  writeFileSync(path, t.text);

  it("its pctOfBusy stays within 100% though the left-out rows' shares sum far past it", () => {
    const out = join(dir, "overlap-out");
    const r = runCli(["analyze", path, "-o", out, "-f", "json,md", "--top", "2"]);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { kernels: { byName: (KernelJsonRow & { pctOfBusy: number; pctOfKernelTime: number })[] } };
    const rows = json.kernels.byName;
    expect(rows.map((r) => r.name).slice(0, 2)).toEqual(["overlap_0", "overlap_1"]);
    const others = rows[2]!;
    expect(others.others).toBe(names - 2);
    // by hand: busy = kernel 0's 100 µs; kernel k alone is (100 - k)% of it
    let sumOfShares = 0;
    let restNs = 0;
    let allNs = 0;
    for (let k = 0; k < names; k++) {
      allNs += t.durUs(k) * 1000;
      if (k < 2) continue;
      sumOfShares += t.durUs(k);
      restNs += t.durUs(k) * 1000;
    }
    expect(sumOfShares).toBeGreaterThan(100);
    expect(others.totalNs).toBe(restNs);
    // the union of kernels 2..39 is 98 µs (98%); the capped share bounds it from above and never passes 100
    expect(others.pctOfBusy).toBeLessThanOrEqual(100);
    expect(others.pctOfBusy).toBeGreaterThanOrEqual(98);
    expect(others.pctOfKernelTime).toBeCloseTo((100 * restNs) / allNs, 6);
    const md = readFileSync(join(out, "summary.md"), "utf8");
    const mdLine = md.split("\n").find((l) => l.includes("(all others:"))!;
    for (const m of mdLine.matchAll(/(\d+(?:\.\d+)?)%/g)) expect(Number(m[1])).toBeLessThanOrEqual(100);
  });

  it("the terminal's (all others) row never prints a share past 100%", () => {
    const text = runCli(["analyze", path]).stdout;
    const line = text.split("\n").find((l) => l.includes("(all others:"))!;
    expect(line).toBeDefined();
    for (const m of line.matchAll(/(\d+(?:\.\d+)?)%/g)) expect(Number(m[1])).toBeLessThanOrEqual(100);
  });

  it("shares of a peak are derived figures: null in the merged row, not summed", () => {
    const merged = othersRow(
      [
        { name: "a", kernelNs: 5, pctOfPeak: 70 },
        { name: "b", kernelNs: 5, pctOfPeak: 60 },
      ],
      "name",
    );
    expect(merged.pctOfPeak).toBeNull();
    expect(merged.kernelNs).toBe(10);
  });
});

describe("many distinct operators (point 4)", () => {
  it("operators.byName is cut to --top rows; (all others) holds the rest's calls and GPU time", () => {
    const t = fanOutKineto({ kernels: 400, name: (i) => `k${i % 5}`, operator: (i) => `aten::op_${i % 200}` });
    const { json } = analyse("ops", t, ["--top", "50"]);
    const rows = json.operators.byName;
    expect(rows).toHaveLength(51);
    const kept = new Set(rows.slice(0, 50).map((r) => r.name));
    let calls = 0;
    let gpuNs = 0;
    for (const [name, a] of t.byOperator) {
      if (kept.has(name)) continue;
      calls += a.calls;
      gpuNs += a.gpuNs;
    }
    expect(rows[50]!.others).toBe(150);
    expect(rows[50]!.calls).toBe(calls);
    expect(rows[50]!.gpuSelfNs).toBeCloseTo(gpuNs, 0);
  });
});

describe("--top, --max-ranks and --max-devices on diff, check, compare and batch", () => {
  const t = fanOutKineto({ kernels: 60 });
  const path = join(dir, "bounded-check.json");
  writeFileSync(path, t.text);
  const out = join(dir, "bounded-check.summary.json");
  const r = runCli(["analyze", path, "-o", out, "--top", "5"]);
  const kept = (JSON.parse(readFileSync(out, "utf8")) as { kernels: { byName: { name: string }[] } }).kernels.byName.slice(0, 5).map((k) => k.name);
  const cutName = [...t.byName.keys()].find((n) => !kept.includes(n))!;
  let allNs = 0;
  for (const k of t.byName.values()) allNs += k.totalNs;

  it("check: a budget on a kernel cut by --top says it was cut and names --top, never 'not in this run'", () => {
    expect(r.status, r.stderr).toBe(0);
    const budget = join(dir, "bounded-budget.yml");
    writeFileSync(budget, `kernels.${kept[0]}.pct: 100\nkernels.${cutName}.pct: 100\n`);
    for (const run of [out, path]) {
      const c = runCli(["check", run, "--budget", budget, "--top", "5"]);
      expect(c.status, c.stderr).toBe(1);
      const lines = c.stdout.split("\n").filter((l) => l.includes(cutName));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('were cut into "(all others)" by --top 5');
      expect(lines[0]).not.toMatch(/not in this run|not found/);
      // the kept kernel's share, by hand from the generator's durations
      const share = (100 * t.byName.get(kept[0]!)!.totalNs) / allNs;
      expect(c.stdout).toContain(`kernels.${kept[0]}.pct = ${share.toFixed(3)}%`);
    }
    // the whole trace without a cut finds the kernel
    const whole = runCli(["check", path, "--budget", budget, "--top", "100"]);
    expect(whole.status, whole.stdout).toBe(0);
  });

  const twoDevices = join(dir, "two-devices.json");
  writeFileSync(twoDevices, fanOutKineto({ kernels: 20, device: (i) => i % 2 }).text);

  it("diff, check and compare stop at --max-devices, naming it", () => {
    expectCleanError(runCli(["diff", twoDevices, twoDevices, "--max-devices", "1"]), twoDevices, /more than 1 distinct GPU device ids.*--max-devices/);
    expectCleanError(runCli(["compare", twoDevices, twoDevices, "--max-devices", "1"]), twoDevices, /more than 1 distinct GPU device ids.*--max-devices/);
    expectCleanError(runCli(["check", twoDevices, "--fail-on", "high", "--max-devices", "1"]), twoDevices, /more than 1 distinct GPU device ids.*--max-devices/);
    expect(runCli(["diff", twoDevices, twoDevices, "--max-devices", "2"]).status).toBe(0);
    expectCleanError(runCli(["diff", path, path, "--top", "x"]), "", /--top: expected a positive whole number/);
  });

  it("diff cuts a trace's name tables to --top as analyze's summary.json would", () => {
    const d = runCli(["diff", path, out, "-f", "json", "--top", "5"]);
    expect(d.status, d.stderr).toBe(0);
    const json = JSON.parse(d.stdout) as { sections: { id: string; rows?: { key: string }[] }[] };
    const kernels = json.sections.find((s) => s.id === "kernels");
    const keys = new Set((kernels?.rows ?? []).map((row) => row.key));
    expect(keys.has(cutName)).toBe(false);
  });

  it("batch: --max-devices fails the trace's row, naming the limit", () => {
    const outDir = join(dir, "batch-bounded");
    const b = runCli(["batch", twoDevices, "--out", outDir, "--max-devices", "1", "-j", "1"]);
    expect(b.status).toBe(1);
    expect(readFileSync(join(outDir, "errors.csv"), "utf8")).toMatch(/more than 1 distinct GPU device ids.*--max-devices/);
  });
});

describe("limits that stop a run name the limit and the option (point 4)", () => {
  it("distinct device ids over --max-devices", () => {
    const t = fanOutKineto({ kernels: 300, name: () => "k", device: (i) => i });
    const path = join(dir, "devices.json");
    writeFileSync(path, t.text);
    expectCleanError(runCli(["analyze", path, "-f", "json"]), path, /more than 256 distinct GPU device ids.*--max-devices/);
    const r = runCli(["analyze", path, "-f", "json", "--max-devices", "300"]);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { temporal: { devices: unknown[] } }).temporal.devices).toHaveLength(300);
  });

  const sqlite = join(dir, "base.sqlite");
  writeFileSync(sqlite, gunzipSync(readFileSync(fixture("nsys/nsys-tiny-train.sqlite.gz"))));

  it("an Nsight report with more processes than --max-ranks stops early", () => {
    const path = join(dir, "procs.sqlite");
    manyProcessesSqlite(sqlite, path, 1100);
    const started = Date.now();
    expectCleanError(runCli(["analyze", path, "-f", "json"]), path, /more than 1,024 ranks.*--max-ranks/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expectCleanError(runCli(["analyze", path, "-f", "json", "--max-ranks", "50"]), path, /more than 50 ranks.*--max-ranks/);
  });

  it("more trace files than --max-ranks stop before any is parsed", () => {
    const one = fixture("llama-tiny-train.json.gz");
    const r = runCli(["analyze", one, one, one, "--max-ranks", "2"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/more than 2 ranks.*--max-ranks/);
  });

  it("a garbage Nsight export (random values in every kernel column) ends in one line or a bounded result, fast", () => {
    const path = join(dir, "garbage.sqlite");
    garbageSqlite(sqlite, path, 20_000, 7);
    const started = Date.now();
    const r = runCli(["analyze", path, "-f", "json"]);
    expect(Date.now() - started).toBeLessThan(20_000);
    if (r.status === 2) expectCleanError(r, path, /--max-/);
    else expect(r.stdout.length).toBeLessThan(2_000_000);
  });

  it("the option values are checked", () => {
    const r = runCli(["analyze", fixture("llama-tiny-train.json.gz"), "--top", "0"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--top: expected a positive whole number/);
  });
});

describe.skipIf(!chromiumAvailable())("the HTML report with (all others) rows (point 4)", () => {
  it("opens without errors, the module icicle and the tables intact", async () => {
    const html = join(dir, "top3.html");
    expect(runCli(["analyze", fixture("llama-tiny-train.json.gz"), "-o", html, "--top", "3"]).status).toBe(0);
    const browser = await launch();
    try {
      const opened = await openReport(browser, html);
      expect(opened.errors).toEqual([]);
      const text = await opened.page.evaluate(() => document.body.innerText);
      expect(text).toContain("(all others)");
    } finally {
      await browser.close();
    }
  }, 60_000);
});
