/**
 * Runs: the rank files that belong to one profiled job. A directory given to
 * analyze/diff/compare/check/batch is searched recursively and its trace files
 * are grouped into runs, so that ranks of one job are analysed together and
 * traces of different jobs never are.
 *
 * Files form one run when they sit in the same directory, agree on the Kineto
 * distributedInfo world size, hold different ranks, and start within
 * RUN_WINDOW_MS of the run's first file. A file without distributedInfo (a
 * single-GPU trace, an Nsight export) is a run by itself.
 */
import { posix } from "node:path";
import { dateInPath } from "../batch/naming.js";
import type { ListedTrace } from "../batch/listing.js";
import type { HeadMeta } from "./head-meta.js";

/** Ranks of one job export within seconds of each other; two profiling windows of one job are minutes apart. */
export const RUN_WINDOW_MS = 5 * 60 * 1000;

/** tensorboard_trace_handler names files `<host>_<pid>.<epoch ms>.pt.trace.json[.gz]`. */
const HANDLER_NAME = /\.(\d{13})\.pt\.trace\.json(\.gz)?$/i;
/** Trace extensions left out of a run named by its file. */
const TRACE_SUFFIX = /(\.pt\.trace)?\.(json|sqlite3?|arrow|pb|nsys-rep|qdrep|xplane\.pb)(\.(gz|xz|zst|bz2))?$/i;
/** The handler's layout: `<run>/plugins/profile/<timestamp>/`. */
const PROFILE_DIR = /^(.*?)\/?plugins\/profile\/([^/]+)$/;

export type DateSource = "file-name" | "trace" | "path" | "mtime";

export interface RunFile {
  entry: ListedTrace;
  meta: HeadMeta;
  startMs: number;
  startSource: DateSource;
}

/** Rank lists as ranges: [0,1,2,5,7,8] -> "0-2,5,7-8". */
export function rankRanges(ranks: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ranks.length;) {
    let j = i;
    while (j + 1 < ranks.length && ranks[j + 1] === ranks[j]! + 1) j++;
    parts.push(j === i ? String(ranks[i]) : `${ranks[i]}-${ranks[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export interface Run {
  /** Unique among the runs found: the directory (TensorBoard `<run>/<timestamp>`), plus `#k` when a directory holds several. */
  name: string;
  root: string;
  /** Directory below root, '/'-separated ("" for root itself). */
  directory: string;
  files: RunFile[];
  worldSize: number;
  ranksFound: number[];
  ranksMissing: number[];
  dateMs: number;
  dateSource: DateSource;
  sizeBytes: number;
}

/** When a file's trace started: the handler's time stamp, Kineto's baseTimeNanoseconds, a date in the path, or its mtime. */
export function fileStart(entry: ListedTrace, meta: HeadMeta): { ms: number; source: DateSource } {
  const m = HANDLER_NAME.exec(entry.file);
  if (m && plausible(Number(m[1]))) return { ms: Number(m[1]), source: "file-name" };
  if (meta.baseTimeMs !== null && plausible(meta.baseTimeMs)) return { ms: meta.baseTimeMs, source: "trace" };
  const d = dateInPath(entry.file);
  if (d) return { ms: d.ms, source: "path" };
  return { ms: entry.mtimeMs, source: "mtime" };
}

function plausible(ms: number): boolean {
  return ms > Date.UTC(2000, 0, 1) && ms < Date.UTC(2100, 0, 1);
}

/** Groups files into runs, newest first. */
export function groupRuns(files: readonly RunFile[]): Run[] {
  const byDir = new Map<string, RunFile[]>();
  for (const f of files) {
    const key = `${f.entry.root}\u0000${posix.dirname(f.entry.file)}`;
    byDir.set(key, [...(byDir.get(key) ?? []), f]);
  }
  const runs: Run[] = [];
  for (const group of byDir.values()) {
    const sorted = [...group].sort((a, b) => a.startMs - b.startMs || (a.meta.rank ?? -1) - (b.meta.rank ?? -1) || cmp(a.entry.file, b.entry.file));
    const sets: RunFile[][] = [];
    let current: RunFile[] | null = null;
    for (const f of sorted) {
      if (current && belongs(current, f)) current.push(f);
      else sets.push((current = [f]));
    }
    sets.forEach((set, i) => runs.push(makeRun(set, sets.length > 1 ? i + 1 : 0)));
  }
  // a directory of single traces: each is named by its file, not by a number
  const taken = new Set<string>();
  for (const run of runs) {
    if (/#\d+$/.test(run.name) && run.files.length === 1) {
      const base = posix.basename(run.files[0]!.entry.file);
      const dir = run.name.replace(/#\d+$/, "");
      const named = [base.replace(TRACE_SUFFIX, ""), base].map((n) => (dir ? `${dir}/${n}` : n)).find((n) => !taken.has(n));
      if (named) run.name = named;
    }
    taken.add(run.name);
  }
  return runs.sort((a, b) => b.dateMs - a.dateMs || cmp(a.name, b.name));
}

function belongs(run: RunFile[], f: RunFile): boolean {
  const first = run[0]!;
  const ws = f.meta.worldSize;
  if (ws === null || ws < 2 || f.meta.rank === null || first.meta.worldSize !== ws) return false;
  if (run.some((r) => r.meta.rank === f.meta.rank)) return false;
  return Math.abs(f.startMs - first.startMs) <= RUN_WINDOW_MS;
}

function makeRun(files: RunFile[], ordinal: number): Run {
  const first = files[0]!;
  const directory = posix.dirname(first.entry.file) === "." ? "" : posix.dirname(first.entry.file);
  const tb = PROFILE_DIR.exec(directory);
  let name = tb ? (tb[1] ? `${tb[1]}/${tb[2]}` : tb[2]!) : directory || posix.basename(first.entry.root) || ".";
  if (ordinal > 0) name += `#${ordinal}`;
  const ranksFound = files
    .map((f) => f.meta.rank)
    .filter((r): r is number => r !== null)
    .sort((a, b) => a - b);
  const worldSize = first.meta.worldSize ?? Math.max(1, files.length);
  const ranksMissing: number[] = [];
  if (first.meta.worldSize !== null) for (let r = 0; r < worldSize; r++) if (!ranksFound.includes(r)) ranksMissing.push(r);
  const earliest = files.reduce((a, b) => (b.startMs < a.startMs ? b : a));
  return {
    name,
    root: first.entry.root,
    directory,
    files: [...files].sort((a, b) => (a.meta.rank ?? 0) - (b.meta.rank ?? 0) || cmp(a.entry.file, b.entry.file)),
    worldSize,
    ranksFound,
    ranksMissing,
    dateMs: earliest.startMs,
    dateSource: earliest.startSource,
    sizeBytes: files.reduce((s, f) => s + f.entry.sizeBytes, 0),
  };
}

/** Runs whose name, directory or TensorBoard run (the name's first part) is `wanted`. */
export function matchRuns(runs: readonly Run[], wanted: string): Run[] {
  const w = wanted.replace(/\/+$/, "");
  return runs.filter((r) => r.name === w || r.directory === w || r.name.split("/")[0] === w || r.name.replace(/#\d+$/, "") === w);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
