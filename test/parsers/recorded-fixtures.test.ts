/**
 * The traces recorded for issues 22 and 24 (tools/record/record_parallel.sh, 2x H200):
 * pipeline (1F1B, m=4 and m=8), tensor and expert parallel Kineto traces per rank, an
 * Nsight Systems export with no NVTX at all, and a JAX XPlane with named scopes. Each is
 * opened with llmprof and checked against facts read from the raw file by a second
 * method (JSON.parse, SQL, the JAX Chrome export).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import type { Summary } from "../../src/analysis/summary.js";
import { GpuKind } from "../../src/model/tables.js";
import { parseKineto } from "../../parsers/kineto.js";
import { loadTraces } from "../../parsers/registry.js";
import { parseXPlane } from "../../parsers/xplane.js";
import { assertModelIntegrity } from "../helpers/integrity.js";
import { fixture } from "../helpers/paths.js";
import { type RawEvent, type RawTrace, isComm, readRaw, referenceSteps } from "../helpers/raw.js";

const tmp = mkdtempSync(join(tmpdir(), "llmprof-recorded-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(1, Math.abs(b) * 1e-3));
const ranks = (stem: string) => [0, 1].map((r) => fixture(`distributed/${stem}-rank${r}.json.gz`));

async function summarize(paths: string[]): Promise<Summary> {
  return analyzeModels(await Promise.all(paths.map((p) => parseKineto(p))));
}

/** NCCL kernels of the profiled steps (first step start .. last step end), from the raw JSON. */
function rawCommInSteps(raw: RawTrace): RawEvent[] {
  const steps = referenceSteps(raw);
  const lo = steps[0]!.start;
  const hi = steps[steps.length - 1]!.end;
  return raw.traceEvents.filter((e) => isComm(e) && e.ts! >= lo && e.ts! < hi);
}

/** llmprof's collective rows of one rank, by collective name: count and total ns. */
function commByType(s: Summary, rank: number): Map<string, { count: number; totalNs: number }> {
  if (!s.collectives.available) throw new Error("collectives unavailable");
  const row = s.collectives.ranks.find((x) => x.rank === rank)!;
  return new Map(row.types.map((t) => [t.collective, { count: t.count, totalNs: t.totalNs }]));
}

/** llmprof's communication kernels of one rank (all collective types) equal the raw NCCL kernels of the steps. */
function expectSameCommTotals(s: Summary, rank: number, raw: RawTrace): void {
  const ref = rawCommInSteps(raw);
  const got = [...commByType(s, rank).values()];
  expect(got.reduce((a, t) => a + t.count, 0)).toBe(ref.length);
  near(
    got.reduce((a, t) => a + t.totalNs, 0),
    ref.reduce((a, e) => a + e.dur! * 1000, 0),
  );
}

describe("pipeline parallel, 2 stages, Schedule1F1B (fixtures/distributed/pp2-1f1b-*)", () => {
  for (const m of [4, 8]) {
    it(`m=${m}: each stage sends m and receives m tensors per step; llmprof's NCCL kernel count and time per rank equal the raw JSON's`, async () => {
      const paths = ranks(`pp2-1f1b-m${m}`);
      const s = await summarize(paths);
      for (const [r, path] of paths.entries()) {
        const raw = readRaw(path);
        expect(referenceSteps(raw).length).toBe(1);
        // 1F1B over 2 stages: per step each stage sends m tensors and receives m (activations
        // forward, gradients backward), recorded as record_param_comms "send"/"recv" ops
        const steps = referenceSteps(raw);
        const p2pOps = (kind: string) =>
          raw.traceEvents.filter((e) => e.name === "record_param_comms" && e.args?.["Collective name"] === kind && e.ts! >= steps[0]!.start && e.ts! < steps[0]!.end).length;
        expect([p2pOps("send"), p2pOps("recv")]).toEqual([m, m]);
        // the NCCL SendRecv kernels carry no "Collective name"; the schedule batches a send with
        // a receive in its steady state, so there are fewer kernels (m + 1 here) than operations
        expect(rawCommInSteps(raw).length).toBe(m + 1);
        expectSameCommTotals(s, r, raw);
      }
    });
  }
});

/** Share of the step window (µs) in which rank's GPU runs no compute kernel (NCCL waits count as idle), from the raw JSON. */
function rawComputeIdleShare(raw: RawTrace): number {
  const st = referenceSteps(raw)[0]!;
  const spans = raw.traceEvents
    .filter((e) => e.cat === "kernel" && !isComm(e) && e.ts! >= st.start && e.ts! < st.end)
    .map((e) => [e.ts!, Math.min(e.ts! + e.dur!, st.end)] as const)
    .sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let cur: [number, number] | null = null;
  for (const [a, b] of spans) {
    if (cur && a <= cur[1]) cur[1] = Math.max(cur[1], b);
    else {
      if (cur) busy += cur[1] - cur[0];
      cur = [a, b];
    }
  }
  if (cur) busy += cur[1] - cur[0];
  return 1 - busy / (st.end - st.start);
}

describe("pipeline bubbles in the recordings (raw JSON only)", () => {
  it("each stage's GPU is idle for a smaller share of the step with m=8 than with m=4 (1F1B ideal: 1/5 -> 1/9)", () => {
    for (const r of [0, 1]) {
      const [m4, m8] = [4, 8].map((m) => rawComputeIdleShare(readRaw(fixture(`distributed/pp2-1f1b-m${m}-rank${r}.json.gz`))));
      expect(m8!, `rank ${r}`).toBeLessThan(m4!);
      expect(m4!).toBeGreaterThan(0);
      expect(m4!).toBeLessThan(1);
    }
  });
});

