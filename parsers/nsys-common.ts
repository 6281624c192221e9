/**
 * Nsight Systems rows -> trace model. The one mapping shared by the sqlite, JSON, Arrow and
 * Parquet readers: they call the methods below with plain numbers and strings (no row
 * objects), and `finish()` returns one TraceModel per process that launched GPU work.
 *
 * Facts this relies on (nsys 2025.3 exports, checked on ../shared/traces):
 *  - times are integer ns on the session clock; the models keep that clock (originNs is
 *    session-relative), so the ranks of one report share a time axis;
 *  - globalTid = globalPid + tid, with pid in bits 24..47 and tid in bits 0..23;
 *  - GPU rows carry the launching process's globalPid; runtime and NVTX rows a globalTid;
 *  - correlation ids are unique per process: runtime call <-> GPU activity;
 *  - string ids index StringIds (the JSON export's first line), which also holds the
 *    processes' environment blocks (NUL-separated): only RANK / WORLD_SIZE / LOCAL_RANK are
 *    ever read from them, nothing of them reaches the model;
 *  - NVTX domain ids are per process (domain 1 is "cuBLAS" in one report, "NCCL" in another).
 */
import { TraceBuilder, type GpuRow } from "../src/model/builder.js";
import type { DiagnosticId } from "../src/model/diagnostics.js";
import { CpuKind, GpuKind, RuntimeKind, type DeviceInfo, type TraceModel } from "../src/model/tables.js";
import { NvtxText, parseNvtxText } from "./nsys-nvtx.js";
import { DEFAULT_MAX_RANKS, PROCESSES_PER_RANK, processesOverLimit, ranksOverLimit } from "../src/model/limits.js";

const TID_SPAN = 2 ** 24;

/** pid of a serialized globalTid / globalPid. */
export function pidOf(globalId: number): number {
  return Math.floor(globalId / TID_SPAN) % TID_SPAN;
}

/** The globalPid of the process a globalTid belongs to. */
export function processOf(globalTid: number): number {
  return globalTid - (globalTid % TID_SPAN);
}

/** Kinds of sensitive data an nsys report may carry (`TraceMeta.sensitiveContent`). */
export const SENSITIVE = {
  env: "environment variables",
  commandLines: "command lines",
  workDirs: "working directories",
  output: "process output (stdout/stderr)",
} as const;

/** NSYS event types of NVTX_EVENTS rows (ENUM_NSYS_EVENT_TYPE). */
export const NvtxEventType = {
  Category: 33,
  Mark: 34,
  PushPop: 59,
  StartEnd: 60,
  PushPopT: 70,
  StartEndT: 71,
  DomainCreate: 75,
} as const;

// CUPTI enums as nsys exports them (ENUM_CUDA_MEMCPY_OPER / ENUM_CUDA_MEM_KIND); the JSON
// export has no enum tables, so they are fixed here. Names follow Kineto's spelling.
const COPY_KIND = ["Unknown", "HtoD", "DtoH", "HtoA", "AtoH", "AtoA", "AtoD", "DtoA", "DtoD", "HtoH", "PtoP", "HtoD (UVM)", "DtoH (UVM)", "DtoD (UVM)"];
const MEM_KIND = ["Pageable", "Pinned", "Device", "Array", "Managed", "Device Static", "Managed Static", "Unknown"];

function memKindName(k: number): string {
  return MEM_KIND[k] ?? "Unknown";
}

/** `Memcpy DtoD (Device -> Device)`, as Kineto names it. */
export function memcpyName(copyKind: number, src: number, dst: number): string {
  const kind = COPY_KIND[copyKind] ?? "Unknown";
  return Number.isNaN(src) || Number.isNaN(dst) ? `Memcpy ${kind}` : `Memcpy ${kind} (${memKindName(src)} -> ${memKindName(dst)})`;
}

export function memsetName(memKind: number): string {
  return Number.isNaN(memKind) ? "Memset" : `Memset (${memKindName(memKind)})`;
}

