/**
 * Generators of hostile inputs, one per class of issue 23: control characters,
 * prototype names, regex-hostile names and fan-out (many distinct names, devices
 * or processes). Each returns the raw facts a test needs to check the program
 * independently (durations per name, counts), never the program's own figures.
 */
import { copyFileSync } from "node:fs";
import Database from "better-sqlite3";
import { rng } from "./mutators.js";

/** Names with C0/C1 controls, ESC sequences (colour, clear, OSC 8 hyperlinks), BEL and bidi overrides. */
export function controlCharacterNames(seed: number, n: number): string[] {
  const r = rng(seed);
  const pieces = ["\u001b[31m", "\u001b[2J", "\u001b]8;;https://evil.example\u0007", "\u001b]0;title\u0007", "\u0007", "\u0000", "\u0085", "\u009b", "\u202e", "\u2066", "\r", "\b", "\u007f"];
  return Array.from({ length: n }, (_, i) => {
    let s = `kernel_${i}`;
    for (let k = 0; k < 3; k++) s += pieces[Math.floor(r() * pieces.length)]! + "x";
    return s;
  });
}

/** Every name that is special on a plain JavaScript object. */
export const PROTOTYPE_NAMES = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "__defineGetter__",
  "__lookupSetter__",
  "propertyIsEnumerable",
  "toLocaleString",
] as const;

/** Long names shaped to make a backtracking regex explode on the built-in patterns' prefixes. */
export function regexHostileNames(length: number): string[] {
  const rep = (s: string) => s.repeat(Math.ceil(length / s.length)).slice(0, length);
  return [rep("reduce"), rep("nn.Module: a."), rep("a_"), rep("gemm_") + "!", rep("ncclKernel_"), rep("model.layers.1.") + "\u0000", rep("(") + rep(")"), rep("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")];
}

export interface FanOutOptions {
  /** Kernels (each launched by one cudaLaunchKernel). */
  kernels: number;
  /** Kernel i is named name(i). Default: all distinct. */
  name?: (i: number) => string;
  /** Device id of kernel i. Default 0. */
  device?: (i: number) => number;
  /** Wrap each launch in a CPU operator named operator(i). */
  operator?: (i: number) => string;
  /** Wrap each operator in an `nn.Module: <module(i)>` span (needs `operator`). */
  module?: (i: number) => string;
}

export interface FanOutTrace {
  text: string;
  /** Per kernel name: launches and the sum of their durations in ns (the raw truth). */
  byName: Map<string, { count: number; totalNs: number }>;
  /**
   * Per operator name: calls starting inside the window (without ProfilerStep
   * markers the window starts at the first kernel, 3 µs after operator 0 starts)
   * and the GPU time of the kernels it launched, in ns.
   */
  byOperator: Map<string, { calls: number; gpuNs: number }>;
}

/**
 * A Kineto trace with one kernel per launch, on one stream, never overlapping:
 * kernel i lasts 1 + (i * 7919 mod 97) µs, so distinct names have mixed times.
 */
