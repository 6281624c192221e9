/**
 * Byte sources: a file read in large blocks, transparently gunzipped when it
 * starts with the gzip magic. Callers pull bytes into their own buffer, so one
 * reusable buffer serves the whole parse and no chunk is concatenated.
 */
import { createReadStream, openSync, readSync, closeSync, statSync, statfsSync } from "node:fs";
import { createGunzip } from "node:zlib";
import { Transform, type Readable } from "node:stream";
import { LlmprofError } from "../src/errors.js";

export interface ByteSource {
  /** Copies up to target.length - offset bytes into target at offset; 0 at the end. */
  read(target: Buffer, offset: number): Promise<number>;
  close(): void;
  readonly compressed: boolean;
  /** Bytes of (uncompressed) text delivered so far. */
  readonly delivered: number;
}

export interface SourceOptions {
  /** Refuse to inflate more than this many bytes (gzip bombs). */
  maxTextBytes?: number;
  /** Ranks analysed together (src/model/limits.ts); an Nsight report with more processes stops early. */
  maxRanks?: number;
  /** Distinct GPU device ids per rank (src/model/limits.ts), checked after parsing. */
  maxDevices?: number;
  /** Plain files: start reading at this byte (a part of a file read in a worker thread). */
  startOffset?: number;
}

const DEFAULT_MAX_TEXT = 64 * 2 ** 30;

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** First bytes of a file, uncompressed when it is gzip (for format detection). */
export async function readHead(path: string, bytes = 64 * 1024): Promise<Buffer> {
  const src = openSource(path);
  try {
    const out = Buffer.alloc(bytes);
    let n = 0;
    while (n < bytes) {
      const got = await src.read(out, n);
      if (got === 0) break;
      n += got;
    }
    return out.subarray(0, n);
  } finally {
    src.close();
  }
}

export function openSource(path: string, options: SourceOptions = {}): ByteSource {
  let fd: number;
  try {
    if (statSync(path).isDirectory()) throw new LlmprofError(path, "is a directory, expected a trace file");
    fd = openSync(path, "r");
  } catch (e) {
    if (e instanceof LlmprofError) throw e;
    throw new LlmprofError(path, describeFsError(e));
  }
  const magic = Buffer.alloc(2);
  const n = readSync(fd, magic, 0, 2, 0);
  if (isGzip(magic.subarray(0, n))) {
    closeSync(fd);
    return new GzipSource(path, options.maxTextBytes ?? DEFAULT_MAX_TEXT);
  }
  return new FileSource(fd, options.startOffset ?? 0);
}

