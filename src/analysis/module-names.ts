/**
 * Names of module spans, whatever recorded them: Kineto's `nn.Module: LlamaMLP_3`,
 * NVTX ranges named like a class (`LlamaDecoderLayer`, `LlamaMLP_3`) or a dotted
 * module path pushed by forward hooks (`model.layers.3.mlp`).
 *   short name  the span name without the `nn.Module: ` prefix
 *   class       Kineto/class names: without the `_k` instance suffix (LlamaMLP);
 *               dotted paths: numeric segments replaced by `*` (model.layers.*.mlp),
 *               so the 22 `model.layers.N` fold into one row like a class
 */
const PREFIX = "nn.Module: ";
const INSTANCE_SUFFIX = /_\d+$/;

export function moduleShortName(spanName: string): string {
  return spanName.startsWith(PREFIX) ? spanName.slice(PREFIX.length) : spanName;
}

export function isDottedPath(shortName: string): boolean {
  return shortName.includes(".") && !shortName.includes(" ");
}

export function moduleClassName(shortName: string): string {
  if (isDottedPath(shortName)) return shortName.split(".").map((s) => (/^\d+$/.test(s) ? "*" : s)).join(".");
  return shortName.replace(INSTANCE_SUFFIX, "");
}

/** A dotted path's label under its parent: the part after the parent's path (`3.mlp` -> `mlp` under `model.layers.3`). */
export function dottedLabel(shortName: string, parentShortName: string | null): string {
  if (parentShortName && shortName.startsWith(parentShortName + ".")) return shortName.slice(parentShortName.length + 1);
  return shortName;
}
