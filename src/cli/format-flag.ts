/** `--format a,b`: the list of output formats of analyze, diff and compare. */
import { LlmprofError } from "../errors.js";

/** The formats named in `list` (case-insensitive, each once, in order), null when the flag is absent; an unknown name is an error. */
export function parseFormatFlag<F extends string>(list: string | undefined, known: readonly F[]): F[] | null {
  if (list === undefined) return null;
  const out: F[] = [];
  for (const f of list
    .split(",")
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean)) {
    if (!(known as readonly string[]).includes(f)) throw new LlmprofError(null, `--format: unknown format "${f}" (known: ${known.join(", ")})`);
    // a format asked for twice is written once (text,text printed the summary twice)
    if (!out.includes(f as F)) out.push(f as F);
  }
  return out;
}
