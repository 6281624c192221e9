/** Operator input shapes as recorded (`Input Dims` JSON text). */

/** One dims list per input; inputs that are not tensors ([] or non-numeric) become []. Null when the text is not a list. */
export function parseDims(text: string): number[][] | null {
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) return null;
    return v.map((d) => (Array.isArray(d) && d.every((x) => typeof x === "number") ? (d as number[]) : []));
  } catch {
    return null;
  }
}
