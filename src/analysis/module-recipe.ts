/**
 * How to record module-level information, for the input format at hand: the
 * one line every "modules unavailable" message ends with.
 */
import { CpuKind, type TraceModel } from "../model/tables.js";

export type RecipeFormat = "kineto" | "nsys" | "jax";

/** JAX/XLA host events in a Chrome trace (the format id alone says kineto-json). */
const XLA_HOST = /^PjitFunction\(|XLA GPU module|PjRt/;
/** Host slices to look at before deciding (the XLA events come first). */
const SCAN_LIMIT = 5000;

export function recipeFormat(model: TraceModel): RecipeFormat {
  const f = model.meta.format;
  if (f.startsWith("nsys")) return "nsys";
  if (f === "xplane") return "jax";
  const { cpu, strings } = model;
  for (let i = 0; i < Math.min(cpu.length, SCAN_LIMIT); i++) if (cpu.kind[i] !== CpuKind.Op && XLA_HOST.test(strings.get(cpu.name[i]!))) return "jax";
  return "kineto";
}

const RECIPES: Record<RecipeFormat, string> = {
  kineto: "record with torch.profiler.profile(with_stack=True) (Kineto writes `nn.Module: Class_k` spans only then)",
  nsys: "push one NVTX range per module: the forward-hook snippet in the README (torch.cuda.nvtx.range_push/range_pop in register_forward_pre_hook/register_forward_hook), or your framework's module ranges; torch.autograd.profiler.emit_nvtx() adds the operator ranges that pair backward with forward",
  jax: "wrap the model's blocks in jax.named_scope(\"layer_3\") (or flax module names): XLA keeps the scopes in each kernel's op path, unless command buffers (CUDA graphs) fuse them away (XLA_FLAGS=--xla_gpu_enable_command_buffer=)",
};

export function moduleRecipe(model: TraceModel): string {
  return RECIPES[recipeFormat(model)];
}
