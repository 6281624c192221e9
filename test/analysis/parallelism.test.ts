/**
 * Issue 22, points 1-3: communication by process group and parallel dimension, waiting
 * vs transferring, all-to-all sizes, pipeline bubbles. Every figure is recomputed from
 * the raw per-rank JSON (JSON.parse, plain loops over events), never from llmprof.
 * Recordings: fixtures/distributed (2x H200; PP=2 1F1B m=4/m=8, TP=2, EP=2 MoE) and the
 * DDP straggler pair (rank 1 sleeps 30 ms before every step). No TP x PP run exists
 * (4-GPU machines were not lent), and no FSDP trace exists in fixtures or ../shared.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { loadTraces } from "../../parsers/registry.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import type { Summary } from "../../src/analysis/summary.js";
import { configFromObject } from "../../src/config.js";
import { parseKineto } from "../../parsers/kineto.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { type RawEvent, type RawTrace, isComm, readRaw, referenceSteps } from "../helpers/raw.js";

const near = (a: number, b: number, tol = 1e-3) => expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(1, Math.abs(b) * tol));
const pair = (stem: string) => [0, 1].map((r) => fixture(`distributed/${stem}-rank${r}.json.gz`));
const DDP = [0, 1].map((r) => fixture(`multi-gpu/l2-ddp-straggler-2gpu-rank${r}.json.gz`));

const cache = new Map<string, Promise<Summary>>();
function summarize(paths: string[], options = {}): Promise<Summary> {
  const key = paths.join(",") + JSON.stringify(options);
  if (!cache.has(key))
    cache.set(
      key,
      Promise.all(paths.map((p) => parseKineto(p))).then((m) => analyzeModels(m, options)),
    );
  return cache.get(key)!;
}

/** µs intervals -> union length. */
function unionUs(spans: (readonly [number, number])[]): number {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur: [number, number] | null = null;
  for (const [a, b] of sorted) {
    if (cur && a <= cur[1]) cur[1] = Math.max(cur[1], b);
    else {
      if (cur) total += cur[1] - cur[0];
      cur = [a, b];
    }
  }
  return cur ? total + cur[1] - cur[0] : total;
}

/** Length of A minus B (µs), both given as spans. */
function minusUs(a: (readonly [number, number])[], b: (readonly [number, number])[]): number {
  return unionUs([...a, ...b]) - unionUs(b);
}

interface RawWindow {
  start: number;
  end: number;
  comm: RawEvent[];
  compute: RawEvent[];
}

function rawWindow(raw: RawTrace): RawWindow {
  const steps = referenceSteps(raw);
  const start = steps[0]!.start;
  const end = steps[steps.length - 1]!.end;
  const inside = (e: RawEvent) => e.ts! >= start && e.ts! < end;
  return {
    start,
    end,
    comm: raw.traceEvents.filter((e) => isComm(e) && inside(e)).sort((a, b) => a.ts! - b.ts!),
    compute: raw.traceEvents.filter((e) => e.cat === "kernel" && !isComm(e) && e.ts! < end && e.ts! + e.dur! > start),
  };
}

const clipped = (w: { start: number; end: number }, list: RawEvent[]) => list.map((e) => [Math.max(e.ts!, w.start), Math.min(e.ts! + e.dur!, w.end)] as const);
const ELEMENT: Record<string, number> = { BFloat16: 2, Float: 4, Long: 8, Byte: 1, Int: 4, Half: 2 };

function groups(s: Summary) {
  if (!s.processGroups.available) throw new Error(s.processGroups.reason);
  return s.processGroups.groups;
}

