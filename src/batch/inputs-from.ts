/**
 * `batch --inputs-from FILE` (or `-` for standard input): the traces named in a
 * listing, one path a line, as any storage tool writes one (`find`, `aws s3 ls`
 * turned into mounted paths, a database query). Paths are taken relative to the
 * deepest directory that holds them all, so every task of an array job that
 * reads the same listing shards it the same way; only a task's own entries are
 * stat'ed, so 100 tasks over a listing of 100,000 files each touch 1,000.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { LlmprofError } from "../errors.js";
import { fsMessage, walkInputs, type Listing, type ListingProblem } from "./listing.js";

/** The paths of a listing: one a line; blank lines and lines starting with '#' are skipped; CRLF is accepted. */
export function parseListing(text: string): string[] {
  return text
    .split("\n")
    .map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l))
    .filter((l) => l.trim() !== "" && !l.startsWith("#"));
}

/** The listing file's paths, or standard input's for "-". A listing that cannot be read is a usage error. */
export async function readListing(source: string, stdin: Readable = process.stdin): Promise<string[]> {
  if (source === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return parseListing(Buffer.concat(chunks).toString("utf8"));
  }
  let text: string;
  try {
    text = readFileSync(source, "utf8");
  } catch (e) {
    throw new LlmprofError(source, `cannot read the listing: ${fsMessage(e)}`);
  }
  if (text.includes("\u0000")) throw new LlmprofError(source, "is not a listing (one path a line): it holds NUL bytes");
  return parseListing(text);
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The listed traces that `mine` keeps (by relative path). A listed path that is
 * missing or unreadable, or a URL, is a problem row (the errors table), not a
 * usage error: one bad line of a large listing does not stop the others.
 * A listed directory is walked as a directory input is.
 */
export function listedInputs(paths: readonly string[], outDir: string, mine: (relativePath: string) => boolean): Listing {
  const local = paths.filter((p) => !URL_LIKE.test(p)).map((p) => resolve(p));
  const root = commonDirectory(local);
  const listing: Listing = { entries: [], problems: [] };
  const problem = (file: string, error: string): ListingProblem => ({ root, file, sizeBytes: null, mtimeMs: null, error });
  const seen = new Set<string>();
  for (const p of paths) {
    if (URL_LIKE.test(p)) {
      if (mine(p)) listing.problems.push(problem(p, "a URL, not a local path: copy the object or mount its bucket, then list the local path"));
      continue;
    }
    const path = resolve(p);
    const rel = posix(relative(root, path)) || ".";
    if (seen.has(path)) continue;
    seen.add(path);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      if (mine(rel)) listing.problems.push(problem(rel, fsMessage(e)));
      continue;
    }
    if (!isDir && !mine(rel)) continue;
    // one file, a trace directory, or a directory to walk: as a command-line input, then re-rooted
    const one = walkInputs([path], outDir);
    for (const e of one.entries) {
      const file = posix(relative(root, e.path));
      if (mine(file)) listing.entries.push({ ...e, root, file });
    }
    for (const q of one.problems) {
      const file = posix(relative(root, resolve(q.root, q.file)));
      if (mine(file)) listing.problems.push({ ...q, root, file });
    }
  }
  return listing;
}

/** The deepest directory holding every path (the file's own directory for one path; the current one for none). */
export function commonDirectory(paths: readonly string[]): string {
  if (paths.length === 0) return process.cwd();
  let parts = dirname(paths[0]!).split(sep);
  for (const p of paths.slice(1)) {
    const other = dirname(p).split(sep);
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  const dir = parts.join(sep);
  return dir === "" || !isAbsolute(dir) ? sep : dir;
}

function posix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}
