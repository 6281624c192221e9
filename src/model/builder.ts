/**
 * TraceBuilder: parsers fill reusable scratch rows and commit them; `freeze()`
 * rebases times on the trace origin, sorts every table by time, resolves links
 * (GPU activity -> launching runtime call, runtime call -> enclosing CPU slice,
 * forward op -> backward op) and returns the read-only TraceModel.
 * No object is allocated per event: scratch rows are reused.
 */
import { Float64Column, Int32Column, Uint8Column, permute, sortOrder } from "./columns.js";
import { DiagnosticsCollector, type DiagnosticId } from "./diagnostics.js";
import { StringTableBuilder, type StringIndex } from "./strings.js";
import type { CollectiveTable, CpuSliceTable, DeviceInfo, FwdBwdTable, GpuTable, MemoryTable, RangeTable, RuntimeTable, ThreadTable, TraceMeta, TraceModel } from "./tables.js";
import { lowerBound } from "./search.js";

/** Scratch row for a CPU slice; fields reset to "none" after each commit. */
export class CpuRow {
  kind = 0;
  name: StringIndex = -1;
  thread = -1;
  startNs = 0; // absolute ns in the source clock
  endNs = 0;
  externalId = NaN;
  seq = NaN;
  fwdThread = NaN;
  pythonId = NaN;
  pythonParentId = NaN;
  inputDims: StringIndex = -1;
  inputTypes: StringIndex = -1;
  flops = NaN;
  collective = -1;
  reset(): void {
    this.kind = 0;
    this.name = -1;
    this.thread = -1;
    this.startNs = 0;
    this.endNs = 0;
    this.externalId = NaN;
    this.seq = NaN;
    this.fwdThread = NaN;
    this.pythonId = NaN;
    this.pythonParentId = NaN;
    this.inputDims = -1;
    this.inputTypes = -1;
    this.flops = NaN;
    this.collective = -1;
  }
}

export class RuntimeRow {
  kind = 0;
  name: StringIndex = -1;
  thread = -1;
  startNs = 0;
  endNs = 0;
  correlation = NaN;
  externalId = NaN;
  reset(): void {
    this.kind = 0;
    this.name = -1;
    this.thread = -1;
    this.startNs = 0;
    this.endNs = 0;
    this.correlation = NaN;
    this.externalId = NaN;
  }
}

export class GpuRow {
  kind = 0;
  name: StringIndex = -1;
  device = 0;
  stream = 0;
  startNs = 0;
  endNs = 0;
  correlation = NaN;
  externalId = NaN;
  gridX = 0;
  gridY = 0;
  gridZ = 0;
  blockX = 0;
  blockY = 0;
  blockZ = 0;
  registers = -1;
  sharedMemory = -1;
  bytes = NaN;
  collective = -1;
  /** StringIndex of the kernel's JAX/XLA name-scope path, -1 none. */
  scope = -1;
  reset(): void {
    this.kind = 0;
    this.name = -1;
    this.device = 0;
    this.stream = 0;
    this.startNs = 0;
    this.endNs = 0;
    this.correlation = NaN;
    this.externalId = NaN;
    this.gridX = this.gridY = this.gridZ = 0;
    this.blockX = this.blockY = this.blockZ = 0;
    this.registers = -1;
    this.sharedMemory = -1;
    this.bytes = NaN;
    this.collective = -1;
    this.scope = -1;
  }
}

export class CollectiveRow {
  name: StringIndex = -1;
  dtype: StringIndex = -1;
  inNelems = NaN;
  outNelems = NaN;
  groupSize = -1;
  groupName: StringIndex = -1;
  groupDescription: StringIndex = -1;
  groupRanks: StringIndex = -1;
  inSplits: StringIndex = -1;
  outSplits: StringIndex = -1;
  peer = -1;
  reset(): void {
    this.name = this.dtype = -1;
    this.inNelems = this.outNelems = NaN;
    this.groupSize = -1;
    this.groupName = this.groupDescription = this.groupRanks = -1;
    this.inSplits = this.outSplits = this.peer = -1;
  }
}