describe("communication by process group (fixtures/distributed, DDP straggler pair)", () => {
  const cases = [
    { name: "PP=2 1F1B", paths: pair("pp2-1f1b-m4"), label: "PP", source: "p2p-ops" },
    { name: "TP=2", paths: pair("tp2"), label: "TP", source: "kernel-args" },
    { name: "EP=2 MoE", paths: pair("ep2-moe-a2a"), label: "EP", source: "kernel-args" },
    { name: "DDP", paths: DDP, label: "DP", source: "kernel-args" },
  ];
  for (const c of cases) {
    it(`${c.name}: every NCCL kernel of the steps is in exactly one group, labelled ${c.label}; time and exposed time equal the raw union`, async () => {
      const s = await summarize(c.paths);
      const g = groups(s).filter((x) => x.perRank.length > 0);
      // the recordings use the default process group for their one dimension
      expect(g.map((x) => [x.label, x.source, x.ranks])).toEqual([[c.label, c.source, [0, 1]]]);
      for (const [r, path] of c.paths.entries()) {
        const w = rawWindow(readRaw(path));
        const rows = groups(s).flatMap((x) => x.perRank.filter((p) => p.rank === r));
        expect(rows.reduce((a, p) => a + p.kernels, 0)).toBe(w.comm.length);
        const row = rows[0]!;
        near(row.timeNs, unionUs(clipped(w, w.comm)) * 1000);
        near(row.exposedNs, minusUs(clipped(w, w.comm), clipped(w, w.compute)) * 1000);
        expect(row.shareOfStepPct).toBeGreaterThanOrEqual(0);
        expect(row.shareOfStepPct).toBeLessThanOrEqual(100);
        expect(row.exposedShareOfStepPct).toBeLessThanOrEqual(row.shareOfStepPct);
      }
    });
  }

  it("TP=2: bytes are max(in, out) elements x 2 (bf16) of the raw all-reduce kernels; bus bandwidth = 2(n-1)/n x bytes / kernel time", async () => {
    const paths = pair("tp2");
    const s = await summarize(paths);
    for (const [r, path] of paths.entries()) {
      const w = rawWindow(readRaw(path));
      const bytes = w.comm.reduce((a, e) => a + Math.max(Number(e.args!["In msg nelems"]), Number(e.args!["Out msg nelems"])) * ELEMENT[String(e.args!["dtype"])]!, 0);
      const time = w.comm.reduce((a, e) => a + e.dur! * 1000, 0);
      const row = groups(s)[0]!.perRank.find((p) => p.rank === r)!;
      near(row.bytes!, bytes);
      near(row.busBandwidthGBps!, (bytes / time) * ((2 * (2 - 1)) / 2));
    }
  });

  it("PP: a SendRecv kernel (no args) carries the bytes of the send/recv ops its thread issued before launching it", async () => {
    const paths = pair("pp2-1f1b-m8");
    const s = await summarize(paths);
    for (const [r, path] of paths.entries()) {
      const raw = readRaw(path);
      const w = rawWindow(raw);
      const ops = raw.traceEvents.filter((e) => e.name === "record_param_comms" && ["send", "recv"].includes(String(e.args?.["Collective name"])) && e.ts! >= w.start && e.ts! < w.end);
      const bytes = ops.reduce((a, e) => a + Number(e.args!["In msg nelems"]) * ELEMENT[String(e.args!["dtype"])]!, 0);
      near(groups(s)[0]!.perRank.find((p) => p.rank === r)!.bytes!, bytes);
    }
  });

  it("the config overrides a label (parallelism.groups, by group name or description)", async () => {
    const options = configFromObject({ parallelism: { groups: { default_pg: "CP" } } }, "test.yml");
    const s = await summarize(pair("pp2-1f1b-m4"), options);
    expect(groups(s)[0]!.label).toBe("CP");
    expect(groups(s)[0]!.labelReason).toContain("config");
    expect(() => configFromObject({ parallelism: { groups: { x: "XP" } } }, "test.yml")).toThrow(/XP/);
  });
});

/** Raw reference of waiting: kernels matched by position in the step; wait = duration - min over ranks. */
function rawWaiting(paths: string[]): { waitUs: number[]; timeUs: number[]; matched: number } {
  const lists = paths.map((p) => rawWindow(readRaw(p)).comm);
  const n = Math.min(...lists.map((l) => l.length));
  const waitUs = lists.map(() => 0);
  const timeUs = lists.map(() => 0);
  for (let i = 0; i < n; i++) {
    const d = lists.map((l) => l[i]!.dur!);
    const min = Math.min(...d);
    d.forEach((x, r) => {
      waitUs[r]! += x - min;
      timeUs[r]! += x;
    });
  }
  return { waitUs, timeUs, matched: n };
}

