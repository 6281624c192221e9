import { describe, expect, it } from "vitest";
import { createContext } from "../../src/analysis/context.js";
import { criticalPathFrom, type PathSegment } from "../../src/analysis/critical-path.js";
import fc from "fast-check";
import { savedIf, whatIfRows, type WalkEntry } from "../../src/analysis/critical-path-whatif.js";
import { parseKineto } from "../../parsers/kineto.js";
import { loadTraces } from "../../parsers/registry.js";
import type { TraceModel } from "../../src/model/tables.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { type RawEvent, isComm, isGpu, readRaw, referenceSteps } from "../helpers/raw.js";

const PAIRS = ["distributed/pp2-1f1b-m4", "distributed/pp2-1f1b-m8", "distributed/tp2", "distributed/ep2-moe-a2a", "multi-gpu/l2-ddp-straggler-2gpu"];

async function contextsOf(models: TraceModel[]) {
  return [...models].sort((a, b) => (a.meta.rank ?? 0) - (b.meta.rank ?? 0)).map((m) => createContext(m));
}

/** Union length (µs) of the raw events' intervals clipped to [from, to]. */
function unionUs(events: readonly RawEvent[], from: number, to: number): number {
  const iv = events
    .map((e) => [Math.max(e.ts!, from), Math.min(e.ts! + e.dur!, to)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cs = -Infinity;
  let ce = -Infinity;
  for (const [a, b] of iv) {
    if (a > ce) {
      if (ce > cs) total += ce - cs;
      cs = a;
      ce = b;
    } else ce = Math.max(ce, b);
  }
  if (ce > cs) total += ce - cs;
  return total;
}

describe("critical path across ranks", () => {
  for (const pair of PAIRS) {
    it(`${pair}: from every rank, the path's segments tile the step (raw step time, within 1%)`, async () => {
      const paths = [0, 1].map((r) => fixture(`${pair}-rank${r}.json.gz`));
      const contexts = await contextsOf(await Promise.all(paths.map((p) => parseKineto(p))));
      const rawSteps = paths.map((p) => referenceSteps(readRaw(p)));
      for (const [r, ctx] of contexts.entries()) {
        for (const step of ctx.steps.steps) {
          const cp = criticalPathFrom(contexts, step.number, r);
          const raw = rawSteps[r]!.find((s) => s.number === step.number)!;
          const rawNs = (raw.end - raw.start) * 1000;
          expect(Math.abs(cp.pathNs - rawNs)).toBeLessThanOrEqual(0.01 * rawNs);
          expect(Math.abs(cp.byKind.reduce((a, k) => a + k.ns, 0) - cp.stepTimeNs)).toBeLessThan(1);
          // contiguous, no overlap, from the step's start to its end
          const segs = cp.segments;
          expect(segs[0]!.startNs).toBeCloseTo(step.startNs, 0);
          expect(segs[segs.length - 1]!.endNs).toBeCloseTo(step.endNs, 0);
          for (let i = 1; i < segs.length; i++) expect(Math.abs(segs[i]!.startNs - segs[i - 1]!.endNs)).toBeLessThan(1);
          // the part before the step of the rank the path ended on: these pairs were recorded on one host, so the
          // offset found from the collectives' ends must agree with the raw clocks' difference of the step starts
          const aligned = cp.byRank.filter((x) => x.kind === "rank-alignment");
          expect(aligned.length).toBeLessThanOrEqual(1);
          for (const x of aligned) {
            const other = contexts.findIndex((c) => (c.model.meta.rank ?? 0) === x.rank);
            const rawOther = rawSteps[other]!.find((s) => s.number === step.number)!;
            expect(Math.abs(x.ns - (rawOther.start - raw.start) * 1000)).toBeLessThan(0.02 * rawNs);
          }
        }
      }
    });
  }

  it("nsys DDP (both ranks in one report): the path tiles every step", async () => {
    const contexts = await contextsOf(await loadTraces([fixture("nsys/nsys-l2-ddp-2gpu.sqlite.gz")]));
    expect(contexts.length).toBe(2);
    for (const step of contexts[0]!.steps.steps) {
      const cp = criticalPathFrom(contexts, step.number, 0);
      expect(Math.abs(cp.pathNs - (step.endNs - step.startNs))).toBeLessThanOrEqual(0.01 * (step.endNs - step.startNs));
    }
  });

  for (const m of ["m4", "m8"]) {
    it(`pp2 1F1B ${m}: composition recomputed from the raw per-rank JSON (stage 0's first forward, stage 1's whole schedule, stage 0's last backward)`, async () => {
      const paths = [0, 1].map((r) => fixture(`distributed/pp2-1f1b-${m}-rank${r}.json.gz`));
      const raws = paths.map(readRaw);
      const contexts = await contextsOf(await Promise.all(paths.map((p) => parseKineto(p))));
      const step = contexts[0]!.steps.steps[0]!;
      const cp = criticalPathFrom(contexts, step.number, 0);
      // second method: in 1F1B with 2 stages the last stage runs every micro-batch back to back; the path is
      // stage 0 until its first send, stage 1 from that transfer to its last send, stage 0 after its last receive
      const gpu = raws.map((raw) => raw.traceEvents.filter(isGpu));
      const comm = gpu.map((g) => g.filter(isComm).sort((a, b) => a.ts! - b.ts!));
      const compute = gpu.map((g) => g.filter((e) => !isComm(e)));
      const win = raws.map((raw) => referenceSteps(raw)[0]!);
      const n = comm[0]!.length;
      expect(comm[1]!.length).toBe(n);
      const transferUs = comm[0]!.reduce((a, e, k) => a + Math.min(e.dur!, comm[1]![k]!.dur!), 0);
      const end = (e: RawEvent) => e.ts! + e.dur!;
      const rank0Us = unionUs(compute[0]!, win[0]!.start, comm[0]![0]!.ts!) + unionUs(compute[0]!, end(comm[0]![n - 1]!), win[0]!.end);
      const rank1Us = unionUs(compute[1]!, end(comm[1]![0]!), comm[1]![n - 1]!.ts!);
      const on = (rank: number, kind: string) => cp.byRank.find((x) => x.rank === rank && x.kind === kind)?.ns ?? 0;
      const kind = (k: string) => cp.byKind.find((x) => x.kind === k)?.ns ?? 0;
      expect(cp.rankHops).toBe(2);
      expect(kind("collective-transfer") / 1000).toBeCloseTo(transferUs, 0);
      expect(Math.abs(on(1, "compute") / 1000 - rank1Us)).toBeLessThan(0.01 * rank1Us);
      // stage 0's first ~2 ms are host-bound (the launches set the pace), so its kernels there are off the path
      expect(on(0, "compute") / 1000).toBeLessThanOrEqual(rank0Us);
      expect(Math.abs(kind("compute") / 1000 - (rank0Us + rank1Us))).toBeLessThan(0.01 * (rank0Us + rank1Us));
    });
  }

  it("DDP straggler pair: the path of rank 0's steps moves to rank 1 (which sleeps 30 ms on the host) and is mostly rank 1's host time", async () => {
    const paths = [0, 1].map((r) => fixture(`multi-gpu/l2-ddp-straggler-2gpu-rank${r}.json.gz`));
    const contexts = await contextsOf(await Promise.all(paths.map((p) => parseKineto(p))));
    for (const step of contexts[0]!.steps.steps.slice(1)) {
      const cp = criticalPathFrom(contexts, step.number, 0);
      expect(cp.rankHops).toBeGreaterThanOrEqual(1);
      const host1 = cp.byRank.find((x) => x.rank === 1 && x.kind === "host")?.ns ?? 0;
      expect(host1).toBeGreaterThan(30e6);
      // what-if rows: a saving never exceeds the item's own time on the path scaled, nor the step
      for (const w of cp.whatIf) {
        expect(w.savedIfRemovedNs).toBeLessThanOrEqual(w.pathNs + 1);
        expect(w.savedIfFasterNs[0]!).toBeLessThanOrEqual(0.1 * w.pathNs + 1);
        expect(w.savedIfFasterNs[0]!).toBeLessThanOrEqual(w.savedIfFasterNs[1]! + 1);
        expect(w.savedIfFasterNs[1]!).toBeLessThanOrEqual(w.savedIfRemovedNs + 1);
      }
    }
  });

  it("what-if by hand: savings accumulate from the path's start and each join caps what passes it", () => {
    const seg = (label: string, startNs: number, endNs: number, host: string | null = null): WalkEntry => ({
      type: "segment",
      host,
      segment: { rank: 0, kind: host ? "host" : "compute", category: null, label, startNs, endNs, localStartNs: startNs, device: 0, stream: 7 } satisfies PathSegment,
    });
    // walk order (from the end backwards): B [100,160], join margin 20, A [40,100], host H [0,40] (rank0)
    const entries: WalkEntry[] = [seg("B", 100, 160), { type: "join", marginNs: 20, host: null }, seg("A", 40, 100), seg("host: H", 0, 40, "rank0")];
    expect(savedIf(entries, "B", 0.5)).toBe(30); // after the join: all of it
    expect(savedIf(entries, "A", 0.5)).toBe(20); // 30 capped by the margin
    expect(savedIf(entries, "A", 0.1)).toBeCloseTo(6); // under the margin
    expect(savedIf(entries, "host: H", 1)).toBe(20);
    // a join whose alternative runs through the same rank's host threads moves with the host item
    const shared: WalkEntry[] = [seg("B", 100, 160), { type: "join", marginNs: 20, host: "rank0" }, seg("host: H", 0, 100, "rank0")];
    expect(savedIf(shared, "host: H", 1)).toBe(100);
    expect(savedIf(shared, "host: H", 1, 70)).toBe(70); // the compute floor
  });

  /** The what-if rule written plainly, one item and one fraction per walk (the code computes all fractions of an item in one walk). */
  const referenceSaved = (entries: readonly WalkEntry[], item: string, fraction: number, hostFloorNs: number): number => {
    const label = (e: WalkEntry) =>
      e.type === "segment" && ["compute", "collective-transfer", "collective-wait", "host", "launch"].includes(e.segment.kind)
        ? e.segment.kind === "launch"
          ? "kernel launches"
          : e.segment.label
        : null;
    const threads = new Set<string>();
    for (const e of entries) if (e.type === "segment" && e.host !== null && label(e) === item) threads.add(e.host);
    let saved = 0;
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (e.type === "join") {
        if (e.host === null || !threads.has(e.host)) saved = Math.min(saved, e.marginNs);
      } else if (label(e) === item) saved += fraction * (e.segment.endNs - e.segment.startNs);
    }
    return threads.size > 0 ? Math.min(saved, Math.max(0, hostFloorNs)) : saved;
  };

  it("the what-if rows (one walk per item for every fraction) and savedIf equal the rule written plainly, item by item, fraction by fraction", () => {
    const labels = ["A", "B", "C", "host: H", "host: G"];
    const entry = fc.oneof(
      fc
        .record({ label: fc.constantFrom(...labels), start: fc.integer({ min: 0, max: 1000 }), len: fc.integer({ min: 0, max: 300 }), host: fc.constantFrom(null, "rank0", "rank1") })
        .map(({ label, start, len, host }): WalkEntry => ({
          type: "segment",
          host: label.startsWith("host") ? (host ?? "rank0") : null,
          segment: {
            rank: 0,
            kind: label.startsWith("host") ? "host" : "compute",
            category: null,
            label,
            startNs: start,
            endNs: start + len,
            localStartNs: start,
            device: 0,
            stream: 7,
          } satisfies PathSegment,
        })),
      fc.record({ margin: fc.integer({ min: 0, max: 200 }), host: fc.constantFrom(null, "rank0", "rank1") }).map(({ margin, host }): WalkEntry => ({ type: "join", marginNs: margin, host })),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), fc.integer({ min: 0, max: 2000 }), (entries, floor) => {
        const rows = whatIfRows(entries, 2000, [10, 50], floor);
        for (const row of rows) {
          expect(row.savedIfFasterNs).toEqual([referenceSaved(entries, row.item, 0.1, floor), referenceSaved(entries, row.item, 0.5, floor)]);
          expect(row.savedIfRemovedNs).toBe(referenceSaved(entries, row.item, 1, floor));
          expect(savedIf(entries, row.item, 0.5, floor)).toBe(referenceSaved(entries, row.item, 0.5, floor));
        }
        // the rows are the items with most time on the path, most first
        const times = rows.map((r) => r.pathNs);
        expect([...times].sort((x, y) => y - x)).toEqual(times);
      }),
    );
  });

  const ddp = [0, 1].map((r) => sharedTrace(`multi-gpu/ddp-2gpu-rank${r}.json.gz`));
  it.skipIf(ddp.some((p) => !p))("../shared DDP pair (larger l2 run): the path tiles every step from every rank (raw step times)", async () => {
    const contexts = await contextsOf(await Promise.all(ddp.map((p) => parseKineto(p!))));
    const rawSteps = ddp.map((p) => referenceSteps(readRaw(p!)));
    for (const [r, ctx] of contexts.entries()) {
      for (const step of ctx.steps.steps) {
        const cp = criticalPathFrom(contexts, step.number, r);
        const raw = rawSteps[r]!.find((s) => s.number === step.number)!;
        expect(Math.abs(cp.pathNs - (raw.end - raw.start) * 1000)).toBeLessThanOrEqual(0.01 * (raw.end - raw.start) * 1000);
      }
    }
  });
  if (ddp.some((p) => !p)) it("../shared DDP pair", () => process.stderr.write("[skip] ../shared/traces/multi-gpu missing: the shared DDP pair is not checked (the fixtures are)\n"));
});