/** Metadata a parser fills in as it reads. */
/** A builder's committed rows as plain data (see TraceBuilder.exportParts). */
export interface BuilderParts {
  strings: string[];
  threadKeys: string[];
  threadPid: Float64Array;
  threadTid: Float64Array;
  threadName: Int32Array;
  cpu: Record<"kind", Uint8Array> &
    Record<"name" | "thread" | "inputDims" | "inputTypes" | "collective", Int32Array> &
    Record<"start" | "end" | "externalId" | "seq" | "fwdThread" | "pythonId" | "pythonParentId" | "flops", Float64Array>;
  rt: Record<"kind", Uint8Array> & Record<"name" | "thread", Int32Array> & Record<"start" | "end" | "correlation" | "externalId", Float64Array>;
  gpu: Record<"kind", Uint8Array> &
    Record<"name" | "device" | "stream" | "grid" | "block" | "registers" | "sharedMemory" | "collective" | "scope", Int32Array> &
    Record<"start" | "end" | "correlation" | "externalId" | "bytes", Float64Array>;
  range: Record<"name" | "device" | "stream", Int32Array> & Record<"start" | "end", Float64Array>;
  coll: Record<"name" | "dtype" | "groupSize" | "groupName" | "groupDescription" | "groupRanks" | "inSplits" | "outSplits" | "peer", Int32Array> & Record<"inNelems" | "outNelems", Float64Array>;
  mem: Record<"thread" | "device", Int32Array> & Record<"time" | "bytes" | "totalAllocated" | "totalReserved", Float64Array>;
  flow: Record<"phase", Uint8Array> & Record<"thread", Int32Array> & Record<"id" | "time", Float64Array>;
  diagnostics: Array<[DiagnosticId, number, string | undefined]>;
  partial: boolean;
}

export interface MetaDraft {
  format: string;
  files: string[];
  rank: number | null;
  worldSize: number | null;
  devices: DeviceInfo[];
  versions: Record<string, string>;
  options: Record<string, boolean>;
  distributed?: Record<string, unknown>;
  traceName?: string;
  partial: boolean;
  eventCounts: Record<string, number>;
  bytesRead: number;
  /** Kinds of sensitive data the input holds (not copied), see TraceMeta. */
  sensitiveContent?: string[];
}

/** Diagnostics that mean events were skipped: the result is then marked partial. */
const DROPPED_EVENT_DIAGNOSTICS: readonly DiagnosticId[] = ["truncated-input", "malformed-event", "bad-timestamp", "unmatched-end-event"];

const FLOW_START = 0;
const FLOW_END = 1;

export class TraceBuilder {
  readonly strings = new StringTableBuilder();
  readonly diagnostics = new DiagnosticsCollector();
  readonly meta: MetaDraft;

  /** Absolute time (ns) that the times given to the builder are relative to. */
  timeBaseNs = 0n;

  readonly cpuRow = new CpuRow();
  readonly runtimeRow = new RuntimeRow();
  readonly gpuRow = new GpuRow();
  readonly collectiveRow = new CollectiveRow();

  private readonly threadKeys = new Map<string, number>();
  private readonly threadPid = new Float64Column(64);
  private readonly threadTid = new Float64Column(64);
  private readonly threadName = new Int32Column(64);

  private readonly cpu = {
    kind: new Uint8Column(),
    name: new Int32Column(),
    thread: new Int32Column(),
    start: new Float64Column(),
    end: new Float64Column(),
    externalId: new Float64Column(),
    seq: new Float64Column(),
    fwdThread: new Float64Column(),
    pythonId: new Float64Column(),
    pythonParentId: new Float64Column(),
    inputDims: new Int32Column(),
    inputTypes: new Int32Column(),
    flops: new Float64Column(),
    collective: new Int32Column(),
  };
  private readonly rt = {
    kind: new Uint8Column(),
    name: new Int32Column(),
    thread: new Int32Column(),
    start: new Float64Column(),
    end: new Float64Column(),
    correlation: new Float64Column(),
    externalId: new Float64Column(),
  };
  private readonly gpu = {
    kind: new Uint8Column(),
    name: new Int32Column(),
    device: new Int32Column(),
    stream: new Int32Column(),
    start: new Float64Column(),
    end: new Float64Column(),
    correlation: new Float64Column(),
    externalId: new Float64Column(),
    grid: new Int32Column(),
    block: new Int32Column(),
    registers: new Int32Column(),
    sharedMemory: new Int32Column(),
    bytes: new Float64Column(),
    collective: new Int32Column(),
    scope: new Int32Column(),
  };
  private readonly range = {
    name: new Int32Column(64),
    device: new Int32Column(64),
    stream: new Int32Column(64),
    start: new Float64Column(64),
    end: new Float64Column(64),
  };
  private readonly coll = {
    name: new Int32Column(64),
    dtype: new Int32Column(64),
    inNelems: new Float64Column(64),
    outNelems: new Float64Column(64),
    groupSize: new Int32Column(64),
    groupName: new Int32Column(64),
    groupDescription: new Int32Column(64),
    groupRanks: new Int32Column(64),
    inSplits: new Int32Column(64),
    outSplits: new Int32Column(64),
    peer: new Int32Column(64),
  };
  private readonly mem = {
    time: new Float64Column(),
    thread: new Int32Column(),
    device: new Int32Column(),
    bytes: new Float64Column(),
    totalAllocated: new Float64Column(),
    totalReserved: new Float64Column(),
  };
  private readonly flow = {
    id: new Float64Column(),
    phase: new Uint8Column(),
    thread: new Int32Column(),
    time: new Float64Column(),
  };