describe("waiting vs transferring", () => {
  it("DDP straggler pair (rank 1 sleeps 30 ms per step): rank 0, the straggler's peer, does the waiting; figures equal the raw recomputation", async () => {
    const s = await summarize(DDP);
    if (!s.collectiveWaits.available) throw new Error(s.collectiveWaits.reason);
    const g = s.collectiveWaits.groups[0]!;
    const ref = rawWaiting(DDP);
    expect(g.matchedInstances).toBe(ref.matched);
    for (const r of [0, 1]) {
      const row = g.perRank.find((x) => x.rank === r)!;
      near(row.waitingNs, ref.waitUs[r]! * 1000);
      near(row.timeNs, ref.timeUs[r]! * 1000);
      near(row.transferringNs + row.waitingNs, row.timeNs);
    }
    const [w0, w1] = [0, 1].map((r) => g.perRank.find((x) => x.rank === r)!.waitingNs);
    expect(w0!).toBeGreaterThan(10 * w1!);
    expect(g.perRank.find((x) => x.rank === 0)!.waitingPct).toBeGreaterThan(50);
    expect(g.top[0]!.lastToArrive).toBe(1);
  });

  const shared = [0, 1].map((r) => sharedTrace(`multi-gpu/ddp-2gpu-rank${r}.json.gz`));
  it.skipIf(shared.includes(null))("shared DDP pair (no straggler injected): waiting per rank equals the raw recomputation", async () => {
    const paths = shared as string[];
    const s = await summarize(paths);
    if (!s.collectiveWaits.available) throw new Error(s.collectiveWaits.reason);
    const g = s.collectiveWaits.groups[0]!;
    const ref = rawWaiting(paths);
    for (const r of [0, 1]) near(g.perRank.find((x) => x.rank === r)!.waitingNs, ref.waitUs[r]! * 1000);
  });
});

describe("all-to-all sizes and imbalance (fixtures/distributed/ep2-moe-a2a-*)", () => {
  it("sent/received bytes per rank and max/mean imbalance equal the raw In/Out split args", async () => {
    const paths = pair("ep2-moe-a2a");
    const s = await summarize(paths);
    if (!s.collectiveWaits.available) throw new Error(s.collectiveWaits.reason);
    const a = s.collectiveWaits.allToAll[0]!;
    const received: number[] = [];
    for (const [r, path] of paths.entries()) {
      const w = rawWindow(readRaw(path));
      let total = 0;
      let fromOthers = 0;
      let instances = 0;
      for (const e of w.comm.filter((x) => x.args?.["Collective name"] === "all_to_allv")) {
        instances++;
        const out = Number(e.args!["Out msg nelems"]);
        const split = JSON.parse(String(e.args!["Out split size"])) as number[];
        const elem = ELEMENT[String(e.args!["dtype"])]!;
        total += out * elem;
        // rows from each peer; an empty split list means equal parts
        const parts = split.length === 2 ? split.map((x) => (x * out) / split.reduce((p, q) => p + q, 0)) : [out / 2, out / 2];
        fromOthers += parts[1 - r]! * elem;
      }
      const row = a.perRank.find((x) => x.rank === r)!;
      expect(row.instances).toBe(instances);
      near(row.receivedBytes, total);
      near(row.receivedFromOthersBytes, fromOthers);
      received.push(total);
    }
    const mean = (received[0]! + received[1]!) / 2;
    near(a.receivedImbalance * 1e6, (Math.max(...received) / mean) * 1e6);
    expect(a.receivedImbalance).toBeGreaterThan(1.05); // the splits are uneven on purpose
    expect(a.worstInstanceImbalance!).toBeGreaterThanOrEqual(a.receivedImbalance);
  });
});

