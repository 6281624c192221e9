/**
 * Why a trace has no device activity to analyse, in words a user can act on:
 * a CPU-only recording, or accelerator events in a category llmprof does not
 * read (an accelerator other than NVIDIA/AMD/MTIA/XLA), named with their counts.
 * MTIA's `mtia_ccp_events` and any correlated `*_runtime` calls are read (parsers/kineto-event.ts).
 */
import { KINETO_CATEGORIES } from "../model/kineto-categories.js";
import type { TraceModel } from "../model/tables.js";

const READ = new Set<string>([
  ...KINETO_CATEGORIES,
  // older Kineto and other exporters spell some categories this way (kineto-event.ts CATS)
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