  constructor(format: string, files: string[]) {
    this.meta = {
      format,
      files,
      rank: null,
      worldSize: null,
      devices: [],
      versions: {},
      options: {},
      partial: false,
      eventCounts: {},
      bytesRead: 0,
    };
  }

  diag(id: DiagnosticId, example?: string): void {
    this.diagnostics.add(id, example);
  }

  /** Row of the thread (pid, tid); `key` must identify it uniquely (e.g. "404:451"). */
  thread(key: string, pid: number, tid: number): number {
    let i = this.threadKeys.get(key);
    if (i === undefined) {
      i = this.threadPid.length;
      this.threadKeys.set(key, i);
      this.threadPid.push(pid);
      this.threadTid.push(tid);
      this.threadName.push(-1);
    }
    return i;
  }

  nameThread(thread: number, name: string): void {
    this.threadName.set(thread, this.strings.intern(name));
  }

  commitCpu(): number {
    const r = this.cpuRow;
    const c = this.cpu;
    const row = c.kind.length;
    c.kind.push(r.kind);
    c.name.push(r.name);
    c.thread.push(r.thread);
    c.start.push(r.startNs);
    c.end.push(r.endNs < r.startNs ? r.startNs : r.endNs);
    c.externalId.push(r.externalId);
    c.seq.push(r.seq);
    c.fwdThread.push(r.fwdThread);
    c.pythonId.push(r.pythonId);
    c.pythonParentId.push(r.pythonParentId);
    c.inputDims.push(r.inputDims);
    c.inputTypes.push(r.inputTypes);
    c.flops.push(r.flops);
    c.collective.push(r.collective);
    r.reset();
    return row;
  }

  commitRuntime(): number {
    const r = this.runtimeRow;
    const c = this.rt;
    const row = c.kind.length;
    c.kind.push(r.kind);
    c.name.push(r.name);
    c.thread.push(r.thread);
    c.start.push(r.startNs);
    c.end.push(r.endNs < r.startNs ? r.startNs : r.endNs);
    c.correlation.push(r.correlation);
    c.externalId.push(r.externalId);
    r.reset();
    return row;
  }

  commitGpu(): number {
    const r = this.gpuRow;
    const c = this.gpu;
    const row = c.kind.length;
    c.kind.push(r.kind);
    c.name.push(r.name);
    c.device.push(r.device);
    c.stream.push(r.stream);
    c.start.push(r.startNs);
    c.end.push(r.endNs < r.startNs ? r.startNs : r.endNs);
    c.correlation.push(r.correlation);
    c.externalId.push(r.externalId);
    c.grid.push(r.gridX);
    c.grid.push(r.gridY);
    c.grid.push(r.gridZ);
    c.block.push(r.blockX);
    c.block.push(r.blockY);
    c.block.push(r.blockZ);
    c.registers.push(r.registers);
    c.sharedMemory.push(r.sharedMemory);
    c.bytes.push(r.bytes);
    c.collective.push(r.collective);
    c.scope.push(r.scope);
    r.reset();
    return row;
  }

  /** Sets a committed GPU row's correlation (Kineto accelerators whose flows name it after the event). */
  setGpuCorrelation(row: number, correlation: number): void {
    if (row >= 0 && row < this.gpu.correlation.length) this.gpu.correlation.set(row, correlation);
  }