describe("pipeline bubbles (fixtures/distributed/pp2-1f1b-m{4,8})", () => {
  const stagesOf = async (m: number) => {
    const s = await summarize(pair(`pp2-1f1b-m${m}`));
    if (!s.pipeline.available) throw new Error(s.pipeline.reason);
    return s.pipeline.stages;
  };

  for (const m of [4, 8]) {
    it(`m=${m}: bubble = P2P kernel time without compute, per stage, equals the raw recomputation; schedule 1F1B with m forward and m backward`, async () => {
      const stages = await stagesOf(m);
      expect(stages.map((x) => [x.rank, x.stage, x.stages])).toEqual([
        [0, 0, 2],
        [1, 1, 2],
      ]);
      for (const st of stages) {
        const raw = readRaw(pair(`pp2-1f1b-m${m}`)[st.rank!]!);
        const w = rawWindow(raw);
        const row = st.steps[0]!;
        const bubbleUs = minusUs(clipped(w, w.comm), clipped(w, w.compute));
        near(row.bubbleNs, bubbleUs * 1000);
        near(row.bubblePct * 1e3, ((100 * bubbleUs) / (w.end - w.start)) * 1e3);
        // micro-batches from the P2P ops: stage 0 sends activations and receives gradients, stage 1 the reverse
        const ops = (kind: string) => raw.traceEvents.filter((e) => e.name === "record_param_comms" && e.args?.["Collective name"] === kind && e.ts! >= w.start && e.ts! < w.end).length;
        expect([row.forward, row.backward]).toEqual([ops(st.stage === 0 ? "send" : "recv"), ops(st.stage === 0 ? "recv" : "send")]);
        expect(row.forward).toBe(m);
        // 1F1B on 2 stages: stage 0 runs one warm-up forward; stage 1 alternates from the start
        const expected = st.stage === 0 ? ["F", ...Array.from({ length: m - 1 }, () => "F B"), "B"].join(" ") : Array.from({ length: m }, () => "F B").join(" ");
        expect(row.schedule).toBe(expected);
        near(row.idealBubblePct! * 1e6, ((100 * (2 - 1)) / (m + 2 - 1)) * 1e6);
        expect(row.bubblePct).toBeLessThanOrEqual(row.noComputePct);
      }
    });
  }

  it("the bubble fraction of every stage falls from m=4 to m=8, as the 1F1B ideal does (20% -> 11.1%)", async () => {
    const [m4, m8] = await Promise.all([stagesOf(4), stagesOf(8)]);
    for (const stage of [0, 1]) expect(m8[stage]!.steps[0]!.bubblePct).toBeLessThan(m4[stage]!.steps[0]!.bubblePct);
  });

  it("no PP group: the section says why", async () => {
    const s = await summarize(pair("tp2"));
    expect(s.pipeline.available).toBe(false);
  });
});

describe("Nsight Systems (no collective args): groups by NCCL stream (fixtures/nsys/nsys-l2-ddp-2gpu)", () => {
  const tmp = mkdtempSync(join(tmpdir(), "llmprof-pg-nsys-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("every NCCL kernel of each rank is in exactly one stream group; the counts per stream equal an SQL recount; DDP's bucket all-reduces give DP", async () => {
    const path = fixture("nsys/nsys-l2-ddp-2gpu.sqlite.gz");
    const plain = join(tmp, "ddp.sqlite");
    writeFileSync(plain, gunzipSync(readFileSync(path)));
    const db = new Database(plain, { readonly: true });
    // per process (pid order = rank order here) and stream: NCCL kernels of the whole report
    const rows = db
      .prepare(
        "SELECT (k.globalPid >> 24) & 16777215 pid, k.streamId stream, count(*) n FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.demangledName WHERE s.value LIKE 'ncclDevKernel_%' GROUP BY pid, stream ORDER BY pid, stream",
      )
      .all() as { pid: number; stream: number; n: number }[];
    db.close();
    const s = analyzeModels(await loadTraces([path]));
    if (!s.processGroups.available) throw new Error(s.processGroups.reason);
    expect(s.processGroups.kernelCount).toBe(rows.reduce((a, r) => a + r.n, 0));
    expect(s.processGroups.groups.every((g) => g.source === "stream")).toBe(true);
    const pids = [...new Set(rows.map((r) => r.pid))];
    // kernels in the window per rank and group: at most the report's per stream, and every window kernel counted once
    for (const g of s.processGroups.groups) {
      const stream = Number(g.id.replace("stream ", ""));
      for (const r of g.perRank) {
        const ref = rows.find((x) => x.pid === pids[r.rank!] && x.stream === stream);
        expect(ref, `${g.id} rank ${r.rank}`).toBeDefined();
        expect(r.kernels).toBeLessThanOrEqual(ref!.n);
      }
    }
    const busy = s.processGroups.groups.filter((g) => g.perRank.length > 0);
    expect(busy.map((g) => g.label)).toEqual(["DP"]);
  });
});

