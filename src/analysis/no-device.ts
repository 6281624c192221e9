/**
 * Why a trace has no device activity to analyse, in words a user can act on:
 * a CPU-only recording, or accelerator events in a category llmprof does not
 * read (an accelerator other than NVIDIA/AMD/MTIA/XLA), named with their counts.
 * MTIA's `mtia_ccp_events` and any correlated `*_runtime` calls are read (parsers/kineto-event.ts).
 */
import type { TraceModel } from "../model/tables.js";

const READ = new Set([
  "cpu_op",
  "user_annotation",
  "python_function",
  "cuda_runtime",
  "cuda_driver",
  "kernel",
  "gpu_memcpy",
  "gpu_memset",
  "gpu_user_annotation",
  "ac2g",
  "fwdbwd",
  "cpu_instant_event",
  "Trace",
  "(none)",
  "Operator",
  "Python",
  "Runtime",
  "Kernel",
  "Memcpy",
  "Memset",
  "mtia_ccp_events",
]);

export function noDeviceReason(model: TraceModel): string {
  const counts = model.meta.eventCounts ?? {};
  const unread = Object.entries(counts)
    .filter(([key, n]) => n > 0 && key.endsWith("/X") && !READ.has(key.slice(0, -2)) && !key.endsWith("_runtime/X"))
    .map(([key, n]) => `${n} '${key.slice(0, -2)}' events`);
  if (unread.length > 0)
    return `the trace has no GPU activity llmprof can read: its device events (${unread.join(", ")}) are of an accelerator whose categories are not supported yet; CPU analyses (steps, operators) still apply`;
  return "the trace has no GPU or accelerator activity (a CPU-only recording, or recorded without ProfilerActivity.CUDA): only the CPU analyses (steps, operators) apply";
}