describe("tensor parallel, TP=2 (fixtures/distributed/tp2-*)", () => {
  it("two all-reduces per decoder layer forward and two backward; llmprof's NCCL counts per rank equal the raw JSON's", async () => {
    const paths = ranks("tp2");
    const s = await summarize(paths);
    for (const [r, path] of paths.entries()) {
      const raw = readRaw(path);
      const allreduce = rawCommInSteps(raw).filter((e) => e.args?.["Collective name"] === "allreduce");
      // 2 decoder layers x (attention o_proj + MLP down_proj) x (forward + backward input grads)
      expect(allreduce.length).toBeGreaterThanOrEqual(2 * 2 * 2);
      expectSameCommTotals(s, r, raw);
    }
  });
});

describe("expert parallel MoE with all_to_all_single (fixtures/distributed/ep2-moe-a2a-*)", () => {
  it("the token all-to-alls have uneven, rank-dependent splits; llmprof's NCCL counts per rank equal the raw JSON's", async () => {
    const paths = ranks("ep2-moe-a2a");
    const s = await summarize(paths);
    const sent: number[][] = [];
    for (const [r, path] of paths.entries()) {
      const raw = readRaw(path);
      const steps = referenceSteps(raw);
      const ops = raw.traceEvents.filter(
        (e) => e.name === "record_param_comms" && e.args?.["Collective name"] === "all_to_allv" && e.args?.["dtype"] === "BFloat16" && e.ts! >= steps[0]!.start && e.ts! < steps[steps.length - 1]!.end,
      );
      const splits = ops.map((e) => JSON.parse(String(e.args!["In split size"])) as number[]);
      expect(splits.length).toBeGreaterThan(0);
      // every token copy goes somewhere: the splits add up to the rows sent
      for (const [i, e] of ops.entries()) expect(splits[i]!.reduce((a, b) => a + b, 0) * 512).toBe(e.args!["In msg nelems"]);
      expect(splits.some((sp) => sp[0] !== sp[1])).toBe(true);
      sent.push(splits[0]!);
      expectSameCommTotals(s, r, raw);
      const a2aKernels = rawCommInSteps(raw).filter((e) => e.args?.["Collective name"] === "all_to_allv").length;
      expect(commByType(s, r).get("alltoall")?.count).toBe(a2aKernels);
    }
    expect(sent[0]).not.toEqual(sent[1]);
  });
});

describe("Nsight Systems with no NVTX at all (fixtures/nsys/nsys-l4-train-nonvtx.sqlite.gz)", () => {
  it("has no NVTX table; llmprof's kernels equal the export's kernel table (count and time)", async () => {
    const path = fixture("nsys/nsys-l4-train-nonvtx.sqlite.gz");
    const plain = join(tmp, "nonvtx.sqlite");
    writeFileSync(plain, gunzipSync(readFileSync(path)));
    const db = new Database(plain, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    const ref = db.prepare("SELECT count(*) n, sum(end - start) t FROM CUPTI_ACTIVITY_KIND_KERNEL").get() as { n: number; t: number };
    const env = db.prepare("SELECT value FROM StringIds WHERE value LIKE '%AWS_%' OR value LIKE '%TOKEN=%'").all();
    db.close();
    expect(tables).not.toContain("NVTX_EVENTS");
    expect(env).toEqual([]);
    const [model] = await loadTraces([path]);
    assertModelIntegrity(model!);
    let n = 0;
    let ns = 0;
    for (let i = 0; i < model!.gpu.length; i++) {
      if (model!.gpu.kind[i] !== GpuKind.Kernel) continue;
      n++;
      ns += model!.gpu.end[i]! - model!.gpu.start[i]!;
    }
    expect(n).toBe(ref.n);
    near(ns, ref.t);
  });
});

describe("JAX with jax.named_scope (fixtures/jax/scopes.*)", () => {
  it("the XPlane holds the scope paths; its kernel total equals the Chrome export's GPU:0 kernels within 1%", () => {
    const pb = gunzipSync(readFileSync(fixture("jax/scopes.xplane.pb.gz"))).toString("latin1");
    for (let l = 0; l < 4; l++) expect(pb).toContain(`transformer)/layer_${l}/attn/`);
    const m = parseXPlane(fixture("jax/scopes.xplane.pb.gz"));
    assertModelIntegrity(m);
    const raw = readRaw(fixture("jax/scopes.trace.json.gz"));
    const gpuPid = raw.traceEvents.find((e) => e.ph === "M" && e.name === "process_name" && e.args?.["name"] === "/device:GPU:0")!.pid;
    const ref = raw.traceEvents.filter((e) => e.ph === "X" && e.pid === gpuPid);
    let ns = 0;
    let n = 0;
    for (let g = 0; g < m.gpu.length; g++) {
      if (m.gpu.kind[g] !== GpuKind.Kernel) continue;
      n++;
      ns += m.gpu.end[g]! - m.gpu.start[g]!;
    }
    expect(n).toBe(ref.length);
    const refNs = ref.reduce((a, e) => a + e.dur!, 0) * 1000;
    expect(Math.abs(ns - refNs)).toBeLessThanOrEqual(refNs * 0.01);
  });
});
