/**
 * The common trace model: struct-of-arrays tables, one row per event.
 * Conventions:
 *  - times are nanoseconds (Float64Array) relative to `TraceMeta.originNs`;
 *  - references to other rows are Int32Array indices, -1 = none;
 *  - strings are StringIndex into `TraceModel.strings`, -1 = none;
 *  - numeric fields a trace may lack are NaN when absent.
 * Every table is sorted by start time (ties: longer first), so a table can be
 * swept once to find nesting and overlaps.
 */
import type { Diagnostic } from "./diagnostics.js";
import type { StringTable } from "./strings.js";

/** Nanoseconds relative to the trace origin. */
export type Ns = number;

export const CpuKind = {
  /** aten / autograd operators (Kineto `cpu_op`, emit_nvtx operator ranges). */
  Op: 0,
  /** user annotations: ProfilerStep#N, Optimizer.step, record_function, NVTX ranges. */
  Annotation: 1,
  /** Python function spans (with_stack). */
  Python: 2,
  /** `nn.Module: Class_k` Python spans (with_stack) or NVTX ranges named after modules. */
  Module: 3,
} as const;
export type CpuKind = (typeof CpuKind)[keyof typeof CpuKind];

export const GpuKind = { Kernel: 0, Memcpy: 1, Memset: 2 } as const;
export type GpuKind = (typeof GpuKind)[keyof typeof GpuKind];

export const RuntimeKind = { Runtime: 0, Driver: 1 } as const;
export type RuntimeKind = (typeof RuntimeKind)[keyof typeof RuntimeKind];

/** CPU-side spans on host threads: operators, annotations, Python functions, modules. */
export interface CpuSliceTable {
  readonly length: number;
  readonly kind: Uint8Array; // CpuKind
  readonly name: Int32Array; // StringIndex
  readonly thread: Int32Array; // row of `threads`
  readonly start: Float64Array; // ns
  readonly end: Float64Array; // ns
  readonly externalId: Float64Array; // Kineto `External id`, NaN none
  readonly seq: Float64Array; // autograd `Sequence number`, NaN none
  readonly fwdThread: Float64Array; // `Fwd thread id` of a backward op, NaN none
  readonly pythonId: Float64Array; // `Python id`, NaN none
  readonly pythonParentId: Float64Array; // `Python parent id`, NaN none
  readonly inputDims: Int32Array; // StringIndex of the `Input Dims` JSON text, -1 none
  readonly inputTypes: Int32Array; // StringIndex of the `Input type` JSON text, -1 none
  readonly flops: Float64Array; // `flops` (with_flops), NaN none
  readonly collective: Int32Array; // row of `collectives`, -1 none
  /** Enclosing slice on the same thread (computed at freeze), -1 for roots. */
  readonly parent: Int32Array;
  /** Nesting depth on its thread, 0 for roots. */
  readonly depth: Int32Array;
}

/** CUDA runtime / driver API calls on host threads. */
export interface RuntimeTable {
  readonly length: number;
  readonly kind: Uint8Array; // RuntimeKind
  readonly name: Int32Array; // StringIndex
  readonly thread: Int32Array;
  readonly start: Float64Array; // ns
  readonly end: Float64Array; // ns
  readonly correlation: Float64Array; // links to GPU activities, NaN none
  readonly externalId: Float64Array; // NaN none
  /** Innermost CPU slice on the same thread enclosing the call (computed), -1 none. */
  readonly cpuParent: Int32Array;
}

/** GPU activities: kernels, memcpy, memset. */
export interface GpuTable {
  readonly length: number;
  readonly kind: Uint8Array; // GpuKind
  readonly name: Int32Array; // StringIndex
  readonly device: Int32Array;
  readonly stream: Int32Array;
  readonly start: Float64Array; // ns
  readonly end: Float64Array; // ns
  readonly correlation: Float64Array; // NaN none
  readonly externalId: Float64Array; // NaN none
  readonly grid: Int32Array; // 3 per row (x, y, z), 0 when unknown
  readonly block: Int32Array; // 3 per row
  readonly registers: Int32Array; // registers per thread, -1 unknown
  readonly sharedMemory: Int32Array; // bytes, -1 unknown
  readonly bytes: Float64Array; // memcpy/memset bytes, NaN none
  readonly collective: Int32Array; // row of `collectives`, -1 none
  /** The runtime call that launched it (by correlation, computed), -1 none. */
  readonly launch: Int32Array;
  /** StringIndex of the JAX/XLA name-scope path (HLO op_name), -1 none; absent for formats without one. */
  readonly scope?: Int32Array;
}

