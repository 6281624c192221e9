/**
 * Rules over kernels and their launching operators: unfused attention, FP32
 * GEMMs in a low-precision model, an unfused optimizer, tiny kernels.
 */
import { GpuKind } from "../../model/tables.js";
import { CATEGORIES } from "../categories.js";
import { timeCost, type Evidence, type Rule, type RuleInput } from "../findings.js";
import { formatCount, formatMs, formatPct } from "../../units.js";
import { moduleKindName } from "../module-names.js";
import { workloadOf } from "./workload.js";
import { moduleRecipe } from "../module-recipe.js";

const GEMM = CATEGORIES.indexOf("gemm");
const SOFTMAX = CATEGORIES.indexOf("softmax");
const ATTENTION = CATEGORIES.indexOf("attention");
const OPTIMIZER = CATEGORIES.indexOf("optimizer");

/** Kernel time grouped by kernel name, for evidence lists. */
function topKernels(input: RuleInput, rows: number[], n = 6): Evidence[] {
  const { gpu, strings } = input.ctx.model;
  const by = new Map<number, { count: number; ns: number }>();
  for (const g of rows) {
    const e = by.get(gpu.name[g]!) ?? { count: 0, ns: 0 };
    e.count++;
    e.ns += gpu.end[g]! - gpu.start[g]!;
    by.set(gpu.name[g]!, e);
  }
  return [...by]
    .sort((a, b) => b[1].ns - a[1].ns)
    .slice(0, n)
    .map(([name, e]) => ({ kind: "kernel", label: strings.get(name), durationNs: e.ns, detail: `${formatCount(e.count)} launches` }));
}

function kernelTime(input: RuleInput, rows: number[]): number {
  const { gpu } = input.ctx.model;
  return rows.reduce((a, g) => a + gpu.end[g]! - gpu.start[g]!, 0);
}

export const unfusedAttention: Rule = {
  id: "unfused-attention",
  title: "Attention runs as separate matmul and softmax kernels",
  defaults: {},
  evaluate(input) {
    const { ctx } = input;
    const { attribution: attr, windowRows, categories, model } = ctx;
    if (!attr.hasModules) return `needs module spans to find the attention modules: ${moduleRecipe(input.ctx.model)}`;
    const { cpu, strings } = model;
    const isAttention = new Map<number, boolean>();
    const unfused: number[] = [];
    const fused: number[] = [];
    for (let j = 0; j < windowRows.length; j++) {
      const g = windowRows[j]!;
      const m = attr.module[g]!;
      if (m < 0) continue;
      const name = cpu.name[m]!;
      let att = isAttention.get(name);
      // the module's class (or leaf name), not its whole path: hook ranges name `Linear: model.layers.0.self_attn.q_proj`
      if (att === undefined) isAttention.set(name, (att = /attention|attn/i.test(moduleKindName(strings.get(name)))));
      if (!att) continue;
      const c = categories[g]!;
      if (c === GEMM || c === SOFTMAX) unfused.push(g);
      else if (c === ATTENTION) fused.push(g);
    }
    if (unfused.length === 0 || kernelTime(input, unfused) <= kernelTime(input, fused)) return null;
    const cost = kernelTime(input, unfused);
    const steps = input.summary.steps.available ? input.summary.steps.count : 1;
    return {
      id: this.id,
      title: this.title,
      ...timeCost(input.summary, cost),
      summary: `Inside the attention modules (not their projections), ${formatCount(unfused.length)} GEMM and softmax kernels take ${formatMs(cost)} ms (${formatMs(cost / steps)} ms per step, forward and backward) where a fused attention kernel would run.`,
      why: "Eager attention materialises the full attention matrix: a matmul for Q·Kᵀ, a softmax, a matmul with V, each reading and writing the seq × seq scores to memory, in forward and again in backward. Fused kernels (FlashAttention, cuDNN, memory-efficient SDPA) keep the scores on chip.",
      how: 'Use torch.nn.functional.scaled_dot_product_attention, e.g. in transformers from_pretrained(..., attn_implementation="sdpa") or "flash_attention_2". The cost above is the time of the kernels that would be replaced; the fused kernel takes a fraction of it (compare with `llmprof diff`).',
      evidence: topKernels(input, unfused),
      section: "modules",
    };
  },
};

export const fp32Gemm: Rule = {
  id: "fp32-gemm",
  title: "FP32 matrix multiplies in a low-precision model",
  defaults: { minPctOfGemm: 1 },
  evaluate(input) {
    const { attribution: attr, windowRows, categories, model } = input.ctx;
    const { cpu, strings } = model;
    const low: number[] = [];
    const fp32: number[] = [];
    let typed = false;
    const typeOf = new Map<number, "fp32" | "low" | "other">();
    for (let j = 0; j < windowRows.length; j++) {
      const g = windowRows[j]!;
      if (categories[g] !== GEMM) continue;
      const op = attr.op[g]!;
      if (op < 0 || cpu.inputTypes[op]! < 0) continue;
      typed = true;
      const id = cpu.inputTypes[op]!;
      let t = typeOf.get(id);
      if (t === undefined) {
        const text = strings.get(id);
        t = /BFloat16|Half|Float8/.test(text) ? "low" : /"float"|"double"/.test(text) ? "fp32" : "other";
        typeOf.set(id, t);
      }
      if (t === "low") low.push(g);
      else if (t === "fp32") fp32.push(g);
    }
    if (!typed) return "needs operator input types (record_shapes=True)";
    const fpNs = kernelTime(input, fp32);
    const lowNs = kernelTime(input, low);
    if (fp32.length === 0 || lowNs <= fpNs || (100 * fpNs) / (fpNs + lowNs) < input.thresholds["minPctOfGemm"]!) return null;
    return {
      id: this.id,
      title: this.title,
      ...timeCost(input.summary, fpNs),
      summary: `${formatCount(fp32.length)} GEMM kernels take FP32 inputs (${formatMs(fpNs)} ms, ${formatPct((100 * fpNs) / (fpNs + lowNs))} of GEMM time) while most GEMMs run in bf16/fp16.`,
      why: "FP32 GEMMs run without tensor cores (or at a fraction of their rate) and move twice the bytes of bf16.",
      how: "Run these ops in bf16: cast the module (module.to(torch.bfloat16)) or wrap it in torch.autocast('cuda', dtype=torch.bfloat16); where FP32 is needed for accuracy, allow TF32: torch.backends.cuda.matmul.allow_tf32 = True (or torch.set_float32_matmul_precision('high')).",
      evidence: topKernels(input, fp32),
      section: "kernels",
    };
  },
};

