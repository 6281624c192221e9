/**
 * The Kineto event categories the reader understands, in the order of its
 * category ids (parsers/kineto-event.ts `Cat`, 1-based): one list for the parser
 * and for the explanation of a trace without device activity (no-device.ts).
 */
export const KINETO_CATEGORIES = [
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
] as const;
