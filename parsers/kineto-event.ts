/**
 * Reads one Kineto / Chrome trace event object into a reusable scratch record,
 * then commits it to the TraceBuilder table its category calls for.
 * Keys may come in any order (args before cat...), so values are held as numbers
 * and byte spans until the object closes. Unknown keys and args are skipped.
 */
import type { TraceBuilder } from "../src/model/builder.js";
import { CpuKind, GpuKind, RuntimeKind } from "../src/model/tables.js";
import { KINETO_CATEGORIES } from "../src/model/kineto-categories.js";
import { ByteInterner } from "./json/interner.js";
import { KeyMatcher } from "./json/keys.js";
import { COMMA, JsonSyntaxError, LBRACKET, QUOTE, RBRACE, RBRACKET, Scanner, describeByte } from "./json/scanner.js";

const K = {
  ph: 1,
  cat: 2,
  name: 3,
  pid: 4,
  tid: 5,
  ts: 6,
  dur: 7,
  id: 8,
  args: 9,
  /** Written on most instant events and flows, not read: known so the key order can be predicted through them. */
  s: 10,
  bp: 11,
} as const;
const TOP_KEYS = new KeyMatcher(K);

const A = {
  externalId: 1,
  correlation: 2,
  seq: 3,
  fwdThread: 4,
  pythonId: 5,
  pythonParentId: 6,
  inputDims: 7,
  inputTypes: 8,
  flops: 9,
  device: 10,
  stream: 11,
  grid: 12,
  block: 13,
  registers: 14,
  sharedMemory: 15,
  bytes: 16,
  collName: 17,
  inNelems: 18,
  outNelems: 19,
  groupSize: 20,
  dtype: 21,
  pgName: 22,
  pgDesc: 23,
  pgRanks: 24,
  totalAllocated: 25,
  totalReserved: 26,
  memBytes: 27,
  deviceId: 28,
  deviceType: 29,
  name: 30,
  inSplit: 31,
  outSplit: 32,
  peer: 33,
} as const;
/** Args Kineto writes on most events that llmprof does not read: known, so the key order can be predicted through them. */
const SKIPPED_ARGS = {
  "Record function id": 61,
  "Ev Idx": 62,
  "Concrete Inputs": 63,
  "Input Strides": 64,
  Addr: 65,
  finished: 66,
  cbid: 67,
  context: 68,
  "warps per SM": 69,
  queued: 70,
  "blocks per SM": 71,
  "est. achieved occupancy %": 72,
  "Python module id": 73,
} as const;
/** Ids from here on are skipped args (above every id of A). */
const FIRST_SKIPPED_ARG = 61;
const ARG_KEY_IDS = {
  "External id": A.externalId,
  correlation: A.correlation,
  correlation_id: A.correlation,
  "Sequence number": A.seq,
  "Fwd thread id": A.fwdThread,
  "Python id": A.pythonId,
  "Python parent id": A.pythonParentId,
  "Input Dims": A.inputDims,
  "Input type": A.inputTypes,
  flops: A.flops,
  device: A.device,
  stream: A.stream,
  grid: A.grid,
  block: A.block,
  "registers per thread": A.registers,
  "shared memory": A.sharedMemory,
  bytes: A.bytes,
  "Collective name": A.collName,
  "In msg nelems": A.inNelems,
  "Out msg nelems": A.outNelems,
  "Group size": A.groupSize,
  dtype: A.dtype,
  "Process Group Name": A.pgName,
  "Process Group Description": A.pgDesc,
  "Process Group Ranks": A.pgRanks,
  "In split size": A.inSplit,
  "Out split size": A.outSplit,
  "Dst Rank": A.peer,
  "Src Rank": A.peer,
  "Total Allocated": A.totalAllocated,
  "Total Reserved": A.totalReserved,
  Bytes: A.memBytes,
  "Device Id": A.deviceId,
  "Device Type": A.deviceType,
  name: A.name,
  ...SKIPPED_ARGS,
} as const;
const ARG_KEYS = new KeyMatcher(ARG_KEY_IDS);

/** A predictor slot per key id of `keys` (ids start at 1; slot 0 is the object's start). */
const slotsFor = (keys: Readonly<Record<string, number>>): number => Math.max(...Object.values(keys)) + 1;
/** `KeyPredictor.next` at the end of the object (its `}` passed). */
const END = -2;
/** Longest separator-and-key run a predictor remembers (longer ones always take the general path). */
const MAX_GAP = 48;

/**
 * Predicts what follows a value in an object from the key before it: Kineto
 * writes its keys in a fixed order per kind of event, with the same spacing,
 * so the bytes from the end of one value to the start of the next (`, "cat": `)
 * repeat. Each transition remembers the last two distinct runs of those bytes
 * (two kinds of event often alternate); a hit is one compare that passes
 * separator, key, colon and spaces at once, and byte-equal text parses the
 * same way by construction. A miss takes the general path and learns the run
 * in place of the one used less recently.
 */