export const unfusedOptimizer: Rule = {
  id: "unfused-optimizer",
  title: "The optimizer step runs as many small kernels",
  defaults: { minKernelsPerStep: 50, minPctOfWindow: 1 },
  evaluate(input) {
    const { phases, steps } = input.summary;
    if (!phases.available) return phases.reason;
    const opt = phases.total.find((p) => p.phase === "optimizer")!;
    const n = steps.available ? steps.count : 1;
    const { gpu, strings } = input.ctx.model;
    const rows: number[] = [];
    let fusedKernels = 0;
    const isFused = new Map<number, boolean>(); // by name id: one regex per distinct kernel name
    for (let j = 0; j < input.ctx.windowRows.length; j++) {
      const g = input.ctx.windowRows[j]!;
      if (input.ctx.attribution.phase[g] !== 2) continue;
      rows.push(g);
      const name = gpu.name[g]!;
      let fused = isFused.get(name);
      if (fused === undefined) isFused.set(name, (fused = /fused/i.test(strings.get(name))));
      if (fused) fusedKernels++;
    }
    const perStep = opt.count / n;
    const timing = timeCost(input.summary, opt.kernelNs);
    if (perStep < input.thresholds["minKernelsPerStep"]! || fusedKernels > rows.length / 2 || timing.costPctOfWindow < input.thresholds["minPctOfWindow"]!) return null;
    const foreach = rows.filter((g) => input.ctx.categories[g] === OPTIMIZER).length;
    return {
      id: this.id,
      title: this.title,
      ...timing,
      summary: `The optimizer step launches ${formatCount(perStep)} kernels per step (${foreach > rows.length / 2 ? "multi-tensor 'foreach' kernels" : "per-parameter kernels"}) taking ${formatMs(opt.kernelNs / n)} ms of GPU time per step (${formatPct(opt.pctOfKernelTime)} of kernel time).`,
      why: "A non-fused optimizer reads and writes each parameter, gradient and state tensor once per arithmetic step (sqrt, div, mul, add...), in many launches; a fused optimizer does the whole update in one pass per tensor group.",
      how: "torch.optim.AdamW(params, fused=True) (or Adam/SGD with fused=True), or apex.optimizers.FusedAdam; with FSDP/ZeRO the optimizer runs on shards and benefits the same way.",
      evidence: [{ kind: "metric", label: "optimizer kernels per step", detail: formatCount(perStep) }, ...topKernels(input, rows, 5)],
      section: "phases",
    };
  },
};

export const tinyKernels: Rule = {
  id: "tiny-kernels",
  title: "Many kernels are shorter than their own launch",
  defaults: { minPctShorter: 30, minPctOfWindow: 1 },
  evaluate(input) {
    const { launch } = input.summary;
    if (!launch.available) return launch.reason;
    const { gpu, runtime } = input.ctx.model;
    const rows: number[] = [];
    let cost = 0;
    for (let j = 0; j < input.ctx.windowRows.length; j++) {
      const g = input.ctx.windowRows[j]!;
      const r = gpu.launch[g]!;
      // a graph replay's kernels share one launch call: not per-kernel launches
      if (gpu.kind[g] !== GpuKind.Kernel || r < 0 || input.ctx.graphRows[g]) continue;
      const d = gpu.end[g]! - gpu.start[g]!;
      const c = runtime.end[r]! - runtime.start[r]!;
      if (d < c) {
        rows.push(g);
        cost += c - d;
      }
    }
    const timing = timeCost(input.summary, cost);
    if (launch.shorterThanLaunch.pct < input.thresholds["minPctShorter"]! || timing.costPctOfWindow < input.thresholds["minPctOfWindow"]!) return null;
    return {
      id: this.id,
      title: this.title,
      ...timing,
      summary: `${formatPct(launch.shorterThanLaunch.pct)} of kernels (${formatCount(rows.length)}) run for less time than the CPU spends launching them; the launch time they do not cover adds up to ${formatMs(cost)} ms.`,
      why: "When a kernel finishes before the next launch call returns, the GPU can only stay busy if launches are queued far ahead; any CPU hiccup becomes GPU idle time.",
      how:
        workloadOf(input) === "jax"
          ? "Fuse small ops: jit larger functions so XLA sees (and fuses) whole elementwise chains; replace Python loops of small ops with jax.vmap or jax.lax.scan; increase work per kernel (batch size, sequence length)."
          : 'Fuse small ops: torch.compile(model); use foreach/fused variants of per-tensor loops; capture the step in CUDA graphs (torch.compile(mode="reduce-overhead")); increase work per kernel (batch size, sequence length).',
      evidence: topKernels(input, rows),
      section: "launch",
    };
  },
};
