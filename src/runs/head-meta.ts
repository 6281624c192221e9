/**
 * What a trace file says about the run it belongs to, read from its first
 * 64 KiB only: Kineto writes distributedInfo and baseTimeNanoseconds before
 * traceEvents, so the whole file is never parsed to group ranks into runs.
 */
export interface HeadMeta {
  rank: number | null;
  worldSize: number | null;
  /** Kineto baseTimeNanoseconds as epoch milliseconds, or null. */
  baseTimeMs: number | null;
}

export function headMetaOf(text: string): HeadMeta {
  const dist = topLevelObject(text, "distributedInfo");
  const rank = dist?.["rank"];
  const world = dist?.["world_size"];
  const base = /"baseTimeNanoseconds"\s*:\s*(\d{1,25})/.exec(text);
  return {
    rank: typeof rank === "number" && Number.isInteger(rank) && rank >= 0 ? rank : null,
    worldSize: typeof world === "number" && Number.isInteger(world) && world >= 1 ? world : null,
    baseTimeMs: base ? Number(BigInt(base[1]!) / 1_000_000n) : null,
  };
}

/** The JSON object value of `"key": {...}` in text, by brace matching (strings respected). */
function topLevelObject(text: string, key: string): Record<string, unknown> | null {
  const m = new RegExp(`"${key}"\\s*:\\s*\\{`).exec(text);
  if (!m) return null;
  const start = m.index + m[0].length - 1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) {
      try {
        const v = JSON.parse(text.slice(start, i + 1)) as unknown;
        return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}