describe("findings on parallelism", () => {
  const findingOf = (s: Summary, id: string) => (s.findings.available ? s.findings.findings.find((f) => f.id === id) : undefined);
  const passed = (s: Summary, id: string) => (s.findings.available ? s.findings.passed.includes(id) : false);

  it("pipeline-bubble fires on PP=2 m=4 (cost = stage 0's bubble above the 1F1B ideal, from the raw JSON) and stays silent above a raised threshold", async () => {
    const paths = pair("pp2-1f1b-m4");
    const f = findingOf(await summarize(paths), "pipeline-bubble")!;
    const w = rawWindow(readRaw(paths[0]!));
    const bubbleUs = minusUs(clipped(w, w.comm), clipped(w, w.compute));
    near(f.costNs!, (bubbleUs - (1 / 5) * (w.end - w.start)) * 1000);
    expect(f.section).toBe("parallelism");
    const high = await summarize(paths, configFromObject({ findings: { thresholds: { "pipeline-bubble.minExcessPct": 50 } } }, "t.yml"));
    expect(findingOf(high, "pipeline-bubble")).toBeUndefined();
    expect(passed(high, "pipeline-bubble")).toBe(true);
    // the exposed-communication finding calls the P2P waits a bubble, not a straggler
    expect(findingOf(await summarize(paths), "exposed-communication")!.summary).toContain("pipeline-bubble");
  });

  it("all-to-all-imbalance fires on the MoE run (the rank receiving most is named), is silent above a raised threshold and not evaluated on DDP (no all-to-all)", async () => {
    const f = findingOf(await summarize(pair("ep2-moe-a2a")), "all-to-all-imbalance")!;
    const high = await summarize(pair("ep2-moe-a2a"), configFromObject({ findings: { thresholds: { "all-to-all-imbalance.minImbalance": 2 } } }, "t.yml"));
    expect(passed(high, "all-to-all-imbalance")).toBe(true);
    // received bytes per rank from the raw kernels' args: max / mean, and the rank that receives most
    const received = pair("ep2-moe-a2a").map((p) => {
      const w = rawWindow(readRaw(p));
      return w.comm.filter((e) => e.args?.["Collective name"] === "all_to_allv").reduce((a, e) => a + Number(e.args!["Out msg nelems"]) * ELEMENT[String(e.args!["dtype"])]!, 0);
    });
    const top = received.indexOf(Math.max(...received));
    expect(f.summary).toContain(`rank ${top} receives ${(Math.max(...received) / ((received[0]! + received[1]!) / 2)).toFixed(2)}x`);
    const ddp = await summarize(DDP);
    expect(findingOf(ddp, "all-to-all-imbalance")).toBeUndefined();
  });
});

describe("a group description that names its dimension (a real trace minimally edited: no recording has a DeviceMesh)", () => {
  const tmp = mkdtempSync(join(tmpdir(), "llmprof-pg-desc-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("TP=2 with its process group described as DeviceMesh's mesh_dp_replicate: the description decides (DP), over the operations (TP)", async () => {
    const paths = pair("tp2").map((p, r) => {
      const text = gunzipSync(readFileSync(p)).toString("utf8").replaceAll('"Process Group Description": "default_pg"', '"Process Group Description": "mesh_dp_replicate"');
      const out = join(tmp, `tp2-desc-rank${r}.json`);
      writeFileSync(out, text);
      return out;
    });
    const g = groups(await summarize(paths))[0]!;
    expect([g.description, g.label]).toEqual(["mesh_dp_replicate", "DP"]);
    expect(g.labelReason).toContain("description");
  });
});

describe("summary.json stays small", () => {
  it("the parallelism sections hold figures and bounded drawing data, not the matched kernels", async () => {
    const s = await summarize(DDP);
    if (!s.collectiveWaits.available) throw new Error(s.collectiveWaits.reason);
    expect(Object.keys(s.collectiveWaits.groups[0]!).sort()).toEqual(["group", "label", "matchedInstances", "mismatchedInstances", "perRank", "ranks", "top", "unmatchedKernels"]);
    expect(s.collectiveWaits.groups[0]!.top.length).toBeLessThanOrEqual(10);
  });
});
