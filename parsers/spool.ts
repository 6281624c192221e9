/**
 * Non-seekable inputs: `-` (stdin), a pipe (`<(zcat t.json.gz)`), a FIFO or a
 * character device. The parsers read files by position, so such an input is
 * streamed once into a private temporary file (mode 0600, in a fresh
 * directory under TMPDIR) and parsed from there, then removed. Bounded: never
 * more than SPOOL_MAX_BYTES nor 90% of TMPDIR's free space.
 */
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, statfsSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { LlmprofError } from "../src/errors.js";
import { describeFsError } from "./source.js";

/** The name a user gives for stdin. */
export const STDIN = "-";
export const SPOOL_MAX_BYTES = 64 * 2 ** 30;
/** How long to wait for a writer to open a FIFO (LLMPROF_FIFO_WAIT_MS overrides; tests use it). */
const FIFO_WAIT_MS = Number(process.env["LLMPROF_FIFO_WAIT_MS"] ?? 30_000);

export interface Spooled {
  /** The temporary copy to parse. */
  path: string;
  /** The input as the user gave it, for messages and reports. */
  shown: string;
  remove(): void;
}

/** True for inputs that cannot be read by position: stdin, pipes, FIFOs, devices, sockets. */
export function isStreamInput(input: string): boolean {
  if (input === STDIN) return true;
  try {
    const st = statSync(input);
    return st.isFIFO() || st.isCharacterDevice() || st.isSocket();
  } catch {
    return false;
  }
}

export async function spoolInput(input: string, stdin: Readable = process.stdin): Promise<Spooled> {
  const shown = input === STDIN ? "stdin" : input;
  const source: AsyncIterable<unknown> = input === STDIN ? stdinSource(stdin) : openStream(input);
  const dir = mkdtempSync(join(tmpdir(), "llmprof-input-"));
  const path = join(dir, "input");
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const limit = spoolLimit(dir);
  let fd: number | undefined;
  try {
    fd = openSync(path, "wx", 0o600);
    let written = 0;
    for await (const chunk of source) {
      const bytes = chunk as Buffer;
      written += bytes.length;
      if (written > limit.bytes) throw new LlmprofError(shown, `is larger than ${limit.why}; refusing to copy more of it (give a regular file instead of a stream)`);
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    }
    if (written === 0) throw new LlmprofError(shown, "is empty (nothing was written to it)");
    return { path, shown, remove };
  } catch (e) {
    remove();
    if (e instanceof LlmprofError) throw e;
    throw new LlmprofError(shown, `cannot read: ${describeFsError(e)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function stdinSource(stdin: Readable): Readable {
  if ((stdin as { isTTY?: boolean }).isTTY) throw new LlmprofError("stdin", "is a terminal; pipe a trace into it (cat t.json.gz | llmprof analyze -)");
  return stdin;
}

/**
 * Reads a FIFO or pipe without blocking a thread: a blocking open of a FIFO
 * waits for a writer forever (and would keep the process from exiting), so
 * it is opened O_NONBLOCK and polled. Before the first byte, end-of-file only
 * means "no writer yet", until FIFO_WAIT_MS has passed.
 */
async function* openStream(input: string): AsyncGenerator<Buffer> {
  let fd: number;
  try {
    fd = openSync(input, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new LlmprofError(input, describeFsError(e));
  }
  const deadline = Date.now() + FIFO_WAIT_MS;
  const buf = Buffer.alloc(4 << 20);
  let started = false;
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
        started = true; // a writer holds it open, data will come
        await sleep(5);
        continue;
      }
      if (n > 0) {
        started = true;
        yield Buffer.from(buf.subarray(0, n));
      } else if (started) return;
      else if (Date.now() > deadline) throw new LlmprofError(input, `is a FIFO and nothing wrote to it within ${FIFO_WAIT_MS / 1000} s`);
      else await sleep(50);
    }
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function spoolLimit(dir: string): { bytes: number; why: string } {
  let free = Infinity;
  try {
    const fs = statfsSync(dir);
    free = Math.floor(fs.bavail * fs.bsize * 0.9);
  } catch {
    // unknown free space: the fixed cap alone
  }
  if (free < SPOOL_MAX_BYTES) return { bytes: free, why: `90% of the free space in TMPDIR (${(free / 2 ** 30).toFixed(1)} GiB)` };
  return { bytes: SPOOL_MAX_BYTES, why: `${SPOOL_MAX_BYTES / 2 ** 30} GiB` };
}
