/**
 * Kernel categories: an ordered rule table (first match wins) over kernel names.
 * Memcpy and memset activities are always "memory"; a kernel that carries
 * collective args (Collective name) is always "communication".
 * Users extend the table from the config file; their rules are tried first.
 */
import { GpuKind, type TraceModel } from "../model/tables.js";

export const CATEGORIES = [
  "gemm",
  "attention",
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
  attention: "Attention",
  elementwise: "Elementwise",
  reduction: "Reduction / normalisation",
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
  /** Regular expression source, tested against the full kernel name. */
  readonly pattern: string;
  readonly flags?: string;
}

/** The default rules, in order. Documented in README ("Kernel categories"). */
export const DEFAULT_RULES: readonly CategoryRule[] = [
  { category: "communication", pattern: "^nccl|^rccl|nccl(Dev)?Kernel|cross_device_reduce|all_?reduce|all_?gather|reduce_?scatter|all_?to_?all|SendRecv", flags: "i" },
  { category: "attention", pattern: "flash|fmha|_sdpa_|sdpa_|attention|attn|mha_fwd|mha_bwd|cudnn::fusion::(compute_dot_do_o|convert_dq)|efficient_attention|paged_attention", flags: "i" },
  { category: "optimizer", pattern: "multi_tensor_apply|fused_adam|FusedAdam|adam_|_adam|lamb_kernel|sgd_kernel", flags: "" },
  { category: "triton", pattern: "^triton_|^triton|^fused_|_triton_", flags: "" },
  { category: "gemm", pattern: "gemm|nvjet|cutlass|cublas|xmma|wgmma|matmul|gemv|splitKreduce|s1688|s16816|h1688|dot_kernel", flags: "i" },
  { category: "softmax", pattern: "softmax", flags: "i" },
  { category: "reduction", pattern: "reduce_kernel|layer_?norm|rms_?norm|norm_kernel|batch_norm|group_norm|welford|MeanOps|sum_functor|reduction|cub::", flags: "i" },
  { category: "embedding", pattern: "embedding|gather|scatter|index_select|indexing|index_kernel|index_put|take_along|nll_loss", flags: "i" },
  { category: "elementwise", pattern: "elementwise|vectorized|unrolled|Functor|CatArray|copy_kernel|where_kernel|scan_innermost|pointwise|distribution|fill_kernel|arange", flags: "i" },
  // XLA (JAX, PyTorch/XLA) fusions: reductions, else element-wise loops
  { category: "reduction", pattern: "reduce[_a-z]*fusion|^input_reduce", flags: "i" },
  { category: "elementwise", pattern: "^loop_[a-z0-9_]*fusion|^[a-z0-9_]*_fusion(\\.\\d+)?$", flags: "i" },
];

/** Compiled classifier: category of each distinct kernel name, cached by string index. */
export class Categorizer {
  private readonly rules: { category: Category; re: RegExp }[];
  private readonly cache = new Map<number, Category>();

  constructor(userRules: readonly CategoryRule[] = []) {
    this.rules = [...userRules, ...DEFAULT_RULES].map((r) => ({ category: r.category, re: new RegExp(r.pattern, r.flags ?? "") }));
  }

  ofName(name: string): Category {
    for (const r of this.rules) if (r.re.test(name)) return r.category;
    return "other";
  }

  /** Category of every GPU activity of the model. */
  classify(model: TraceModel): Uint8Array {
    const gpu = model.gpu;
    const out = new Uint8Array(gpu.length);
    const commIndex = CATEGORIES.indexOf("communication");
    const memIndex = CATEGORIES.indexOf("memory");
    for (let i = 0; i < gpu.length; i++) {
      if (gpu.kind[i] !== GpuKind.Kernel) {
        out[i] = memIndex;
        continue;
      }
      if (gpu.collective[i]! >= 0) {
        out[i] = commIndex;
        continue;
      }
      const name = gpu.name[i]!;
      let c = this.cache.get(name);
      if (c === undefined) {
        c = this.ofName(model.strings.get(name));
        this.cache.set(name, c);
      }
      out[i] = CATEGORIES.indexOf(c);
    }
    return out;
  }
}

export const COMMUNICATION = CATEGORIES.indexOf("communication");
export const MEMORY = CATEGORIES.indexOf("memory");