class KeyPredictor {
  /** Per entry (slot * 2 + way; slot: the key id before, 0 at the start, the last slot after an unknown key): the run's key id (END at the object's end) and length (0 = none). */
  private readonly ids: Int32Array;
  private readonly lengths: Int32Array;
  /** MAX_GAP bytes per entry. */
  private readonly runs: Uint8Array;
  private readonly runView: DataView;
  /** Per slot: the way hit or learnt last. */
  private readonly recent: Uint8Array;
  private readonly unknownSlot: number;

  constructor(
    slots: number,
    private readonly matcher: KeyMatcher,
    /** For syntax errors: "in an event", "in args". */
    private readonly where: string,
  ) {
    this.unknownSlot = slots;
    this.ids = new Int32Array((slots + 1) * 2);
    this.lengths = new Int32Array((slots + 1) * 2);
    this.runs = new Uint8Array((slots + 1) * 2 * MAX_GAP);
    this.runView = new DataView(this.runs.buffer);
    this.recent = new Uint8Array(slots + 1);
  }

  /**
   * After the value of key `prev` (0: right after the object's `{`; -1: after an
   * unknown key): the next key's id (0 unknown) with the scanner at its value,
   * or END with the scanner past the closing `}`.
   */
  next(sc: Scanner, prev: number): number {
    const slot = prev < 0 ? this.unknownSlot : prev;
    const start = sc.pos;
    const room = sc.end - start;
    const first = slot * 2 + this.recent[slot]!;
    let n = this.lengths[first]!;
    if (n > 0 && n <= room && this.sameRun(sc.view, start, first * MAX_GAP, n)) {
      sc.pos = start + n;
      return this.ids[first]!;
    }
    const second = first ^ 1;
    n = this.lengths[second]!;
    if (n > 0 && n <= room && this.sameRun(sc.view, start, second * MAX_GAP, n)) {
      sc.pos = start + n;
      this.recent[slot] = second & 1;
      return this.ids[second]!;
    }
    const id = this.general(sc, prev);
    const len = sc.pos - start;
    // learnt in place of the way not used last
    if (len >= 4 && len <= MAX_GAP) {
      const runs = this.runs;
      const b = sc.buf;
      for (let i = 0, o = second * MAX_GAP; i < len; i++) runs[o + i] = b[start + i]!;
      this.lengths[second] = len;
      this.ids[second] = id;
      this.recent[slot] = second & 1;
    }
    return id;
  }

  /** Reads a separator, key, colon and spaces (or the closing brace) byte by byte. */
  private general(sc: Scanner, prev: number): number {
    const c = sc.peek();
    if (c === RBRACE) {
      sc.pos++;
      return END;
    }
    if (prev !== 0) {
      if (c !== COMMA) throw new JsonSyntaxError(`expected ',' or '}' ${this.where} but found ${describeByte(c)}`, sc.pos);
      sc.pos++;
      sc.peek();
    }
    sc.scanString();
    const id = this.matcher.match(sc.buf, sc.strStart, sc.strEnd);
    sc.colon();
    sc.peek();
    return id;
  }

  /** n (>= 4) bytes at `at` equal the run at `off`: four bytes per compare, the last four overlapping. */
  private sameRun(view: DataView, at: number, off: number, n: number): boolean {
    const runs = this.runView;
    const last = n - 4;
    for (let i = 0; i < last; i += 4) if (view.getInt32(at + i, true) !== runs.getInt32(off + i, true)) return false;
    return view.getInt32(at + last, true) === runs.getInt32(off + last, true);
  }
}

/** Event categories llmprof stores; other categories are only counted. */
export const Cat = {
  unknown: 0,
  cpuOp: 1,
  userAnnotation: 2,
  python: 3,
  runtime: 4,
  driver: 5,
  kernel: 6,
  memcpy: 7,
  memset: 8,
  gpuAnnotation: 9,
  ac2g: 10,
  fwdbwd: 11,
  instant: 12,
  trace: 13,
  none: 14,
} as const;
const CAT_NAMES = ["?", ...KINETO_CATEGORIES];
const CATS = new KeyMatcher({
  cpu_op: Cat.cpuOp,
  Operator: Cat.cpuOp + 100,
  user_annotation: Cat.userAnnotation,
  python_function: Cat.python,
  Python: Cat.python + 100,
  cuda_runtime: Cat.runtime,
  Runtime: Cat.runtime + 100,
  cuda_driver: Cat.driver,
  kernel: Cat.kernel,
  Kernel: Cat.kernel + 100,
  gpu_memcpy: Cat.memcpy,
  Memcpy: Cat.memcpy + 100,
  gpu_memset: Cat.memset,
  Memset: Cat.memset + 100,
  gpu_user_annotation: Cat.gpuAnnotation,
  ac2g: Cat.ac2g,
  fwdbwd: Cat.fwdbwd,
  cpu_instant_event: Cat.instant,
  Trace: Cat.trace,
});

