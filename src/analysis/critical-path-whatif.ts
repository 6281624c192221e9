/**
 * What-if on a critical path: how much shorter the step would be if one item on
 * the path (a kernel name, a collective type, host work...) were X% faster or
 * removed. The walk (critical-path.ts) is a list, from the step's end backwards,
 * of segments and joins; a join is a point where the path chose the latest of
 * several predecessors, and its margin is how much earlier the chosen one could
 * finish before another one binds. Shortening work upstream of a join by d
 * moves the work after it by at most the margin, so, from the path's beginning
 * to its end:
 *   saved := saved + X% × (time of the item's segments)   at each of its segments
 *   saved := min(saved, margin)                          at each join
 * The estimate assumes that everything off the path keeps its timing (including
 * other instances of the same item on parallel branches), and that the
 * dependencies are the ones the walk found.
 */
import type { PathSegment } from "./critical-path.js";

/** host: the rank ("rankN") of a host segment's threads, or whose host threads a join's alternative also runs through. */
export type WalkEntry = { type: "segment"; segment: PathSegment; host: string | null } | { type: "join"; marginNs: number; host: string | null };

export interface WhatIfRow {
  /** compute: kernel name; collective: its type; host: "host: " and the outermost operator; launch: all launches. */
  item: string;
  kind: PathSegment["kind"];
  category: string | null;
  /** The item's time on the path. */
  pathNs: number;
  pathPct: number;
  /** Step time saved if the item were each of WHAT_IF_FASTER_PCT faster, in that order. */
  savedIfFasterNs: number[];
  /** Step time saved if the item took no time. */
  savedIfRemovedNs: number;
}

const TOP_ITEMS = 8;
const ITEM_KINDS = new Set<PathSegment["kind"]>(["compute", "collective-transfer", "collective-wait", "host", "launch"]);

export function itemOf(s: PathSegment): string | null {
  if (!ITEM_KINDS.has(s.kind)) return null;
  if (s.kind === "launch") return "kernel launches";
  return s.label;
}

/** Step time saved if every segment of `item` shrank by `fraction` (0-1): savedForEach for one item and one fraction. */
export function savedIf(entries: readonly WalkEntry[], item: string, fraction: number, hostFloorNs = Infinity): number {
  const itemAt = Int32Array.from(entries, (e) => (e.type === "segment" && itemOf(e.segment) === item ? 0 : -1));
  return savedForEach(entries, itemAt, 0, [fraction], hostFloorNs)[0]!;
}

export function whatIfRows(entries: readonly WalkEntry[], stepTimeNs: number, fasterPct: readonly number[], hostFloorNs: number): WhatIfRow[] {
  // the item of each entry, named once (a path has up to ~10^5 entries; the rows below walk it once per item)
  const itemAt = new Int32Array(entries.length).fill(-1);
  const ids = new Map<string, number>();
  const items: { item: string; kind: PathSegment["kind"]; category: string | null; ns: number }[] = [];
  entries.forEach((e, i) => {
    if (e.type !== "segment") return;
    const item = itemOf(e.segment);
    if (item === null) return;
    let id = ids.get(item);
    if (id === undefined) {
      ids.set(item, (id = items.length));
      items.push({ item, kind: e.segment.kind, category: e.segment.category, ns: 0 });
    }
    itemAt[i] = id;
    items[id]!.ns += e.segment.endNs - e.segment.startNs;
  });
  const fractions = [...fasterPct.map((p) => p / 100), 1];
  return items
    .map((r, id) => ({ ...r, id }))
    .sort((a, b) => b.ns - a.ns)
    .slice(0, TOP_ITEMS)
    .map((r) => {
      const saved = savedForEach(entries, itemAt, r.id, fractions, hostFloorNs);
      return {
        item: r.item,
        kind: r.kind,
        category: r.category,
        pathNs: r.ns,
        pathPct: stepTimeNs > 0 ? (100 * r.ns) / stepTimeNs : 0,
        savedIfFasterNs: saved.slice(0, fasterPct.length),
        savedIfRemovedNs: saved[fasterPct.length]!,
      };
    });
}

/**
 * Step time saved if every segment of one item (`itemAt[i] === id`) shrank by
 * each of `fractions` (0-1), in one walk: from the path's beginning to its end,
 * the item's segments add their share and each join caps the sum at its margin;
 * a join whose alternative runs through the same rank's host threads as the
 * (host) item moves with it and bounds nothing. Host items are also bounded by
 * `hostFloorNs` (the step minus the busiest GPU's compute time in it).
 */
function savedForEach(entries: readonly WalkEntry[], itemAt: Int32Array, id: number, fractions: readonly number[], hostFloorNs: number): number[] {
  const threads = new Set<string>();
  entries.forEach((e, i) => {
    if (itemAt[i] === id && e.type === "segment" && e.host !== null) threads.add(e.host);
  });
  const saved = fractions.map(() => 0);
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.type === "join") {
      if (e.host === null || !threads.has(e.host)) for (let k = 0; k < saved.length; k++) saved[k] = Math.min(saved[k]!, e.marginNs);
    } else if (itemAt[i] === id) {
      const d = e.segment.endNs - e.segment.startNs;
      for (let k = 0; k < saved.length; k++) saved[k]! += fractions[k]! * d;
    }
  }
  return threads.size > 0 ? saved.map((x) => Math.min(x, Math.max(0, hostFloorNs))) : saved;
}
