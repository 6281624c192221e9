/**
 * `npm run bench [-- options] [trace...]`: parse and analyse traces, one fresh
 * child process per run so peak RSS is per trace, and print a table:
 * file, MB of JSON text, events, parse s, full analysis s (parse + analyzeModels),
 * MB/s and events/s of the parse, the parse's CPU time (and MB per CPU second:
 * steadier than wall time on a shared machine), the analyses' wall time and CPU
 * time as a share of the parse's, peak RSS. Times are the best
 * of --runs runs; peak RSS the highest.
 *
 * Defaults: the shared traces (../shared/traces/kineto/*.json.gz and
 * multi-gpu/*.json.gz; absent ones skipped), each read gzip and plain (inflated
 * to a temporary copy), and the Nsight Systems SQLite exports there
 * (decompressed first) when an nsys-sqlite parser is registered. For SQLite
 * the "MB text" column is the file's size. Options:
 *   --runs N              runs per trace (default 3; the best time is kept)
 *   --mode gz|plain|both  which encodings of .json.gz inputs to run (default both)
 *   --tile 250MB,1GB      also tile --from (default the shared eager trace) to
 *                         these sizes of JSON text under --tmp, run them, delete them
 *   --from trace          source trace for --tile
 *   --tmp dir             where inflated and tiled copies go (default os.tmpdir())
 *   --gzip-tiled          also run gzip copies of the tiled traces
 *   --json out.json       also write the rows as JSON
 *   --threads N           parse threads of the measured runs (default: the parser's default, the number of cores)
 *   --no-yardstick        skip the JSON.parse yardstick runs
 *   --ranks a,b[,...]     also analyse these files (one per rank) alone with one thread each,
 *                         then together with the default threads, and print the ratio of
 *                         the together wall to the sum of the single walls (issue 18: <= 0.6 for 2 ranks on 2 cores)
 *   --sqlite-tile 100MB   also tile --sqlite-from (default the shared nsys-llama-1b-train.sqlite.gz) to this size and run it
 * Yardstick (issue 18): for JSON inputs, a second fresh child reads the same
 * file (gunzipSync for .gz) and calls JSON.parse on it; its wall time and peak RSS
 * sit beside the installed command's (`llmprof s`, `llmprof RSS MB`: the bundle
 * dist/bundle/main.js running `analyze FILE -o summary.json`, start-up included),
 * with the ratios of the two (of the bench child's figures when there is no bundle). Files beyond V8's string limit (~512 MB) cannot be
 * JSON.parse'd: the yardstick is then extrapolated linearly from the largest
 * size that could ("~" before the figure).
 * Internal: --child <file> runs one measurement and prints one JSON line;
 * --yardstick-child <file> the JSON.parse run.
 */
import { spawnSync } from "node:child_process";
import { closeSync, createReadStream, createWriteStream, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createGunzip, createGzip, gunzipSync } from "node:zlib";
import { analyzeModels } from "../src/analysis/analyze.js";
import { FORMATS, loadTraces } from "../parsers/registry.js";
import { renderJson } from "../reports/json.js";
import { parseSize, tile } from "./tile.js";
import { tileSqlite } from "./tile-sqlite.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SHARED = process.env["LLMPROF_SHARED_TRACES"] ?? resolve(ROOT, "../shared/traces");

export interface Measurement {
  file: string;
  encoding: "gzip" | "plain" | "sqlite" | "other";
  /** JSON text (uncompressed) for Kineto; the file's size for other formats. */
  textBytes: number;
  events: number;
  parseMs: number;
  /** CPU time of the parse (all threads: zlib's too); less disturbed than wall time on a busy machine. */
  parseCpuMs: number;
  analyzeMs: number;
  /** CPU time of the analyses alone (analyzeModels, after the parse). */
  analysesCpuMs?: number;
  /** parse + every analysis + summary.json rendered and written: the whole `analyze -o summary.json` minus start-up. */
  fullMs: number;
  maxRssBytes: number;
  /** Whole child process wall time (start-up included), as a user sees it. */
  processMs: number;
  /** The installed command (dist/bundle/main.js) running `analyze FILE -o summary.json`: wall time and peak RSS of that process, as a user sees them. */
  cliMs?: number;
  cliRssBytes?: number;
  /** JSON.parse of the same text in a fresh process: read, (gunzip), parse. */
  yardstickMs?: number;
  yardstickRssBytes?: number;
  /** The yardstick is extrapolated from a smaller file (this one is past V8's string limit). */
  yardstickExtrapolated?: boolean;
  /** Shown instead of the file name (tiled traces). */
  label?: string;
}