const MODULE_PREFIX = Buffer.from("nn.Module: ");
const MEMCPY_PREFIX = Buffer.from("Memcpy");
const MEMSET_PREFIX = Buffer.from("Memset");
const MEMORY_NAME = Buffer.from("[memory]");
const DMA_PREFIX = Buffer.from("dma_");
const RUNTIME_SUFFIX = Buffer.from("_runtime");
/** Device events of accelerators that carry no correlation in args; `ac2g` flow ends link them. */
const FLOW_LINKED_DEVICE_CATS = new Set(["mtia_ccp_events"]);
const PH_X = 88,
  PH_B = 66,
  PH_E = 69,
  PH_I = 105,
  PH_I2 = 73,
  PH_S = 115,
  PH_F = 102,
  PH_M = 77;

export class KinetoEventReader {
  readonly interner: ByteInterner;
  private readonly topKeys = new KeyPredictor(slotsFor(K), TOP_KEYS, "in an event");
  private readonly argKeys = new KeyPredictor(slotsFor(ARG_KEY_IDS), ARG_KEYS, "in args");
  /** Events seen per category code x ph byte. */
  private readonly counts = new Float64Array(16 * 128);
  private readonly unknownCats = new Map<number, number>();
  /** Integer µs subtracted from every timestamp so ns values stay exact (set by the first ts). */
  baseMicros = NaN;

  // scratch: top level
  private ph = 0;
  private cat = Cat.none as number;
  private catS = 0;
  private catE = 0;
  private nameS = -1;
  private nameE = -1;
  private pid = NaN;
  private pidStr = -1;
  private tid = NaN;
  private tidStr = -1;
  private tsOk = false;
  private tsNs = NaN; // a double from the start (see Scanner.microsInt)
  private durNs = NaN;
  private flowId = NaN;
  // scratch: args
  private externalId = NaN;
  private correlation = NaN;
  private seq = NaN;
  private fwdThread = NaN;
  private pythonId = NaN;
  private pythonParentId = NaN;
  private dimsS = -1;
  private dimsE = -1;
  private typesS = -1;
  private typesE = -1;
  private flops = NaN;
  private device = NaN;
  private stream = NaN;
  private readonly grid = new Int32Array(3);
  private readonly block = new Int32Array(3);
  private registers = -1;
  private sharedMemory = -1;
  private bytes = NaN;
  private collS = -1;
  private collE = -1;
  private inNelems = NaN;
  private outNelems = NaN;
  private groupSize = -1;
  private dtypeS = -1;
  private dtypeE = -1;
  private pgNameS = -1;
  private pgNameE = -1;
  private pgDescS = -1;
  private pgDescE = -1;
  private pgRanksS = -1;
  private pgRanksE = -1;
  private inSplitS = -1;
  private inSplitE = -1;
  private outSplitS = -1;
  private outSplitE = -1;
  private peer = -1;
  private totalAllocated = NaN;
  private totalReserved = NaN;
  private memBytes = NaN;
  private deviceId = NaN;
  private deviceType = NaN;
  private argNameS = -1;
  private argNameE = -1;
  /** Whether the args fields may hold values from the last event. */
  private argsRead = true;

  // thread lookup cache
  private lastPidKey = NaN;
  private lastTidKey = NaN;
  private lastThread = -1;
  private readonly threadsByPid = new Map<number, Map<number, number>>();
  /** Processes named "/device:GPU:N" (JAX/TensorFlow Chrome traces): pid -> device. */
  private readonly deviceOfPid = new Map<number, number>();
  /** Flow-linked device rows (MTIA) by "pid:tid:ts", and ac2g flow ends as [key, id] pairs; joined at the end. */
  private readonly flowLinkedRows = new Map<string, number>();
  /** ac2g flow ends, 6 numbers each (pidStr, pid, tidStr, tid, tsNs, id): keys are made only when flow-linked rows exist (CUDA traces have one end per kernel). */
  private readonly ac2gEnds: number[] = [];
  /** Some flow `id` was a string (its interned index + 0.5 is stored: not comparable across readers). */
  private stringFlowIds = false;
  /** Open B events per thread: [thread, name, startNs] triples. */
  private readonly openBegins: number[] = [];

  constructor(
    private readonly builder: TraceBuilder,
    private readonly sc: Scanner,
  ) {
    this.interner = new ByteInterner(builder.strings);
  }

  /** Skips an array item that is not an object. */
  skipNonObject(): void {
    this.sc.skipValue();
    this.builder.diag("malformed-event", "an item of traceEvents is not an object");
  }

  /** Reads the event object at the scanner's position and stores it. */
  read(): void {
    this.resetScratch();
    const sc = this.sc;
    sc.expect(123);
    const keys = this.topKeys;
    for (let prev = 0; ;) {
      const key = keys.next(sc, prev);
      if (key === END) break;
      prev = key > 0 ? key : -1;
      this.readTopValue(key);
    }
    this.commit();
  }