/** ncclDevKernel_AllReduce_Sum_bf16_RING_LL(...) -> {collective: "allreduce", dtype: "bf16"}. */
export function ncclCollective(kernelName: string): { collective: string; dtype: string | null } | null {
  const m = /^(?:void )?nccl(?:Dev)?Kernel_([A-Za-z]+)(?:_(?:Sum|Prod|Max|Min|Avg|PreMulSum|SumPostDiv))?(?:_([a-z]+\d*))?/.exec(kernelName);
  if (!m) return null;
  const dtype = m[2] && /^(bf16|f16|f32|f64|f8e4m3|f8e5m2|i8|u8|i32|u32|i64|u64)$/.test(m[2]) ? m[2] : null;
  return { collective: m[1]!.toLowerCase(), dtype };
}

/** RANK / WORLD_SIZE / LOCAL_RANK of a NUL-separated environment block; nothing else is read. */
export function rankVariables(env: string): { rank: number | null; worldSize: number | null; localRank: number | null } {
  const read = (name: string): number | null => {
    const key = `${name}=`;
    let at = env.startsWith(key) ? 0 : env.indexOf(`\0${key}`);
    if (at < 0) return null;
    if (at > 0 || !env.startsWith(key)) at += 1;
    const end = env.indexOf("\0", at);
    const v = env.slice(at + key.length, end < 0 ? env.length : end);
    return /^\d+$/.test(v) ? Number(v) : null;
  };
  return { rank: read("RANK"), worldSize: read("WORLD_SIZE"), localRank: read("LOCAL_RANK") };
}

interface PendingRange {
  thread: number;
  start: number;
  name: number;
  kind: CpuKind;
  seq: number;
  dims: number;
}

/** Everything kept per process while reading. */
class Process {
  readonly builder: TraceBuilder;
  readonly threads = new Map<number, number>();
  readonly kernelNames = new Map<number, number>();
  readonly runtimeNames = new Map<number, number>();
  readonly collectives = new Map<number, { name: number; dtype: number } | null>();
  readonly fixedNames = new Map<number, number>();
  readonly deviceIds = new Set<number>();
  readonly fwdThread = new Map<number, number>();
  readonly fwdStart = new Map<number, number>();
  readonly domains = new Map<number, string>();
  readonly domainRanges = new Map<number, number>();
  readonly pending: PendingRange[] = [];
  readonly counts: Record<string, number> = {};
  gpuRows = 0;
  events = 0;
  sizes = false;
  emitNvtx = false;

  constructor(
    readonly globalPid: number,
    format: string,
    file: string,
  ) {
    this.builder = new TraceBuilder(format, [file]);
  }

  count(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    this.events++;
  }

  thread(globalTid: number): number {
    let t = this.threads.get(globalTid);
    if (t === undefined) {
      t = this.builder.thread(String(globalTid), pidOf(globalTid), globalTid % TID_SPAN);
      this.threads.set(globalTid, t);
    }
    return t;
  }
}

export class NsysSink {
  private strings: (string | undefined)[] = [];
  private stringsLoaded = false;
  private readonly procs = new Map<number, Process>();
  private gpuProcesses = 0;
  private readonly threadNameIds = new Map<number, number>();
  private readonly gpus = new Map<number, DeviceInfo>();
  private readonly versions: Record<string, string> = {};
  private readonly sensitive = new Set<string>();
  private readonly envIds = new Map<number, number>();
  private readonly nvtxText = new NvtxText();
  private readonly diagnostics: { id: DiagnosticId; example: string | undefined; count: number }[] = [];
  private partial = false;
  /** Uncompressed bytes (or rows) read, for meta.bytesRead. */
  bytesRead = 0;

  constructor(
    readonly format: string,
    readonly file: string,
    /** Fan-out bound (src/model/limits.ts): every process costs a model, so a report with thousands stops early. */
    readonly maxRanks = DEFAULT_MAX_RANKS,
  ) {}

  // ---- strings, processes, threads, devices, metadata ------------------------------------

  /** StringIds row. Must come before the rows that name strings. */
  setString(id: number, value: string): void {
    this.strings[id] = value;
    this.stringsLoaded = true;
    if (isEnvironmentBlock(value)) this.flagSensitive(SENSITIVE.env);
  }

  /** The whole string table at once (JSON export: index = id). */
  setStrings(values: string[]): void {
    this.strings = values;
    this.stringsLoaded = true;
    for (const v of values) if (typeof v === "string" && isEnvironmentBlock(v)) this.flagSensitive(SENSITIVE.env);
  }

  get hasStrings(): boolean {
    return this.stringsLoaded;
  }

  private str(id: number): string {
    return this.strings[id] ?? "";
  }

