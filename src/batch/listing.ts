/**
 * Finding the traces of an archive: inputs are files, directories (walked
 * recursively) or glob patterns. Walking only stats entries; the files are
 * read (their first 64 KiB, to sniff the format) after sharding, so that each
 * of n shard jobs reads only its own share.
 *
 * A file is a trace when a registered format recognises its content, or when
 * its name looks like one (TRACE_NAME) even if no format does: that file is
 * reported as failed, not skipped. Anything else is skipped silently, as are
 * hidden directories (".git"), earlier llmprof outputs and the output directory.
 * A directory that a format stores traces as (an nsys parquetdir) is one trace.
 */
import { readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { FORMATS } from "../../parsers/registry.js";
import { readHead } from "../../parsers/source.js";
import { LlmprofError } from "../errors.js";
import { hasMagic, splitGlob } from "./glob.js";

/** Names that look like a trace of a supported format, compressed or not. */
export const TRACE_NAME = /\.(json|sqlite|sqlite3|arrow|nsys-rep|qdrep|pb|xplane\.pb)(\.(gz|xz|zst|bz2))?$/i;
const LLMPROF_OUTPUT = /"schema"\s*:\s*"llmprof\./;

export interface ListedTrace {
  /** Absolute directory the relative path starts from. */
  root: string;
  /** Path below root, '/'-separated. */
  file: string;
  /** Absolute path. */
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  directory: boolean;
}

export interface ListingProblem {
  root: string;
  file: string;
  sizeBytes: number | null;
  mtimeMs: number | null;
  error: string;
}

export interface Listing {
  entries: ListedTrace[];
  problems: ListingProblem[];
}

/** Every file or trace directory under the inputs (not yet sniffed), sorted by root and path. */
export function walkInputs(inputs: readonly string[], outDir: string): Listing {
  const entries = new Map<string, ListedTrace>();
  const problems: ListingProblem[] = [];
  const skip = new Set([resolve(outDir), realOrSelf(outDir)]);
  const visited = new Set<string>();
  const add = (e: ListedTrace) => {
    if (!entries.has(e.path)) entries.set(e.path, e);
  };

  const walk = (root: string, dir: string, accept: (rel: string) => boolean) => {
    const real = realOrSelf(dir);
    if (visited.has(real) || skip.has(real) || skip.has(dir)) return;
    visited.add(real);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      problems.push({ root, file: posix(relative(root, dir)) || ".", sizeBytes: null, mtimeMs: null, error: `cannot list directory: ${fsMessage(e)}` });
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const rel = posix(relative(root, path));
      let st: Stats;
      try {
        st = statSync(path);
      } catch (e) {
        if (TRACE_NAME.test(name) && accept(rel)) problems.push({ root, file: rel, sizeBytes: null, mtimeMs: null, error: fsMessage(e) });
        continue;
      }
      if (st.isDirectory()) {
        if (name.startsWith(".") || skip.has(resolve(path))) continue;
        if (isTraceDirectory(path)) {
          if (accept(rel)) add(directoryEntry(root, rel, path));
        } else walk(root, path, accept);
      } else if (st.isFile() && accept(rel)) {
        add({ root, file: rel, path, sizeBytes: st.size, mtimeMs: st.mtimeMs, directory: false });
      }
    }
  };

  for (const input of inputs) {
    if (hasMagic(input)) {
      const { base, matches } = splitGlob(input);
      const root = resolve(base);
      const before = entries.size + problems.length;
      if (isDirectory(root)) walk(root, root, (rel) => matches(rel) || matchesParent(rel, matches));
      if (entries.size + problems.length === before) throw new LlmprofError(input, "matches no files");
      continue;
    }
    const path = resolve(input);
    let st: Stats;
    try {
      st = statSync(path);
    } catch (e) {
      throw new LlmprofError(input, fsMessage(e));
    }
    if (st.isDirectory() && !isTraceDirectory(path)) walk(path, path, () => true);
    else if (st.isDirectory()) add(directoryEntry(dirname(path), basename(path), path));
    else add({ root: dirname(path), file: basename(path), path, sizeBytes: st.size, mtimeMs: st.mtimeMs, directory: false });
  }
  const order = (a: { root: string; file: string }, b: { root: string; file: string }) => (a.root < b.root ? -1 : a.root > b.root ? 1 : a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  return { entries: [...entries.values()].sort(order), problems: problems.sort(order) };
}

/** A glob such as `runs/*` names directories: everything below a match matches. */
function matchesParent(rel: string, matches: (r: string) => boolean): boolean {
  const parts = rel.split("/");
  for (let i = parts.length - 1; i > 0; i--) if (matches(parts.slice(0, i).join("/"))) return true;
  return false;
}

/**
 * Whether a listed entry is a trace: trace directories are; files when a format
 * recognises their head, or when the name looks like a trace (they will fail
 * with the format's reason). Earlier llmprof outputs (summary.json) are not.
 */
export async function looksLikeTrace(entry: ListedTrace): Promise<boolean> {
  if (entry.directory) return true;
  const name = basename(entry.file).toLowerCase();
  let head: Buffer;
  try {
    head = await readHead(entry.path, 65536);
  } catch {
    return TRACE_NAME.test(name);
  }
  if (LLMPROF_OUTPUT.test(head.toString("latin1", 0, Math.min(head.length, 4096)))) return false;
  if (head.length > 0 && FORMATS.some((f) => safeSniff(() => f.sniff(head, name)))) return true;
  return TRACE_NAME.test(name);
}

function safeSniff(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}

function isTraceDirectory(path: string): boolean {
  return FORMATS.some((f) => safeSniff(() => f.sniffDirectory?.(path) ?? false));
}

/** A trace stored as a directory: its size is the sum of its files, its mtime the latest of them. */
function directoryEntry(root: string, rel: string, path: string): ListedTrace {
  let size = 0;
  let mtime = 0;
  for (const name of readdirSync(path)) {
    try {
      const st = statSync(join(path, name));
      if (!st.isFile()) continue;
      size += st.size;
      mtime = Math.max(mtime, st.mtimeMs);
    } catch {
      // the parser reports unreadable parts
    }
  }
  return { root, file: rel, path, sizeBytes: size, mtimeMs: mtime, directory: true };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function posix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

export function fsMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT") return "no such file or directory";
  if (err?.code === "EACCES" || err?.code === "EPERM") return "permission denied";
  return e instanceof Error ? e.message : String(e);
}