  private readTopValue(key: number): void {
    const sc = this.sc;
    switch (key) {
      case K.ph:
        if (sc.peek() === QUOTE) {
          sc.scanString();
          this.ph = sc.strEnd > sc.strStart ? sc.buf[sc.strStart]! : 0;
        } else sc.skipValue();
        return;
      case K.cat:
        if (sc.peek() === QUOTE) {
          sc.scanString();
          this.catS = sc.strStart;
          this.catE = sc.strEnd;
          const code = CATS.match(sc.buf, sc.strStart, sc.strEnd);
          this.cat = code > 100 ? code - 100 : code;
        } else sc.skipValue();
        return;
      case K.name:
        if (sc.peek() === QUOTE) {
          sc.scanString();
          this.nameS = sc.strStart;
          this.nameE = sc.strEnd;
        } else sc.skipValue();
        return;
      case K.pid:
        if (sc.peek() === QUOTE) {
          sc.scanString();
          this.pidStr = this.interner.intern(sc.buf, sc.strStart, sc.strEnd);
        } else this.pid = sc.readNumber();
        return;
      case K.tid:
        if (sc.peek() === QUOTE) {
          sc.scanString();
          this.tidStr = this.interner.intern(sc.buf, sc.strStart, sc.strEnd);
        } else this.tid = sc.readNumber();
        return;
      case K.ts:
        if (sc.readMicros()) {
          if (Number.isNaN(this.baseMicros)) this.baseMicros = sc.microsInt;
          this.tsNs = (sc.microsInt - this.baseMicros) * 1000 + sc.fracNs;
          this.tsOk = Number.isFinite(this.tsNs);
        }
        return;
      case K.dur:
        if (sc.readMicros()) this.durNs = sc.microsInt * 1000 + sc.fracNs;
        else this.durNs = NaN;
        return;
      case K.id:
        if (sc.peek() === QUOTE) {
          sc.scanString();
          this.flowId = this.interner.intern(sc.buf, sc.strStart, sc.strEnd) + 0.5;
          this.stringFlowIds = true;
        } else this.flowId = sc.readNumber();
        return;
      case K.args:
        if (sc.peek() === 123) this.readArgs();
        else sc.skipValue();
        return;
      default:
        sc.skipValue();
    }
  }

  private readArgs(): void {
    const sc = this.sc;
    sc.pos++;
    this.argsRead = true;
    const keys = this.argKeys;
    for (let prev = 0; ;) {
      const key = keys.next(sc, prev);
      if (key === END) break;
      prev = key > 0 ? key : -1;
      if (key === 0 || key >= FIRST_SKIPPED_ARG) sc.skipValue();
      else this.readArg(key);
    }
  }

  private readArg(key: number): void {
    const sc = this.sc;
    switch (key) {
      case A.externalId:
        this.externalId = sc.readNumber();
        return;
      case A.correlation:
        this.correlation = sc.readNumber();
        return;
      case A.seq:
        this.seq = sc.readNumber();
        return;
      case A.fwdThread:
        this.fwdThread = sc.readNumber();
        return;
      case A.pythonId:
        this.pythonId = sc.readNumber();
        return;
      case A.pythonParentId:
        this.pythonParentId = sc.readNumber();
        return;
      case A.flops:
        this.flops = sc.readNumber();
        return;
      case A.device:
        this.device = sc.readNumber();
        return;
      case A.stream:
        this.stream = sc.readNumber();
        return;
      case A.registers:
        this.registers = toInt(sc.readNumber());
        return;
      case A.sharedMemory:
        this.sharedMemory = toInt(sc.readNumber());
        return;
      case A.bytes:
        this.bytes = sc.readNumber();
        return;
      case A.inNelems:
        this.inNelems = sc.readNumber();
        return;
      case A.outNelems:
        this.outNelems = sc.readNumber();
        return;
      case A.groupSize:
        this.groupSize = toInt(sc.readNumber());
        return;
      case A.peer:
        this.peer = toInt(sc.readNumber());
        return;
      case A.totalAllocated:
        this.totalAllocated = sc.readNumber();
        return;
      case A.totalReserved:
        this.totalReserved = sc.readNumber();
        return;
      case A.memBytes:
        this.memBytes = sc.readNumber();
        return;
      case A.deviceId:
        this.deviceId = sc.readNumber();
        return;
      case A.deviceType:
        this.deviceType = sc.readNumber();
        return;
      case A.grid:
        this.readDim3(this.grid);
        return;
      case A.block:
        this.readDim3(this.block);
        return;
      case A.inputDims: {
        const s = this.afterColon();
        sc.skipValue();
        this.dimsS = s;
        this.dimsE = sc.pos;
        return;
      }
      case A.inputTypes: {
        const s = this.afterColon();
        sc.skipValue();
        this.typesS = s;
        this.typesE = sc.pos;
        return;
      }
      default:
        break;
    }
    // string-valued args
    if (sc.peek() !== QUOTE) {
      sc.skipValue();
      return;
    }
    sc.scanString();
    const s = sc.strStart;
    const e = sc.strEnd;
    switch (key) {
      case A.collName:
        this.collS = s;
        this.collE = e;
        return;
      case A.dtype:
        this.dtypeS = s;
        this.dtypeE = e;
        return;
      case A.pgName:
        this.pgNameS = s;
        this.pgNameE = e;
        return;
      case A.pgDesc:
        this.pgDescS = s;
        this.pgDescE = e;
        return;
      case A.pgRanks:
        this.pgRanksS = s;
        this.pgRanksE = e;
        return;
      case A.inSplit:
        this.inSplitS = s;
        this.inSplitE = e;
        return;
      case A.outSplit:
        this.outSplitS = s;
        this.outSplitE = e;
        return;
      case A.name:
        this.argNameS = s;
        this.argNameE = e;
        return;
      default:
    }
  }