  commitCollective(): number {
    const r = this.collectiveRow;
    const c = this.coll;
    const row = c.name.length;
    c.name.push(r.name);
    c.dtype.push(r.dtype);
    c.inNelems.push(r.inNelems);
    c.outNelems.push(r.outNelems);
    c.groupSize.push(r.groupSize);
    c.groupName.push(r.groupName);
    c.groupDescription.push(r.groupDescription);
    c.groupRanks.push(r.groupRanks);
    c.inSplits.push(r.inSplits);
    c.outSplits.push(r.outSplits);
    c.peer.push(r.peer);
    r.reset();
    return row;
  }

  addGpuRange(name: StringIndex, device: number, stream: number, startNs: number, endNs: number): void {
    const c = this.range;
    c.name.push(name);
    c.device.push(device);
    c.stream.push(stream);
    c.start.push(startNs);
    c.end.push(endNs < startNs ? startNs : endNs);
  }

  addMemory(timeNs: number, thread: number, device: number, bytes: number, allocated: number, reserved: number): void {
    const c = this.mem;
    c.time.push(timeNs);
    c.thread.push(thread);
    c.device.push(device);
    c.bytes.push(bytes);
    c.totalAllocated.push(allocated);
    c.totalReserved.push(reserved);
  }

  /** A fwdbwd flow endpoint: `start` on the forward op, `end` on the backward op. */
  addFlow(id: number, isStart: boolean, thread: number, timeNs: number): void {
    const c = this.flow;
    c.id.push(id);
    c.phase.push(isStart ? FLOW_START : FLOW_END);
    c.thread.push(thread);
    c.time.push(timeNs);
  }

  /** Latest end time given so far (builder clock), 0 when empty. */
  maxTimeNs(): number {
    let m = -Infinity;
    const scan = (col: Float64Column) => {
      for (let i = 0; i < col.length; i++) if (col.get(i) > m) m = col.get(i);
    };
    scan(this.cpu.end);
    scan(this.rt.end);
    scan(this.gpu.end);
    scan(this.range.end);
    scan(this.mem.time);
    return m === -Infinity ? 0 : m;
  }

  get eventsStored(): number {
    return this.cpu.kind.length + this.rt.kind.length + this.gpu.kind.length + this.range.name.length + this.mem.time.length;
  }

  /**
   * What was committed so far, as plain transferable data (issue 18: parts of one
   * file parsed in worker threads); `appendParts` adds them to another builder.
   */
  exportParts(): BuilderParts {
    const cols = <T extends Record<string, { snapshot(): Float64Array | Int32Array | Uint8Array }>>(t: T) =>
      Object.fromEntries(Object.entries(t).map(([k, c]) => [k, c.snapshot()])) as { [K in keyof T]: ReturnType<T[K]["snapshot"]> };
    return {
      strings: [...this.strings.values],
      threadKeys: [...this.threadKeys.keys()],
      threadPid: this.threadPid.snapshot(),
      threadTid: this.threadTid.snapshot(),
      threadName: this.threadName.snapshot(),
      cpu: cols(this.cpu),
      rt: cols(this.rt),
      gpu: cols(this.gpu),
      range: cols(this.range),
      coll: cols(this.coll),
      mem: cols(this.mem),
      flow: cols(this.flow),
      diagnostics: this.diagnostics.entries(),
      partial: this.meta.partial,
    };
  }

