/**
 * XPlane protobuf (`*.xplane.pb`: JAX, TensorFlow and PyTorch/XLA profilers),
 * plain or gzip, decoded with protobufjs from our own schema (xplane-proto.ts).
 *
 * Mapping to the trace model:
 *  - `/device:GPU:N` (or TPU) planes: device N, from the plane stats its name
 *    (`gpu_device_name`), memory, SM count, compute capability. Each line is a
 *    stream (stream = line id); its events are GPU activities: memcpy / memset
 *    by name, else kernels, with `correlation_id`, and registers, shared memory,
 *    grid and block from `kernel_details`. Derived lines (`XLA Ops`,
 *    `XLA Modules`, `TensorFlow Ops`, name scopes) become GPU ranges; a `Steps`
 *    line becomes `ProfilerStep#N` annotations (N from `step_num` / `group_id`,
 *    else the event name, else its position).
 *  - `/host:*` planes: each line is a thread. Events named like driver/runtime
 *    API calls (`cuLaunchKernel`, `cuGraphLaunch (CudaGraph:32)`, `cudaMemcpy`...)
 *    are runtime calls carrying their `correlation_id`, which links them to the
 *    GPU activities they launched; `$file:line fn` events are Python frames;
 *    events named like an XLA/TF op that some GPU activity reports in its
 *    `hlo_op` / `tf_op` stat are operators; the rest are annotations.
 *  - `/host:metadata` plane string stats (jax_version, cuda_version...) -> versions.
 * Times: line `timestamp_ns` + event `offset_ps` / 1000, kept to the ps digit
 * (fractional ns); aggregated events (`num_occurrences`, no time) are skipped.
 */
import { readFileSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type protobuf from "protobufjs";
import { TraceBuilder } from "../src/model/builder.js";
import { CpuKind, GpuKind, RuntimeKind, type DeviceInfo, type TraceModel } from "../src/model/tables.js";
import { LlmprofError } from "../src/errors.js";
import { protobufjs } from "../src/lazy-library.js";
import { describeFsError, isGzip } from "./source.js";
import { opNamesOfHloProto, type HloOpNames } from "./xplane-hlo.js";
import { XPLANE_PROTO } from "./xplane-proto.js";

export const XPLANE_FORMAT = "xplane";

// ---- detection ---------------------------------------------------------------

/** Allowed (field number -> wire type) of an XPlane message. */
const PLANE_FIELDS: Record<number, number> = { 1: 0, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2 };

/**
 * True when the bytes start like an XSpace: field 1 (planes, length-delimited)
 * holding an XPlane whose fields, as far as the head reaches, all have XPlane's
 * field numbers and wire types, followed by another XSpace field. Text (JSON)
 * never passes: it is rejected when its first bytes are all printable.
 */
export function sniffXPlane(head: Buffer): boolean {
  if (head.length < 4 || head[0] !== 0x0a) return false;
  if (isPrintable(head.subarray(0, Math.min(64, head.length)))) return false;
  const first = readVarint(head, 1);
  if (!first || first.value <= 0) return false;
  const end = first.next + first.value;
  let p = first.next;
  let fields = 0;
  while (p < Math.min(end, head.length)) {
    const tag = readVarint(head, p);
    if (!tag) break; // cut by the head's end
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (PLANE_FIELDS[field] !== wire) return false;
    if (wire === 0) {
      const v = readVarint(head, tag.next);
      if (!v) break;
      p = v.next;
    } else {
      const len = readVarint(head, tag.next);
      if (!len) break;
      p = len.next + len.value;
      if (p > end) return false;
    }
    fields++;
  }
  if (fields === 0) return false;
  // the next XSpace field, when the head holds it: planes, errors, warnings or hostnames
  if (end < head.length && ![0x0a, 0x12, 0x1a, 0x22].includes(head[end]!)) return false;
  return true;
}

function isPrintable(b: Buffer): boolean {
  for (const c of b) if (!(c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c < 0x7f))) return false;
  return true;
}

function readVarint(b: Buffer, at: number): { value: number; next: number } | null {
  let value = 0;
  let mul = 1;
  for (let i = at; i < b.length && i < at + 10; i++) {
    value += (b[i]! & 0x7f) * mul;
    if (b[i]! < 0x80) return { value, next: i + 1 };
    mul *= 128;
  }
  return null;
}

// ---- decoded message shapes (protobufjs reflection objects) -------------------------

type Int64 = number | { low: number; high: number; unsigned?: boolean } | string | undefined | null;

