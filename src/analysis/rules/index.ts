/** The rule set, in the order findings are evaluated. Adding a rule: one entry here. */
import type { Rule } from "../findings.js";
import { exposedCommunication } from "./communication.js";
import { hostBound, stepStartWait, synchronization } from "./idle-rules.js";
import { fp32Gemm, tinyKernels, unfusedAttention, unfusedOptimizer } from "./kernel-rules.js";
import { memoryChurn, recomputation, slowLayer } from "./model-rules.js";
import { allToAllImbalance, pipelineBubble } from "./parallelism-rules.js";

export const RULES: readonly Rule[] = [
  hostBound,
  synchronization,
  stepStartWait,
  exposedCommunication,
  pipelineBubble,
  allToAllImbalance,
  unfusedAttention,
  fp32Gemm,
  unfusedOptimizer,
  tinyKernels,
  memoryChurn,
  slowLayer,
  recomputation,
];
