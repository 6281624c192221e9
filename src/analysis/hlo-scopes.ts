/**
 * Name scopes of JAX/XLA HLO op_names (the `op_name` that parsers/xplane-hlo.ts
 * gives each kernel), for scope-modules.ts. Pure string work: an analysis, not a parser.
 */

/**
 * Scope path of an HLO op_name: transformation wrappers stripped
 * (`jit(loss)/jvp(transformer)/layer_0/attn/dot_general` -> `transformer/layer_0/attn`,
 * the last segment being the primitive), and whether it is backward work (`transpose(`).
 * Returns null when nothing but wrappers and the primitive remain.
 */
export function scopeOfOpName(opName: string): { path: string; backward: boolean } | null {
  const backward = opName.includes("transpose(");
  const parts = opName.split("/");
  parts.pop(); // the primitive (dot_general, reduce_sum, ...)
  const kept: string[] = [];
  for (const part of parts) {
    const inner = unwrap(part);
    if (inner === null) continue;
    // jnp.einsum pushes its spec (`bqhd,bkhd->bhqk`) as a scope: an operation, not a user scope
    if (inner !== "" && !inner.includes("->")) kept.push(inner);
  }
  return kept.length > 0 ? { path: kept.join("/"), backward } : null;
}

const WRAPPER = /^(jit|pjit|jvp|transpose|vmap|remat|checkpoint|pmap|shard_map|xla_pmap|custom_jvp_call|custom_vjp_call|cond|while|scan|body|branch_\d+_fun)\((.*)\)$/;

/** `jvp(transformer)` -> `transformer`; `jit(loss)` -> null (the jitted function is not a scope); plain segment kept. */
function unwrap(segment: string): string | null {
  let s = segment;
  let wasJit = false;
  for (let m = WRAPPER.exec(s); m; m = WRAPPER.exec(s)) {
    if (m[1] === "jit" || m[1] === "pjit") wasJit = true;
    s = m[2]!;
  }
  return wasJit ? null : s;
}
