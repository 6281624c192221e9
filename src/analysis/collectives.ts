/**
 * Collective communication, per collective type: count, time, bytes and
 * bandwidth. The type, dtype and element counts come from the collective args
 * Kineto records on NCCL kernels (`Collective name`, `In/Out msg nelems`,
 * `dtype`, `Group size`); without them (Nsight), from the kernel name
 * (ncclDevKernel_AllReduce_Sum_bf16_RING_LL: type, dtype, algorithm, protocol).
 *   bytes            max(in, out) elements × element size
 *   algBandwidth     bytes / kernel time
 *   busBandwidth     algBandwidth × factor (NCCL's convention, n = group size):
 *                    allreduce 2(n-1)/n; allgather, reducescatter, alltoall (n-1)/n;
 *                    broadcast, reduce, send/recv 1
 */
import type { TraceModel } from "../model/tables.js";
import { COMMUNICATION } from "./categories.js";
import type { AnalysisContext } from "./context.js";

export interface CollectiveTypeRow {
  collective: string;
  count: number;
  totalNs: number;
  meanNs: number;
  /** null when the trace does not record message sizes. */
  bytes: number | null;
  algBandwidthGBps: number | null;
  busBandwidthGBps: number | null;
  groupSize: number | null;
  dtypes: string[];
  algorithms: string[];
}

export interface CollectivesResult {
  source: "collective-args" | "kernel-names";
  types: CollectiveTypeRow[];
  totalNs: number;
  count: number;
}

const ELEMENT_BYTES: Record<string, number> = {
  bfloat16: 2,
  bf16: 2,
  half: 2,
  float16: 2,
  f16: 2,
  float: 4,
  float32: 4,
  f32: 4,
  double: 8,
  float64: 8,
  f64: 8,
  int: 4,
  int32: 4,
  i32: 4,
  long: 8,
  int64: 8,
  i64: 8,
  char: 1,
  byte: 1,
  int8: 1,
  uint8: 1,
  u8: 1,
  i8: 1,
  float8_e4m3fn: 1,
  float8_e5m2: 1,
  f8e4m3: 1,
  f8e5m2: 1,
  bool: 1,
};

/** allreduce, allgather, reducescatter, broadcast, reduce, alltoall, sendrecv... */
export function normalizeCollective(name: string): string {
  const n = name
    .toLowerCase()
    .replace(/^_+|_base$|_into_tensor$|_tensor$|_coalesced$/g, "")
    .replace(/[_\s]/g, "");
  if (n.startsWith("allreduce")) return "allreduce";
  if (n.startsWith("allgather")) return "allgather";
  if (n.startsWith("reducescatter")) return "reducescatter";
  if (n.startsWith("alltoall")) return "alltoall";
  if (n.startsWith("broadcast")) return "broadcast";
  if (n.startsWith("reduce")) return "reduce";
  if (n.includes("sendrecv") || n === "send" || n === "recv") return "sendrecv";
  return n || "unknown";
}

export function busFactor(collective: string, n: number): number {
  if (!(n > 1)) return 1;
  switch (collective) {
    case "allreduce":
      return (2 * (n - 1)) / n;
    case "allgather":
    case "reducescatter":
    case "alltoall":
      return (n - 1) / n;
    default:
      return 1;
  }
}

/** Parses ncclDevKernel_AllReduce_Sum_bf16_RING_LL / ncclKernel_AllReduce_RING_LL_Sum_bfloat16. */
export function parseNcclKernelName(name: string): { collective: string; dtype: string | null; algorithm: string | null } | null {
  const m = /nccl(?:Dev)?Kernel_([A-Za-z]+)(?:_([A-Za-z0-9_]+))?/.exec(name);
  if (!m) return null;
  const parts = (m[2] ?? "").replace(/\(.*$/, "").split("_");
  const algorithm = parts.find((p) => /^(RING|TREE|COLLNET\w*|NVLS\w*|PAT)$/.test(p)) ?? null;
  const dtype = parts.find((p) => ELEMENT_BYTES[p.toLowerCase()] !== undefined) ?? null;
  return { collective: normalizeCollective(m[1]!), dtype, algorithm };
}

export function collectiveBreakdown(ctx: AnalysisContext): CollectivesResult {
  const { model, windowRows, categories } = ctx;
  const rows = new Map<string, { count: number; total: number; bytes: number; sizedTime: number; sized: number; group: number | null; dtypes: Set<string>; algos: Set<string> }>();
  let usedArgs = false;
  let total = 0;
  let count = 0;
  for (let j = 0; j < windowRows.length; j++) {
    const g = windowRows[j]!;
    if (categories[g] !== COMMUNICATION) continue;
    const info = describe(model, g);
    if (info.fromArgs) usedArgs = true;
    const d = model.gpu.end[g]! - model.gpu.start[g]!;
    total += d;
    count++;
    const r = rows.get(info.collective) ?? { count: 0, total: 0, bytes: 0, sizedTime: 0, sized: 0, group: null, dtypes: new Set<string>(), algos: new Set<string>() };
    r.count++;
    r.total += d;
    if (info.bytes !== null) {
      r.bytes += info.bytes;
      r.sizedTime += d;
      r.sized++;
    }
    if (info.groupSize !== null) r.group = info.groupSize;
    if (info.dtype) r.dtypes.add(info.dtype);
    if (info.algorithm) r.algos.add(info.algorithm);
    rows.set(info.collective, r);
  }
  const types: CollectiveTypeRow[] = [...rows].map(([collective, r]) => {
    const alg = r.sized > 0 && r.sizedTime > 0 ? r.bytes / r.sizedTime : null; // bytes per ns = GB/s
    return {
      collective,
      count: r.count,
      totalNs: r.total,
      meanNs: r.total / r.count,
      bytes: r.sized > 0 ? r.bytes : null,
      algBandwidthGBps: alg,
      busBandwidthGBps: alg === null ? null : alg * busFactor(collective, r.group ?? 1),
      groupSize: r.group,
      dtypes: [...r.dtypes],
      algorithms: [...r.algos],
    };
  });
  types.sort((a, b) => b.totalNs - a.totalNs);
  return { source: usedArgs ? "collective-args" : "kernel-names", types, totalNs: total, count };
}

interface CollectiveInfo {
  collective: string;
  bytes: number | null;
  groupSize: number | null;
  dtype: string | null;
  algorithm: string | null;
  fromArgs: boolean;
}

export function describe(model: TraceModel, g: number): CollectiveInfo {
  const { gpu, collectives, strings } = model;
  const name = strings.get(gpu.name[g]!);
  const parsed = parseNcclKernelName(name);
  const c = gpu.collective[g]!;
  if (c >= 0) {
    const dtype = strings.get(collectives.dtype[c]!);
    const elem = ELEMENT_BYTES[dtype.toLowerCase()] ?? (parsed?.dtype ? ELEMENT_BYTES[parsed.dtype.toLowerCase()] : undefined);
    const nelems = Math.max(collectives.inNelems[c]!, collectives.outNelems[c]!);
    const groupSize = collectives.groupSize[c]!;
    return {
      collective: normalizeCollective(strings.get(collectives.name[c]!)),
      bytes: elem !== undefined && Number.isFinite(nelems) ? nelems * elem : null,
      groupSize: groupSize > 0 ? groupSize : null,
      dtype: dtype || parsed?.dtype || null,
      algorithm: parsed?.algorithm ?? null,
      fromArgs: true,
    };
  }
  return { collective: parsed?.collective ?? "unknown", bytes: null, groupSize: null, dtype: parsed?.dtype ?? null, algorithm: parsed?.algorithm ?? null, fromArgs: false };
}