export function fanOutKineto(o: FanOutOptions): FanOutTrace {
  const name = o.name ?? ((i: number) => `kern_${i}`);
  const device = o.device ?? (() => 0);
  const events: string[] = [];
  const byName = new Map<string, { count: number; totalNs: number }>();
  const byOperator = new Map<string, { calls: number; gpuNs: number }>();
  let t = 0;
  for (let i = 0; i < o.kernels; i++) {
    const durUs = 1 + ((i * 7919) % 97);
    const op = o.operator?.(i);
    const mod = o.module?.(i);
    if (mod !== undefined) events.push(`{"ph":"X","cat":"python_function","name":${JSON.stringify(`nn.Module: ${mod}`)},"pid":1,"tid":1,"ts":${t},"dur":4,"args":{"Python id":${i + 1}}}`);
    if (op !== undefined) events.push(`{"ph":"X","cat":"cpu_op","name":${JSON.stringify(op)},"pid":1,"tid":1,"ts":${t}.2,"dur":3.6,"args":{"External id":${i + 1}}}`);
    events.push(`{"ph":"X","cat":"cuda_runtime","name":"cudaLaunchKernel","pid":1,"tid":1,"ts":${t + 1},"dur":2,"args":{"correlation":${i + 1},"External id":${i + 1}}}`);
    const d = device(i);
    events.push(
      `{"ph":"X","cat":"kernel","name":${JSON.stringify(name(i))},"pid":${d},"tid":7,"ts":${t + 3},"dur":${durUs},"args":{"correlation":${i + 1},"External id":${i + 1},"device":${d},"stream":7}}`,
    );
    const k = byName.get(name(i)) ?? { count: 0, totalNs: 0 };
    k.count++;
    k.totalNs += durUs * 1000;
    byName.set(name(i), k);
    if (op !== undefined) {
      const a = byOperator.get(op) ?? { calls: 0, gpuNs: 0 };
      if (i > 0) a.calls++;
      a.gpuNs += durUs * 1000;
      byOperator.set(op, a);
    }
    t += 4 + durUs;
  }
  return { text: `{"schemaVersion":1,"traceEvents":[\n${events.join(",\n")}\n]}`, byName, byOperator };
}

/** A copy of a real Nsight SQLite export whose kernels are spread over `processes` processes. */
export function manyProcessesSqlite(source: string, target: string, processes: number): void {
  copyFileSync(source, target);
  const db = new Database(target);
  try {
    db.prepare("UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET globalPid = ((rowid % ?) + 1) * 16777216").run(processes);
  } finally {
    db.close();
  }
}

/** A copy of a real Nsight SQLite export with `rows` extra kernel rows of random values in every column. */
export function garbageSqlite(source: string, target: string, rows: number, seed: number): void {
  copyFileSync(source, target);
  const db = new Database(target);
  const r = rng(seed);
  try {
    const cols = db.prepare("SELECT name, type, [notnull] AS required FROM pragma_table_info('CUPTI_ACTIVITY_KIND_KERNEL')").all() as { name: string; type: string; required: number }[];
    const insert = db.prepare(`INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL (${cols.map((c) => `"${c.name}"`).join(",")}) VALUES (${cols.map(() => "?").join(",")})`);
    const value = (type: string, required: number): number | string | null => {
      const x = r();
      if (x < 0.05 && !required) return null;
      if (/TEXT/i.test(type)) return "garbage".repeat(1 + Math.floor(r() * 4));
      return Math.floor((r() - 0.3) * 2 ** (1 + Math.floor(r() * 52)));
    };
    db.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run(...cols.map((c) => value(c.type, c.required)));
    })();
  } finally {
    db.close();
  }
}

/**
 * A Kineto trace of `names` kernels that overlap in time: kernel k runs on its own
 * stream from 0 to (100 - k) µs, so the GPU is busy 100 µs in all and every kernel
 * after the first lies inside kernel 0's interval. The shares of busy time of any
 * set of them sum far past 100%; the union of kernels k..n-1 is (100 - k) µs.
 */
export function overlappingKineto(names: number): { text: string; durUs: (k: number) => number } {
  const durUs = (k: number) => 100 - k;
  const events: string[] = [];
  for (let k = 0; k < names; k++) {
    events.push(`{"ph":"X","cat":"cuda_runtime","name":"cudaLaunchKernel","pid":1,"tid":1,"ts":${-10 + k * 0.1},"dur":0.05,"args":{"correlation":${k + 1}}}`);
    events.push(`{"ph":"X","cat":"kernel","name":"overlap_${k}","pid":0,"tid":${k + 7},"ts":0,"dur":${durUs(k)},"args":{"correlation":${k + 1},"device":0,"stream":${k + 7}}}`);
  }
  return { text: `{"schemaVersion":1,"traceEvents":[\n${events.join(",\n")}\n]}`, durUs };
}