/** Decoded messages: protobufjs puts defaults on the prototype, so a oneof's set member is read from its name (`value`, `data`). */
interface XStat {
  metadataId?: Int64;
  value?: "doubleValue" | "uint64Value" | "int64Value" | "strValue" | "bytesValue" | "refValue";
  doubleValue?: number;
  uint64Value?: Int64;
  int64Value?: Int64;
  strValue?: string;
  bytesValue?: Uint8Array;
  refValue?: Int64;
}
interface XEvent {
  metadataId?: Int64;
  data?: "offsetPs" | "numOccurrences";
  offsetPs?: Int64;
  numOccurrences?: Int64;
  durationPs?: Int64;
  stats?: XStat[];
}
interface XLine {
  id?: Int64;
  name?: string;
  displayName?: string;
  timestampNs?: Int64;
  events?: XEvent[];
}
interface XEventMetadata {
  id?: Int64;
  name?: string;
  displayName?: string;
  stats?: XStat[];
}
interface XPlane {
  id?: Int64;
  name?: string;
  lines?: XLine[];
  eventMetadata?: Record<string, XEventMetadata>;
  statMetadata?: Record<string, { id?: Int64; name?: string }>;
  stats?: XStat[];
}
interface XSpace {
  planes?: XPlane[];
}

let spaceType: protobuf.Type | null = null;
function xspaceType(): protobuf.Type {
  spaceType ??= protobufjs().parse(XPLANE_PROTO, { keepCase: false }).root.lookupType("tensorflow.profiler.XSpace");
  return spaceType;
}

function big(v: Int64): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  if (typeof v === "string") return BigInt(v);
  const lo = BigInt(v.low >>> 0);
  const hi = BigInt(v.high >>> 0);
  const u = (hi << 32n) | lo;
  return v.unsigned || v.high >= 0 ? u : u - (1n << 64n);
}
const num = (v: Int64): number => Number(big(v));

// ---- parse ---------------------------------------------------------------------

const MAX_BYTES = 2 ** 31 - 1;
const RUNTIME_NAME = /^(cu[A-Z]\w*|cuda[A-Z]\w*|hip[A-Z]\w*)/;
const DEVICE_PLANE = /^\/device:(GPU|TPU):(\d+)$/;
const RANGE_LINES = /^(XLA Ops|XLA Modules|TensorFlow Ops|TensorFlow Name Scope|Framework Name Scope|Framework Ops|Source code|XLA TraceMe|Async XLA Ops)$/;
const STEP_LINE = /^Steps$/;

