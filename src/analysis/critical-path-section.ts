/** The summary's criticalPath section: the walk when there are GPU activities and steps. */
import type { AnalysisContext } from "./context.js";
import { criticalPath } from "./critical-path.js";
import { noDeviceReason } from "./no-device.js";
import type { Summary } from "./summary.js";

export function criticalPathSection(contexts: readonly AnalysisContext[]): Summary["criticalPath"] {
  const primary = contexts[0]!;
  if (contexts.every((c) => c.model.gpu.length === 0)) return { available: false, reason: noDeviceReason(primary.model) };
  if (primary.steps.source === "empty" || primary.steps.steps.length === 0) return { available: false, reason: "no steps match the --steps selection" };
  return { available: true, ...criticalPath(contexts) };
}
