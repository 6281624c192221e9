/** Number formatting shared by the text renderers (terminal, Markdown, HTML). */

export { formatBytes, formatCount, formatMs, formatNs, formatPct } from "../src/units.js";

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
    cells
      .map((c, i) => (rightAlign[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** A change with one decimal and its sign: "+1.2", "-0.4", "0.0" (never "-0.0" for a tiny negative). */
export function signedOneDecimal(v: number): string {
  const t = v.toFixed(1);
  return Number(t) === 0 ? (0).toFixed(1) : Number(t) > 0 ? `+${t}` : t;
}

/**
 * Devices as one short list: consecutive ids with the same name folded into a
 * range ("0-7: NVIDIA H100 80GB HBM3"); traces that record no names (ROCm
 * Kineto often does not) give "0-7 (names not recorded)".
 */
export function deviceList(devices: readonly { id: number; name: string }[], nameOf: (name: string) => string = (n) => n): string {
  const runs: { from: number; to: number; name: string }[] = [];
  for (const d of [...devices].sort((a, b) => a.id - b.id)) {
    const last = runs[runs.length - 1];
    if (last && last.name === d.name && d.id === last.to + 1) last.to = d.id;
    else runs.push({ from: d.id, to: d.id, name: d.name });
  }
  const ids = (r: { from: number; to: number }) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`);
  if (runs.every((r) => r.name.trim() === "")) return `${runs.map(ids).join(", ")} (names not recorded)`;
  return runs.map((r) => `${ids(r)}: ${r.name.trim() === "" ? "(name not recorded)" : nameOf(r.name)}`).join("; ");
}