export function parseXPlane(path: string): TraceModel {
  const space = decodeFile(path);
  const planes = space.planes ?? [];
  const b = new TraceBuilder(XPLANE_FORMAT, [path]);
  b.meta.bytesRead = fileSize(path);

  // time base: the earliest line timestamp (absolute ns can exceed 2^53)
  let base: bigint | null = null;
  for (const p of planes)
    for (const l of p.lines ?? [])
      if (l.events?.length) {
        const t = big(l.timestampNs);
        if (base === null || t < base) base = t;
      }
  b.timeBaseNs = base ?? 0n;
  const lineStart = (l: XLine) => Number(big(l.timestampNs) - b.timeBaseNs);

  const opNames = new Set<string>();
  const hloOpNames = hloOpNamesByProgram(planes);
  const kernelOps = hloOpNames.size > 0 ? kernelOpNames(planes, hloOpNames) : new Map<XEvent, string>();
  const devices: DeviceInfo[] = [];
  const counts: Record<string, number> = {};
  const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

  for (const plane of planes) {
    const name = plane.name ?? "";
    if (name === "/host:metadata") readVersions(plane, b.meta.versions);
    const dev = DEVICE_PLANE.exec(name);
    if (!dev) continue;
    const device = Number(dev[2]);
    devices.push(deviceInfo(plane, device));
    const stat = statReader(plane);
    for (const line of plane.lines ?? []) {
      const lineName = line.displayName || line.name || "";
      const t0 = lineStart(line);
      const lineId = num(line.id);
      const stream = Number.isSafeInteger(lineId) && Math.abs(lineId) < 2 ** 31 ? lineId : 0;
      if (STEP_LINE.test(lineName)) {
        addSteps(b, plane, line, t0, stat, count);
        continue;
      }
      const asRange = RANGE_LINES.test(lineName);
      for (const e of line.events ?? []) {
        if (e.data === "numOccurrences") continue;
        const evName = eventName(plane, e.metadataId);
        const start = t0 + num(e.offsetPs) / 1000;
        const end = start + num(e.durationPs) / 1000;
        if (asRange) {
          b.addGpuRange(b.strings.intern(evName), device, stream, start, end);
          count("device/range");
          continue;
        }
        const r = b.gpuRow;
        r.kind = /^memcpy|memcpy/i.test(evName) ? GpuKind.Memcpy : /memset/i.test(evName) ? GpuKind.Memset : GpuKind.Kernel;
        r.name = b.strings.intern(evName);
        r.device = device;
        r.stream = stream;
        r.startNs = start;
        r.endNs = end;
        let hloModule = "";
        let programId = "";
        let hloOp = "";
        for (const s of e.stats ?? []) {
          const key = stat.name(s);
          if (key === "hlo_module") hloModule = stat.text(s);
          else if (key === "program_id") programId = stat.text(s);
          if (key === "hlo_op") hloOp = stat.text(s);
          if (key === "correlation_id") r.correlation = stat.number(s);
          else if (key === "kernel_details") applyKernelDetails(r, stat.text(s));
          else if (key === "memcpy_details" || key === "memset_details") {
            const m = /size:(\d+)/.exec(stat.text(s));
            if (m) r.bytes = Number(m[1]);
          } else if (key === "hlo_op" || key === "tf_op") {
            const op = stat.text(s);
            if (op && !op.endsWith(":")) opNames.add(op);
          }
        }
        const opName = kernelOps.get(e) ?? (hloOp && !/^command_buffer/.test(hloOp) ? hloOpNames.get(`${hloModule}(${programId})`)?.byName.get(hloOp.replace(/\./g, "_")) : undefined);
        if (opName) r.scope = b.strings.intern(opName);
        count(r.kind === GpuKind.Kernel ? "device/kernel" : "device/memory");
        b.commitGpu();
      }
    }
  }

  for (const plane of planes) {
    const name = plane.name ?? "";
    if (!name.startsWith("/host:") || name === "/host:metadata") continue;
    const stat = statReader(plane);
    const pidStat = (plane.stats ?? []).find((s) => stat.name(s) === "process_id");
    const pid = pidStat ? stat.number(pidStat) : NaN;
    for (const line of plane.lines ?? []) {
      if (!line.events?.length) continue;
      const t0 = lineStart(line);
      const lineId = big(line.id).toString();
      const thread = b.thread(`${num(plane.id)}:${name}:${lineId}`, pid, Number(lineId));
      const lineName = line.displayName || line.name;
      if (lineName) b.nameThread(thread, lineName);
      for (const e of line.events) {
        if (e.data === "numOccurrences") continue;
        const evName = eventName(plane, e.metadataId);
        const start = t0 + num(e.offsetPs) / 1000;
        const end = start + num(e.durationPs) / 1000;
        const api = RUNTIME_NAME.exec(evName);
        let correlation = NaN;
        for (const s of e.stats ?? []) if (stat.name(s) === "correlation_id") correlation = stat.number(s);
        if (api && !Number.isNaN(correlation)) {
          const r = b.runtimeRow;
          r.kind = api[1]!.startsWith("cu") && !api[1]!.startsWith("cuda") ? RuntimeKind.Driver : RuntimeKind.Runtime;
          r.name = b.strings.intern(api[1]!);
          r.thread = thread;
          r.startNs = start;
          r.endNs = end;
          r.correlation = correlation;
          b.commitRuntime();
          count("host/runtime");
          continue;
        }
        const c = b.cpuRow;
        c.kind = evName.startsWith("$") ? CpuKind.Python : opNames.has(evName) ? CpuKind.Op : CpuKind.Annotation;
        c.name = b.strings.intern(evName);
        c.thread = thread;
        c.startNs = start;
        c.endNs = end;
        count(c.kind === CpuKind.Python ? "host/python" : c.kind === CpuKind.Op ? "host/op" : "host/annotation");
        b.commitCpu();
      }
    }
  }
  b.meta.devices = devices.sort((x, y) => x.id - y.id);
  b.meta.eventCounts = counts;
  if (devices.length === 0) throw new LlmprofError(path, "XPlane file has no /device:GPU:N plane (profiled without a GPU, or a host-only trace)");
  return b.freeze();
}

