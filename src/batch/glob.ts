/**
 * Glob patterns for `llmprof batch` arguments the shell did not expand (quoted,
 * or from a job script): `*`, `?`, `[...]`, `{a,b}` within a path segment and
 * `**` across segments. A pattern splits into the directory before its first
 * magic segment (where the walk starts) and a matcher for paths below it.
 */
import { sep } from "node:path";

export function hasMagic(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

export interface GlobParts {
  /** Literal directory to walk ("." when the pattern starts with a magic segment). */
  base: string;
  /** Matches a path relative to base, '/'-separated. */
  matches(relative: string): boolean;
}

export function splitGlob(pattern: string): GlobParts {
  const segments = pattern.split("/").filter((s, i) => s !== "" || i === 0);
  const first = segments.findIndex(hasMagic);
  const literal = segments.slice(0, first);
  const base = literal.length === 0 ? "." : literal.length === 1 && literal[0] === "" ? sep : literal.join("/");
  // "**" matches zero or more whole segments
  const body = segments
    .slice(first)
    .map((s) => (s === "**" ? "\0" : segmentSource(s)))
    .join("/")
    .replace(/\0\//g, "(?:[^/]+/)*")
    .replace(/\/\0$/, "(?:/.+)?")
    .replace(/\0/g, ".*");
  const re = new RegExp(`^${body}$`);
  return { base, matches: (relative) => re.test(relative) };
}

function segmentSource(segment: string): string {
  let out = "";
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "[") {
      const close = segment.indexOf("]", i + 2);
      if (close < 0) out += "\\[";
      else {
        const body = segment
          .slice(i + 1, close)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        out += `[${body}]`;
        i = close;
      }
    } else if (ch === "{") {
      const close = segment.indexOf("}", i);
      if (close < 0) out += "\\{";
      else {
        out += `(?:${segment
          .slice(i + 1, close)
          .split(",")
          .map(escapeRe)
          .join("|")})`;
        i = close;
      }
    } else out += escapeRe(ch);
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
