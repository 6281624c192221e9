/**
 * The same collective (or P2P transfer) on every rank that takes part, matched
 * without clocks: within one step, communication kernels with the same key
 * (collective type and process-group name where the trace records it) are
 * matched by their position among that key's kernels, because NCCL runs one
 * communicator's operations in the same order on all its ranks. A key whose
 * kernel count differs between ranks in a step stays unmatched there (its time
 * is then reported as collective-wait: the peers' side is unknown).
 */
import { COMMUNICATION } from "./categories.js";
import { describe } from "./collectives.js";
import type { AnalysisContext } from "./context.js";

/** One matched collective: the GPU row on each participating rank (index into the contexts). */
export interface MatchedCollective {
  collective: string;
  rows: { rank: number; row: number }[];
}

export interface CollectiveMatches {
  /** Per rank: GPU row -> matched collective. */
  byRow: Map<number, MatchedCollective>[];
}

function keyOf(ctx: AnalysisContext, g: number): { key: string; collective: string } {
  const { model } = ctx;
  const collective = describe(model, g).collective;
  const c = model.gpu.collective[g]!;
  const group = c >= 0 ? model.strings.get(model.collectives.groupName[c]!) : "";
  return { key: `${collective}|${group}`, collective };
}

export function matchCollectives(contexts: readonly AnalysisContext[]): CollectiveMatches {
  const byRow = contexts.map(() => new Map<number, MatchedCollective>());
  if (contexts.length < 2) return { byRow };
  // rank -> step number -> key -> rows in start order
  const lists = contexts.map((ctx) => {
    const out = new Map<number, Map<string, { collective: string; rows: number[] }>>();
    const steps = ctx.steps.steps;
    let s = 0;
    for (let g = 0; g < ctx.model.gpu.length; g++) {
      if (ctx.categories[g] !== COMMUNICATION) continue;
      const start = ctx.model.gpu.start[g]!;
      while (s < steps.length && start >= steps[s]!.endNs) s++;
      if (s >= steps.length) break;
      if (start < steps[s]!.startNs) continue;
      const { key, collective } = keyOf(ctx, g);
      const perStep = out.get(steps[s]!.number) ?? new Map<string, { collective: string; rows: number[] }>();
      out.set(steps[s]!.number, perStep);
      const entry = perStep.get(key) ?? { collective, rows: [] };
      perStep.set(key, entry);
      entry.rows.push(g);
    }
    return out;
  });
  const stepNumbers = new Set(lists.flatMap((m) => [...m.keys()]));
  for (const step of stepNumbers) {
    const keys = new Set(lists.flatMap((m) => [...(m.get(step)?.keys() ?? [])]));
    for (const key of keys) {
      const present = lists.map((m, rank) => ({ rank, entry: m.get(step)?.get(key) })).filter((x) => x.entry !== undefined);
      if (present.length < 2) continue;
      const n = present[0]!.entry!.rows.length;
      if (present.some((p) => p.entry!.rows.length !== n)) continue;
      for (let k = 0; k < n; k++) {
        const match: MatchedCollective = { collective: present[0]!.entry!.collective, rows: present.map((p) => ({ rank: p.rank, row: p.entry!.rows[k]! })) };
        for (const p of match.rows) byRow[p.rank]!.set(p.row, match);
      }
    }
  }
  return { byRow };
}
