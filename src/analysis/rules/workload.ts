/**
 * What kind of program recorded the trace, as far as advice goes: a serving
 * engine's steps (SGLang/vLLM markers), a JAX/XLA program, or a PyTorch loop.
 * The same idle gap calls for a different change in each.
 */
import { recipeFormat } from "../module-recipe.js";
import type { RuleInput } from "../findings.js";

export type Workload = "serving" | "jax" | "pytorch";

export function workloadOf(input: Pick<RuleInput, "summary" | "ctx">): Workload {
  if (input.summary.steps.available && input.summary.steps.source === "serving-steps") return "serving";
  return recipeFormat(input.ctx.model) === "jax" ? "jax" : "pytorch";
}