  /**
   * Appends parts exported by another builder with the same time base, as if its
   * events had been committed here after the ones already present: strings and
   * threads are re-interned in their order of first use (so the tables come out
   * exactly as one sequential parse makes them), ids remapped, collective rows
   * offset, diagnostics added. Flow ids must be numbers (not interned strings).
   */
  appendParts(p: BuilderParts): void {
    const str = Int32Array.from(p.strings, (s) => this.strings.intern(s));
    const s = (v: number) => (v >= 0 ? str[v]! : v);
    const thr = new Int32Array(p.threadKeys.length);
    p.threadKeys.forEach((key, i) => {
      thr[i] = this.thread(key, p.threadPid[i]!, p.threadTid[i]!);
      if (p.threadName[i]! >= 0) this.threadName.set(thr[i]!, str[p.threadName[i]!]!);
    });
    const t = (v: number) => (v >= 0 ? thr[v]! : v);
    const collBase = this.coll.name.length;
    const coll = (v: number) => (v >= 0 ? v + collBase : v);
    const c = this.cpu;
    c.kind.append(p.cpu.kind);
    c.name.append(p.cpu.name, s);
    c.thread.append(p.cpu.thread, t);
    c.start.append(p.cpu.start);
    c.end.append(p.cpu.end);
    c.externalId.append(p.cpu.externalId);
    c.seq.append(p.cpu.seq);
    c.fwdThread.append(p.cpu.fwdThread);
    c.pythonId.append(p.cpu.pythonId);
    c.pythonParentId.append(p.cpu.pythonParentId);
    c.inputDims.append(p.cpu.inputDims, s);
    c.inputTypes.append(p.cpu.inputTypes, s);
    c.flops.append(p.cpu.flops);
    c.collective.append(p.cpu.collective, coll);
    const r = this.rt;
    r.kind.append(p.rt.kind);
    r.name.append(p.rt.name, s);
    r.thread.append(p.rt.thread, t);
    r.start.append(p.rt.start);
    r.end.append(p.rt.end);
    r.correlation.append(p.rt.correlation);
    r.externalId.append(p.rt.externalId);
    const g = this.gpu;
    g.kind.append(p.gpu.kind);
    g.name.append(p.gpu.name, s);
    g.device.append(p.gpu.device);
    g.stream.append(p.gpu.stream);
    g.start.append(p.gpu.start);
    g.end.append(p.gpu.end);
    g.correlation.append(p.gpu.correlation);
    g.externalId.append(p.gpu.externalId);
    g.grid.append(p.gpu.grid);
    g.block.append(p.gpu.block);
    g.registers.append(p.gpu.registers);
    g.sharedMemory.append(p.gpu.sharedMemory);
    g.bytes.append(p.gpu.bytes);
    g.collective.append(p.gpu.collective, coll);
    g.scope.append(p.gpu.scope, s);
    const rg = this.range;
    rg.name.append(p.range.name, s);
    rg.device.append(p.range.device);
    rg.stream.append(p.range.stream);
    rg.start.append(p.range.start);
    rg.end.append(p.range.end);
    const cl = this.coll;
    cl.name.append(p.coll.name, s);
    cl.dtype.append(p.coll.dtype, s);
    cl.inNelems.append(p.coll.inNelems);
    cl.outNelems.append(p.coll.outNelems);
    cl.groupSize.append(p.coll.groupSize);
    cl.groupName.append(p.coll.groupName, s);
    cl.groupDescription.append(p.coll.groupDescription, s);
    cl.groupRanks.append(p.coll.groupRanks, s);
    cl.inSplits.append(p.coll.inSplits, s);
    cl.outSplits.append(p.coll.outSplits, s);
    cl.peer.append(p.coll.peer);
    const m = this.mem;
    m.time.append(p.mem.time);
    m.thread.append(p.mem.thread, t);
    m.device.append(p.mem.device);
    m.bytes.append(p.mem.bytes);
    m.totalAllocated.append(p.mem.totalAllocated);
    m.totalReserved.append(p.mem.totalReserved);
    const f = this.flow;
    f.id.append(p.flow.id);
    f.phase.append(p.flow.phase);
    f.thread.append(p.flow.thread, t);
    f.time.append(p.flow.time);
    for (const [id, count, example] of p.diagnostics) this.diagnostics.add(id, example, count);
    if (p.partial) this.meta.partial = true;
    this.checkColumnLengths();
  }

  /** Every column of a table has one value per row (3 for grid/block): a column added to the builder but not to appendParts fails here. */
  private checkColumnLengths(): void {
    const tables: Record<string, Record<string, { length: number }>> = { cpu: this.cpu, rt: this.rt, gpu: this.gpu, range: this.range, coll: this.coll, mem: this.mem, flow: this.flow };
    for (const [name, table] of Object.entries(tables)) {
      const cols = Object.entries(table);
      const rows = cols[0]![1].length;
      for (const [col, c] of cols) {
        const want = name === "gpu" && (col === "grid" || col === "block") ? rows * 3 : rows;
        if (c.length !== want) throw new Error(`TraceBuilder.appendParts: ${name}.${col} has ${c.length} values for ${rows} rows (not appended?)`);
      }
    }
  }