/** GPU-side annotation ranges (Kineto gpu_user_annotation, NVTX projected on GPU). */
export interface RangeTable {
  readonly length: number;
  readonly name: Int32Array;
  readonly device: Int32Array;
  readonly stream: Int32Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
}

/** Arguments of collective communication calls (NCCL kernels, record_param_comms). */
export interface CollectiveTable {
  readonly length: number;
  readonly name: Int32Array; // `Collective name`: allreduce, broadcast...
  readonly dtype: Int32Array;
  readonly inNelems: Float64Array;
  readonly outNelems: Float64Array;
  readonly groupSize: Int32Array; // -1 unknown
  readonly groupName: Int32Array; // `Process Group Name`
  readonly groupDescription: Int32Array;
  readonly groupRanks: Int32Array; // JSON text such as "[0, 1]"
  readonly inSplits: Int32Array; // `In split size` JSON text (rows sent to each peer; all_to_allv), -1 none
  readonly outSplits: Int32Array; // `Out split size` JSON text (rows received from each peer), -1 none
  readonly peer: Int32Array; // `Dst Rank` of a send / `Src Rank` of a recv (group rank), -1 none
}

/** Forward -> backward operator links (fwdbwd flows), resolved to CPU slice rows. */
export interface FwdBwdTable {
  readonly length: number;
  readonly fwd: Int32Array;
  readonly bwd: Int32Array;
}

/** `[memory]` allocator events (profile_memory). */
export interface MemoryTable {
  readonly length: number;
  readonly time: Float64Array; // ns
  readonly thread: Int32Array;
  readonly device: Int32Array; // -1 = CPU
  readonly bytes: Float64Array; // positive: allocation, negative: free
  readonly totalAllocated: Float64Array;
  readonly totalReserved: Float64Array;
}

/** Host threads; GPU activities carry (device, stream) instead. */
export interface ThreadTable {
  readonly length: number;
  readonly pid: Float64Array; // NaN when the trace names the process with a string
  readonly tid: Float64Array;
  readonly name: Int32Array; // thread name, -1 none
}

export interface DeviceInfo {
  readonly id: number;
  readonly name: string;
  readonly totalMemoryBytes?: number;
  readonly computeCapability?: string;
  readonly smCount?: number;
}

export interface TraceMeta {
  /** Detected format id, e.g. "kineto-json". */
  readonly format: string;
  readonly files: readonly string[];
  /** Absolute time of t = 0 in the source clock, in ns, as a decimal string (exceeds 2^53). */
  readonly originNs: string;
  readonly rank: number | null;
  readonly worldSize: number | null;
  readonly devices: readonly DeviceInfo[];
  readonly versions: Readonly<Record<string, string>>;
  /** Profiler options the trace records (with_stack, record_shapes, ...), when known. */
  readonly options: Readonly<Record<string, boolean>>;
  readonly distributed?: Readonly<Record<string, unknown>>;
  readonly traceName?: string;
  /** True when the input was cut short and only part of it was read. */
  readonly partial: boolean;
  /** Events seen per `cat/ph` kind, stored or not. */
  readonly eventCounts: Readonly<Record<string, number>>;
  /** Uncompressed bytes of text (or rows) read. */
  readonly bytesRead: number;
  /**
   * Kinds of sensitive data the input file holds and llmprof did not copy, e.g.
   * "environment variables", "command lines" (Nsight Systems reports), so `info` can warn.
   */
  readonly sensitiveContent?: readonly string[];
}

export interface TraceModel {
  readonly meta: TraceMeta;
  readonly strings: StringTable;
  readonly threads: ThreadTable;
  readonly cpu: CpuSliceTable;
  readonly runtime: RuntimeTable;
  readonly gpu: GpuTable;
  readonly gpuRanges: RangeTable;
  readonly collectives: CollectiveTable;
  readonly fwdbwd: FwdBwdTable;
  readonly memory: MemoryTable;
  readonly diagnostics: readonly Diagnostic[];
}
