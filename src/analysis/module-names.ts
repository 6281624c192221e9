/**
 * Names of module spans, whatever recorded them: Kineto's `nn.Module: LlamaMLP_3`,
 * NVTX ranges named like a class (`LlamaDecoderLayer`, `LlamaMLP_3`), a dotted
 * module path pushed by forward hooks (`model.layers.3.mlp`), or the README hook
 * snippet's "Class: path" (`LlamaMLP: model.layers.3.mlp`).
 *   short name  the span name without the `nn.Module: ` prefix; "Class: path": the path
 *   class       Kineto/class names: without the `_k` instance suffix (LlamaMLP);
 *               "Class: path": the class (LlamaMLP, as Kineto names it);
 *               dotted paths: numeric segments replaced by `*` (model.layers.*.mlp),
 *               so the 22 `model.layers.N` fold into one row like a class
 */
const PREFIX = "nn.Module: ";
const INSTANCE_SUFFIX = /_\d+$/;
/** "Class: path" (the parser only makes such texts modules when the path is a module path). */
const CLASS_AND_PATH = /^([A-Z][A-Za-z0-9_]*): (?=\S)/;

export function moduleShortName(spanName: string): string {
  if (spanName.startsWith(PREFIX)) return spanName.slice(PREFIX.length);
  const m = CLASS_AND_PATH.exec(spanName);
  return m ? spanName.slice(m[0].length) : spanName;
}

/** The class of a module span, whatever named it: `nn.Module: LlamaMLP_3`, `LlamaMLP: model.layers.3.mlp` -> LlamaMLP. */
export function moduleClassOfSpan(spanName: string): string {
  const m = CLASS_AND_PATH.exec(spanName);
  return m ? m[1]! : moduleClassName(moduleShortName(spanName));
}

/** Whether the span names its module by path after its class ("Class: path"): labels come from the path. */
export function hasClassAndPath(spanName: string): boolean {
  return CLASS_AND_PATH.test(spanName);
}

export function isDottedPath(shortName: string): boolean {
  return shortName.includes(".") && !shortName.includes(" ");
}

export function moduleClassName(shortName: string): string {
  if (isDottedPath(shortName))
    return shortName
      .split(".")
      .map((s) => (/^\d+$/.test(s) ? "*" : s))
      .join(".");
  return shortName.replace(INSTANCE_SUFFIX, "");
}

/** A dotted path's label under its parent: the part after the parent's path (`3.mlp` -> `mlp` under `model.layers.3`). */
export function dottedLabel(shortName: string, parentShortName: string | null): string {
  if (parentShortName && shortName.startsWith(parentShortName + ".")) return shortName.slice(parentShortName.length + 1);
  return shortName;
}

/**
 * The name that says what kind of module a span is, for rules that match kinds
 * (attention, MLP): the class when the span names one (`LlamaMLP_3`, `LlamaMLP: model.layers.3.mlp`),
 * else the last segment of a dotted path (`model.layers.3.self_attn` -> `self_attn`). Never the
 * whole path: `LlamaRMSNorm: model.layers.0.post_attention_layernorm` is a norm, not attention.
 */
export function moduleKindName(spanName: string): string {
  const m = CLASS_AND_PATH.exec(spanName);
  if (m) return m[1]!;
  const short = moduleShortName(spanName);
  return isDottedPath(short) ? short.slice(short.lastIndexOf(".") + 1) : moduleClassName(short);
}
