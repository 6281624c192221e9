/** Progress on stderr when it is a terminal; silent when piped. */
export class Progress {
  private last = 0;
  private readonly enabled: boolean;
  constructor(private readonly label: string) {
    this.enabled = Boolean(process.stderr.isTTY) && !process.env["CI"];
  }
  update(bytes: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    process.stderr.write(`\r${this.label}: ${(bytes / 1e6).toFixed(0)} MB read`);
  }
  done(): void {
    if (this.enabled && this.last > 0) process.stderr.write("\r\x1b[K");
  }
}
