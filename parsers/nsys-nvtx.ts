/**
 * NVTX range text -> (name, CPU slice kind, sequence number, input sizes).
 *
 * Reads the texts that PyTorch writes under `torch.autograd.profiler.emit_nvtx`:
 *   "aten::mm, seq = 123, op_id = 45, sizes = [[2, 350, 2048], [2048, 5632]], input_op_ids = [(40,0), (41,0)]"
 *   "aten::ones_like, op_id = 1"                    (no grad: no seq; no record_shapes: no sizes)
 *   "Optimizer.step#AdamW.step, op_id = 14454"      (a record_function scope: an annotation)
 * and plain user ranges ("ProfilerStep#3", "generate", "nn.Module: LlamaMLP_3", "model.layers.0.mlp",
 * "LlamaMLP: model.layers.0.mlp" from the README's forward-hook snippet).
 * Quirks seen in the real exports (PyTorch 2.11, nsys 2025.3): every text is unique (op_id), so
 * names are cut out and interned, never the whole text; consecutive forward ops share a `seq`
 * (the op that created the autograd node is the last of them); the backward node
 * ("PowBackward0, seq = 3300, ...") carries its forward op's `seq` and runs on the autograd thread.
 */
import { CpuKind } from "../src/model/tables.js";

/** Result of parseNvtxText; one instance is reused for every range (no allocation per row). */
export class NvtxText {
  name = "";
  kind: CpuKind = CpuKind.Annotation;
  /** autograd sequence number, NaN none */
  seq = NaN;
  /** JSON text of the input sizes (`[[2, 350], []]`), null none */
  sizes: string | null = null;
  /** an autograd backward node (`XxxBackward0`) */
  backward = false;
  /** text carried the emit_nvtx suffix (op_id / seq / sizes) */
  emitNvtx = false;
}

const STEP = /^ProfilerStep#\d+$/;
const NN_MODULE = /^nn\.Module: /;
/** CamelCase class names of model building blocks, optionally numbered like Kineto's `_k`. */
const MODULE_CLASS =
  /^[A-Z][A-Za-z0-9]*(Layer|Block|Attention|Attn|SelfAttention|MLP|FFN|FeedForward|Norm|Embedding|Embeddings|Linear|Model|ForCausalLM|Decoder|Encoder|Head|Module|Experts?|Router|Gate)(_\d+)?$/;
const FIRST_SEGMENT = /^[a-z_][a-z0-9_]*$/;
const SEGMENT = /^[A-Za-z0-9_]+$/;
const DIGITS = /^\d+$/;
/**
 * Dotted module paths such as `model.layers.3.self_attn`: at least two dots, or one
 * numeric segment after the first. Split by hand: the equivalent single regex
 * backtracks quadratically on long texts of numeric segments (80 KB: seconds).
 */
function isModulePath(name: string): boolean {
  const parts = name.split(".");
  if (parts.length < 2 || !FIRST_SEGMENT.test(parts[0]!)) return false;
  let numeric = false;
  for (let i = 1; i < parts.length; i++) {
    if (!SEGMENT.test(parts[i]!)) return false;
    if (!numeric && DIGITS.test(parts[i]!)) numeric = true;
  }
  return parts.length >= 3 || numeric;
}
/** The hook snippet's "Class: path" (`LlamaMLP: model.layers.3.mlp`, `Linear: lm_head`): a CamelCase class, then a module path. */
const CLASS_PREFIX = /^[A-Z][A-Za-z0-9_]*: /;

function isClassAndPath(name: string): boolean {
  const m = CLASS_PREFIX.exec(name);
  if (!m) return false;
  const parts = name.slice(m[0].length).split(".");
  // the class prefix already says "module": any identifier path (`model`, `model.norm`) counts
  return FIRST_SEGMENT.test(parts[0]!) && parts.every((p) => SEGMENT.test(p));
}
const BACKWARD = /Backward\d*$/;
/** Operator-like names of emit_nvtx ranges: namespaced, autograd nodes, or bare lowercase op names. */
const OP_NAME = /::|Backward\d*$|^[a-z_][a-z0-9_]*$/;

/** Whether a plain NVTX range name names a module (class-like or a dotted module path). */
export function isModuleName(name: string): boolean {
  return NN_MODULE.test(name) || MODULE_CLASS.test(name) || isModulePath(name) || isClassAndPath(name);
}

/** Parses one NVTX range text into `out`. */
export function parseNvtxText(text: string, out: NvtxText): NvtxText {
  out.seq = NaN;
  out.sizes = null;
  out.backward = false;
  // emit_nvtx appends ", seq = ", ", op_id = ", ", sizes = " in this order; the name is before the first
  let cut = text.indexOf(", seq = ");
  const opId = text.indexOf(", op_id = ");
  if (cut < 0 || (opId >= 0 && opId < cut)) cut = opId;
  const sizesAt = text.indexOf(", sizes = ");
  if (cut < 0 || (sizesAt >= 0 && sizesAt < cut)) cut = sizesAt;
  if (cut < 0) {
    out.name = text;
    out.emitNvtx = false;
    out.kind = STEP.test(text) ? CpuKind.Annotation : isModuleName(text) ? CpuKind.Module : CpuKind.Annotation;
    return out;
  }
  const name = text.slice(0, cut);
  out.name = name;
  out.emitNvtx = true;
  const seqAt = text.indexOf(", seq = ", cut - 1);
  if (seqAt >= 0) out.seq = readInt(text, seqAt + 8);
  if (sizesAt >= 0) out.sizes = bracketed(text, sizesAt + 10);
  if (STEP.test(name) || NN_MODULE.test(name)) out.kind = NN_MODULE.test(name) ? CpuKind.Module : CpuKind.Annotation;
  else out.kind = OP_NAME.test(name) ? CpuKind.Op : CpuKind.Annotation;
  // the node itself, not its `autograd::engine::evaluate_function: XBackward0` wrapper
  out.backward = out.kind === CpuKind.Op && BACKWARD.test(name) && !name.startsWith("autograd::engine::");
  return out;
}

function readInt(s: string, at: number): number {
  let v = 0;
  let i = at;
  let neg = false;
  if (s.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  const start = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  if (i === start) return NaN;
  return neg ? -v : v;
}

/** The balanced `[...]` starting at `at`, or null when the text is cut short. */
function bracketed(s: string, at: number): string | null {
  if (s.charCodeAt(at) !== 91) return null;
  let depth = 0;
  for (let i = at; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 91) depth++;
    else if (c === 93 && --depth === 0) return s.slice(at, i + 1);
  }
  return null;
}
