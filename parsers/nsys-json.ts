/**
 * Nsight Systems JSON export (`nsys export --type json`), plain or gzip (streamed).
 *
 * One JSON object per line: line 1 is `{"data":[...]}`, the string table (index = StringIds
 * id); then events `{"Type":N,"<Kind>Event":{...}}`; the last line is `{"data":[{nameIdx,
 * priority, globalTid}, ...]}`, the thread names. Read here: Type 79 kernels and 80
 * memcpy/memset (`CudaEvent`), 48 runtime/driver calls (`TraceProcessEvent`, eventClass 0/1;
 * other classes such as 3 "TSP overhead" and 102/103 are not runtime calls and are skipped,
 * as the sqlite export leaves them out of CUPTI_ACTIVITY_KIND_RUNTIME), NVTX 59/60/70/71
 * ranges, 34 marks, 75 domain creation (`NvtxEvent`), 27 process records (`CommEvent`: only
 * whether they carry command lines / working directories, and the environment block's
 * string id for RANK). Sampling, scheduling, mmap and diagnostic lines are skipped unparsed.
 * Quirks: 64-bit values are JSON strings ("startNs":"12771888640"); string ids too
 * ("demangledName":"600"); the JSON export has no GPU description (no TARGET_INFO_GPU), so
 * devices are named "GPU <id>"; the first line alone can exceed 300 KB.
 * Each kept line is JSON.parse'd (one small object per event); skipped lines are recognised
 * from their first bytes without decoding.
 */
import { LlmprofError } from "../src/errors.js";
import type { TraceModel } from "../src/model/tables.js";
import { NsysSink, SENSITIVE } from "./nsys-common.js";
import { BlockReader, openSource, type SourceOptions } from "./source.js";

export const NSYS_JSON_FORMAT = "nsys-json";

const TYPE_PREFIX = Buffer.from('{"Type":');
const DATA_PREFIX = Buffer.from('{"data":[');
const WANTED = new Set([27, 33, 34, 48, 59, 60, 70, 71, 75, 79, 80]);

export function sniffNsysJson(head: Buffer): boolean {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  if (!head.subarray(i, i + DATA_PREFIX.length).equals(DATA_PREFIX)) return false;
  // the string table starts with nsys's fixed entries; a later line starts with {"Type":
  const text = head.toString("latin1", i, Math.min(head.length, i + 4096));
  return text.includes('"[Unknown]"') || head.includes(TYPE_PREFIX);
}

type Obj = Record<string, unknown>;

function num(o: Obj | undefined, key: string): number {
  const v = o?.[key];
  if (typeof v === "number") return v;
  if (typeof v === "string" && v !== "") return Number(v);
  return NaN;
}

function obj(o: Obj | undefined, key: string): Obj | undefined {
  const v = o?.[key];
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}

