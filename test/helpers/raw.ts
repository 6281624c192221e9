/**
 * Plain, obviously correct reference computations over the raw JSON of a
 * Kineto trace (JSON.parse of the whole text, objects per event). Tests use
 * them as the independent second method the parser/analyses are checked against.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

export interface RawEvent {
  ph?: string;
  cat?: string;
  name?: string;
  pid?: number | string;
  tid?: number | string;
  ts?: number;
  dur?: number;
  id?: number;
  args?: Record<string, unknown>;
}

export interface RawTrace {
  traceEvents: RawEvent[];
  [key: string]: unknown;
}

export function readRaw(path: string): RawTrace {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  return JSON.parse(buf.toString("utf8")) as RawTrace;
}

const GPU_CATS = new Set(["kernel", "gpu_memcpy", "gpu_memset"]);

export function isGpu(e: RawEvent): boolean {
  return e.ph === "X" && GPU_CATS.has(e.cat ?? "");
}

export function isComm(e: RawEvent): boolean {
  return e.cat === "kernel" && (/^nccl|^rccl/i.test(e.name ?? "") || (e.args !== undefined && "Collective name" in e.args));
}

export interface RefStep {
  number: number;
  start: number; // µs
  end: number; // µs
}

/** Step windows by the definition in DESIGN/README, computed from the raw events. */
export function referenceSteps(raw: RawTrace): RefStep[] {
  const ev = raw.traceEvents;
  const launchTs = new Map<unknown, number>();
  for (const e of ev) if ((e.cat === "cuda_runtime" || e.cat === "cuda_driver") && e.args) launchTs.set(e.args["correlation"], e.ts!);
  const cpuSteps = ev.filter((e) => e.cat === "user_annotation" && /^ProfilerStep#\d+$/.test(e.name ?? "")).sort((a, b) => a.ts! - b.ts!);
  const out: RefStep[] = [];
  let prevEnd = -Infinity;
  for (const s of cpuSteps) {
    const cs = s.ts!;
    const ce = s.ts! + s.dur!;
    let launchedEnd = -Infinity;
    for (const g of ev) {
      if (!isGpu(g)) continue;
      const t = launchTs.get(g.args?.["correlation"]);
      if (t !== undefined && t >= cs && t < ce) launchedEnd = Math.max(launchedEnd, g.ts! + g.dur!);
    }
    const n = Number(/#(\d+)/.exec(s.name!)![1]);
    const consecutive = out.length > 0 && out[out.length - 1]!.number === n - 1;
    const start = consecutive ? prevEnd : Math.max(cs, prevEnd);
    const end = Math.max(ce, launchedEnd, start);
    out.push({ number: Number(/#(\d+)/.exec(s.name!)![1]), start, end });
    prevEnd = end;
  }
  return out;
}

export interface RefTemporal {
  window: number;
  busy: number;
  compute: number;
  comm: number;
  memory: number;
  overlap: number;
  exposedMemory: number;
  idle: number;
}

/**
 * Temporal figures of one device inside [from, to) (µs) by an endpoint sweep:
 * +1/-1 counters per kind, time accumulated while counters are positive.
 * (The library uses interval unions; this is a different algorithm.)
 */
export function referenceTemporal(raw: RawTrace, device: number, from: number, to: number): RefTemporal {
  type P = { t: number; kind: 0 | 1 | 2; d: 1 | -1 };
  const pts: P[] = [];
  for (const e of raw.traceEvents) {
    if (!isGpu(e)) continue;
    const dev = (e.args?.["device"] as number | undefined) ?? (e.pid as number);
    if (dev !== device) continue;
    const s = Math.max(e.ts!, from);
    const t = Math.min(e.ts! + e.dur!, to);
    if (t <= s) continue;
    const kind = e.cat !== "kernel" ? 2 : isComm(e) ? 1 : 0;
    pts.push({ t: s, kind, d: 1 }, { t, kind, d: -1 });
  }
  pts.sort((a, b) => a.t - b.t);
  const c = [0, 0, 0];
  const r = { window: to - from, busy: 0, compute: 0, comm: 0, memory: 0, overlap: 0, exposedMemory: 0, idle: 0 };
  let last = from;
  for (const p of pts) {
    const dt = p.t - last;
    if (dt > 0) {
      if (c[0]! > 0 || c[1]! > 0 || c[2]! > 0) r.busy += dt;
      if (c[0]! > 0) r.compute += dt;
      if (c[1]! > 0) r.comm += dt;
      if (c[2]! > 0) r.memory += dt;
      if (c[0]! > 0 && c[1]! > 0) r.overlap += dt;
      if (c[2]! > 0 && c[0] === 0 && c[1] === 0) r.exposedMemory += dt;
    }
    c[p.kind]! += p.d;
    last = p.t;
  }
  r.idle = r.window - r.busy;
  return r;
}

/**
 * A run's GPU time over every GPU: per rank file, referenceTemporal of its GPU over its
 * step window (first step start to last step end), summed (µs). Shares = Σ / Σ window.
 */
export function referenceRunTemporal(paths: readonly string[]): { window: number; busy: number; idle: number; exposedComm: number } {
  const out = { window: 0, busy: 0, idle: 0, exposedComm: 0 };
  for (const path of paths) {
    const raw = readRaw(path);
    const steps = referenceSteps(raw);
    const t = referenceTemporal(raw, Number(raw.traceEvents.find(isGpu)!.args!["device"]), steps[0]!.start, steps[steps.length - 1]!.end);
    out.window += t.window;
    out.busy += t.busy;
    out.idle += t.idle;
    out.exposedComm += t.comm - t.overlap;
  }
  return out;
}

export interface RefGapCauses {
  hostBound: number;
  synchronization: number;
  beforeFirst: number;
}

/**
 * Idle-gap causes of one device by the README's rules, with plain loops over
 * the raw events (ns): for each step, walk the device's activities in start
 * order; a gap before the step's first activity is "before first" up to the end
 * of that activity's launch call when it ran 10 µs or more after it; otherwise,
 * when the activity ending the gap was launched by a call that ended after the
 * gap began, it is "synchronization" if a synchronising call was running when
 * the gap began or one starting inside it covers at least half of it, else "host-bound".
 */
export function referenceGapCauses(raw: RawTrace, device: number): RefGapCauses {
  const out = { hostBound: 0, synchronization: 0, beforeFirst: 0 };
  for (const g of referenceGaps(raw, device)) out[g.cause] += (g.end - g.start) * 1000;
  return out;
}

/** The gaps behind referenceGapCauses (µs, raw timestamps), each with its cause; gaps of other causes are left out. */
export function referenceGaps(raw: RawTrace, device: number): { start: number; end: number; cause: keyof RefGapCauses }[] {
  const steps = referenceSteps(raw);
  const runtime = new Map<unknown, { ts: number; end: number }>();
  const syncs: { ts: number; end: number }[] = [];
  for (const e of raw.traceEvents) {
    if (e.cat !== "cuda_runtime" && e.cat !== "cuda_driver") continue;
    runtime.set(e.args!["correlation"], { ts: e.ts!, end: e.ts! + e.dur! });
    if (/Synchronize|^(cuda|hip)Memcpy$|^(cuda|hip)Memcpy2D$|^hipMemcpyWithStream$/.test(e.name ?? "")) syncs.push({ ts: e.ts!, end: e.ts! + e.dur! });
  }
  const acts = raw.traceEvents.filter((e) => isGpu(e) && ((e.args?.["device"] as number) ?? e.pid) === device).sort((a, b) => a.ts! - b.ts!);
  const out: { start: number; end: number; cause: keyof RefGapCauses }[] = [];
  for (const st of steps) {
    let busyUntil = st.start;
    let first = true;
    for (const a of acts) {
      const s = a.ts!;
      const e = a.ts! + a.dur!;
      if (e <= st.start || s >= st.end) continue;
      if (s > busyUntil) {
        if (first) {
          // launched at least 10 µs before it ran: the time after the launch was queued, not before-first
          const r = runtime.get(a.args?.["correlation"]);
          const queuedFrom = r ? Math.max(busyUntil, r.end) : s;
          const end = s - queuedFrom >= 10 ? queuedFrom : s;
          if (end > busyUntil) out.push({ start: busyUntil, end, cause: "beforeFirst" });
        } else {
          const r = runtime.get(a.args?.["correlation"]);
          if (r && r.end > busyUntil) {
            const from = busyUntil;
            const running = syncs.some((y) => y.ts <= from && from <= y.end);
            const covering = syncs.some((y) => y.ts > from && 2 * (Math.min(s, y.end) - y.ts) >= s - from);
            out.push({ start: busyUntil, end: s, cause: running || covering ? "synchronization" : "hostBound" });
          }
        }
      }
      first = false;
      busyUntil = Math.max(busyUntil, e);
    }
  }
  return out;
}

/**
 * Reference window of a serving-engine step, from the raw JSON: the outermost
 * `step[...]`/`execute_...` marker around the (first) marker named `name`, from its
 * CPU start to max(its CPU end, end of the last GPU activity whose launch call
 * starts inside it). Returns the matching markers too, for counts.
 */
export function referenceServingWindow(raw: RawTrace, name: string): { markers: RawEvent[]; windowUs: number } {
  const ann = raw.traceEvents.filter((e) => e.ph === "X" && e.cat === "user_annotation");
  const markers = ann.filter((e) => e.name === name);
  const m = markers[0]!;
  // SGLang's step[...] sits inside vLLM-style execute_..._generation_... ranges: the outermost one is the step
  const outer = ann.filter((e) => /^(step\[|execute_)/.test(e.name ?? "") && e.ts! <= m.ts! && e.ts! + e.dur! >= m.ts! + m.dur!).sort((a, b) => a.ts! - b.ts!)[0]!;
  const corr = (e: RawEvent) => (e.args?.["correlation"] as number | undefined) ?? NaN;
  const launchedInside = new Set(
    raw.traceEvents.filter((e) => e.ph === "X" && (e.cat === "cuda_runtime" || e.cat === "cuda_driver") && e.ts! >= outer.ts! && e.ts! < outer.ts! + outer.dur!).map(corr),
  );
  const gpuEnd = Math.max(...raw.traceEvents.filter((e) => isGpu(e) && launchedInside.has(corr(e))).map((e) => e.ts! + e.dur!));
  return { markers, windowUs: Math.max(outer.ts! + outer.dur!, gpuEnd) - outer.ts! };
}
