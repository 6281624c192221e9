/**
 * One reading of an aten::embedding call's `Input Dims` (src/analysis/shapes.ts),
 * used by throughput, inference and compare: the three used to parse it apart and
 * disagreed on ids of more than two dims (inference: no shape; throughput: batch ×
 * product of the rest). Expected values are read off the dims by hand, and the
 * callers are checked against the raw JSON of a fixture.
 */
import { describe, expect, it } from "vitest";
import { embeddingShape } from "../../src/analysis/shapes.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { compareSummaries } from "../../src/analysis/compare.js";
import { parseKineto } from "../../parsers/kineto.js";
import { fixture } from "../helpers/paths.js";
import { readRaw } from "../helpers/raw.js";

describe("embeddingShape", () => {
  it("reads the table and the ids' batch × tokens", () => {
    expect(embeddingShape("[[32000, 2048], [8, 512]]")).toEqual({ table: [32000, 2048], batch: 8, tokens: 512 });
    // 1-D ids: one sequence
    expect(embeddingShape("[[32000, 2048], [7]]")).toEqual({ table: [32000, 2048], batch: 1, tokens: 7 });
    // 3-D ids: batch, then every other dim counts tokens (2 × 4 × 8 → batch 2, 32 tokens)
    expect(embeddingShape("[[100, 16], [2, 4, 8], [], []]")).toEqual({ table: [100, 16], batch: 2, tokens: 32 });
  });

  it("is null without token ids or on text that is not a dims list", () => {
    expect(embeddingShape("[[32000, 2048]]")).toBeNull();
    expect(embeddingShape("[[32000, 2048], []]")).toBeNull();
    expect(embeddingShape("not json")).toBeNull();
    expect(embeddingShape("{}")).toBeNull();
  });

  it("throughput, inference and compare read the same shape as the raw JSON's first forward embedding", async () => {
    const path = fixture("llama-tiny-infer-bs2.json.gz");
    const raw = readRaw(path);
    const first = raw.traceEvents.filter((e) => e.cat === "cpu_op" && e.name === "aten::embedding").sort((a, b) => a.ts! - b.ts!)[0]!;
    const [table, ids] = first.args!["Input Dims"] as number[][];
    const s = analyzeModels([await parseKineto(path)]);
    if (!s.inference.available) throw new Error(s.inference.reason);
    expect(s.inference.forwards[0]!.batch).toBe(ids![0]);
    expect(s.inference.forwards[0]!.tokens).toBe(ids![1]);
    if (!s.throughput.available) throw new Error(s.throughput.reason);
    expect(s.throughput.ranks[0]!.batchShape).toBe(`${ids![0]} x ${ids![1]}`);
    const c = compareSummaries([{ label: "a", summary: s }]);
    expect(c.runs[0]!.configuration.model).toMatch(new RegExp(`; embedding ${table!.join("×")}$`));
  });
});
