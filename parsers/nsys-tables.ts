/**
 * The tables of an nsys export that llmprof reads, their columns, the check that a file
 * has them, and the loop that feeds a chunk of a table's rows to the NsysSink. Shared by
 * the table-shaped readers (sqlite, Arrow, Parquet); each reader only turns its storage
 * into TableChunks (numeric columns as Float64Array, NULL = NaN).
 * Tables nsys leaves out when empty (e.g. no CUPTI_ACTIVITY_KIND_SYNCHRONIZATION without
 * syncs, no MEMCPY without copies) are optional; only StringIds and one activity table are required.
 */
import { LlmprofError } from "../src/errors.js";
import { NsysSink, SENSITIVE } from "./nsys-common.js";

export interface TableChunk {
  readonly rows: number;
  /** A numeric column as doubles, NaN for NULL or when the table lacks an optional column. */
  num(column: string): Float64Array;
  /** A text column's value, null for NULL or an absent column. */
  text(column: string, row: number): string | null;
}

export interface TableSpec {
  /** numeric columns that must exist */
  readonly numeric: readonly string[];
  /** numeric columns read when present */
  readonly optional?: readonly string[];
  /** text columns that must exist */
  readonly text?: readonly string[];
  /** text columns read when present */
  readonly optionalText?: readonly string[];
}

const GPU_COLUMNS = ["start", "end", "deviceId", "streamId", "correlationId", "globalPid"];

export const TABLES: Readonly<Record<string, TableSpec>> = {
  StringIds: { numeric: ["id"], text: ["value"] },
  CUPTI_ACTIVITY_KIND_KERNEL: {
    numeric: [...GPU_COLUMNS, "demangledName"],
    optional: ["gridX", "gridY", "gridZ", "blockX", "blockY", "blockZ", "registersPerThread", "staticSharedMemory", "dynamicSharedMemory"],
  },
  CUPTI_ACTIVITY_KIND_MEMCPY: { numeric: [...GPU_COLUMNS, "bytes", "copyKind"], optional: ["srcKind", "dstKind"] },
  CUPTI_ACTIVITY_KIND_MEMSET: { numeric: [...GPU_COLUMNS, "bytes"], optional: ["memKind"] },
  CUPTI_ACTIVITY_KIND_SYNCHRONIZATION: { numeric: ["start", "globalPid"] },
  CUPTI_ACTIVITY_KIND_RUNTIME: { numeric: ["start", "end", "eventClass", "globalTid", "correlationId", "nameId"] },
  NVTX_EVENTS: { numeric: ["start", "end", "eventType", "globalTid"], optional: ["textId", "domainId"], optionalText: ["text"] },
  ThreadNames: { numeric: ["nameId", "globalTid"] },
  TARGET_INFO_GPU: { numeric: ["id"], optional: ["totalMemory", "smCount", "computeMajor", "computeMinor"], optionalText: ["name"] },
  META_DATA_EXPORT: { numeric: [], text: ["name"], optionalText: ["value"] },
  META_DATA_CAPTURE: { numeric: [], text: ["name"], optionalText: ["value"] },
  TARGET_INFO_SYSTEM_ENV: { numeric: [], text: ["name"], optionalText: ["value"] },
  ProcessStreams: { numeric: ["globalPid"] },
};

/** Tables of which at least one must exist for the file to hold anything to analyse. */
export const ACTIVITY_TABLES = ["CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_MEMCPY", "CUPTI_ACTIVITY_KIND_MEMSET", "CUPTI_ACTIVITY_KIND_RUNTIME", "NVTX_EVENTS"];

/** Tables that only an nsys export has: without any of them the file is something else. */
const NSYS_MARKERS = ["StringIds", "META_DATA_EXPORT", "TARGET_INFO_SESSION_START_TIME", "ENUM_NSYS_EVENT_TYPE", ...ACTIVITY_TABLES];

/** Read order: strings first (rows name them), everything else after. */
export const READ_ORDER = Object.keys(TABLES);

/**
 * Throws an LlmprofError naming what is missing when `tables` (name -> column names) is not
 * a readable nsys export. `kind` words the container ("SQLite database", "Arrow stream").
 */