  threadName(globalTid: number, nameId: number): void {
    this.threadNameIds.set(globalTid, nameId);
  }

  get hasThreadNames(): boolean {
    return this.threadNameIds.size > 0;
  }

  /** A process's environment block (a string id): read only for RANK/WORLD_SIZE/LOCAL_RANK. */
  processEnvironment(globalPid: number, envStringId: number): void {
    this.envIds.set(globalPid, envStringId);
    this.flagSensitive(SENSITIVE.env);
  }

  gpu(info: DeviceInfo): void {
    this.gpus.set(info.id, info);
  }

  version(key: string, value: string): void {
    this.versions[key] = value;
  }

  /** A diagnostic for every model; `partial` marks the input as read only in part. */
  diagnose(id: DiagnosticId, example: string | undefined, count = 1, partial = false): void {
    this.diagnostics.push({ id, example, count });
    if (partial) this.partial = true;
  }

  flagSensitive(kind: string): void {
    this.sensitive.add(kind);
  }

  private proc(globalPid: number): Process {
    let p = this.procs.get(globalPid);
    if (p === undefined) {
      if (this.procs.size >= this.maxRanks * PROCESSES_PER_RANK) throw processesOverLimit(this.file, this.procs.size, this.maxRanks);
      p = new Process(globalPid, this.format, this.file);
      this.procs.set(globalPid, p);
    }
    return p;
  }

  // ---- GPU activities -----------------------------------------------------------------------

  kernel(
    start: number,
    end: number,
    device: number,
    stream: number,
    correlation: number,
    globalPid: number,
    nameId: number,
    gridX: number,
    gridY: number,
    gridZ: number,
    blockX: number,
    blockY: number,
    blockZ: number,
    registers: number,
    sharedMemory: number,
  ): void {
    const p = this.gpuProc(globalPid, device);
    const b = p.builder;
    let name = p.kernelNames.get(nameId);
    if (name === undefined) {
      const text = this.str(nameId);
      name = b.strings.intern(text);
      p.kernelNames.set(nameId, name);
      const c = ncclCollective(text);
      p.collectives.set(nameId, c ? { name: b.strings.intern(c.collective), dtype: c.dtype ? b.strings.intern(c.dtype) : -1 } : null);
    }
    const coll = p.collectives.get(nameId);
    const r = b.gpuRow;
    if (coll) {
      b.collectiveRow.name = coll.name;
      b.collectiveRow.dtype = coll.dtype;
      r.collective = b.commitCollective();
    }
    r.kind = GpuKind.Kernel;
    r.name = name;
    fillGpu(r, start, end, device, stream, correlation);
    r.gridX = intOr(gridX, 0);
    r.gridY = intOr(gridY, 0);
    r.gridZ = intOr(gridZ, 0);
    r.blockX = intOr(blockX, 0);
    r.blockY = intOr(blockY, 0);
    r.blockZ = intOr(blockZ, 0);
    r.registers = intOr(registers, -1);
    r.sharedMemory = intOr(sharedMemory, -1);
    b.commitGpu();
    p.count("kernel");
  }

  memcpy(start: number, end: number, device: number, stream: number, correlation: number, globalPid: number, bytes: number, copyKind: number, srcKind: number, dstKind: number): void {
    const p = this.gpuProc(globalPid, device);
    const key = 1_000_000 + (copyKind & 0xff) * 4096 + (Number.isNaN(srcKind) ? 255 : srcKind & 0xff) * 16 + (Number.isNaN(dstKind) ? 15 : dstKind & 0xf);
    const r = p.builder.gpuRow;
    r.kind = GpuKind.Memcpy;
    r.name = this.fixedName(p, key, () => memcpyName(copyKind, srcKind, dstKind));
    fillGpu(r, start, end, device, stream, correlation);
    r.bytes = bytes;
    p.builder.commitGpu();
    p.count("gpu_memcpy");
  }

  memset(start: number, end: number, device: number, stream: number, correlation: number, globalPid: number, bytes: number, memKind: number): void {
    const p = this.gpuProc(globalPid, device);
    const r = p.builder.gpuRow;
    r.kind = GpuKind.Memset;
    r.name = this.fixedName(p, 2_000_000 + (Number.isNaN(memKind) ? 255 : memKind & 0xff), () => memsetName(memKind));
    fillGpu(r, start, end, device, stream, correlation);
    r.bytes = bytes;
    p.builder.commitGpu();
    p.count("gpu_memset");
  }

