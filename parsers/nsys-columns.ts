/**
 * Column helpers for the columnar readers (Arrow, Parquet): a column's values as a
 * Float64Array with NULL = NaN, without a per-row object. 64-bit integers are read through
 * a 32-bit view of their buffer (lo + hi * 2^32), not as BigInt; nsys ids and ns times are
 * below 2^53, so doubles hold them exactly.
 */

const TWO32 = 2 ** 32;

/** Float64 copy of integer/float `values` [offset, offset + n), NaN where `isValid(i)` is false. */
export function toFloat64(values: ArrayLike<number> | BigInt64Array | BigUint64Array, offset: number, n: number, isValid: ((i: number) => boolean) | null): Float64Array {
  const out = new Float64Array(n);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const u = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
    const signed = values instanceof BigInt64Array ? new Int32Array(values.buffer, values.byteOffset, values.length * 2) : null;
    for (let i = 0; i < n; i++) {
      const k = (offset + i) * 2;
      out[i] = (signed ? signed[k + 1]! : u[k + 1]!) * TWO32 + u[k]!;
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = values[offset + i]!;
  }
  if (isValid) for (let i = 0; i < n; i++) if (!isValid(i)) out[i] = NaN;
  return out;
}

/** Float64 copy of a plain JS array of numbers / bigints / nulls (hyparquet output). */
export function arrayToFloat64(values: ArrayLike<unknown>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    out[i] = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? +v : NaN;
  }
  return out;
}
