/**
 * Raw-SQL references over Nsight Systems SQLite exports, independent of the
 * parsers: NVTX operator ranges (emit_nvtx) and the kernels they launched.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { RecordBatchReader } from "apache-arrow";
import Database from "better-sqlite3";

export interface RawRange {
  name: string;
  start: number;
  end: number;
  tid: number;
  /** emit_nvtx autograd sequence number (`, seq = N`), absent none. */
  seq?: number;
}

export interface RawNsys {
  /** emit_nvtx operator ranges (name cut before the first ", "), record_function scopes left out. */
  ranges: RawRange[];
  /** ProfilerStep#N ranges. */
  steps: RawRange[];
  /** Module ranges of the README's forward-hook snippet, "Class: path" (name = the whole text). */
  modules: RawRange[];
  /** CUDA runtime calls with the GPU activity (kernel, memcpy, memset) they launched: launch thread and time, its duration. */
  launches: { tid: number; start: number; kernelNs: number }[];
  /** Kernels in start order: demangled name, start, end, start of the runtime call that launched it (null none). */
  kernels: { name: string; start: number; end: number; launchedAt: number | null }[];
}

/**
 * Correlation ids are per process: a runtime call and an activity match only within one
 * process (a report of several ranks holds the same ids in each). An nsys global thread id
 * is its process's global id plus the thread id in the low 24 bits.
 */
const SAME_PROCESS = "r.globalTid / 16777216 * 16777216";