  /**
   * CUPTI synchronization record. The model has no table for these: the API call that
   * waited (cudaStreamSynchronize, cudaEventSynchronize, cudaStreamWaitEvent...) is in the
   * runtime table with the same correlation id; the record is counted only.
   */
  synchronization(globalPid: number): void {
    const p = this.proc(Number.isNaN(globalPid) ? 0 : globalPid);
    p.count("cuda_sync");
  }

  private gpuProc(globalPid: number, device: number): Process {
    const p = this.proc(Number.isNaN(globalPid) ? 0 : globalPid);
    if (p.gpuRows === 0 && ++this.gpuProcesses > this.maxRanks) throw ranksOverLimit(this.file, this.maxRanks);
    p.gpuRows++;
    p.deviceIds.add(device);
    return p;
  }

  private fixedName(p: Process, key: number, make: () => string): number {
    let i = p.fixedNames.get(key);
    if (i === undefined) {
      i = p.builder.strings.intern(make());
      p.fixedNames.set(key, i);
    }
    return i;
  }

  // ---- host side ------------------------------------------------------------------------------

  /** CUPTI_ACTIVITY_KIND_RUNTIME row (eventClass 0 runtime, 1 driver); other classes are skipped. */
  runtime(start: number, end: number, eventClass: number, globalTid: number, correlation: number, nameId: number): boolean {
    if (eventClass !== 0 && eventClass !== 1) return false;
    const p = this.proc(processOf(globalTid));
    const b = p.builder;
    let name = p.runtimeNames.get(nameId);
    if (name === undefined) {
      // cudaLaunchKernel_v7000 -> cudaLaunchKernel, as Kineto names it
      name = b.strings.intern(this.str(nameId).replace(/_v\d+$/, ""));
      p.runtimeNames.set(nameId, name);
    }
    const r = b.runtimeRow;
    r.kind = eventClass === 0 ? RuntimeKind.Runtime : RuntimeKind.Driver;
    r.name = name;
    r.thread = p.thread(globalTid);
    r.startNs = start;
    r.endNs = Number.isNaN(end) ? start : end;
    r.correlation = correlation;
    b.commitRuntime();
    p.count(eventClass === 0 ? "cuda_runtime" : "cuda_driver");
    return true;
  }

  /** NVTX_EVENTS row. `text` wins over `textId` (a registered string). `end` NaN: still open. */
  nvtx(eventType: number, start: number, end: number, globalTid: number, text: string | null, textId: number, domainId: number): void {
    const p = this.proc(processOf(globalTid));
    if (eventType === NvtxEventType.DomainCreate) {
      p.domains.set(domainId, text ?? (Number.isNaN(textId) ? "" : this.str(textId)));
      return;
    }
    if (eventType === NvtxEventType.Mark) {
      p.count("nvtx_mark");
      return;
    }
    if (eventType !== NvtxEventType.PushPop && eventType !== NvtxEventType.StartEnd && eventType !== NvtxEventType.PushPopT && eventType !== NvtxEventType.StartEndT) return;
    const t = parseNvtxText(text ?? (Number.isNaN(textId) ? "" : this.str(textId)), this.nvtxText);
    const b = p.builder;
    const thread = p.thread(globalTid);
    const name = b.strings.intern(t.name === "" ? "(unnamed NVTX range)" : t.name);
    const dims = t.sizes === null ? -1 : b.strings.intern(t.sizes);
    if (t.sizes !== null) p.sizes = true;
    if (t.emitNvtx) p.emitNvtx = true;
    if (!Number.isNaN(domainId) && domainId !== 0) p.domainRanges.set(domainId, (p.domainRanges.get(domainId) ?? 0) + 1);
    p.count(t.kind === CpuKind.Op ? "nvtx_op" : t.kind === CpuKind.Module ? "nvtx_module" : "nvtx_range");
    if (!Number.isNaN(t.seq)) {
      if (t.backward) b.addFlow(t.seq, false, thread, start);
      else if (t.kind === CpuKind.Op) {
        // the forward op that created the autograd node is the last one carrying its seq
        const prev = p.fwdStart.get(t.seq);
        if (prev === undefined || start >= prev) {
          p.fwdStart.set(t.seq, start);
          p.fwdThread.set(t.seq, thread);
        }
      }
    }
    if (Number.isNaN(end)) {
      p.pending.push({ thread, start, name, kind: t.kind, seq: t.seq, dims });
      return;
    }
    this.commitSlice(b, thread, start, end, name, t.kind, t.seq, dims);
  }

