/**
 * The batch's progress line on stderr, only when stderr is a terminal (and not
 * under CI): a bar, traces done, throughput and the time left, estimated from
 * the bytes analysed so far.
 */
import type { BatchProgress } from "./run.js";

export class BatchProgressBar {
  private last = 0;
  private drawn = false;
  readonly enabled: boolean;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = Boolean(stream.isTTY) && !process.env["CI"];
  }
  update(p: BatchProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200 && p.done < p.total) return;
    this.last = now;
    this.drawn = true;
    this.stream.write(`\r\x1b[K${formatProgress(p, this.stream.columns ?? 80)}`);
  }
  done(): void {
    if (this.drawn) this.stream.write("\r\x1b[K");
  }
}

export function formatProgress(p: BatchProgress, columns = 80): string {
  const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.total > 0 ? p.done / p.total : 1;
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.done / seconds : 0;
  const mbps = seconds > 0 ? p.bytesDone / 1e6 / seconds : 0;
  const eta = fraction > 0 && fraction < 1 ? (seconds * (1 - fraction)) / fraction : 0;
  const text = ` ${p.done}/${p.total} traces${p.failed ? `, ${p.failed} failed` : ""}, ${rate.toFixed(1)}/s, ${mbps.toFixed(1)} MB/s, ETA ${duration(eta)}`;
  const width = Math.max(10, Math.min(30, columns - text.length - 3));
  const full = Math.round(fraction * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}]${text}`;
}

export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
