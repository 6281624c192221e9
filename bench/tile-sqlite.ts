/**
 * Makes a large Nsight Systems SQLite export by repeating the activity of a real one:
 *   node dist/bench/tile-sqlite.js --from export.sqlite --size 100MB --out /tmp/big.sqlite
 * Copy k repeats the rows of the CUDA runtime, kernel, memcpy, memset and NVTX
 * tables with start/end shifted by k * (span of the source + 1 ms), correlation
 * ids shifted by k * (largest id + 1), and `ProfilerStep#N` NVTX ranges
 * renumbered (N + k * 1000), so copies read as later steps of one run. Other
 * tables (strings, threads, devices) are kept once. Copies are added until the
 * file reaches the size (checked after each copy).
 */
import { copyFileSync, statSync } from "node:fs";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { parseSize } from "./tile.js";

const ACTIVITY = ["CUPTI_ACTIVITY_KIND_RUNTIME", "CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_MEMCPY", "CUPTI_ACTIVITY_KIND_MEMSET"];

export function tileSqlite(from: string, out: string, sizeBytes: number): { copies: number; bytes: number } {
  copyFileSync(from, out);
  const db = new Database(out);
  try {
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const present = ACTIVITY.filter((t) => tables.has(t));
    const timed = [...present, ...(tables.has("NVTX_EVENTS") ? ["NVTX_EVENTS"] : [])];
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of timed) {
      const r = db.prepare(`SELECT min(start) AS a, max(coalesce(end, start)) AS b FROM ${t}`).get() as { a: number | null; b: number | null };
      if (r.a !== null) lo = Math.min(lo, r.a);
      if (r.b !== null) hi = Math.max(hi, r.b);
    }
    if (!Number.isFinite(lo)) throw new Error(`${from}: no activity to tile`);
    const shift = hi - lo + 1_000_000;
    let maxCorr = 0;
    for (const t of present) maxCorr = Math.max(maxCorr, (db.prepare(`SELECT max(correlationId) AS m FROM ${t}`).get() as { m: number | null }).m ?? 0);
    const corrStride = maxCorr + 1;
    const columns = (t: string) => (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
    const originals = new Map(timed.map((t) => [t, (db.prepare(`SELECT max(rowid) AS m FROM ${t}`).get() as { m: number }).m]));
    let copies = 1;
    while (statSync(out).size < sizeBytes) {
      const k = copies;
      db.transaction(() => {
        for (const t of timed) {
          const cols = columns(t).filter((c) => c !== "id" && c !== "rowid");
          const expr = cols.map((c) => {
            if (c === "start") return `start + ${k * shift}`;
            if (c === "end") return `CASE WHEN end IS NULL THEN NULL ELSE end + ${k * shift} END`;
            if (c === "correlationId") return `correlationId + ${k * corrStride}`;
            if (c === "text" && t === "NVTX_EVENTS") return `CASE WHEN text LIKE 'ProfilerStep#%' THEN 'ProfilerStep#' || (CAST(substr(text, 14) AS INTEGER) + ${k * 1000}) ELSE text END`;
            return `"${c}"`;
          });
          db.exec(`INSERT INTO ${t} (${cols.map((c) => `"${c}"`).join(", ")}) SELECT ${expr.join(", ")} FROM ${t} WHERE rowid <= ${originals.get(t)!}`);
        }
      })();
      copies++;
    }
    return { copies, bytes: statSync(out).size };
  } finally {
    db.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i]!, argv[i + 1] ?? "");
  const from = args.get("--from");
  const out = args.get("--out");
  if (!from || !out) {
    process.stderr.write("usage: node dist/bench/tile-sqlite.js --from export.sqlite --size 100MB --out big.sqlite\n");
    process.exit(2);
  }
  const t0 = performance.now();
  const r = tileSqlite(from, out, parseSize(args.get("--size") ?? "100MB"));
  process.stderr.write(`${out}: ${(r.bytes / 1e6).toFixed(0)} MB, ${r.copies} copies, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
