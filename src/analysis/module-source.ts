/**
 * Where module-level results came from, in words every output shows the same way:
 * recorded module spans (Kineto with_stack), NVTX module ranges (nsys), XLA name
 * scopes (JAX), or layers inferred from repeats (with how confident the match is).
 */
import { CpuKind } from "../model/tables.js";
import type { AnalysisContext } from "./context.js";

/** What recorded the module table. */
export type ModuleSource = "module spans" | "NVTX ranges" | "name scopes";

export function recordedModuleSource(ctx: AnalysisContext): { source: ModuleSource; sourceDescription: string } {
  if (!ctx.model.meta.format.startsWith("nsys")) {
    return { source: "module spans", sourceDescription: "recorded: PyTorch Profiler nn.Module spans (with_stack=True); backward kernels belong to the module of their forward op" };
  }
  const kind = ctx.model.cpu.kind;
  let operators = false;
  for (let i = 0; i < kind.length && !operators; i++) operators = kind[i] === CpuKind.Op;
  return {
    source: "NVTX ranges",
    sourceDescription: operators
      ? "recorded: NVTX module ranges (forward hooks or framework ranges); backward kernels belong to the module of their forward op, linked through emit_nvtx sequence numbers"
      : "recorded: NVTX module ranges (forward hooks or framework ranges), forward only: without emit_nvtx operator ranges no backward kernel can be linked to a module",
  };
}

export const NAME_SCOPES_DESCRIPTION = "recorded: XLA name scopes (jax.named_scope) in each kernel's HLO op path; backward = ops under transpose(...)";

/** The inferred layers' source line: not recorded, what repeated where (the method), and the share inside them. */
export function inferredSourceDescription(method: string, pctOfKernelTime: number): string {
  return `inferred from repeats, not recorded: ${method}; ${pctOfKernelTime.toFixed(1)}% of kernel time inside the layers`;
}