export function checkNsysTables(file: string, kind: string, tables: ReadonlyMap<string, ReadonlySet<string>>): void {
  const names = [...tables.keys()];
  if (!NSYS_MARKERS.some((t) => tables.has(t))) {
    const shown = names.slice(0, 8).join(", ") + (names.length > 8 ? `, ... (${names.length} tables)` : "");
    throw new LlmprofError(
      file,
      `is ${kind} but not an Nsight Systems export: it lacks the tables StringIds, CUPTI_ACTIVITY_KIND_KERNEL, CUPTI_ACTIVITY_KIND_RUNTIME and NVTX_EVENTS (it has ${shown || "no tables"})`,
    );
  }
  const missing: string[] = [];
  if (!tables.has("StringIds")) missing.push("table StringIds");
  if (!ACTIVITY_TABLES.some((t) => tables.has(t))) missing.push(`any of the tables ${ACTIVITY_TABLES.join(", ")} (record with \`nsys profile -t cuda,nvtx\`)`);
  for (const table of Object.keys(TABLES)) {
    const cols = tables.get(table);
    if (cols) missing.push(...missingColumns(table, cols));
  }
  if (missing.length > 0) throw new LlmprofError(file, `is an incomplete Nsight Systems export (${kind}): missing ${missing.join("; ")}`);
}

/** "columns a, b of TABLE" for each required column `cols` lacks (empty when complete or unknown). */
export function missingColumns(table: string, cols: ReadonlySet<string>): string[] {
  const spec = TABLES[table];
  if (!spec) return [];
  const lacking = [...spec.numeric, ...(spec.text ?? [])].filter((c) => !cols.has(c));
  return lacking.length > 0 ? [`column${lacking.length > 1 ? "s" : ""} ${lacking.join(", ")} of ${table}`] : [];
}

