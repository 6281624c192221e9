/** Number formatting shared by analyses (finding texts) and renderers. */

export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return "n/a";
  const a = Math.abs(ns);
  if (a >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (a >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (a >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

export function formatMs(ns: number, digits = 2): string {
  return Number.isFinite(ns) ? (ns / 1e6).toFixed(digits) : "n/a";
}

export function formatPct(p: number | null | undefined, digits = 1): string {
  return p === null || p === undefined || !Number.isFinite(p) ? "n/a" : `${p.toFixed(digits)}%`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function formatBytes(b: number): string {
  if (!Number.isFinite(b)) return "n/a";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = b;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
