/**
 * Raw-SQL references over Nsight Systems SQLite exports, independent of the
 * parsers: NVTX operator ranges (emit_nvtx) and the kernels they launched.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Database from "better-sqlite3";

export interface RawRange {
  name: string;
  start: number;
  end: number;
  tid: number;
}

export interface RawNsys {
  /** emit_nvtx operator ranges (name cut before the first ", "). */
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

/** Reads a gzipped SQLite export into plain rows (the database is gunzipped to a temporary file and removed). */
export function readNsysSqlite(gzPath: string): RawNsys {
  const dir = mkdtempSync(join(tmpdir(), "llmprof-raw-nsys-"));
  try {
    const file = join(dir, "x.sqlite");
    writeFileSync(file, gunzipSync(readFileSync(gzPath)));
    const db = new Database(file, { readonly: true });
    try {
      // a capture without NVTX tracing (`-t cuda`) has no NVTX_EVENTS table
      const hasNvtx = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'NVTX_EVENTS'").get() as { n: number };
      const nvtxRows = (
        hasNvtx.n === 0
          ? []
          : db
              .prepare("SELECT COALESCE(n.text, s.value) AS text, n.start AS start, n.end AS end, n.globalTid AS tid FROM NVTX_EVENTS n LEFT JOIN StringIds s ON s.id = n.textId WHERE n.eventType = 59 AND n.end IS NOT NULL")
              .all()
      ) as { text: string | null; start: number; end: number; tid: number }[];
      const ranges = nvtxRows.map((r) => ({ name: (r.text ?? "").split(", ")[0]!, start: r.start, end: r.end, tid: r.tid, op: (r.text ?? "").includes(", op_id = ") }));
      const launches = db
        .prepare(
          `SELECT r.globalTid AS tid, r.start AS start, k.end - k.start AS kernelNs FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN (
             SELECT correlationId, start, end FROM CUPTI_ACTIVITY_KIND_KERNEL UNION ALL
             SELECT correlationId, start, end FROM CUPTI_ACTIVITY_KIND_MEMCPY UNION ALL
             SELECT correlationId, start, end FROM CUPTI_ACTIVITY_KIND_MEMSET) k ON k.correlationId = r.correlationId`,
        )
        .all() as { tid: number; start: number; kernelNs: number }[];
      const kernels = db
        .prepare(`SELECT s.value AS name, k.start AS start, k.end AS end, r.start AS launchedAt FROM CUPTI_ACTIVITY_KIND_KERNEL k
           JOIN StringIds s ON s.id = k.demangledName LEFT JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON r.correlationId = k.correlationId ORDER BY k.start`)
        .all() as RawNsys["kernels"];
      const plain = ({ name, start, end, tid }: RawRange) => ({ name, start, end, tid });
      const hookRange = /^[A-Z][A-Za-z0-9_]*: [a-z_][A-Za-z0-9_.]*$/;
      const modules = nvtxRows.filter((r) => hookRange.test(r.text ?? "")).map((r) => ({ name: r.text!, start: r.start, end: r.end, tid: r.tid }));
      return { modules, ranges: ranges.filter((r) => r.op).map(plain), steps: ranges.filter((r) => /^ProfilerStep#\d+$/.test(r.name)).map(plain).sort((a, b) => a.start - b.start), launches, kernels };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
