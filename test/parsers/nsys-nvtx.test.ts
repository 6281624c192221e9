/** NVTX text classification and the small pure helpers of the nsys mapping. */
import { describe, expect, it } from "vitest";
import { NvtxText, isModuleName, parseNvtxText } from "../../parsers/nsys-nvtx.js";
import { memcpyName, ncclCollective, pidOf, processOf, rankVariables } from "../../parsers/nsys-common.js";
import { CpuKind } from "../../src/model/tables.js";

const parse = (s: string) => ({ ...parseNvtxText(s, new NvtxText()) });

describe("parseNvtxText", () => {
  it("reads emit_nvtx operator ranges: name, seq, sizes", () => {
    expect(parse("aten::mm, seq = 123, op_id = 45, sizes = [[2, 350, 2048], [2048, 5632]], input_op_ids = [(40,0), (41,0)]")).toMatchObject({
      name: "aten::mm",
      kind: CpuKind.Op,
      seq: 123,
      sizes: "[[2, 350, 2048], [2048, 5632]]",
      backward: false,
    });
    expect(parse("aten::ones_like, op_id = 1")).toMatchObject({ name: "aten::ones_like", kind: CpuKind.Op, seq: NaN, sizes: null });
    expect(parse("detach, op_id = 7")).toMatchObject({ name: "detach", kind: CpuKind.Op });
  });

  it("marks backward nodes (not their evaluate_function wrappers)", () => {
    expect(parse("PowBackward0, seq = 3300, op_id = 14093, sizes = [[2, 350, 2048]], input_op_ids = [(14090,0)]")).toMatchObject({ name: "PowBackward0", kind: CpuKind.Op, seq: 3300, backward: true });
    expect(parse("autograd::engine::evaluate_function: PowBackward0, op_id = 14092")).toMatchObject({ kind: CpuKind.Op, backward: false });
  });

  it("keeps steps and record_function scopes as annotations, module names as modules", () => {
    expect(parse("ProfilerStep#7")).toMatchObject({ name: "ProfilerStep#7", kind: CpuKind.Annotation });
    expect(parse("Optimizer.step#AdamW.step, op_id = 14454")).toMatchObject({ name: "Optimizer.step#AdamW.step", kind: CpuKind.Annotation });
    expect(parse("generate")).toMatchObject({ kind: CpuKind.Annotation });
    expect(parse("nn.Module: LlamaMLP_3")).toMatchObject({ name: "nn.Module: LlamaMLP_3", kind: CpuKind.Module });
    expect(parse("LlamaDecoderLayer")).toMatchObject({ kind: CpuKind.Module });
    expect(parse("model.layers.3.mlp")).toMatchObject({ kind: CpuKind.Module });
    expect(parse("ncclAllReduce")).toMatchObject({ kind: CpuKind.Annotation });
  });
});

describe("isModuleName", () => {
  it("accepts dotted module paths and rejects look-alikes", () => {
    for (const yes of ["model.layers.3.self_attn", "model.layers.0", "layers.12", "a.b.c", "model.embed_tokens.weight"]) expect(isModuleName(yes), yes).toBe(true);
    for (const no of ["model.norm", "a.", ".a.b", "a..b.c", "Model.layers.0", "model.layers.3 x", "torch.nn.functional(1)"]) expect(isModuleName(no), no).toBe(false);
  });

  it("takes time linear in the text length (long numeric dotted texts once took seconds)", () => {
    const timeOf = (n: number) => {
      const texts = [0, 1, 2].map((k) => "a" + ".1".repeat(n) + " x".repeat(k + 1));
      const t0 = performance.now();
      for (const t of texts) expect(isModuleName(t)).toBe(false);
      return performance.now() - t0;
    };
    timeOf(2000); // warm up the JIT
    // best of three: the load of other processes only ever adds time
    const best = (n: number) => Math.min(timeOf(n), timeOf(n), timeOf(n));
    const small = Math.max(best(10_000), 2);
    const large = best(40_000);
    // 4x the text: linear ~4x, quadratic ~16x
    expect(large / small).toBeLessThan(10);
  });
});

describe("nsys helpers", () => {
  it("splits serialized global ids", () => {
    expect(pidOf(281499471447476)).toBe(1460);
    expect(processOf(281499471447476)).toBe(281499471446016);
  });

  it("names copies like Kineto and reads NCCL kernel names", () => {
    expect(memcpyName(8, 2, 2)).toBe("Memcpy DtoD (Device -> Device)");
    expect(memcpyName(1, 0, 2)).toBe("Memcpy HtoD (Pageable -> Device)");
    expect(ncclCollective("ncclDevKernel_AllReduce_Sum_bf16_RING_LL(ncclDevKernelArgsStorage<(unsigned long)4096>)")).toEqual({ collective: "allreduce", dtype: "bf16" });
    expect(ncclCollective("ncclDevKernel_Broadcast_RING_LL(x)")).toEqual({ collective: "broadcast", dtype: null });
    expect(ncclCollective("void at::native::elementwise_kernel")).toBeNull();
  });

  it("reads only RANK, WORLD_SIZE and LOCAL_RANK from an environment block", () => {
    const env = ["LOCAL_RANK=1", "SECRET=hunter2", "WORLD_SIZE=2", "GROUP_RANK=0", "RANK=1", "X_RANK=9"].join("\0");
    expect(rankVariables(env)).toEqual({ rank: 1, worldSize: 2, localRank: 1 });
    expect(rankVariables("RANK=0\0WORLD_SIZE=4")).toEqual({ rank: 0, worldSize: 4, localRank: null });
    expect(rankVariables("PATH=/bin")).toEqual({ rank: null, worldSize: null, localRank: null });
  });
});