  private commitSlice(b: TraceBuilder, thread: number, start: number, end: number, name: number, kind: CpuKind, seq: number, dims: number): void {
    const r = b.cpuRow;
    r.kind = kind;
    r.name = name;
    r.thread = thread;
    r.startNs = start;
    r.endNs = end;
    r.seq = seq;
    r.inputDims = dims;
    b.commitCpu();
  }

  // ---- the models -------------------------------------------------------------------------

  /** One model per process that launched GPU work, in rank order. */
  finish(): TraceModel[] {
    let chosen = [...this.procs.values()].filter((p) => p.gpuRows > 0);
    if (chosen.length === 0) {
      // no GPU activity at all: keep the busiest process so the host side can still be shown
      const all = [...this.procs.values()].sort((a, b) => b.events - a.events);
      chosen = all.length > 0 ? [all[0]!] : [new Process(0, this.format, this.file)];
    }
    chosen.sort((a, b) => pidOf(a.globalPid) - pidOf(b.globalPid));
    const envs = chosen.map((p) => {
      const id = this.envIds.get(p.globalPid);
      return id === undefined ? null : rankVariables(this.str(id));
    });
    // RANK from the environment when every process has a distinct one, else process order
    const envRanks = envs.map((e) => e?.rank ?? null);
    const useEnv = envRanks.every((r) => r !== null) && new Set(envRanks).size === envRanks.length;
    const models: TraceModel[] = [];
    chosen.forEach((p, i) => {
      const b = p.builder;
      const m = b.meta;
      const multi = chosen.length > 1;
      m.rank = useEnv ? envRanks[i]! : multi ? i : null;
      m.worldSize = envs[i]?.worldSize ?? (multi || useEnv ? chosen.length : null);
      m.devices = this.devicesOf(p);
      m.versions = { ...this.versions };
      m.options = { emit_nvtx: p.emitNvtx, record_shapes: p.sizes };
      const counts = { ...p.counts };
      for (const [id, n] of p.domainRanges) counts[`nvtx_domain:${p.domains.get(id) || id}`] = n;
      m.eventCounts = counts;
      m.bytesRead = this.bytesRead;
      m.partial = this.partial;
      for (const d of this.diagnostics) b.diagnostics.add(d.id, d.example, d.count);
      if (this.sensitive.size > 0) m.sensitiveContent = [...this.sensitive].sort();
      for (const [tid, row] of p.threads) {
        const nameId = this.threadNameIds.get(tid);
        if (nameId !== undefined) b.nameThread(row, this.str(nameId));
      }
      if (p.pending.length > 0) {
        const endAt = b.maxTimeNs();
        for (const r of p.pending) this.commitSlice(b, r.thread, r.start, Math.max(endAt, r.start), r.name, r.kind, r.seq, r.dims);
        b.diagnostics.add("unclosed-begin-event", "an NVTX range without an end (the capture stopped inside it)", p.pending.length);
      }
      for (const [seq, start] of p.fwdStart) b.addFlow(seq, true, p.fwdThread.get(seq)!, start);
      models.push(b.freeze());
    });
    return models;
  }

  private devicesOf(p: Process): DeviceInfo[] {
    const ids = [...p.deviceIds].sort((a, b) => a - b);
    if (ids.length === 0) return [...this.gpus.values()];
    return ids.map((id) => this.gpus.get(id) ?? { id, name: `GPU ${id}` });
  }
}

/** A process environment as nsys stores it: NAME=value entries separated by NUL. */
function isEnvironmentBlock(s: string): boolean {
  const nul = s.indexOf("\0");
  return nul > 0 && s.lastIndexOf("=", nul) > 0;
}

function fillGpu(r: GpuRow, start: number, end: number, device: number, stream: number, correlation: number): void {
  r.startNs = start;
  r.endNs = Number.isNaN(end) ? start : end;
  r.device = intOr(device, 0);
  r.stream = intOr(stream, 0);
  r.correlation = correlation;
}

function intOr(v: number, fallback: number): number {
  return Number.isNaN(v) ? fallback : v | 0;
}
