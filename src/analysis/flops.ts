/**
 * FLOPs of an operator call: the `flops` arg when the trace records it
 * (with_flops), else an estimate from its input shapes (record_shapes) for the
 * ops that dominate LLM compute. Conventions follow torch.utils.flop_counter:
 *   mm/addmm (M×K · K×N)          2·M·K·N
 *   bmm/baddbmm (B×M×K · B×K×N)   2·B·M·K·N
 *   SDPA forward (q: B×H×S×D, k: B×H×Sk×D)   4·B·H·S·Sk·D   (no causal discount)
 *   SDPA backward                             8·B·H·S·Sk·D
 * Composite ops (aten::linear, aten::matmul) are not counted: their mm/bmm
 * children are, so a call chain is never counted twice.
 */
import type { TraceModel } from "../model/tables.js";
import { parseDims } from "./shapes.js";

type Dims = number[][];

const SDPA_FORWARD = new Set([
  "aten::_scaled_dot_product_flash_attention",
  "aten::_scaled_dot_product_efficient_attention",
  "aten::_scaled_dot_product_cudnn_attention",
  "aten::_flash_attention_forward",
  "aten::_efficient_attention_forward",
]);
const SDPA_BACKWARD = new Set([
  "aten::_scaled_dot_product_flash_attention_backward",
  "aten::_scaled_dot_product_efficient_attention_backward",
  "aten::_scaled_dot_product_cudnn_attention_backward",
  "aten::_flash_attention_backward",
  "aten::_efficient_attention_backward",
]);

/** Estimated FLOPs from the op name and its `Input Dims`, or NaN when unknown. */
export function estimateFlops(name: string, dims: Dims): number {
  switch (name) {
    case "aten::mm": {
      const [a, b] = dims;
      if (a?.length === 2 && b?.length === 2) return 2 * a[0]! * a[1]! * b[1]!;
      return NaN;
    }
    case "aten::addmm": {
      const [, a, b] = dims;
      if (a?.length === 2 && b?.length === 2) return 2 * a[0]! * a[1]! * b[1]!;
      return NaN;
    }
    case "aten::bmm": {
      const [a, b] = dims;
      if (a?.length === 3 && b?.length === 3) return 2 * a[0]! * a[1]! * a[2]! * b[2]!;
      return NaN;
    }
    case "aten::baddbmm": {
      const [, a, b] = dims;
      if (a?.length === 3 && b?.length === 3) return 2 * a[0]! * a[1]! * a[2]! * b[2]!;
      return NaN;
    }
    default:
      break;
  }
  if (SDPA_FORWARD.has(name)) return attentionFlops(dims[0], dims[1], 4);
  if (SDPA_BACKWARD.has(name)) return attentionFlops(dims[1], dims[2], 8);
  return NaN;
}

function attentionFlops(q: number[] | undefined, k: number[] | undefined, factor: number): number {
  if (q?.length !== 4 || k?.length !== 4) return NaN;
  const [b, h, s, d] = q as [number, number, number, number];
  const sk = k[2]!;
  return factor * b * h * s * sk * d;
}

export interface SliceFlops {
  /** Per CPU slice row, NaN when unknown. Shared by every caller: read it, never write it. */
  readonly flops: Float64Array;
  readonly recorded: number;
  readonly estimated: number;
}

// the operators and efficiency sections both read it: computed once per model
const computed = new WeakMap<TraceModel, SliceFlops>();

/** FLOPs per CPU slice row (NaN when unknown), and how many were recorded or estimated. */
export function flopsPerSlice(model: TraceModel): SliceFlops {
  let result = computed.get(model);
  if (!result) computed.set(model, (result = countFlops(model)));
  return result;
}

function countFlops(model: TraceModel): SliceFlops {
  const { cpu, strings } = model;
  const out = new Float64Array(cpu.length).fill(NaN);
  const dimsCache = new Map<number, Dims | null>();
  const nameCache = new Map<number, boolean>();
  let recorded = 0;
  let estimated = 0;
  for (let i = 0; i < cpu.length; i++) {
    const f = cpu.flops[i]!;
    if (!Number.isNaN(f)) {
      out[i] = f;
      recorded++;
      continue;
    }
    const nameId = cpu.name[i]!;
    let candidate = nameCache.get(nameId);
    if (candidate === undefined) {
      const nm = strings.get(nameId);
      candidate = /^aten::(mm|addmm|bmm|baddbmm)$/.test(nm) || SDPA_FORWARD.has(nm) || SDPA_BACKWARD.has(nm);
      nameCache.set(nameId, candidate);
    }
    if (!candidate || cpu.inputDims[i]! < 0) continue;
    const dimsId = cpu.inputDims[i]!;
    let dims = dimsCache.get(dimsId);
    if (dims === undefined) {
      dims = parseDims(strings.get(dimsId));
      dimsCache.set(dimsId, dims);
    }
    if (!dims) continue;
    const e = estimateFlops(strings.get(nameId), dims);
    if (Number.isFinite(e)) {
      out[i] = e;
      estimated++;
    }
  }
  return { flops: out, recorded, estimated };
}