  /** Where the current value's text begins for the stored JSON text of Input Dims / Input type: right after the colon, spaces included (as always stored). */
  private afterColon(): number {
    const b = this.sc.buf;
    let s = this.sc.pos;
    for (let c = b[s - 1]; c === 32 || c === 10 || c === 13 || c === 9; c = b[--s - 1]);
    return s;
  }

  private readDim3(out: Int32Array): void {
    const sc = this.sc;
    out[0] = out[1] = out[2] = 0;
    if (sc.peek() !== LBRACKET) {
      sc.skipValue();
      return;
    }
    sc.pos++;
    for (let i = 0; ; i++) {
      const c = sc.peek();
      if (c === RBRACKET) {
        sc.pos++;
        return;
      }
      if (c === COMMA) {
        sc.pos++;
        continue;
      }
      const v = sc.readNumber();
      if (i < 3) out[i] = toInt(v);
    }
  }

  private resetScratch(): void {
    this.ph = 0;
    this.cat = Cat.none;
    this.nameS = this.nameE = -1;
    this.pid = this.tid = NaN;
    this.pidStr = this.tidStr = -1;
    this.tsOk = false;
    this.durNs = NaN;
    this.flowId = NaN;
    // most events without args (flows) skip this half
    if (!this.argsRead) return;
    this.argsRead = false;
    this.externalId = this.correlation = this.seq = this.fwdThread = NaN;
    this.pythonId = this.pythonParentId = this.flops = NaN;
    this.dimsS = this.dimsE = this.typesS = this.typesE = -1;
    this.device = this.stream = NaN;
    this.grid[0] = this.grid[1] = this.grid[2] = 0;
    this.block[0] = this.block[1] = this.block[2] = 0;
    this.registers = this.sharedMemory = -1;
    this.bytes = this.inNelems = this.outNelems = NaN;
    this.groupSize = -1;
    this.collS = this.collE = this.dtypeS = this.dtypeE = -1;
    this.pgNameS = this.pgNameE = this.pgDescS = this.pgDescE = this.pgRanksS = this.pgRanksE = -1;
    this.inSplitS = this.inSplitE = this.outSplitS = this.outSplitE = this.peer = -1;
    this.totalAllocated = this.totalReserved = this.memBytes = this.deviceId = this.deviceType = NaN;
    this.argNameS = this.argNameE = -1;
  }

  private count(): void {
    const ph = this.ph & 127;
    if (this.cat === Cat.unknown) {
      const id = this.interner.intern(this.sc.buf, this.catS, this.catE) * 128 + ph;
      this.unknownCats.set(id, (this.unknownCats.get(id) ?? 0) + 1);
    } else this.counts[this.cat * 128 + ph]!++;
  }

