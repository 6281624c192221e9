/**
 * Fan-out limits: how many ranks (processes that launched GPU work) and GPU
 * device ids one analysis takes. Every analysis keeps per-rank and per-device
 * state, so a hostile trace with 100,000 device ids or 5,000 processes would
 * otherwise cost gigabytes; a run over a limit stops and names the option that
 * raises it.
 */
import type { TraceModel } from "./tables.js";
import { LlmprofError } from "../errors.js";

export const DEFAULT_MAX_RANKS = 1024;
export const DEFAULT_MAX_DEVICES = 256;
/** A report may hold this many processes without GPU work per rank allowed (host-only helpers, launchers). */
export const PROCESSES_PER_RANK = 16;

export interface FanOutLimits {
  /** Ranks analysed together (files, or processes of one Nsight report). */
  maxRanks?: number;
  /** Distinct GPU device ids in one rank. */
  maxDevices?: number;
}

const count = (n: number) => n.toLocaleString("en-US");
// analyze, diff, check, compare and batch all take the options (src/cli/analysis-flags.ts)
const RAISE = (option: string) => `raise it with \`${option} <n>\``;

export function ranksOverLimit(file: string | null, limit: number): LlmprofError {
  return new LlmprofError(file, `more than ${count(limit)} ranks (traces, or processes that launched GPU work), the limit analysed together; ${RAISE("--max-ranks")}`);
}

export function processesOverLimit(file: string, processes: number, maxRanks: number): LlmprofError {
  return new LlmprofError(file, `more than ${count(processes)} processes, the limit (${PROCESSES_PER_RANK} per rank allowed by --max-ranks, ${count(maxRanks)}); ${RAISE("--max-ranks")}`);
}

/** Stops a run whose models exceed the rank or device limit, naming the limit and its option. */
export function checkFanOut(models: readonly TraceModel[], limits: FanOutLimits = {}): void {
  const maxRanks = limits.maxRanks ?? DEFAULT_MAX_RANKS;
  const maxDevices = limits.maxDevices ?? DEFAULT_MAX_DEVICES;
  if (models.length > maxRanks) throw ranksOverLimit(null, maxRanks);
  for (const m of models) {
    const ids = new Set<number>();
    const device = m.gpu.device;
    for (let i = 0; i < m.gpu.length; i++) {
      ids.add(device[i]!);
      if (ids.size > maxDevices) {
        throw new LlmprofError(m.meta.files[0] ?? null, `more than ${count(maxDevices)} distinct GPU device ids (the limit); ${RAISE("--max-devices")}`);
      }
    }
  }
}