export async function parseNsysJson(path: string, options: SourceOptions & { maxUnitBytes?: number } = {}): Promise<TraceModel[]> {
  const source = openSource(path, options);
  const sink = new NsysSink(NSYS_JSON_FORMAT, path, options.maxRanks);
  const maxLine = options.maxUnitBytes ?? 1 << 30;
  const reader = new BlockReader(source, path, 8 << 20, maxLine, "a line");
  let buf = reader.buf;
  let lineNo = 0;
  let malformed = 0;
  let firstMalformed = "";
  let truncated = false;

  const handle = (s: number, e: number) => {
    while (e > s && (buf[e - 1] === 13 || buf[e - 1] === 32)) e--;
    if (e === s) return;
    lineNo++;
    if (lineNo === 1) {
      if (buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
      if (!buf.subarray(s, s + DATA_PREFIX.length).equals(DATA_PREFIX) || buf[s + DATA_PREFIX.length] !== 34 /* " */) {
        throw new LlmprofError(path, 'is not an Nsight Systems JSON export: its first line is not the string table {"data":["..."]}');
      }
    }
    let type = -1;
    if (buf.subarray(s, s + TYPE_PREFIX.length).equals(TYPE_PREFIX)) {
      type = 0;
      for (let i = s + TYPE_PREFIX.length; i < e; i++) {
        const d = buf[i]! - 48;
        if (d < 0 || d > 9) break;
        type = type * 10 + d;
      }
      if (!WANTED.has(type)) return;
    } else if (!buf.subarray(s, s + DATA_PREFIX.length).equals(DATA_PREFIX)) return;
    let o: Obj;
    try {
      o = JSON.parse(buf.toString("utf8", s, e)) as Obj;
    } catch (err) {
      if (malformed++ === 0) firstMalformed = `line ${lineNo}: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    if (type < 0) dataLine(sink, o);
    else event(sink, type, o);
  };

  try {
    for (;;) {
      await reader.fill();
      buf = reader.buf;
      const filled = reader.filled;
      if (reader.truncated) truncated = true;
      let pos = 0;
      for (;;) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0 || nl >= filled) break;
        handle(pos, nl);
        pos = nl + 1;
      }
      if (reader.eof) {
        if (pos < filled) {
          // no newline at the end: a cut file unless the last line is complete JSON
          try {
            JSON.parse(buf.toString("utf8", pos, filled));
            handle(pos, filled);
          } catch {
            truncated = true;
          }
        }
        break;
      }
      reader.compact(pos);
    }
  } finally {
    source.close();
  }
  if (lineNo === 0) throw new LlmprofError(path, "is empty");
  if (!sink.hasStrings) throw new LlmprofError(path, "is not an Nsight Systems JSON export: no string table");
  sink.bytesRead = source.delivered;
  // nsys writes the thread names as the last line: without them the export was cut
  if (!truncated && !sink.hasThreadNames) sink.diagnose("truncated-input", "the export ends before its last line (the thread-name table)", 1, true);
  if (truncated) sink.diagnose("truncated-input", `the text ends inside line ${lineNo + 1}`, 1, true);
  if (malformed > 0) sink.diagnose("malformed-event", firstMalformed, malformed);
  return sink.finish();
}

function dataLine(sink: NsysSink, o: Obj): void {
  const data = o["data"];
  if (!Array.isArray(data)) return;
  if (!sink.hasStrings) {
    sink.setStrings(data.map((v) => (typeof v === "string" ? v : "")));
    return;
  }
  for (const t of data as unknown[]) {
    if (t === null || typeof t !== "object") continue;
    const tid = num(t as Obj, "globalTid");
    const name = num(t as Obj, "nameIdx");
    if (!Number.isNaN(tid) && !Number.isNaN(name)) sink.threadName(tid, name);
  }
}

function event(sink: NsysSink, type: number, o: Obj): void {
  switch (type) {
    case 79: {
      const c = obj(o, "CudaEvent");
      const k = obj(c, "kernel");
      if (!c || !k) return;
      const sshm = num(k, "staticSharedMemory");
      const dshm = num(k, "dynamicSharedMemory");
      const shm = Number.isNaN(sshm) && Number.isNaN(dshm) ? NaN : (sshm || 0) + (dshm || 0);
      sink.kernel(
        num(c, "startNs"),
        num(c, "endNs"),
        num(c, "deviceId"),
        num(c, "streamId"),
        num(c, "correlationId"),
        num(c, "globalPid"),
        num(k, "demangledName"),
        num(k, "gridX"),
        num(k, "gridY"),
        num(k, "gridZ"),
        num(k, "blockX"),
        num(k, "blockY"),
        num(k, "blockZ"),
        num(k, "registersPerThread"),
        shm,
      );
      return;
    }
    case 80: {
      const c = obj(o, "CudaEvent");
      if (!c) return;
      const cp = obj(c, "memcpy");
      const ms = obj(c, "memset");
      if (cp) {
        sink.memcpy(
          num(c, "startNs"),
          num(c, "endNs"),
          num(c, "deviceId"),
          num(c, "streamId"),
          num(c, "correlationId"),
          num(c, "globalPid"),
          num(cp, "sizebytes"),
          num(cp, "copyKind"),
          num(cp, "srcKind"),
          num(cp, "dstKind"),
        );
      } else if (ms) {
        sink.memset(num(c, "startNs"), num(c, "endNs"), num(c, "deviceId"), num(c, "streamId"), num(c, "correlationId"), num(c, "globalPid"), num(ms, "sizebytes"), num(ms, "memKind"));
      } else if (obj(c, "sync") || obj(c, "synchronization")) sink.synchronization(num(c, "globalPid"));
      return;
    }
    case 48: {
      const t = obj(o, "TraceProcessEvent");
      if (t) sink.runtime(num(t, "startNs"), num(t, "endNs"), num(t, "eventClass"), num(t, "globalTid"), num(t, "correlationId"), num(t, "name"));
      return;
    }
    case 27: {
      const c = obj(o, "CommEvent");
      if (!c) return;
      // only presence is noted; the values are never read (RANK aside, from the env block)
      if (c["Args"] !== undefined || c["Command"] !== undefined) sink.flagSensitive(SENSITIVE.commandLines);
      if (c["WorkDir"] !== undefined) sink.flagSensitive(SENSITIVE.workDirs);
      const env = num(c, "EnvironId");
      if (!Number.isNaN(env)) sink.processEnvironment(num(c, "GlobalPid"), env);
      return;
    }
    default: {
      const n = obj(o, "NvtxEvent");
      if (!n) return;
      const text = typeof n["Text"] === "string" ? (n["Text"] as string) : null;
      sink.nvtx(type, num(n, "Timestamp"), num(n, "EndTimestamp"), num(n, "GlobalTid"), text, num(n, "TextId"), num(n, "DomainId"));
    }
  }
}