  private commit(): void {
    this.count();
    const ph = this.ph;
    const cat = this.cat;
    const b = this.builder;
    if (ph === PH_M) {
      this.commitMetadata();
      return;
    }
    if (!this.tsOk) {
      // an empty object (TensorFlow/JAX writers end the array with `{}`) carries nothing to lose
      if (ph !== 0 || this.nameS >= 0) b.diag("bad-timestamp", this.describe());
      return;
    }
    let dur = this.durNs;
    if (ph === PH_X) {
      if (Number.isNaN(dur)) {
        b.diag("missing-duration", this.describe());
        dur = 0;
      } else if (!(dur >= 0) || !Number.isFinite(dur)) {
        b.diag("negative-duration", this.describe());
        dur = 0;
      }
    }
    switch (cat) {
      case Cat.kernel:
      case Cat.memcpy:
      case Cat.memset:
        if (ph === PH_X) this.commitGpu(cat, dur);
        return;
      case Cat.runtime:
      case Cat.driver:
        if (ph === PH_X) this.commitRuntime(cat, dur);
        return;
      case Cat.cpuOp:
      case Cat.userAnnotation:
      case Cat.python:
        if (ph === PH_X) this.commitCpu(cat, this.tsNs, this.tsNs + dur);
        else if (ph === PH_B || ph === PH_E) this.beginEnd(cat);
        return;
      case Cat.gpuAnnotation:
        if (ph === PH_X) {
          b.addGpuRange(this.name(), this.deviceOf(), this.streamOf(), this.tsNs, this.tsNs + dur);
        }
        return;
      case Cat.fwdbwd:
        if ((ph === PH_S || ph === PH_F) && !Number.isNaN(this.flowId)) {
          b.addFlow(this.flowId, ph === PH_S, this.threadOf(), this.tsNs);
        }
        return;
      case Cat.ac2g:
        // an ac2g flow end lies on the device event it launched; CUDA kernels carry the id in args already
        if (ph === PH_F && !Number.isNaN(this.flowId)) this.ac2gEnds.push(this.pidStr, this.pid, this.tidStr, this.tid, this.tsNs, this.flowId);
        return;
      case Cat.unknown:
        if (ph !== PH_X) return;
        // runtime calls of other accelerators (mtia_runtime...) with a correlation id
        if (!Number.isNaN(this.correlation) && this.isCatSuffix(RUNTIME_SUFFIX)) this.commitRuntime(Cat.runtime, dur);
        else if (FLOW_LINKED_DEVICE_CATS.has(this.sc.buf.toString("latin1", this.catS, this.catE))) {
          const key = this.eventKey();
          const row = this.commitGpu(this.isPrefix(DMA_PREFIX) ? Cat.memcpy : Cat.kernel, dur);
          if (!this.flowLinkedRows.has(key)) this.flowLinkedRows.set(key, row);
        }
        return;
      case Cat.instant:
        if ((ph === PH_I || ph === PH_I2) && this.isName(MEMORY_NAME)) this.commitMemory();
        return;
      case Cat.none:
        // Chrome traces from other tools (JAX/TensorFlow trace.json): events of a
        // "/device:GPU:N" process are GPU activity (tid = stream); host events named
        // like a CUDA API call with a correlation id are launch calls; the rest annotations
        if (ph === PH_X && Number.isFinite(this.pid) && this.deviceOfPid.has(this.pid)) {
          this.device = this.deviceOfPid.get(this.pid)!;
          this.commitGpu(this.isPrefix(MEMCPY_PREFIX) ? Cat.memcpy : this.isPrefix(MEMSET_PREFIX) ? Cat.memset : Cat.kernel, dur);
        } else if (ph === PH_X && !Number.isNaN(this.correlation) && this.isCudaApiName()) this.commitRuntime(Cat.runtime, dur);
        else if (ph === PH_X) this.commitCpu(Cat.userAnnotation, this.tsNs, this.tsNs + dur);
        else if (ph === PH_B || ph === PH_E) this.beginEnd(Cat.userAnnotation);
        return;
      default:
    }
  }

  private commitCpu(cat: number, startNs: number, endNs: number): void {
    const b = this.builder;
    const r = b.cpuRow;
    const sc = this.sc;
    r.kind = cat === Cat.cpuOp ? CpuKind.Op : cat === Cat.python ? (this.isPrefix(MODULE_PREFIX) ? CpuKind.Module : CpuKind.Python) : CpuKind.Annotation;
    r.name = this.name();
    r.thread = this.threadOf();
    r.startNs = startNs;
    r.endNs = endNs;
    r.externalId = this.externalId;
    r.seq = this.seq;
    r.fwdThread = this.fwdThread;
    r.pythonId = this.pythonId;
    r.pythonParentId = this.pythonParentId;
    if (this.dimsS >= 0) r.inputDims = this.interner.intern(sc.buf, this.dimsS, this.dimsE);
    if (this.typesS >= 0) r.inputTypes = this.interner.intern(sc.buf, this.typesS, this.typesE);
    r.flops = this.flops;
    r.collective = this.collective();
    b.commitCpu();
  }

  private beginEnd(cat: number): void {
    const thread = this.threadOf();
    const open = this.openBegins;
    if (this.ph === PH_B) {
      open.push(thread, this.name(), this.tsNs, cat);
      return;
    }
    for (let i = open.length - 4; i >= 0; i -= 4) {
      if (open[i] === thread) {
        const name = open[i + 1]!;
        const start = open[i + 2]!;
        const c = open[i + 3]!;
        open.splice(i, 4);
        this.commitCpuNamed(c, name, thread, start, this.tsNs);
        return;
      }
    }
    this.builder.diag("unmatched-end-event", this.describe());
  }

  private commitCpuNamed(cat: number, name: number, thread: number, startNs: number, endNs: number): void {
    const r = this.builder.cpuRow;
    r.kind = cat === Cat.cpuOp ? CpuKind.Op : cat === Cat.python ? CpuKind.Python : CpuKind.Annotation;
    r.name = name;
    r.thread = thread;
    r.startNs = startNs;
    r.endNs = endNs;
    this.builder.commitCpu();
  }

  /** Closes B events left open at the end of the trace at `endNs`. */
  closeOpenBegins(endNs: number): void {
    const open = this.openBegins;
    if (open.length === 0) return;
    this.builder.diagnostics.add("unclosed-begin-event", undefined, open.length / 4);
    for (let i = 0; i < open.length; i += 4) {
      this.commitCpuNamed(open[i + 3]!, open[i + 1]!, open[i]!, open[i + 2]!, Math.max(endNs, open[i + 2]!));
    }
    open.length = 0;
  }

  private commitRuntime(cat: number, dur: number): void {
    const b = this.builder;
    const r = b.runtimeRow;
    r.kind = cat === Cat.driver ? RuntimeKind.Driver : RuntimeKind.Runtime;
    r.name = this.name();
    r.thread = this.threadOf();
    r.startNs = this.tsNs;
    r.endNs = this.tsNs + dur;
    r.correlation = this.correlation;
    r.externalId = this.externalId;
    b.commitRuntime();
  }