/** `module(program_id)` -> HLO instruction name -> op_name, from the `/host:metadata` plane's HLO protos. */
function hloOpNamesByProgram(planes: XPlane[]): Map<string, HloOpNames> {
  const out = new Map<string, HloOpNames>();
  for (const plane of planes) {
    if (plane.name !== "/host:metadata") continue;
    const stat = statReader(plane);
    for (const m of Object.values(plane.eventMetadata ?? {})) {
      const proto = (m.stats ?? []).find((s) => stat.name(s) === "Hlo Proto" && s.value === "bytesValue");
      if (proto?.bytesValue && m.name) out.set(m.name, opNamesOfHloProto(proto.bytesValue));
    }
  }
  return out;
}

/**
 * HLO op_name of each kernel of a compiled program. One execution (one correlation id,
 * e.g. one command-buffer launch) runs the entry computation's fusions and custom calls
 * in scheduled order, one kernel each: when the counts agree the k-th kernel is the k-th
 * instruction. Otherwise a kernel's own name is used, unless it is launched more than once
 * per execution: XLA compiles identical fusions once and names the kernel after the first,
 * so the name alone would credit every layer's work to layer 0.
 */
function kernelOpNames(planes: XPlane[], programs: Map<string, HloOpNames>): Map<XEvent, string> {
  const runs = new Map<string, { start: number; e: XEvent; name: string }[]>();
  for (const plane of planes) {
    if (!DEVICE_PLANE.test(plane.name ?? "")) continue;
    const stat = statReader(plane);
    for (const line of plane.lines ?? [])
      for (const e of line.events ?? []) {
        let program = "";
        let id = "";
        let correlation = NaN;
        for (const s of e.stats ?? []) {
          const key = stat.name(s);
          if (key === "hlo_module") program = stat.text(s);
          else if (key === "program_id") id = stat.text(s);
          else if (key === "correlation_id") correlation = stat.number(s);
        }
        if (!program || !programs.has(`${program}(${id})`)) continue;
        const key = `${program}(${id})\u0000${plane.name}\u0000${correlation}`;
        const list = runs.get(key) ?? [];
        list.push({ start: Number(big(line.timestampNs)) + num(e.offsetPs) / 1000, e, name: eventName(plane, e.metadataId) });
        runs.set(key, list);
      }
  }
  const out = new Map<XEvent, string>();
  for (const [key, list] of runs) {
    const hlo = programs.get(key.slice(0, key.indexOf("\u0000")))!;
    list.sort((a, b) => a.start - b.start);
    if (list.length === hlo.entrySequence.length) {
      list.forEach((k, i) => hlo.entrySequence[i] && out.set(k.e, hlo.entrySequence[i]!));
      continue;
    }
    const launches = new Map<string, number>();
    for (const k of list) launches.set(k.name, (launches.get(k.name) ?? 0) + 1);
    for (const k of list) {
      const op = launches.get(k.name) === 1 ? hlo.byName.get(k.name) : undefined;
      if (op) out.set(k.e, op);
    }
  }
  return out;
}

