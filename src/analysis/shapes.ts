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

/** An aten::embedding call's shapes: the table's dims (vocabulary × hidden) and the token ids' batch and tokens per sequence. */
export interface EmbeddingShape {
  /** Dims of the weight (first input); [] when not recorded as a tensor. */
  table: number[];
  /** First dim of the ids (second input), 1 for 1-D ids. */
  batch: number;
  /** Product of the other dims of the ids (its only dim for 1-D ids). */
  tokens: number;
}

/** The one reading of an aten::embedding `Input Dims` text (throughput, inference, compare); null without token ids. */
export function embeddingShape(inputDims: string): EmbeddingShape | null {
  const dims = parseDims(inputDims);
  const table = dims?.[0];
  const ids = dims?.[1];
  if (!table || !ids || ids.length < 1) return null;
  if (ids.length === 1) return { table, batch: 1, tokens: ids[0]! };
  return { table, batch: ids[0]!, tokens: ids.slice(1).reduce((a, b) => a * b, 1) };
}