  /** Gives flow-linked device rows the correlation of the ac2g flow ending on them (flows may come after the event). */
  resolveFlowLinkedDevice(): void {
    if (this.flowLinkedRows.size === 0) return;
    const ends = this.ac2gEnds;
    for (let i = 0; i < ends.length; i += 6) {
      const row = this.flowLinkedRows.get(eventKey(ends[i]!, ends[i + 1]!, ends[i + 2]!, ends[i + 3]!, ends[i + 4]!));
      if (row !== undefined) this.builder.setGpuCorrelation(row, ends[i + 5]!);
    }
    this.flowLinkedRows.clear();
    this.ac2gEnds.length = 0;
  }

  private eventKey(): string {
    return eventKey(this.pidStr, this.pid, this.tidStr, this.tid, this.tsNs);
  }

  private isCatSuffix(suffix: Buffer): boolean {
    const n = suffix.length;
    if (this.catE - this.catS <= n) return false;
    const b = this.sc.buf;
    for (let i = 0; i < n; i++) if (b[this.catE - n + i] !== suffix[i]) return false;
    return true;
  }

  private commitGpu(cat: number, dur: number): number {
    const b = this.builder;
    const r = b.gpuRow;
    r.kind = cat === Cat.kernel ? GpuKind.Kernel : cat === Cat.memcpy ? GpuKind.Memcpy : GpuKind.Memset;
    r.name = this.name();
    r.device = this.deviceOf();
    r.stream = this.streamOf();
    r.startNs = this.tsNs;
    r.endNs = this.tsNs + dur;
    r.correlation = this.correlation;
    r.externalId = this.externalId;
    r.gridX = this.grid[0]!;
    r.gridY = this.grid[1]!;
    r.gridZ = this.grid[2]!;
    r.blockX = this.block[0]!;
    r.blockY = this.block[1]!;
    r.blockZ = this.block[2]!;
    r.registers = this.registers;
    r.sharedMemory = this.sharedMemory;
    r.bytes = this.bytes;
    r.collective = this.collective();
    return b.commitGpu();
  }

  private commitMemory(): void {
    const device = this.deviceType === 1 && Number.isFinite(this.deviceId) ? this.deviceId : -1;
    this.builder.addMemory(this.tsNs, this.threadOf(), device, this.memBytes, this.totalAllocated, this.totalReserved);
  }

  private commitMetadata(): void {
    if (this.argNameS < 0 || this.nameS < 0) return;
    const sc = this.sc;
    const kind = sc.buf.toString("latin1", this.nameS, this.nameE);
    if (kind === "thread_name") {
      const value = sc.buf.toString("utf8", this.argNameS, this.argNameE);
      this.builder.nameThread(this.threadOf(), value);
    } else if (kind === "process_name" && Number.isFinite(this.pid)) {
      const m = /^\/device:GPU:(\d+)/.exec(sc.buf.toString("utf8", this.argNameS, Math.min(this.argNameE, this.argNameS + 64)));
      if (m) this.deviceOfPid.set(this.pid, Number(m[1]));
    }
  }

  /** cuLaunchKernel, cudaMemcpyAsync, hipLaunchKernel...: a CUDA/HIP driver/runtime API name. */
  private isCudaApiName(): boolean {
    const b = this.sc.buf;
    const s = this.nameS;
    if (s < 0 || this.nameE - s < 3) return false;
    // ROCm: hipX... (hipLaunchKernel, hipMemcpyAsync, hipGraphLaunch...)
    if (b[s] === 104 && b[s + 1] === 105 && b[s + 2] === 112) return this.nameE - s > 3 && b[s + 3]! >= 65 && b[s + 3]! <= 90;
    if (b[s] !== 99 || b[s + 1] !== 117) return false; // "cu"
    const c = b[s + 2]!;
    return (c >= 65 && c <= 90) || (c === 100 && b[s + 3] === 97); // cuX... or cuda...
  }

  private collective(): number {
    if (this.collS < 0) return -1;
    const sc = this.sc;
    const c = this.builder.collectiveRow;
    const intern = (s: number, e: number) => (s >= 0 ? this.interner.intern(sc.buf, s, e) : -1);
    c.name = intern(this.collS, this.collE);
    c.dtype = intern(this.dtypeS, this.dtypeE);
    c.inNelems = this.inNelems;
    c.outNelems = this.outNelems;
    c.groupSize = this.groupSize;
    c.groupName = intern(this.pgNameS, this.pgNameE);
    c.groupDescription = intern(this.pgDescS, this.pgDescE);
    c.groupRanks = intern(this.pgRanksS, this.pgRanksE);
    c.inSplits = intern(this.inSplitS, this.inSplitE);
    c.outSplits = intern(this.outSplitS, this.outSplitE);
    c.peer = this.peer;
    return this.builder.commitCollective();
  }

  private name(): number {
    return this.nameS < 0 ? -1 : this.interner.intern(this.sc.buf, this.nameS, this.nameE);
  }