function decodeFile(path: string): XSpace {
  let buf: Buffer;
  try {
    if (statSync(path).size > MAX_BYTES) throw new LlmprofError(path, "XPlane file larger than 2 GiB; split the capture");
    buf = readFileSync(path);
  } catch (e) {
    if (e instanceof LlmprofError) throw e;
    throw new LlmprofError(path, describeFsError(e));
  }
  if (isGzip(buf)) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: MAX_BYTES });
    } catch (e) {
      throw new LlmprofError(path, `corrupt or truncated gzip data (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  try {
    return xspaceType().decode(buf) as unknown as XSpace;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new LlmprofError(path, `not a readable XPlane protobuf (${msg}); the file may be truncated`);
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Event names of one plane by metadata id. (protobufjs keys 64-bit maps by an
 * internal hash string, so the maps are re-keyed by each entry's own `id`.)
 */
const eventNameCache = new WeakMap<XPlane, Map<number, string>>();
function eventName(plane: XPlane, id: Int64): string {
  let names = eventNameCache.get(plane);
  if (!names) {
    names = new Map();
    for (const m of Object.values(plane.eventMetadata ?? {})) names.set(num(m.id), m.displayName || m.name || "");
    eventNameCache.set(plane, names);
  }
  return names.get(num(id)) || "(unnamed)";
}

/** Stat name and value readers of one plane (ref values point into its stat metadata). */
function statReader(plane: XPlane) {
  const md = new Map<number, string>();
  for (const m of Object.values(plane.statMetadata ?? {})) md.set(num(m.id), m.name ?? "");
  const nameOf = (id: Int64) => md.get(num(id)) ?? "";
  return {
    name: (s: XStat) => nameOf(s.metadataId),
    number: (s: XStat): number => {
      switch (s.value) {
        case "doubleValue":
          return s.doubleValue ?? NaN;
        case "int64Value":
          return num(s.int64Value);
        case "uint64Value":
          return num(s.uint64Value);
        case "strValue":
          return Number(s.strValue);
        default:
          return NaN;
      }
    },
    text: (s: XStat): string => {
      switch (s.value) {
        case "strValue":
          return s.strValue ?? "";
        case "refValue":
          return nameOf(s.refValue);
        case "int64Value":
          return big(s.int64Value).toString();
        case "uint64Value":
          return big(s.uint64Value).toString();
        case "doubleValue":
          return String(s.doubleValue);
        default:
          return "";
      }
    },
  };
}

function deviceInfo(plane: XPlane, id: number): DeviceInfo {
  const stat = statReader(plane);
  const v: Record<string, XStat> = {};
  for (const s of plane.stats ?? []) v[stat.name(s)] = s;
  const n = (k: string) => (v[k] ? stat.number(v[k]) : NaN);
  const major = n("compute_cap_major");
  const minor = n("compute_cap_minor");
  return {
    id,
    // the plane's own name ("/device:GPU:3") is not the device's: without gpu_device_name the name is not recorded
    name: v["gpu_device_name"] ? stat.text(v["gpu_device_name"]) : "",
    ...(Number.isFinite(n("memory_size")) ? { totalMemoryBytes: n("memory_size") } : {}),
    ...(Number.isFinite(major) ? { computeCapability: `${major}.${Number.isFinite(minor) ? minor : 0}` } : {}),
    ...(Number.isFinite(n("core_count")) ? { smCount: n("core_count") } : {}),
  };
}

function readVersions(plane: XPlane, out: Record<string, string>): void {
  const stat = statReader(plane);
  for (const s of plane.stats ?? []) {
    const k = stat.name(s);
    if (/version$/.test(k)) out[k] = stat.text(s);
  }
}

/** "regs:168 static_shared:0 dynamic_shared:213188 grid:2,66,1 block:384,1,1 occ_pct:18.75" */
function applyKernelDetails(r: TraceBuilder["gpuRow"], text: string): void {
  const field = (k: string) => new RegExp(`(?:^|\\s)${k}:([\\d,.]+)`).exec(text)?.[1];
  const regs = field("regs");
  if (regs) r.registers = Number(regs);
  const st = field("static_shared");
  const dy = field("dynamic_shared");
  if (st || dy) r.sharedMemory = Number(st ?? 0) + Number(dy ?? 0);
  const dims = (s: string | undefined) => (s ?? "").split(",").map(Number);
  const grid = field("grid");
  if (grid) [r.gridX, r.gridY, r.gridZ] = dims(grid).concat(1, 1).slice(0, 3) as [number, number, number];
  const block = field("block");
  if (block) [r.blockX, r.blockY, r.blockZ] = dims(block).concat(1, 1).slice(0, 3) as [number, number, number];
}

/** A `Steps` line: one ProfilerStep#N annotation per event, on a thread of its own. */
function addSteps(b: TraceBuilder, plane: XPlane, line: XLine, t0: number, stat: ReturnType<typeof statReader>, count: (k: string) => void): void {
  const thread = b.thread(`steps:${num(plane.id)}:${big(line.id)}`, NaN, num(line.id));
  b.nameThread(thread, `${plane.name ?? ""} Steps`);
  (line.events ?? []).forEach((e, k) => {
    if (e.data === "numOccurrences") return;
    const evName = eventName(plane, e.metadataId);
    let n = NaN;
    for (const s of e.stats ?? []) if (stat.name(s) === "step_num" || (Number.isNaN(n) && stat.name(s) === "group_id")) n = stat.number(s);
    if (Number.isNaN(n) && /^\d+$/.test(evName)) n = Number(evName);
    if (Number.isNaN(n)) n = k;
    const c = b.cpuRow;
    c.kind = CpuKind.Annotation;
    c.name = b.strings.intern(`ProfilerStep#${n}`);
    c.thread = thread;
    c.startNs = t0 + num(e.offsetPs) / 1000;
    c.endNs = c.startNs + num(e.durationPs) / 1000;
    b.commitCpu();
    count("device/step");
  });
}