  /** Ends the build: rebases, sorts and links. The builder must not be used afterwards. */
  freeze(): TraceModel {
    const origin = this.origin();
    const threads: ThreadTable = {
      length: this.threadPid.length,
      pid: this.threadPid.freeze(),
      tid: this.threadTid.freeze(),
      name: this.threadName.freeze(),
    };

    const cpu = this.freezeCpu(origin);
    const runtime = this.freezeRuntime(origin);
    const gpu = this.freezeGpu(origin);
    const gpuRanges = this.freezeRanges(origin);
    const memory = this.freezeMemory(origin);
    const collectives: CollectiveTable = {
      length: this.coll.name.length,
      name: this.coll.name.freeze(),
      dtype: this.coll.dtype.freeze(),
      inNelems: this.coll.inNelems.freeze(),
      outNelems: this.coll.outNelems.freeze(),
      groupSize: this.coll.groupSize.freeze(),
      groupName: this.coll.groupName.freeze(),
      groupDescription: this.coll.groupDescription.freeze(),
      groupRanks: this.coll.groupRanks.freeze(),
      inSplits: this.coll.inSplits.freeze(),
      outSplits: this.coll.outSplits.freeze(),
      peer: this.coll.peer.freeze(),
    };

    const byThread = slicesByThread(cpu.thread, threads.length);
    const depth = nestSlices(cpu, byThread, this.diagnostics);
    const cpuParent = enclosingSlices(cpu, byThread, runtime);
    const launch = linkLaunches(gpu, runtime, this.diagnostics);
    const fwdbwd = this.resolveFlows(origin, cpu, byThread);

    // events that were dropped (not merely repaired) make the result partial
    const dropped = DROPPED_EVENT_DIAGNOSTICS.some((id) => this.diagnostics.count(id) > 0);
    const meta: TraceMeta = {
      ...this.meta,
      partial: this.meta.partial || dropped,
      originNs: (this.timeBaseNs + BigInt(origin)).toString(),
    };
    return {
      meta,
      strings: this.strings.freeze(),
      threads,
      cpu: { ...cpu, parent: depth.parent, depth: depth.depth },
      runtime: { ...runtime, cpuParent },
      gpu: { ...gpu, launch },
      gpuRanges,
      collectives,
      fwdbwd,
      memory,
      diagnostics: this.diagnostics.list(),
    };
  }

  private origin(): number {
    let o = Infinity;
    const scan = (col: Float64Column) => {
      for (let i = 0; i < col.length; i++) {
        const v = col.get(i);
        if (v < o) o = v;
      }
    };
    scan(this.cpu.start);
    scan(this.rt.start);
    scan(this.gpu.start);
    scan(this.range.start);
    scan(this.mem.time);
    return o === Infinity ? 0 : Math.floor(o);
  }

  private freezeCpu(origin: number): Omit<CpuSliceTable, "parent" | "depth"> {
    const c = this.cpu;
    const start = rebase(c.start.freeze(), origin);
    const end = rebase(c.end.freeze(), origin);
    const perm = sortOrder(start, end);
    const p = <T extends Float64Array | Int32Array | Uint8Array>(a: T) => (perm ? permute(a, perm) : a);
    return {
      length: start.length,
      kind: take(c.kind, perm),
      name: take(c.name, perm),
      thread: take(c.thread, perm),
      start: p(start),
      end: p(end),
      externalId: take(c.externalId, perm),
      seq: take(c.seq, perm),
      fwdThread: take(c.fwdThread, perm),
      pythonId: take(c.pythonId, perm),
      pythonParentId: take(c.pythonParentId, perm),
      inputDims: take(c.inputDims, perm),
      inputTypes: take(c.inputTypes, perm),
      flops: take(c.flops, perm),
      collective: take(c.collective, perm),
    };
  }

  private freezeRuntime(origin: number): Omit<RuntimeTable, "cpuParent"> {
    const c = this.rt;
    const start = rebase(c.start.freeze(), origin);
    const end = rebase(c.end.freeze(), origin);
    const perm = sortOrder(start, end);
    const p = <T extends Float64Array | Int32Array | Uint8Array>(a: T) => (perm ? permute(a, perm) : a);
    return {
      length: start.length,
      kind: take(c.kind, perm),
      name: take(c.name, perm),
      thread: take(c.thread, perm),
      start: p(start),
      end: p(end),
      correlation: take(c.correlation, perm),
      externalId: take(c.externalId, perm),
    };
  }

