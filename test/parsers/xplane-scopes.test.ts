/**
 * JAX name scopes as the module table (fixtures/jax/scopes.xplane.pb.gz). The
 * reference is computed from the raw XPlane here, by a second method: decode the
 * XSpace and the jit_loss HLO proto with protobufjs, map the k-th kernel of each
 * execution (correlation id, ordered by start) to the k-th fusion/custom-call of the
 * entry computation, and sum kernel durations (ps) whose op_name contains
 * `/layer_i/` (or `/layer_i/attn/`), split by `transpose(` (backward).
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { parseXPlane } from "../../parsers/xplane.js";
import { XPLANE_PROTO } from "../../parsers/xplane-proto.js";
import { fixture } from "../helpers/paths.js";

const FILE = fixture("jax/scopes.xplane.pb.gz");

// xla/service/hlo.proto field numbers, written out again so the reference does not use the parser's copy
const HLO = `syntax = "proto3";
message M { string op_name = 2; }
message I { string name = 1; string opcode = 2; M metadata = 7; }
message C { string name = 1; repeated I instructions = 2; }
message Mod { string entry_computation_name = 2; repeated C computations = 3; }
message P { Mod hlo_module = 1; }`;

interface RawKernel {
  name: string;
  durNs: number;
  opName: string | undefined;
}

function rawKernels(): RawKernel[] {
  const XSpace = protobuf.parse(XPLANE_PROTO).root.lookupType("tensorflow.profiler.XSpace");
  const space = XSpace.toObject(XSpace.decode(gunzipSync(readFileSync(FILE))), { longs: Number, bytes: Buffer }) as any;
  const meta = space.planes.find((p: any) => p.name === "/host:metadata");
  const metaStat = new Map<number, string>(Object.values<any>(meta.statMetadata).map((m) => [m.id, m.name]));
  const program = Object.values<any>(meta.eventMetadata).find((m) => m.name.startsWith("jit_loss("));
  const hloBytes = program.stats.find((s: any) => metaStat.get(s.metadataId) === "Hlo Proto").bytesValue;
  const P = protobuf.parse(HLO).root.lookupType("P");
  const hlo = P.toObject(P.decode(hloBytes)) as any;
  const entry = hlo.hloModule.computations.find((c: any) => c.name === hlo.hloModule.entryComputationName);
  const sequence: any[] = entry.instructions.filter((i: any) => ["fusion", "custom-call"].includes(i.opcode));
  const gpu = space.planes.find((p: any) => p.name === "/device:GPU:0");
  const gpuStat = new Map<number, string>(Object.values<any>(gpu.statMetadata).map((m) => [m.id, m.name]));
  const byRun = new Map<number, { start: number; name: string; durNs: number }[]>();
  for (const line of gpu.lines)
    for (const e of line.events) {
      const corr = e.stats.find((s: any) => gpuStat.get(s.metadataId) === "correlation_id");
      const run = Number(corr.int64Value ?? corr.uint64Value);
      const list = byRun.get(run) ?? [];
      list.push({ start: line.timestampNs * 1000 + e.offsetPs, name: gpu.eventMetadata[e.metadataId].name, durNs: e.durationPs / 1000 });
      byRun.set(run, list);
    }
  const out: RawKernel[] = [];
  const seqNames = sequence.map((i) => i.name.split(".").join("_") as string);
  let checked = 0;
  for (const list of byRun.values()) {
    const perName = new Map<string, number>();
    for (const k of list) perName.set(k.name, (perName.get(k.name) ?? 0) + 1);
    expect(list.length).toBe(sequence.length);
    list
      .sort((a, b) => a.start - b.start)
      .forEach((k, i) => {
        // the order holds: a kernel launched once per run and named like an instruction sits at its position
        if (perName.get(k.name) === 1 && seqNames.includes(k.name)) {
          expect(seqNames[i], k.name).toBe(k.name);
          checked++;
        }
        out.push({ name: k.name, durNs: k.durNs, opName: sequence[i].metadata?.opName || undefined });
      });
  }
  expect(checked).toBeGreaterThan(30);
  return out;
}

describe("JAX name scopes become the module table", () => {
  it("kernel time per scope (each layer_i and layer_i/attn, forward and backward) matches the raw XPlane", () => {
    const raw = rawKernels();
    const s = analyzeModels([parseXPlane(FILE)]);
    if (!s.modules.available) throw new Error(`modules unavailable: ${s.modules.reason}`);
    const m = s.modules;
    expect(m.source).toBe("name scopes");
    expect(m.kernelTotalNs).toBeCloseTo(
      raw.reduce((a, k) => a + k.durNs, 0),
      0,
    );
    const sum = (re: RegExp, backward: boolean) => raw.filter((k) => k.opName && re.test(k.opName) && k.opName.includes("transpose(") === backward).reduce((a, k) => a + k.durNs, 0);
    for (const i of [0, 1, 2, 3]) {
      for (const [path, re] of [
        [`transformer/layer_${i}`, new RegExp(`/layer_${i}/`)],
        [`transformer/layer_${i}/attn`, new RegExp(`/layer_${i}/attn/`)],
      ] as const) {
        const row = m.instances.find((r) => r.path === path);
        const fwd = sum(re, false);
        const bwd = sum(re, true);
        if (fwd + bwd === 0) {
          expect(row, path).toBeUndefined();
          continue;
        }
        expect(row, path).toBeDefined();
        expect(row!.forwardNs, `${path} forward`).toBeCloseTo(fwd, 0);
        expect(row!.backwardNs, `${path} backward`).toBeCloseTo(bwd, 0);
      }
    }
    // not a vacuous comparison: backward layer work exists and is found
    expect(sum(/\/layer_\d\//, true)).toBeGreaterThan(0);
    expect(sum(/\/layer_\d\//, false)).toBeGreaterThan(0);
    expect(m.instances.filter((r) => /^transformer\/layer_\d$/.test(r.path) && r.backwardNs > 0).length).toBeGreaterThan(0);
    // kernels with no op_name (library gemms named by cuBLAS) are the one unattributed line
    const unnamed = raw.filter((k) => !k.opName);
    expect(m.unattributed.map((u) => u.count)).toEqual([unnamed.length]);
    expect(m.attributedNs + m.unattributed[0]!.totalNs).toBeCloseTo(m.kernelTotalNs, 0);
    const selfSum = m.instances.reduce((a, r) => a + r.selfNs, 0);
    expect(selfSum).toBeCloseTo(m.attributedNs, 0);
  });
});