class FileSource implements ByteSource {
  readonly compressed = false;
  delivered = 0;
  constructor(
    private fd: number,
    private position = 0,
  ) {}
  async read(target: Buffer, offset: number): Promise<number> {
    if (this.fd < 0) return 0;
    const n = readSync(this.fd, target, offset, target.length - offset, this.position);
    this.position += n;
    this.delivered += n;
    return n;
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

class GzipSource implements ByteSource {
  readonly compressed = true;
  delivered = 0;
  private readonly stream: Readable;
  /** Inflated chunks not yet copied out; the stream pauses while this is large. */
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private headOffset = 0;
  private ended = false;
  private error: unknown = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly path: string,
    private readonly maxTextBytes: number,
  ) {
    const file = createReadStream(path, { highWaterMark: 4 << 20 });
    // big output chunks: zlib inflates each in the thread pool, and every chunk
    // costs one turn of the main thread's event loop to hand over
    const gunzip = createGunzip({ chunkSize: 4 << 20 });
    file.on("error", (e) => gunzip.destroy(e));
    this.stream = file.pipe(gunzip);
    // data that arrived before an error is still delivered, then the error
    this.stream.on("data", (chunk: Buffer) => {
      this.queue.push(chunk);
      this.queuedBytes += chunk.length;
      if (this.queuedBytes > 16 << 20) this.stream.pause();
      this.notify();
    });
    this.stream.on("end", () => {
      this.ended = true;
      this.notify();
    });
    this.stream.on("error", (e) => {
      this.error = e;
      this.notify();
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async read(target: Buffer, offset: number): Promise<number> {
    // Let zlib's callbacks run before taking data, so the thread pool inflates
    // the next chunk while the caller parses this one (without this turn, the
    // stream only advances once the queue is empty: inflate and parse in turn).
    if (!this.ended && !this.error && this.queuedBytes < 16 << 20) await new Promise<void>((resolve) => setImmediate(resolve));
    const room = target.length - offset;
    let written = 0;
    while (written < room) {
      const head = this.queue[0];
      if (head) {
        const n = Math.min(room - written, head.length - this.headOffset);
        head.copy(target, offset + written, this.headOffset, this.headOffset + n);
        this.headOffset += n;
        written += n;
        if (this.headOffset >= head.length) {
          this.queue.shift();
          this.queuedBytes -= head.length;
          this.headOffset = 0;
          if (this.queuedBytes < 8 << 20 && this.stream.isPaused()) this.stream.resume();
        }
        continue;
      }
      if (written > 0) break; // hand over what we have instead of waiting
      if (this.error) throw gzipError(this.path, this.error);
      if (this.ended) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    this.delivered += written;
    if (this.delivered > this.maxTextBytes) {
      this.close();
      throw new LlmprofError(this.path, `decompresses to more than ${this.maxTextBytes} bytes; refusing to read further (raise --max-decompressed-gib if this is a real trace)`);
    }
    return written;
  }

  close(): void {
    this.ended = true;
    this.stream.destroy();
  }
}

/** A truncated gzip stream is a "partial" input, other zlib failures are corruption. */
export class TruncatedGzipError extends LlmprofError {}

function gzipError(path: string, e: unknown): LlmprofError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/unexpected end of file/i.test(msg)) return new TruncatedGzipError(path, "gzip stream ends early (truncated file)");
  return new LlmprofError(path, `corrupt gzip data (${msg})`);
}

export function describeFsError(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory, expected a trace file";
  return e instanceof Error ? e.message : String(e);
}

/**
 * The text of a source in one reusable buffer: `fill()` reads more behind the
 * unread tail (growing the buffer when a single unit fills it), `compact(pos)`
 * drops what was consumed. Streaming parsers scan buf[0, filled).
 */
export class BlockReader {
  buf: Buffer;
  filled = 0;
  eof = false;
  /** The gzip stream ended early (the text is cut, not corrupt). */
  truncated = false;
  /** Bytes of text discarded before buf[0]. */
  consumedBefore = 0;

  constructor(
    private readonly source: ByteSource,
    private readonly path: string,
    initialBytes: number,
    private readonly maxUnitBytes: number,
    /** What a unit is, for the error message ("a single event or value", "a line"). */
    private readonly unitName: string,
  ) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  async fill(): Promise<void> {
    if (this.eof) return;
    if (this.filled === this.buf.length) {
      if (this.buf.length * 2 > this.maxUnitBytes) throw new LlmprofError(this.path, `${this.unitName} exceeds ${this.maxUnitBytes} bytes`);
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.filled);
      this.buf = bigger;
    }
    let n: number;
    try {
      n = await this.source.read(this.buf, this.filled);
    } catch (e) {
      if (!(e instanceof TruncatedGzipError)) throw e;
      this.truncated = true;
      n = 0;
    }
    if (n === 0) this.eof = true;
    this.filled += n;
  }

  compact(pos: number): void {
    if (pos <= 0) return;
    this.buf.copy(this.buf, 0, pos, this.filled);
    this.consumedBefore += pos;
    this.filled -= pos;
  }
}

/** The CLI option that raises the decompression limits (named in their messages). */
export const MAX_DECOMPRESSED_OPTION = "--max-decompressed-gib";
/** Inflating to disk: at most this many times the compressed size (real nsys exports compress 3-20x; zero-filled bombs ~1000x). */
export const MAX_DISK_INFLATE_RATIO = 100;
const MIN_DISK_INFLATE_BYTES = 64 * 2 ** 20;

/**
 * How much a compressed input may write to `dir` when inflated: the user's
 * limit when given, else 100x the compressed size (at least 64 MiB), and never
 * more than 90% of the free space there.
 */
export function diskInflateLimit(compressedBytes: number, dir: string, userLimit: number | undefined): { bytes: number; why: string } {
  let limit = userLimit ?? Math.max(MIN_DISK_INFLATE_BYTES, MAX_DISK_INFLATE_RATIO * compressedBytes);
  let why = userLimit !== undefined ? `the ${MAX_DECOMPRESSED_OPTION} limit` : `${MAX_DISK_INFLATE_RATIO}x its compressed size`;
  try {
    const fs = statfsSync(dir);
    const free = Math.floor(fs.bavail * fs.bsize * 0.9);
    if (free < limit) {
      limit = free;
      why = "90% of the free space in TMPDIR";
    }
  } catch {
    // free space unknown: the size limit alone
  }
  return { bytes: limit, why: `${why}, ${(limit / 2 ** 20).toFixed(0)} MiB` };
}

/** A pass-through stream that fails with a clear error once more than `limit` bytes went through (gzip bombs). */
export function byteLimit(path: string, limit: number, why?: string): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > limit) done(new LlmprofError(path, `decompresses to more than ${why ?? `${limit} bytes`}; refusing to read further (raise ${MAX_DECOMPRESSED_OPTION} if this is a real trace)`));
      else done(null, chunk);
    },
  });
}