  private isPrefix(prefix: Buffer): boolean {
    if (this.nameS < 0 || this.nameE - this.nameS < prefix.length) return false;
    const b = this.sc.buf;
    for (let i = 0; i < prefix.length; i++) if (b[this.nameS + i] !== prefix[i]) return false;
    return true;
  }

  private isName(name: Buffer): boolean {
    return this.nameS >= 0 && this.nameE - this.nameS === name.length && this.isPrefix(name);
  }

  private deviceOf(): number {
    const d = Number.isFinite(this.device) ? this.device : this.pid;
    return Number.isFinite(d) ? d : 0;
  }

  private streamOf(): number {
    const s = Number.isFinite(this.stream) ? this.stream : this.tid;
    return Number.isFinite(s) ? s : 0;
  }

  private threadOf(): number {
    // string pids/tids get a non-integer key so they never collide with numbers
    const pidKey = this.pidStr >= 0 ? this.pidStr + 0.5 : Number.isFinite(this.pid) ? this.pid : -1;
    const tidKey = this.tidStr >= 0 ? this.tidStr + 0.5 : Number.isFinite(this.tid) ? this.tid : -1;
    if (pidKey === this.lastPidKey && tidKey === this.lastTidKey) return this.lastThread;
    let byTid = this.threadsByPid.get(pidKey);
    if (!byTid) {
      byTid = new Map();
      this.threadsByPid.set(pidKey, byTid);
    }
    let t = byTid.get(tidKey);
    if (t === undefined) {
      t = this.builder.thread(`${pidKey}:${tidKey}`, this.pidStr >= 0 ? NaN : pidKey, this.tidStr >= 0 ? NaN : tidKey);
      byTid.set(tidKey, t);
    }
    this.lastPidKey = pidKey;
    this.lastTidKey = tidKey;
    this.lastThread = t;
    return t;
  }

  private describe(): string {
    const sc = this.sc;
    const name = this.nameS >= 0 ? sc.buf.toString("utf8", this.nameS, Math.min(this.nameE, this.nameS + 80)) : "(unnamed)";
    const cat = this.cat === Cat.unknown ? sc.buf.toString("utf8", this.catS, Math.min(this.catE, this.catS + 40)) : CAT_NAMES[this.cat];
    return `${cat} event '${name}'`;
  }

  /** Event counts by "category/ph". */
  eventCounts(): Record<string, number> {
    return formatEventCounts([this.countState()]);
  }

  /** The counts as plain data, to merge those of parts of one file read apart. */
  countState(): EventCountState {
    const unknown: EventCountState["unknown"] = [];
    for (const [id, n] of this.unknownCats) unknown.push([this.builder.strings.values[Math.floor(id / 128)] ?? "?", id % 128, n]);
    return { counts: this.counts.slice(), unknown };
  }

  /**
   * Why the events read here could not be merged with those of the other parts
   * of the file exactly as one sequential read would have (state that crosses
   * events), or null. B/E pairs, process-named GPU devices, flow-linked device
   * rows and string pids/tids are left to the sequential reader.
   */
  unsplittable(): string | null {
    for (let cat = 0; cat < 16; cat++) if (this.counts[cat * 128 + PH_B]! > 0 || this.counts[cat * 128 + PH_E]! > 0) return "B/E events";
    if (this.deviceOfPid.size > 0) return "device processes";
    if (this.flowLinkedRows.size > 0) return "flow-linked device events";
    if (this.stringFlowIds) return "string flow ids";
    for (const byTid of this.threadsByPid.values()) for (const tid of byTid.keys()) if (!Number.isInteger(tid)) return "string thread ids";
    for (const pid of this.threadsByPid.keys()) if (!Number.isInteger(pid)) return "string process ids";
    return null;
  }
}

/** Event counts of one reader: per category code x ph byte, and unknown categories as [name, ph, n] in order of first use. */
export interface EventCountState {
  counts: Float64Array;
  unknown: Array<[string, number, number]>;
}

/** Event counts by "category/ph", summed over readers (in file order) as one reader would have counted them. */
export function formatEventCounts(states: readonly EventCountState[]): Record<string, number> {
  const out: Record<string, number> = {};
  const n = states[0]?.counts.length ?? 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const st of states) sum += st.counts[i]!;
    if (sum > 0) out[`${CAT_NAMES[i >> 7]}/${String.fromCharCode(i & 127)}`] = sum;
  }
  for (const st of states)
    for (const [cat, ph, k] of st.unknown) {
      const key = `${cat}/${String.fromCharCode(ph)}`;
      out[key] = (out[key] ?? 0) + k;
    }
  return out;
}

/** "pid:tid:ts" of an event (string pids/tids as s<string id>), to join flow ends to device rows. */
function eventKey(pidStr: number, pid: number, tidStr: number, tid: number, tsNs: number): string {
  return `${pidStr >= 0 ? `s${pidStr}` : String(pid)}:${tidStr >= 0 ? `s${tidStr}` : String(tid)}:${tsNs}`;
}

function toInt(v: number): number {
  return Number.isFinite(v) && Math.abs(v) < 2 ** 31 ? Math.trunc(v) : -1;
}
