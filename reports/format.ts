/** Number formatting shared by the text renderers (terminal, Markdown, HTML). */

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

/** Shortens a C++ kernel name for tables: drops template args and parameter lists. */
export function shortKernelName(name: string, max = 80): string {
  let s = name.replace(/^void /, "").replace(/\(anonymous namespace\)::/g, "");
  // strip the parameter list
  const paren = topLevelIndex(s, "(");
  if (paren > 0) s = s.slice(0, paren);
  // keep first-level template arguments (they tell kernels apart), collapse deeper ones
  let out = "";
  let depth = 0;
  for (const ch of s) {
    if (ch === "<") {
      depth++;
      if (depth === 1) out += "<";
      else if (depth === 2) out += "<…>";
    } else if (ch === ">") {
      if (depth === 1) out += ">";
      depth = Math.max(0, depth - 1);
    } else if (depth <= 1) out += ch;
  }
  // namespaces inside the arguments add length, not meaning
  const lt = out.indexOf("<");
  if (lt > 0) out = out.slice(0, lt) + out.slice(lt).replace(/\b[A-Za-z_][A-Za-z0-9_]*::/g, "");
  out = out.trim();
  if (out.length === 0) out = name;
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

function topLevelIndex(s: string, ch: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "<") depth++;
    else if (c === ">") depth = Math.max(0, depth - 1);
    else if (c === ch && depth === 0 && i > 0) return i;
  }
  return -1;
}

/** Pads cells into aligned plain-text columns; numeric columns align right. */
export function textTable(header: string[], rows: string[][], rightAlign: boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (rightAlign[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
