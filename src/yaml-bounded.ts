/**
 * YAML (and JSON) for the small files a user writes: config, budgets, peaks.
 * Hostile-input guarantees (README "Security"):
 *   - size is capped (MAX_YAML_BYTES) and nesting depth is capped (MAX_YAML_DEPTH),
 *     checked by a linear scan before the parser runs;
 *   - duplicate keys are found in one pass with a Set (the library's own check
 *     is quadratic in the number of keys);
 *   - mappings become null-prototype objects, so keys such as `__proto__` or
 *     `constructor` are plain data and never reach Object.prototype.
 */
import { yaml } from "./lazy-library.js";
import { LlmprofError } from "./errors.js";

export const MAX_YAML_BYTES = 1024 * 1024;
export const MAX_YAML_DEPTH = 64;
const MAX_ALIASES = 100;

export interface BoundedYamlOptions {
  /** Fail on a key given twice in one mapping (default true). */
  uniqueKeys?: boolean;
  /** What the file is, for messages: "config file", "budget". */
  what: string;
  /** How a syntax error starts (default "not valid YAML/JSON"). */
  syntaxError?: string;
}

export function parseBoundedYaml(text: string, file: string, options: BoundedYamlOptions): unknown {
  if (Buffer.byteLength(text, "utf8") > MAX_YAML_BYTES) {
    throw new LlmprofError(file, `the ${options.what} is larger than ${MAX_YAML_BYTES / 1024} KiB; llmprof reads small hand-written files only`);
  }
  const depth = nestingDepth(text);
  if (depth > MAX_YAML_DEPTH) throw new LlmprofError(file, `the ${options.what} nests deeper than ${MAX_YAML_DEPTH} levels`);
  const syntax = options.syntaxError ?? "not valid YAML/JSON";
  const { isScalar, parseDocument, visit } = yaml();
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const error = doc.errors[0];
  if (error) throw new LlmprofError(file, `${syntax}: ${error.message.split("\n")[0]}`);
  if (options.uniqueKeys !== false) {
    visit(doc, {
      Map(_, map) {
        const seen = new Set<unknown>();
        for (const pair of map.items) {
          const key = isScalar(pair.key) ? pair.key.value : String(pair.key);
          if (seen.has(key)) throw new LlmprofError(file, `${syntax}: the key "${String(key)}" appears twice in one mapping`);
          seen.add(key);
        }
      },
    });
  }
  let js: unknown;
  try {
    js = doc.toJS({ mapAsMap: true, maxAliasCount: MAX_ALIASES });
  } catch (e) {
    throw new LlmprofError(file, `${syntax}: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`);
  }
  return toPlain(js, 0);
}

/** Maps (from mapAsMap) to null-prototype objects; depth is already bounded. */
function toPlain(v: unknown, depth: number): unknown {
  if (depth > MAX_YAML_DEPTH + 1) return null;
  if (v instanceof Map) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, x] of v) out[String(k)] = toPlain(x, depth + 1);
    return out;
  }
  if (Array.isArray(v)) return v.map((x) => toPlain(x, depth + 1));
  return v;
}

/**
 * An upper bound on the nesting of a YAML text, in one linear pass: flow
 * brackets ([ {) open a level, and each distinct block indentation on the
 * current stack of indentations is a level. Quoted text and comments are skipped.
 */
export function nestingDepth(text: string): number {
  let max = 0;
  let flow = 0;
  const indents: number[] = [];
  let atLineStart = true;
  let indent = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (atLineStart) {
      if (c === " " || c === "-") {
        // "- " list items nest like indentation
        indent++;
        continue;
      }
      atLineStart = false;
      if (c !== "\n" && c !== "#") {
        while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
        indents.push(indent);
      }
    }
    if (c === "\n") {
      atLineStart = true;
      indent = 0;
    } else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf("\n", i);
      if (end < 0) break;
      i = end - 1;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s:[{,-]/.test(text[i - 1]!))) quote = c;
    else if (c === "[" || c === "{") flow++;
    else if (c === "]" || c === "}") flow = Math.max(0, flow - 1);
    max = Math.max(max, flow + indents.length);
  }
  return max;
}
