/**
 * The one definition of a CPU-bound step (training step, or decode step of a
 * generation loop): host-bound idle gaps (idle.ts: the next kernel was not yet
 * launched and no synchronisation was running) of its GPU cover more than
 * `cpuBoundHostBoundPct` percent of the step (config `idle.cpuBoundHostBoundPct`).
 * Idle of other causes (waiting on another stream or a collective, gaps at the
 * step's edges) does not make a step CPU-bound: a faster CPU would not remove it.
 */
import type { IdleOptions } from "./idle.js";

/** Default threshold, percent of the step. */
export const CPU_BOUND_HOST_BOUND_PCT = 30;

export function cpuBoundThresholdPct(options: IdleOptions | undefined): number {
  return options?.cpuBoundHostBoundPct ?? CPU_BOUND_HOST_BOUND_PCT;
}

export function isCpuBound(hostBoundPct: number, thresholdPct: number): boolean {
  return hostBoundPct > thresholdPct;
}