/** One measurement in this process (run in a fresh child). */
async function child(files: string[], threads: number | undefined): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const models = await loadTraces(files, threads !== undefined ? { threads } : {});
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  const c2 = process.cpuUsage();
  const summary = analyzeModels(models);
  const t2 = performance.now();
  const c3 = process.cpuUsage(c2);
  const out = join(mkdtempSync(join(tmpdir(), "llmprof-bench-out-")), "summary.json");
  writeFileSync(out, renderJson(summary));
  const t3 = performance.now();
  rmSync(dirname(out), { recursive: true, force: true });
  let textBytes = 0;
  let events = 0;
  for (const m of models) {
    textBytes += m.meta.bytesRead;
    for (const n of Object.values(m.meta.eventCounts)) events += n;
  }
  const row = {
    textBytes,
    events,
    parseMs: t1 - t0,
    parseCpuMs: (c1.user + c1.system) / 1000,
    analyzeMs: t2 - t0,
    analysesCpuMs: (c3.user + c3.system) / 1000,
    fullMs: t3 - t0,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    steps: summary.steps.available ? summary.steps.count : 0,
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

/** The yardstick: node reading the file and calling JSON.parse on all of it. */
function yardstickChild(file: string): void {
  let text = readFileSync(file);
  if (file.endsWith(".gz")) text = gunzipSync(text);
  const parsed: unknown = JSON.parse(text.toString("utf8"));
  const events = (parsed as { traceEvents?: unknown[] }).traceEvents?.length ?? 0;
  process.stdout.write(`${JSON.stringify({ events, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

/** N ranks alone (one thread each) and together (default threads): whole-process walls and their ratio. */
function measureRanks(files: string[], runs: number, say: (s: string) => void): string {
  say(`ranks: ${files.map((f) => basename(f)).join(", ")} alone, then together...`);
  const alone = files.map((f) => measure(f, runs, 1));
  const together = measure(files[0]!, runs, undefined, files);
  // whole processes: the installed command's when there is one
  const wall = (m: Measurement) => m.cliMs ?? m.processMs;
  const sum = alone.reduce((n, m) => n + wall(m), 0);
  const parseSum = alone.reduce((n, m) => n + m.parseMs, 0);
  return (
    `${files.length} ranks (${(together.textBytes / 1e6).toFixed(0)} MB): together ${(wall(together) / 1000).toFixed(2)} s, ` +
    `sum of single-rank runs ${(sum / 1000).toFixed(2)} s, ratio ${(wall(together) / sum).toFixed(2)} (whole processes); ` +
    `parse only: ${(together.parseMs / 1000).toFixed(2)} s vs ${(parseSum / 1000).toFixed(2)} s, ratio ${(together.parseMs / parseSum).toFixed(2)}`
  );
}

/** Largest text V8 makes into one string (2^29 - 24 characters on 64-bit). */
const V8_MAX_STRING = 2 ** 29 - 24;

/** Runs the yardstick in fresh children (best wall time, highest RSS); null when JSON.parse cannot take the file. */
function yardstick(file: string, textBytes: number, runs: number): { ms: number; rss: number } | null {
  if (textBytes >= V8_MAX_STRING) return null;
  let ms = Infinity;
  let rss = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const res = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--yardstick-child", file], { encoding: "utf8", maxBuffer: 1 << 20 });
    const dt = performance.now() - t0;
    if (res.status !== 0) return null;
    ms = Math.min(ms, dt);
    rss = Math.max(rss, (JSON.parse(res.stdout.trim().split("\n").pop()!) as { maxRssBytes: number }).maxRssBytes);
  }
  return { ms, rss };
}

/** The bundled command line, which is what `llmprof` runs once installed (tools/bundle.mjs). */
const CLI = join(ROOT, "dist/bundle/main.js");
/** Preloaded into the command's process to report its own peak RSS on exit (spawnSync cannot see it). */
const REPORT_RSS = "data:text/javascript,process.on('exit',()=>process.stderr.write('\\nbench-max-rss '+process.resourceUsage().maxRSS*1024+'\\n'))";

/** `llmprof analyze FILE... -o summary.json` through the installed command, best wall time and highest RSS of `runs` processes; null without a bundle. */
function measureCli(files: readonly string[], runs: number, threads?: number): { ms: number; rss: number } | null {
  if (!existsSync(CLI)) return null;
  const out = mkdtempSync(join(tmpdir(), "llmprof-bench-cli-"));
  try {
    let ms = Infinity;
    let rss = 0;
    for (let r = 0; r < runs; r++) {
      const args = ["--import", REPORT_RSS, CLI, "analyze", ...files, "-o", join(out, "summary.json"), ...(threads !== undefined ? ["--threads", String(threads)] : [])];
      const t0 = performance.now();
      const res = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 20 });
      const dt = performance.now() - t0;
      if (res.status !== 0) throw new Error(`${files.join(", ")}: llmprof analyze failed (${res.status ?? res.signal}): ${res.stderr.trim().split("\n").slice(-2).join(" | ")}`);
      ms = Math.min(ms, dt);
      rss = Math.max(rss, Number(/bench-max-rss (\d+)/.exec(res.stderr)?.[1] ?? 0));
    }
    return { ms, rss };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function measure(file: string, runs: number, threads?: number, together: readonly string[] = [file]): Measurement {
  let best: Measurement | null = null;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const args = [fileURLToPath(import.meta.url), "--child", JSON.stringify(together), ...(threads !== undefined ? ["--threads", String(threads)] : [])];
    const res = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 20 });
    const processMs = performance.now() - t0;
    if (res.status !== 0) throw new Error(`${file}: child failed (${res.status ?? res.signal}): ${res.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const m = JSON.parse(res.stdout.trim().split("\n").pop()!) as Omit<Measurement, "file" | "encoding">;
    const encoding = /\.json\.gz$/.test(file) ? "gzip" : /\.json$/.test(file) ? "plain" : /\.sqlite$/.test(file) ? "sqlite" : "other";
    const cur: Measurement = { file, encoding, ...m, processMs };
    if (encoding === "sqlite" || encoding === "other") cur.textBytes = statSync(file).size;
    if (!best) best = cur;
    else {
      best.parseMs = Math.min(best.parseMs, cur.parseMs);
      best.parseCpuMs = Math.min(best.parseCpuMs, cur.parseCpuMs);
      best.analyzeMs = Math.min(best.analyzeMs, cur.analyzeMs);
      best.analysesCpuMs = Math.min(best.analysesCpuMs ?? Infinity, cur.analysesCpuMs ?? Infinity);
      best.fullMs = Math.min(best.fullMs, cur.fullMs);
      best.processMs = Math.min(best.processMs, cur.processMs);
      best.maxRssBytes = Math.max(best.maxRssBytes, cur.maxRssBytes); // the worst peak: a bound, not a lucky run
    }
  }
  const cli = measureCli(together, runs, threads);
  if (cli) {
    best!.cliMs = cli.ms;
    best!.cliRssBytes = cli.rss;
  }
  return best!;
}

export function formatTable(rows: readonly Measurement[]): string {
  const head = [
    "file",
    "enc",
    "MB text",
    "events",
    "parse s",
    "analyze s",
    "full s",
    "process s",
    "MB/s",
    "Mevents/s",
    "parse CPU s",
    "MB/CPU-s",
    "analyses % of parse",
    "analyses CPU s",
    "analyses % of parse CPU",
    "peak RSS MB",
    "llmprof s",
    "llmprof RSS MB",
    "JSON.parse s",
    "JSON.parse RSS MB",
    "x JSON.parse time",
    "x JSON.parse RSS",
  ];
  const ratio = (a: number, b: number | undefined) => (b === undefined ? "n/a" : (a / b).toFixed(2));
  const body = rows.map((r) => {
    const approx = r.yardstickExtrapolated ? "~" : "";
    return [
      r.label ?? basename(r.file),
      r.encoding,
      (r.textBytes / 1e6).toFixed(0),
      String(r.events),
      (r.parseMs / 1000).toFixed(2),
      (r.analyzeMs / 1000).toFixed(2),
      (r.fullMs / 1000).toFixed(2),
      (r.processMs / 1000).toFixed(2),
      (r.textBytes / 1e6 / (r.parseMs / 1000)).toFixed(0),
      (r.events / 1e6 / (r.parseMs / 1000)).toFixed(2),
      (r.parseCpuMs / 1000).toFixed(2),
      (r.textBytes / 1e6 / (r.parseCpuMs / 1000)).toFixed(0),
      ((100 * (r.analyzeMs - r.parseMs)) / r.parseMs).toFixed(0),
      r.analysesCpuMs === undefined ? "n/a" : (r.analysesCpuMs / 1000).toFixed(2),
      r.analysesCpuMs === undefined ? "n/a" : ((100 * r.analysesCpuMs) / r.parseCpuMs).toFixed(0),
      (r.maxRssBytes / 2 ** 20).toFixed(0),
      r.cliMs === undefined ? "n/a" : (r.cliMs / 1000).toFixed(2),
      r.cliRssBytes === undefined ? "n/a" : (r.cliRssBytes / 2 ** 20).toFixed(0),
      r.yardstickMs === undefined ? "n/a" : `${approx}${(r.yardstickMs / 1000).toFixed(2)}`,
      r.yardstickRssBytes === undefined ? "n/a" : `${approx}${(r.yardstickRssBytes / 2 ** 20).toFixed(0)}`,
      // the installed command against the yardstick (the bench child's own figures when there is no bundle)
      `${r.yardstickMs === undefined ? "" : approx}${ratio(r.cliMs ?? r.processMs, r.yardstickMs)}`,
      `${r.yardstickRssBytes === undefined ? "" : approx}${ratio(r.cliRssBytes ?? r.maxRssBytes, r.yardstickRssBytes)}`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  return [line(head), `| ${widths.map((w, i) => (i === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`, ...body.map(line)].join("\n");
}

/** Adds the JSON.parse yardstick to a JSON row; past V8's string limit, scaled linearly from `last` (the largest measured). */
function addYardstick(m: Measurement, runs: number, last: { bytes: number; ms: number; rss: number } | null): { bytes: number; ms: number; rss: number } | null {
  if (m.encoding !== "plain" && m.encoding !== "gzip") return last;
  const y = yardstick(m.file, m.textBytes, runs);
  if (y) {
    m.yardstickMs = y.ms;
    m.yardstickRssBytes = y.rss;
    return { bytes: m.textBytes, ms: y.ms, rss: y.rss };
  }
  if (last) {
    const k = m.textBytes / last.bytes;
    m.yardstickMs = last.ms * k;
    m.yardstickRssBytes = last.rss * k;
    m.yardstickExtrapolated = true;
  }
  return last;
}

function defaultTraces(): string[] {
  const out: string[] = [];
  for (const dir of ["kineto", "multi-gpu"]) {
    const d = join(SHARED, dir);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (f.endsWith(".json.gz")) out.push(join(d, f));
  }
  // Nsight Systems SQLite exports, once a parser for them is registered
  if (FORMATS.some((f) => f.id === "nsys-sqlite")) {
    for (const dir of ["nsys", "multi-gpu"]) {
      const d = join(SHARED, dir);
      if (existsSync(d)) for (const f of readdirSync(d).sort()) if (/\.sqlite(\.gz|\.xz)?$/.test(f)) out.push(join(d, f));
    }
  }
  return out;
}

/** A compressed SQLite export, decompressed into dir (xz through the `xz` tool); null when that is not possible. */
async function decompressSqlite(file: string, dir: string): Promise<string | null> {
  const out = join(dir, basename(file).replace(/\.(gz|xz)$/, ""));
  if (file.endsWith(".gz")) await inflate(file, out);
  else {
    const fd = openSync(out, "w");
    const r = spawnSync("xz", ["-dc", file], { stdio: ["ignore", fd, "ignore"] });
    closeSync(fd);
    if (r.status !== 0) return null;
  }
  return out;
}

async function inflate(src: string, dst: string): Promise<void> {
  await pipeline(createReadStream(src), createGunzip(), createWriteStream(dst));
}

async function deflate(src: string, dst: string): Promise<void> {
  await pipeline(createReadStream(src), createGzip({ level: 6 }), createWriteStream(dst));
}

async function main(argv: string[]): Promise<void> {
  const ci = argv.indexOf("--child");
  const ti = argv.indexOf("--threads");
  const threadsArg = ti >= 0 ? Number(argv[ti + 1]) : undefined;
  if (ci >= 0) return child(JSON.parse(argv[ci + 1]!) as string[], threadsArg);
  const yi = argv.indexOf("--yardstick-child");
  if (yi >= 0) return yardstickChild(argv[yi + 1]!);
  const opts = new Map<string, string>();
  const flags = new Set<string>();
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--gzip-tiled" || a === "--no-yardstick") flags.add(a);
    else if (a.startsWith("--")) opts.set(a, argv[++i] ?? "");
    else files.push(a);
  }
  const runs = Number(opts.get("--runs") ?? 3);
  const mode = opts.get("--mode") ?? "both";
  const tmp = mkdtempSync(join(opts.get("--tmp") ?? tmpdir(), "llmprof-bench-"));
  const inputs = files.length > 0 ? files : opts.has("--tile") ? [] : defaultTraces();
  const rows: Measurement[] = [];
  const say = (s: string) => process.stderr.write(`${s}\n`);
  let lastYardstick: { bytes: number; ms: number; rss: number } | null = null;
  let ranksLine = "";
  const run = (file: string): Measurement => {
    const m = measure(file, runs, threadsArg);
    if (!flags.has("--no-yardstick")) lastYardstick = addYardstick(m, runs, lastYardstick);
    return m;
  };
  say(
    `node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model ?? "?"}), load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}, best of ${runs}`,
  );
  try {
    for (const file of inputs) {
      if (!existsSync(file)) {
        say(`skip ${file}: not found`);
        continue;
      }
      if (/\.sqlite\.(gz|xz)$/.test(file)) {
        const db = await decompressSqlite(file, tmp);
        if (!db) {
          say(`skip ${basename(file)}: cannot decompress (is xz installed?)`);
          continue;
        }
        say(`${basename(db)}...`);
        rows.push(measure(db, runs, threadsArg));
        rmSync(db);
        continue;
      }
      const gz = file.endsWith(".gz");
      if (!gz || mode !== "plain") {
        say(`${basename(file)}...`);
        rows.push(run(file));
      }
      if (gz && mode !== "gz") {
        const plain = join(tmp, basename(file).replace(/\.gz$/, ""));
        await inflate(file, plain);
        say(`${basename(plain)} (plain)...`);
        rows.push(run(plain));
        rmSync(plain);
      }
    }
    const sizes = opts.get("--tile");
    if (sizes) {
      const from = opts.get("--from") ?? join(SHARED, "kineto/llama-1b-train-eager.json.gz");
      for (const size of sizes.split(",")) {
        const out = join(tmp, `tiled-${size}.json`);
        say(`tiling ${basename(from)} to ${size}...`);
        const t = tile({ from, out, sizeBytes: parseSize(size) });
        say(`  ${(t.bytes / 1e6).toFixed(0)} MB, ${t.copies} copies`);
        const m = run(out);
        m.label = `${basename(from).replace(/\.json(\.gz)?$/, "")} x${t.copies}`;
        rows.push(m);
        if (flags.has("--gzip-tiled")) {
          await deflate(out, `${out}.gz`);
          rmSync(out);
          const g = run(`${out}.gz`);
          g.label = m.label;
          rows.push(g);
          rmSync(`${out}.gz`);
        } else rmSync(out);
      }
    }
    const sqliteSize = opts.get("--sqlite-tile");
    if (sqliteSize) {
      const from = opts.get("--sqlite-from") ?? join(SHARED, "nsys/nsys-llama-1b-train.sqlite.gz");
      const db = from.endsWith(".sqlite") ? from : await decompressSqlite(from, tmp);
      if (!db) say(`skip ${basename(from)}: cannot decompress`);
      else {
        const out = join(tmp, `tiled-${sqliteSize}.sqlite`);
        say(`tiling ${basename(db)} to ${sqliteSize}...`);
        const t = tileSqlite(db, out, parseSize(sqliteSize));
        const m = measure(out, runs, threadsArg);
        m.label = `${basename(db).replace(/\.sqlite$/, "")} x${t.copies}`;
        rows.push(m);
        rmSync(out);
      }
    }
    const ranks = opts.get("--ranks");
    if (ranks) ranksLine = measureRanks(ranks.split(","), runs, say);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  say(
    `load after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  process.stdout.write(`${formatTable(rows)}\n`);
  if (ranksLine) process.stdout.write(`\n${ranksLine}\n`);
  const json = opts.get("--json");
  if (json) writeFileSync(json, JSON.stringify(rows, null, 2));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