  private freezeGpu(origin: number): Omit<GpuTable, "launch"> {
    const c = this.gpu;
    const start = rebase(c.start.freeze(), origin);
    const end = rebase(c.end.freeze(), origin);
    const perm = sortOrder(start, end);
    const p = <T extends Float64Array | Int32Array | Uint8Array>(a: T) => (perm ? permute(a, perm) : a);
    const p3 = (a: Int32Array) => (perm ? permute3(a, perm) : a);
    return {
      length: start.length,
      kind: take(c.kind, perm),
      name: take(c.name, perm),
      device: take(c.device, perm),
      stream: take(c.stream, perm),
      start: p(start),
      end: p(end),
      correlation: take(c.correlation, perm),
      externalId: take(c.externalId, perm),
      grid: p3(c.grid.freeze()),
      block: p3(c.block.freeze()),
      registers: take(c.registers, perm),
      sharedMemory: take(c.sharedMemory, perm),
      bytes: take(c.bytes, perm),
      collective: take(c.collective, perm),
      scope: take(c.scope, perm),
    };
  }

  private freezeRanges(origin: number): RangeTable {
    const c = this.range;
    const start = rebase(c.start.freeze(), origin);
    const end = rebase(c.end.freeze(), origin);
    const perm = sortOrder(start, end);
    const p = <T extends Float64Array | Int32Array | Uint8Array>(a: T) => (perm ? permute(a, perm) : a);
    return {
      length: start.length,
      name: take(c.name, perm),
      device: take(c.device, perm),
      stream: take(c.stream, perm),
      start: p(start),
      end: p(end),
    };
  }

  private freezeMemory(origin: number): MemoryTable {
    const c = this.mem;
    const time = rebase(c.time.freeze(), origin);
    const perm = sortOrder(time, time);
    const p = <T extends Float64Array | Int32Array | Uint8Array>(a: T) => (perm ? permute(a, perm) : a);
    return {
      length: time.length,
      time: p(time),
      thread: take(c.thread, perm),
      device: take(c.device, perm),
      bytes: take(c.bytes, perm),
      totalAllocated: take(c.totalAllocated, perm),
      totalReserved: take(c.totalReserved, perm),
    };
  }

  /**
   * Pairs fwdbwd flow endpoints by id and binds each endpoint to the CPU slice on
   * its thread that starts at the endpoint's time (Kineto places `s` at the forward
   * op's start and `f` at the backward op's start). Among slices starting at that
   * time, the one carrying a sequence number wins.
   */
  private resolveFlows(origin: number, cpu: Omit<CpuSliceTable, "parent" | "depth">, byThread: Int32Array[]): FwdBwdTable {
    const f = this.flow;
    const n = f.id.length;
    const starts = new Map<number, number>();
    const fwd = new Int32Column(Math.max(16, n >> 1));
    const bwd = new Int32Column(Math.max(16, n >> 1));
    let unresolved = 0;
    const bind = (i: number): number => {
      const list = byThread[f.thread.get(i)];
      if (!list) return -1;
      return sliceStartingAt(cpu, list, f.time.get(i) - origin);
    };
    for (let i = 0; i < n; i++) {
      if (f.phase.get(i) === FLOW_START) starts.set(f.id.get(i), i);
    }
    for (let i = 0; i < n; i++) {
      if (f.phase.get(i) !== FLOW_END) continue;
      const s = starts.get(f.id.get(i));
      if (s === undefined) {
        unresolved++;
        continue;
      }
      const a = bind(s);
      const b = bind(i);
      if (a < 0 || b < 0) {
        unresolved++;
        continue;
      }
      fwd.push(a);
      bwd.push(b);
    }
    if (unresolved > 0) this.diagnostics.add("unresolved-flow", undefined, unresolved);
    return { length: fwd.length, fwd: fwd.freeze(), bwd: bwd.freeze() };
  }
}

function rebase(a: Float64Array, origin: number): Float64Array {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! - origin;
  return a;
}

/** Sort order of a table (start asc, end desc); see columns.ts. */
export { sortOrder };

/** A column's values in table order: reordered by `perm`, or as stored. */
function take<T extends Float64Array | Int32Array | Uint8Array>(col: { freeze(): T; freezePermuted(perm: Int32Array): T }, perm: Int32Array | null): T {
  return perm ? col.freezePermuted(perm) : col.freeze();
}

function permute3(a: Int32Array, perm: Int32Array): Int32Array {
  const out = new Int32Array(a.length);
  for (let i = 0; i < perm.length; i++) {
    const s = perm[i]! * 3;
    out[i * 3] = a[s]!;
    out[i * 3 + 1] = a[s + 1]!;
    out[i * 3 + 2] = a[s + 2]!;
  }
  return out;
}

