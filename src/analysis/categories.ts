/**
 * Kernel categories. Each kernel is decided, in order, by:
 *  1. the user's rules from the config file (over kernel names);
 *  2. the operator that launched it (innermost framework op on the launch's
 *     CPU stack, from the attribution): names of kernels are vendor- and
 *     library-specific, the operator that asked for them is not;
 *  3. the kernel-name rules (NVIDIA, ROCm, XLA, Triton names);
 *  4. else "other".
 * Memcpy and memset activities are always "memory"; a kernel that carries
 * collective args (Collective name) is always "communication".
 * Every built-in pattern runs in linear time (no unanchored pattern has a
 * quantifier followed by more pattern), and sees at most the first
 * MAX_NAME_CHARS of a name, so a hostile trace cannot stall the classifier.
 */
import { GpuKind, type TraceModel } from "../model/tables.js";

export const CATEGORIES = [
  "gemm",
  "convolution",
  "attention",
  "moe",
  "quantization",
  "normalisation",
  "elementwise",
  "reduction",
  "softmax",
  "embedding",
  "optimizer",
  "communication",
  "memory",
  "triton",
  "other",
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_LABELS: Record<Category, string> = {
  gemm: "GEMM",
  convolution: "Convolution",
  attention: "Attention",
  moe: "MoE (routing / experts)",
  quantization: "Quantization",
  normalisation: "Normalisation",
  elementwise: "Elementwise",
  reduction: "Reduction / pooling",
  softmax: "Softmax",
  embedding: "Embedding / index",
  optimizer: "Optimizer",
  communication: "Communication",
  memory: "Memory (copy / set)",
  triton: "Triton / compiled",
  other: "Other",
};

export interface CategoryRule {
  readonly category: Category;
  /** Regular expression source, tested against the kernel name (its first MAX_NAME_CHARS). */
  readonly pattern: string;
  readonly flags?: string;
}

export interface OperatorRule extends CategoryRule {
  /**
   * Name-rule categories that win over this operator rule: a composite
   * operator (a MoE layer) launches GEMMs too, and those stay GEMMs.
   */
  readonly yieldsTo?: readonly Category[];
}

/** Regexes see at most this many characters of a name (kernel names of real traces stay under 1 KiB). */
export const MAX_NAME_CHARS = 4096;

/**
 * Operator rules, in order, over the innermost launching operator's name.
 * Only operators whose kernels all serve one purpose are listed; generic ones
 * (aten::copy_, aten::add ...) leave the decision to the kernel name.
 */
export const OPERATOR_RULES: readonly OperatorRule[] = [
  { category: "moe", pattern: "moe|expert|routing|router|grouped_topk|topk_softmax", flags: "i", yieldsTo: ["gemm", "communication", "quantization"] },
  { category: "quantization", pattern: "quantiz|dequant|_quant|quant_", flags: "i" },
  {
    category: "attention",
    pattern: "scaled_dot_product|flash_attn|flash_attention|efficient_attention|cudnn_attention|fused_attention|attention|fmha|mha_fwd|mha_bwd|mla_|reshape_and_cache|kv_?cache",
    flags: "i",
  },
  { category: "convolution", pattern: "(^|::)_?(convolution|conv\\d|conv_|cudnn_convolution|miopen_convolution|miopen_depthwise|mkldnn_convolution|slow_conv|thnn_conv|conv_depthwise)", flags: "i" },
  {
    category: "gemm",
    pattern: "(^|::)_?(mm|addmm|bmm|baddbmm|addbmm|matmul|linear|scaled_mm|scaled_grouped_mm|grouped_mm|addmv|mv|addmm_activation|int_mm)$|gemm|scaled_mm|cublas|hipblas",
    flags: "i",
  },
  { category: "normalisation", pattern: "(layer|rms|batch|group|instance)_?norm", flags: "i" },
  { category: "softmax", pattern: "(^|::)_?(log_)?softmax", flags: "i" },
  { category: "embedding", pattern: "(^|::)_?embedding", flags: "i" },
];

/** The kernel-name rules, in order. Documented in README ("Kernel categories"). */
export const DEFAULT_RULES: readonly CategoryRule[] = [
  { category: "communication", pattern: "^nccl|^rccl|nccl(Dev)?Kernel|rcclKernel|msccl|cross_device_reduce|all_?reduce|all_?gather|reduce_?scatter|all_?to_?all|SendRecv", flags: "i" },
  // MoE routing and expert combine (vLLM/trtllm moe::dev, triton_kernels routing, aiter/sglang fused_moe)
  { category: "moe", pattern: "fused_moe|moe::|moe_|_moe|routing|_topk_|topk_forward|topkgating|bitmatrix|expert", flags: "i" },
  // fused norm + quantize kernels (aiter add_rmsnorm_quant) count as normalisation: the norm is why they exist
  { category: "normalisation", pattern: "layer_?norm|rms_?norm|batch_?norm|group_?norm|instance_?norm|bn_fw|bn_bw", flags: "i" },
  { category: "quantization", pattern: "quantiz|dequant|_quant_|quant_kernel|fp8_quant|scaled_fp8", flags: "i" },
  { category: "attention", pattern: "flash|fmha|_sdpa_|sdpa_|attention|attn|mha_fwd|mha_bwd|cudnn::fusion::(compute_dot_do_o|convert_dq)|efficient_attention|paged_attention|kv_?cache", flags: "i" },
  { category: "optimizer", pattern: "multi_tensor_apply|fused_adam|FusedAdam|adam_|_adam|lamb_kernel|sgd_kernel", flags: "" },
  { category: "triton", pattern: "^triton_|^triton|^fused_|_triton_", flags: "" },
  // cuDNN/MIOpen convolutions and their layout transforms; XLA convolution fusions (before GEMM: implicit-GEMM convs say "gemm")
  { category: "convolution", pattern: "convolution|convolve|conv_|conv\\d|cudnn-conv|fprop|dgrad|wgrad|im2col|im3d2col|scudnn|asmconv|igemm_(fwd|bwd|wrw)", flags: "i" },
  // NVIDIA (cuBLAS, cutlass 2/3, nvjet, sm90/sm100, trtllm-gen bmm_), ROCm (Tensile Cijk_, hipBLASLt, rocBLAS, CK), XLA dot fusions
  {
    category: "gemm",
    pattern: "gemm|nvjet|cutlass|cublas|xmma|wgmma|matmul|gemv|splitKreduce|s1688|s16816|h1688|dot_kernel|^Cijk_|^bmm_|hipblaslt|rocblas|^dot(\\.|_)|_dot_fusion|^cublas",
    flags: "i",
  },
  { category: "softmax", pattern: "softmax", flags: "i" },
  { category: "reduction", pattern: "reduce_kernel|reduce_segments|norm_kernel|welford|MeanOps|sum_functor|reduction|cub::|rocprim::|max_pool|avg_pool|adaptive_avg|pooling", flags: "i" },
  { category: "embedding", pattern: "embedding|gather|scatter|index_select|indexing|index_kernel|index_put|take_along|nll_loss|indexSelect|compute_grad_weight|embedding_backward", flags: "i" },
  {
    category: "elementwise",
    pattern:
      "elementwise|vectorized|unrolled|Functor|CatArray|copy_kernel|where_kernel|scan_innermost|pointwise|distribution|fill_kernel|arange|act_and_mul|silu_and_mul|gelu_and_mul|__amd_rocclr_(copy|fill)",
    flags: "i",
  },
  // XLA (JAX, PyTorch/XLA) fusions by the fused HLO kind: reductions, else element-wise loops (".kd": ROCm code objects)
  { category: "reduction", pattern: "^(input|loop)_reduce|^reduce[._]|_reduce_fusion", flags: "i" },
  { category: "elementwise", pattern: "^[a-z0-9_]*fusion([._]\\d+)*(\\.kd)?$", flags: "i" },
  // MTIA device kernels are named "<op>-dtype_<T>[-extraKey_N]": TBE backward, reductions, else element-wise
  { category: "embedding", pattern: "^split_eb_.*-dtype_", flags: "" },
  { category: "reduction", pattern: "^(vector_norm|reduce_|max_dim|min_dim|argmax|argmin|cumsum)[a-z0-9_]*-dtype_", flags: "i" },
  { category: "elementwise", pattern: "-dtype_[A-Za-z0-9]+(-extraKey_\\d+)?$", flags: "" },
];

/** Which rule decided a kernel: "config:<n>", "operator:<op name>", "name:<category>#<n>", "memcpy", "collective", "none". */
export type CategorySource = string;

/** Categories of every GPU activity, with the rule that decided each. */
export interface Classification {
  /** Category index (into CATEGORIES) per GPU activity. */
  readonly categories: Uint8Array;
  /** Index into `sourceLabels` per GPU activity. */
  readonly sources: Int32Array;
  readonly sourceLabels: readonly CategorySource[];
}

interface Compiled {
  readonly category: number;
  readonly re: RegExp;
  readonly label: string;
  readonly yieldsTo?: readonly number[];
}

const compile = (rules: readonly OperatorRule[], label: (i: number, r: OperatorRule) => string): Compiled[] =>
  rules.map((r, i) => ({
    category: CATEGORIES.indexOf(r.category),
    re: new RegExp(r.pattern, r.flags ?? ""),
    label: label(i, r),
    ...(r.yieldsTo ? { yieldsTo: r.yieldsTo.map((c) => CATEGORIES.indexOf(c)) } : {}),
  }));

const firstMatch = (rules: readonly Compiled[], text: string): Compiled | undefined => {
  const s = text.length > MAX_NAME_CHARS ? text.slice(0, MAX_NAME_CHARS) : text;
  for (const r of rules) if (r.re.test(s)) return r;
  return undefined;
};

/** Compiled classifier; caches by (kernel name, operator name) string indexes. */
export class Categorizer {
  private readonly user: Compiled[];
  private readonly operators: Compiled[];
  private readonly names: Compiled[];
  private readonly cache = new Map<string, { category: number; label: string }>();

  constructor(userRules: readonly CategoryRule[] = []) {
    this.user = compile(userRules, (i) => `config:${i + 1}`);
    this.operators = compile(OPERATOR_RULES, () => "operator");
    const seen = new Map<string, number>();
    this.names = compile(DEFAULT_RULES, (_i, r) => {
      const n = (seen.get(r.category) ?? 0) + 1;
      seen.set(r.category, n);
      return `name:${r.category}#${n}`;
    });
  }

  /** Category of a kernel name alone (user rules, then name rules). */
  ofName(name: string): Category {
    const r = firstMatch(this.user, name) ?? firstMatch(this.names, name);
    return r ? CATEGORIES[r.category]! : "other";
  }

  /** Category and deciding rule of a kernel launched by `operator` (undefined: unknown). */
  decide(name: string, operator?: string): { category: Category; source: CategorySource } {
    const r = this.decideIndex(name, operator);
    return { category: CATEGORIES[r.category]!, source: r.label };
  }

  private decideIndex(name: string, operator: string | undefined): { category: number; label: string } {
    const user = firstMatch(this.user, name);
    if (user) return user;
    const byName = firstMatch(this.names, name);
    const byOp = operator === undefined ? undefined : firstMatch(this.operators, operator);
    if (byOp && !(byName && byOp.yieldsTo?.includes(byName.category))) return { category: byOp.category, label: `operator:${operator!.slice(0, 200)}` };
    return byName ?? { category: CATEGORIES.indexOf("other"), label: "none" };
  }

  /**
   * Category of every GPU activity of the model. `operatorOf` gives the
   * launching operator's CPU row per activity (-1 none), as the attribution
   * computes it; without it only names decide.
   */
  classify(model: TraceModel, operatorOf?: Int32Array): Uint8Array {
    return this.classifyWithSources(model, operatorOf).categories;
  }

  classifyWithSources(model: TraceModel, operatorOf?: Int32Array): Classification {
    const gpu = model.gpu;
    const categories = new Uint8Array(gpu.length);
    const sources = new Int32Array(gpu.length);
    const labels: string[] = [];
    const labelIndex = new Map<string, number>();
    const indexOf = (label: string): number => {
      let k = labelIndex.get(label);
      if (k === undefined) {
        k = labels.length;
        labels.push(label);
        labelIndex.set(label, k);
      }
      return k;
    };
    for (let i = 0; i < gpu.length; i++) {
      if (gpu.kind[i] !== GpuKind.Kernel) {
        categories[i] = MEMORY;
        sources[i] = indexOf("memcpy");
        continue;
      }
      if (gpu.collective[i]! >= 0) {
        categories[i] = COMMUNICATION;
        sources[i] = indexOf("collective");
        continue;
      }
      const name = gpu.name[i]!;
      const opRow = operatorOf ? operatorOf[i]! : -1;
      const opName = opRow >= 0 ? model.cpu.name[opRow]! : -1;
      const key = `${name}:${opName}`;
      let d = this.cache.get(key);
      if (d === undefined) {
        d = this.decideIndex(model.strings.get(name), opName >= 0 ? model.strings.get(opName) : undefined);
        this.cache.set(key, d);
      }
      categories[i] = d.category;
      sources[i] = indexOf(d.label);
    }
    return { categories, sources, sourceLabels: labels };
  }
}

export const COMMUNICATION = CATEGORIES.indexOf("communication");
export const MEMORY = CATEGORIES.indexOf("memory");