/** Reads a gzipped SQLite export into plain rows (the database is gunzipped to a temporary file and removed). */
export function readNsysSqlite(gzPath: string): RawNsys {
  const dir = mkdtempSync(join(tmpdir(), "llmprof-raw-nsys-"));
  try {
    const file = join(dir, "x.sqlite");
    writeFileSync(file, gunzipSync(readFileSync(gzPath)));
    const db = new Database(file, { readonly: true });
    try {
      return rawFromDatabase(db);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The columns the raw references read, per table of the export. */
const ARROW_COLUMNS: Record<string, string[]> = {
  StringIds: ["id", "value"],
  NVTX_EVENTS: ["start", "end", "eventType", "globalTid", "text", "textId"],
  CUPTI_ACTIVITY_KIND_RUNTIME: ["start", "globalTid", "correlationId"],
  CUPTI_ACTIVITY_KIND_KERNEL: ["start", "end", "correlationId", "globalPid", "demangledName"],
  CUPTI_ACTIVITY_KIND_MEMCPY: ["start", "end", "correlationId", "globalPid"],
  CUPTI_ACTIVITY_KIND_MEMSET: ["start", "end", "correlationId", "globalPid"],
};

/**
 * Reads a gzipped Arrow export (`nsys export --type arrow`: one IPC stream per table, named by its
 * `table_name` metadata) with apache-arrow directly, into an in-memory SQLite database of the same
 * tables, then runs the same SQL as for a SQLite export.
 */
export async function readNsysArrow(gzPath: string): Promise<RawNsys> {
  const db = new Database(":memory:");
  try {
    // INTEGER affinity: ids and times compare as integers, as in a SQLite export (integer division included)
    const typed = (c: string) => `${c} ${c === "value" || c === "text" ? "TEXT" : "INTEGER"}`;
    for (const [t, cols] of Object.entries(ARROW_COLUMNS)) db.exec(`CREATE TABLE ${t} (${cols.map(typed).join(", ")})`);
    const value = (v: unknown) => (typeof v === "bigint" ? Number(v) : (v ?? null));
    for (const reader of RecordBatchReader.readAll(gunzipSync(readFileSync(gzPath)))) {
      const table = reader.schema.metadata.get("table_name") ?? "";
      const cols = ARROW_COLUMNS[table];
      if (!cols) {
        for await (const _ of reader) void _; // drain: the next stream opens after this one
        continue;
      }
      const insert = db.prepare(`INSERT INTO ${table} VALUES (${cols.map(() => "?").join(", ")})`);
      for await (const batch of reader) {
        // whole columns at once (a get() per cell is several times slower)
        const columns = cols.map((c) => batch.getChild(c)?.toArray() as ArrayLike<unknown> | undefined);
        db.transaction(() => {
          const row: unknown[] = new Array(cols.length);
          for (let i = 0; i < batch.numRows; i++) {
            for (let c = 0; c < cols.length; c++) row[c] = value(columns[c]?.[i]);
            insert.run(...row);
          }
        })();
      }
    }
    db.exec("CREATE INDEX runtime_correlation ON CUPTI_ACTIVITY_KIND_RUNTIME (correlationId); CREATE INDEX strings ON StringIds (id)");
    return rawFromDatabase(db);
  } finally {
    db.close();
  }
}

/** The raw rows of an export opened as a SQLite database (a SQLite export, or an Arrow export copied into one). */
function rawFromDatabase(db: Database.Database): RawNsys {
  // a capture without NVTX tracing (`-t cuda`) has no NVTX_EVENTS table
  const hasNvtx = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'NVTX_EVENTS'").get() as { n: number };
  const nvtxRows = (
    hasNvtx.n === 0
      ? []
      : db
          .prepare(
            "SELECT COALESCE(n.text, s.value) AS text, n.start AS start, n.end AS end, n.globalTid AS tid FROM NVTX_EVENTS n LEFT JOIN StringIds s ON s.id = n.textId WHERE n.eventType = 59 AND n.end IS NOT NULL",
          )
          .all()
  ) as { text: string | null; start: number; end: number; tid: number }[];
  const ranges = nvtxRows.map((r) => {
    const seq = /, seq = (\d+)/.exec(r.text ?? "")?.[1];
    const name = (r.text ?? "").split(", ")[0]!;
    // emit_nvtx ranges, less record_function scopes (`DistributedDataParallel.forward`, `Optimizer.step#AdamW.step`)
    const op = (r.text ?? "").includes(", op_id = ") && !/[.#]/.test(name);
    return { name, start: r.start, end: r.end, tid: r.tid, op, ...(seq ? { seq: Number(seq) } : {}) };
  });
  const launches = db
    .prepare(
      `SELECT r.globalTid AS tid, r.start AS start, k.end - k.start AS kernelNs FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN (
         SELECT correlationId, globalPid, start, end FROM CUPTI_ACTIVITY_KIND_KERNEL UNION ALL
         SELECT correlationId, globalPid, start, end FROM CUPTI_ACTIVITY_KIND_MEMCPY UNION ALL
         SELECT correlationId, globalPid, start, end FROM CUPTI_ACTIVITY_KIND_MEMSET) k
       ON k.correlationId = r.correlationId AND k.globalPid = ${SAME_PROCESS}`,
    )
    .all() as { tid: number; start: number; kernelNs: number }[];
  const kernels = db
    .prepare(
      `SELECT s.value AS name, k.start AS start, k.end AS end, r.start AS launchedAt FROM CUPTI_ACTIVITY_KIND_KERNEL k
       JOIN StringIds s ON s.id = k.demangledName LEFT JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON r.correlationId = k.correlationId AND k.globalPid = ${SAME_PROCESS} ORDER BY k.start`,
    )
    .all() as RawNsys["kernels"];
  const plain = ({ name, start, end, tid, seq }: RawRange) => ({ name, start, end, tid, ...(seq === undefined ? {} : { seq }) });
  const hookRange = /^[A-Z][A-Za-z0-9_]*: [a-z_][A-Za-z0-9_.]*$/;
  const modules = nvtxRows.filter((r) => hookRange.test(r.text ?? "")).map((r) => ({ name: r.text!, start: r.start, end: r.end, tid: r.tid }));
  return {
    modules,
    ranges: ranges.filter((r) => r.op).map(plain),
    steps: ranges
      .filter((r) => /^ProfilerStep#\d+$/.test(r.name))
      .map(plain)
      .sort((a, b) => a.start - b.start),
    launches,
    kernels,
  };
}

/** Operator ranges on `tid` inside [from, to) that no other operator range on that thread encloses, in time order. */
export function topLevelOps(raw: RawNsys, tid: number, from: number, to: number): RawRange[] {
  const ops = raw.ranges.filter((r) => r.tid === tid).sort((a, b) => a.start - b.start || b.end - a.end);
  const out: RawRange[] = [];
  let openUntil = -Infinity;
  for (const r of ops) {
    if (r.start < openUntil) continue; // nested in the last top-level one
    openUntil = r.end;
    if (r.start >= from && r.start < to) out.push(r);
  }
  return out;
}

/**
 * Backward launches linked to their forward operator by sequence number, as emit_nvtx
 * records them: a launch's innermost enclosing operator range whose `seq` first appeared
 * on another thread of its process. The forward op is the one that created the autograd node: of the
 * ranges carrying that seq on the thread where it first appeared (consecutive ops, and
 * ops nested in each other, share it), the one starting last. One entry per linked launch.
 */
export function backwardLaunchesByForwardOp(raw: RawNsys): { kernelNs: number; launchStart: number; forward: RawRange }[] {
  const sorted = [...raw.ranges].sort((a, b) => a.start - b.start || b.end - a.end);
  const firstBySeq = new Map<string, RawRange>();
  const creatorBySeq = new Map<string, RawRange>();
  // sequence numbers are per process: key them by the process part of the global thread id
  const key = (r: RawRange) => `${Math.floor(r.tid / 16777216)}:${r.seq}`;
  for (const r of sorted) {
    if (r.seq === undefined) continue;
    const first = firstBySeq.get(key(r));
    if (!first) firstBySeq.set(key(r), r);
    if (!first || first.tid === r.tid) creatorBySeq.set(key(r), r);
  }
  const out: { kernelNs: number; launchStart: number; forward: RawRange }[] = [];
  const byThread = new Map<number, RawRange[]>();
  for (const r of sorted) if (r.seq !== undefined) (byThread.get(r.tid) ?? byThread.set(r.tid, []).get(r.tid)!).push(r);
  const launches = [...raw.launches].sort((a, b) => a.start - b.start);
  for (const [tid, ranges] of byThread) {
    const open: RawRange[] = [];
    let next = 0;
    for (const l of launches) {
      if (l.tid !== tid) continue;
      // a stack of nested ranges (ranges on one thread nest): drop the closed ones before each push
      while (next < ranges.length && ranges[next]!.start <= l.start) {
        const r = ranges[next++]!;
        while (open.length > 0 && open[open.length - 1]!.end < r.start) open.pop();
        open.push(r);
      }
      while (open.length > 0 && open[open.length - 1]!.end < l.start) open.pop();
      // innermost first
      for (let i = open.length - 1; i >= 0; i--) {
        const r = open[i]!;
        if (r.end < l.start) continue;
        const forward = creatorBySeq.get(key(r))!;
        if (forward.tid === tid) continue;
        out.push({ kernelNs: l.kernelNs, launchStart: l.start, forward });
        break;
      }
    }
  }
  return out;
}