/** Feeds the rows of one chunk of `table` to the sink. */
export function mapChunk(sink: NsysSink, table: string, c: TableChunk): void {
  const n = c.rows;
  switch (table) {
    case "StringIds": {
      const id = c.num("id");
      for (let i = 0; i < n; i++) sink.setString(id[i]!, c.text("value", i) ?? "");
      return;
    }
    case "CUPTI_ACTIVITY_KIND_KERNEL": {
      const [start, end, dev, stream, corr, pid, name] = gpuCols(c, "demangledName");
      const gx = c.num("gridX"),
        gy = c.num("gridY"),
        gz = c.num("gridZ");
      const bx = c.num("blockX"),
        by = c.num("blockY"),
        bz = c.num("blockZ");
      const regs = c.num("registersPerThread"),
        sshm = c.num("staticSharedMemory"),
        dshm = c.num("dynamicSharedMemory");
      for (let i = 0; i < n; i++) {
        const shm = Number.isNaN(sshm[i]!) && Number.isNaN(dshm[i]!) ? NaN : (sshm[i]! || 0) + (dshm[i]! || 0);
        sink.kernel(start[i]!, end[i]!, dev[i]!, stream[i]!, corr[i]!, pid[i]!, name[i]!, gx[i]!, gy[i]!, gz[i]!, bx[i]!, by[i]!, bz[i]!, regs[i]!, shm);
      }
      return;
    }
    case "CUPTI_ACTIVITY_KIND_MEMCPY": {
      const [start, end, dev, stream, corr, pid, bytes] = gpuCols(c, "bytes");
      const kind = c.num("copyKind"),
        src = c.num("srcKind"),
        dst = c.num("dstKind");
      for (let i = 0; i < n; i++) sink.memcpy(start[i]!, end[i]!, dev[i]!, stream[i]!, corr[i]!, pid[i]!, bytes[i]!, kind[i]!, src[i]!, dst[i]!);
      return;
    }
    case "CUPTI_ACTIVITY_KIND_MEMSET": {
      const [start, end, dev, stream, corr, pid, bytes] = gpuCols(c, "bytes");
      const kind = c.num("memKind");
      for (let i = 0; i < n; i++) sink.memset(start[i]!, end[i]!, dev[i]!, stream[i]!, corr[i]!, pid[i]!, bytes[i]!, kind[i]!);
      return;
    }
    case "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION": {
      const pid = c.num("globalPid");
      for (let i = 0; i < n; i++) sink.synchronization(pid[i]!);
      return;
    }
    case "CUPTI_ACTIVITY_KIND_RUNTIME": {
      const start = c.num("start"),
        end = c.num("end"),
        cls = c.num("eventClass"),
        tid = c.num("globalTid"),
        corr = c.num("correlationId"),
        name = c.num("nameId");
      for (let i = 0; i < n; i++) sink.runtime(start[i]!, end[i]!, cls[i]!, tid[i]!, corr[i]!, name[i]!);
      return;
    }
    case "NVTX_EVENTS": {
      const start = c.num("start"),
        end = c.num("end"),
        type = c.num("eventType"),
        tid = c.num("globalTid"),
        textId = c.num("textId"),
        domain = c.num("domainId");
      for (let i = 0; i < n; i++) sink.nvtx(type[i]!, start[i]!, end[i]!, tid[i]!, c.text("text", i), textId[i]!, domain[i]!);
      return;
    }
    case "ThreadNames": {
      const name = c.num("nameId"),
        tid = c.num("globalTid");
      for (let i = 0; i < n; i++) sink.threadName(tid[i]!, name[i]!);
      return;
    }
    case "TARGET_INFO_GPU": {
      const id = c.num("id"),
        mem = c.num("totalMemory"),
        sms = c.num("smCount"),
        major = c.num("computeMajor"),
        minor = c.num("computeMinor");
      for (let i = 0; i < n; i++) {
        sink.gpu({
          id: id[i]!,
          name: c.text("name", i) ?? `GPU ${id[i]}`,
          ...(Number.isNaN(mem[i]!) ? {} : { totalMemoryBytes: mem[i]! }),
          ...(Number.isNaN(major[i]!) ? {} : { computeCapability: `${major[i]}.${Number.isNaN(minor[i]!) ? 0 : minor[i]}` }),
          ...(Number.isNaN(sms[i]!) ? {} : { smCount: sms[i]! }),
        });
      }
      return;
    }
    case "META_DATA_EXPORT":
      for (let i = 0; i < n; i++) if (c.text("name", i) === "EXPORT_PRODUCT_VERSION") sink.version("nsys", c.text("value", i) ?? "");
      return;
    case "META_DATA_CAPTURE":
      // only the names are looked at: whether the report recorded command lines etc.
      for (let i = 0; i < n; i++) {
        const name = c.text("name", i) ?? "";
        if (!c.text("value", i)) continue;
        if (/^PROCESS_\d+:(COMMAND|ARGUMENT_\d+)$/.test(name)) sink.flagSensitive(SENSITIVE.commandLines);
        else if (/^PROCESS_\d+:WORKING_DIR$/.test(name)) sink.flagSensitive(SENSITIVE.workDirs);
        else if (/^PROCESS_\d+:ENV/.test(name)) sink.flagSensitive(SENSITIVE.env);
      }
      return;
    case "TARGET_INFO_SYSTEM_ENV":
      for (let i = 0; i < n; i++) {
        const name = c.text("name", i);
        if (name === "DeviceEnvironment" && c.text("value", i)) sink.flagSensitive(SENSITIVE.env);
        else if (name === "NvDriverVersion") sink.version("nvidiaDriver", c.text("value", i) ?? "");
        else if (name === "CudaDriverVersion") sink.version("cudaDriver", cudaVersion(c.text("value", i) ?? ""));
      }
      return;
    case "ProcessStreams":
      if (n > 0) sink.flagSensitive(SENSITIVE.output);
      return;
  }
}

/** start, end, device, stream, correlation, process and the `extra` column, in that order. */
function gpuCols(c: TableChunk, extra: string): [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array] {
  return [c.num("start"), c.num("end"), c.num("deviceId"), c.num("streamId"), c.num("correlationId"), c.num("globalPid"), c.num(extra)];
}

/** "13000" -> "13.0" (CUDA's integer version encoding). */
function cudaVersion(v: string): string {
  return /^\d+$/.test(v) ? `${Math.floor(Number(v) / 1000)}.${Math.floor((Number(v) % 1000) / 10)}` : v;
}