/** Rows of each thread's slices, in time order. */
export function slicesByThread(thread: Int32Array, threadCount: number): Int32Array[] {
  const counts = new Int32Array(threadCount);
  for (let i = 0; i < thread.length; i++) counts[thread[i]!]!++;
  const lists = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(threadCount);
  for (let i = 0; i < thread.length; i++) {
    const t = thread[i]!;
    lists[t]![fill[t]!++] = i;
  }
  return lists;
}

/** Parent and depth of every slice, by a stack sweep per thread. */
function nestSlices(cpu: Omit<CpuSliceTable, "parent" | "depth">, byThread: Int32Array[], diagnostics: DiagnosticsCollector): { parent: Int32Array; depth: Int32Array } {
  const parent = new Int32Array(cpu.length).fill(-1);
  const depth = new Int32Array(cpu.length);
  const stack = new Int32Array(4096);
  let overlaps = 0;
  for (const list of byThread) {
    let top = -1;
    for (let k = 0; k < list.length; k++) {
      const i = list[k]!;
      const s = cpu.start[i]!;
      while (top >= 0 && cpu.end[stack[top]!]! <= s) top--;
      if (top >= 0) {
        const p = stack[top]!;
        parent[i] = p;
        depth[i] = depth[p]! + 1;
        if (cpu.end[i]! > cpu.end[p]!) overlaps++;
      }
      if (top < stack.length - 1) stack[++top] = i;
    }
  }
  if (overlaps > 0) diagnostics.add("partial-slice-overlap", undefined, overlaps);
  return { parent, depth };
}

/** For each runtime call, the innermost CPU slice on its thread that encloses its start. */
function enclosingSlices(cpu: Omit<CpuSliceTable, "parent" | "depth">, byThread: Int32Array[], runtime: Omit<RuntimeTable, "cpuParent">): Int32Array {
  const out = new Int32Array(runtime.length).fill(-1);
  const rtByThread = slicesByThread(runtime.thread, byThread.length);
  const stack = new Int32Array(4096);
  for (let t = 0; t < byThread.length; t++) {
    const slices = byThread[t]!;
    const calls = rtByThread[t]!;
    let top = -1;
    let k = 0;
    for (let j = 0; j < calls.length; j++) {
      const r = calls[j]!;
      const rs = runtime.start[r]!;
      // push every slice that starts at or before the call
      while (k < slices.length && cpu.start[slices[k]!]! <= rs) {
        const i = slices[k++]!;
        while (top >= 0 && cpu.end[stack[top]!]! <= cpu.start[i]!) top--;
        if (top < stack.length - 1) stack[++top] = i;
      }
      while (top >= 0 && cpu.end[stack[top]!]! < rs) top--;
      out[r] = top >= 0 ? stack[top]! : -1;
    }
  }
  return out;
}

function linkLaunches(gpu: Omit<GpuTable, "launch">, runtime: Omit<RuntimeTable, "cpuParent">, diagnostics: DiagnosticsCollector): Int32Array {
  const byCorrelation = new Map<number, number>();
  let duplicates = 0;
  for (let r = 0; r < runtime.length; r++) {
    const c = runtime.correlation[r]!;
    if (Number.isNaN(c)) continue;
    if (byCorrelation.has(c)) duplicates++;
    else byCorrelation.set(c, r);
  }
  if (duplicates > 0) diagnostics.add("duplicate-correlation", undefined, duplicates);
  const launch = new Int32Array(gpu.length).fill(-1);
  let missing = 0;
  for (let g = 0; g < gpu.length; g++) {
    const r = byCorrelation.get(gpu.correlation[g]!);
    if (r === undefined) missing++;
    else launch[g] = r;
  }
  if (missing > 0) diagnostics.add("gpu-activity-without-launch", undefined, missing);
  return launch;
}

/** The slice in `list` (time-ordered rows of one thread) starting exactly at `t`; prefers one with a sequence number. */
function sliceStartingAt(cpu: Omit<CpuSliceTable, "parent" | "depth">, list: Int32Array, t: number): number {
  const lo = lowerBound(list.length, (k) => cpu.start[list[k]!]!, t);
  let best = -1;
  for (let k = lo; k < list.length && cpu.start[list[k]!]! === t; k++) {
    const i = list[k]!;
    if (best < 0) best = i;
    if (!Number.isNaN(cpu.seq[i]!)) return i;
  }
  return best;
}
