/**
 * Writing outputs safely: never over an input file, never over a file that is
 * not an earlier llmprof output unless --force, and atomically (temp file +
 * rename) so an interrupted run leaves no half-written file.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeSync, openSync, readSync, closeSync, unlinkSync, constants } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, resolve, basename, extname, join } from "node:path";
import type { Writable } from "node:stream";
import { LlmprofError } from "../errors.js";

export interface WriteOptions {
  /** Paths of the inputs: never overwritten. */
  inputs: readonly string[];
  force: boolean;
  /** Recognises an earlier output of ours by its first bytes (formats that cannot carry the marker, e.g. CSV). */
  recognise?: (head: string) => boolean;
}

/** A marker every llmprof output carries near its start, so re-runs may replace it. */
export const OUTPUT_MARKER = "llmprof";

export function writeOutput(path: string, content: string | Buffer, options: WriteOptions): void {
  const target = checkTarget(path, options);
  let tmp: TempFile | undefined;
  try {
    tmp = createExclusiveTemp(dirname(target), basename(target));
    writeAll(tmp.fd, content);
    closeSync(tmp.fd);
    tmp.closed = true;
    renameSync(tmp.path, target);
  } catch (e) {
    if (tmp) removeQuietly(tmp);
    throw new LlmprofError(path, `cannot write: ${describeFsError(e)}`);
  }
}

/** The checks every write passes: not an input, not a directory, not someone else's file. */
function checkTarget(path: string, options: WriteOptions): string {
  const target = resolve(path);
  for (const input of options.inputs) {
    if (samePath(input, target)) throw new LlmprofError(path, "is one of the inputs; refusing to overwrite it");
  }
  if (existsSync(target)) {
    if (statSync(target).isDirectory()) throw new LlmprofError(path, "is a directory");
    if (!options.force && !looksLikeOurOutput(target, options.recognise)) {
      throw new LlmprofError(path, "exists and is not an llmprof output; refusing to overwrite it (use --force)");
    }
  }
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (e) {
    // a read-only or foreign directory: one line naming the file, never "internal error"
    throw new LlmprofError(path, `cannot create its directory: ${describeFsError(e)}`);
  }
  return target;
}

/**
 * The streaming form of writeOutput, for outputs too large to hold in memory:
 * `produce` writes into a stream on the exclusive temporary file (and ends it);
 * the file is renamed into place only when it resolves.
 */
export async function writeOutputStream(path: string, options: WriteOptions, produce: (out: Writable) => Promise<void>): Promise<void> {
  const target = checkTarget(path, options);
  let tmp: TempFile | undefined;
  try {
    tmp = createExclusiveTemp(dirname(target), basename(target));
    const stream = createWriteStream("", { fd: tmp.fd, autoClose: true });
    tmp.closed = true; // the stream owns the descriptor from here on
    await produce(stream);
    renameSync(tmp.path, target);
  } catch (e) {
    if (tmp) removeQuietly(tmp);
    if (e instanceof LlmprofError) throw e;
    throw new LlmprofError(path, `cannot write: ${describeFsError(e)}`);
  }
}

interface TempFile {
  path: string;
  fd: number;
  /** Set once closed, so cleanup never closes a descriptor number reused since. */
  closed?: boolean;
}

/**
 * A new temporary file next to the target, with an unpredictable name, created
 * exclusively (O_EXCL): a file or symlink planted at that name makes the open
 * fail instead of being followed, so nothing outside our own file is written.
 */
function createExclusiveTemp(dir: string, name: string): TempFile {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  for (let attempt = 0; ; attempt++) {
    const path = join(dir, `.${name}.${randomBytes(12).toString("hex")}.tmp`);
    try {
      return { path, fd: openSync(path, flags, 0o644) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 8) throw e;
    }
  }
}

function writeAll(fd: number, content: string | Buffer): void {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

function removeQuietly(tmp: TempFile): void {
  try {
    if (!tmp.closed) closeSync(tmp.fd);
  } catch {
    // nothing to close
  }
  try {
    unlinkSync(tmp.path);
  } catch {
    // nothing to clean
  }
}

/** "permission denied (EACCES)" rather than Node's "EACCES: permission denied, open '/abs/path'". */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string") {
    const text = String(err.message ?? "")
      .replace(/^[A-Z]+: /, "")
      .replace(/, \w+ '.*'$/, "");
    return `${text} (${err.code})`;
  }
  return e instanceof Error ? e.message : String(e);
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === b;
  }
}

/** True when the file's first 4 KiB mention llmprof (our formats do) or `recognise` accepts them. */
function looksLikeOurOutput(path: string, recognise?: (head: string) => boolean): boolean {
  try {
    const fd = openSync(path, "r");
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    if (n === 0) return true; // an empty file holds nothing to lose
    const text = head.toString("utf8", 0, n);
    return text.includes(OUTPUT_MARKER) || (recognise?.(text) ?? false);
  } catch {
    return false;
  }
}

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new LlmprofError(path, e instanceof Error ? e.message : String(e));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new LlmprofError(path, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Where each requested output format goes: stdout, one file, or files in a directory. */
export type OutputTargets<F extends string> = { kind: "stdout"; formats: F[] } | { kind: "file"; format: F; path: string } | { kind: "dir"; dir: string; files: { format: F; path: string }[] };

export interface OutputNaming<F extends string> {
  /** Format implied by a file extension (".json" -> "json"). */
  extensions: Readonly<Record<string, F>>;
  /** File name of each format inside an output directory. */
  fileNames: Readonly<Record<F, string>>;
  /** Formats written when none is asked for: on stdout, and into a directory. */
  stdoutDefault: F[];
  dirDefault: F[];
}

/**
 * `-o path` and `--format` resolved the same way by every command: no path =
 * stdout; a path with a known extension (or one format) = that file; a trailing
 * slash, an existing directory or several formats = a directory.
 */
export function outputTargets<F extends string>(out: string | undefined, formats: F[] | null, naming: OutputNaming<F>): OutputTargets<F> {
  if (out === undefined) return { kind: "stdout", formats: formats ?? naming.stdoutDefault };
  const byExtension = naming.extensions[extname(out).toLowerCase()];
  const isDir = out.endsWith("/") || (existsSync(out) && statSync(out).isDirectory()) || (!byExtension && (formats?.length ?? 2) > 1);
  if (!isDir) {
    const format = formats?.length === 1 ? formats[0]! : byExtension;
    if (!format) throw new LlmprofError(out, "cannot tell the output format from the extension; pass --format");
    return { kind: "file", format, path: out };
  }
  return { kind: "dir", dir: out, files: (formats ?? naming.dirDefault).map((format) => ({ format, path: join(out, naming.fileNames[format]) })) };
}
