/**
 * A shard's manifest: what its part was made from (every input with its size,
 * mtime and SHA-256 content hash, and what became of it), by which llmprof and
 * with which options. It lets a retried task, an auditor or a downstream job
 * tell which traces a part covers without opening it. Hashes of unchanged
 * traces (same size and mtime) are taken from the earlier manifest, so a
 * resumed run does not read them again.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "../version.js";
import type { ListedTrace } from "./listing.js";
import type { Shard } from "./naming.js";
import type { ShardSource } from "./scheduler.js";

export const MANIFEST_SCHEMA = "llmprof.batch-manifest/1";

export type InputStatus = "analysed" | "kept" | "failed";

export interface ManifestInput {
  root: string;
  file: string;
  size_bytes: number | null;
  /** ISO 8601 UTC, to the millisecond. */
  mtime: string | null;
  /** Hex SHA-256 of the file's bytes as stored; of a trace directory, of its files' names and hashes. Null when unreadable. */
  sha256: string | null;
  status: InputStatus;
}

export interface Manifest {
  schema: typeof MANIFEST_SCHEMA;
  llmprof_version: string;
  shard: Shard | null;
  /** "k-of-n", the value of the parts' hive `shard` column; null unsharded. */
  partition: string | null;
  shard_source: ShardSource | null;
  /** `analysis`: the user's analysis options (config, --steps, --tokens-per-step, hardware) as canonical JSON; rows are reused only under the same. */
  options: { jobs: number; reports: boolean; force: boolean; analysis?: string };
  started_at: string;
  finished_at: string;
  inputs: ManifestInput[];
  /** The files this shard wrote, relative to the output directory (the manifest itself not included). */
  outputs: readonly string[];
}

/** manifest.json, or manifests/shard=k-of-n.json under a shard. */
export function manifestName(shard: Shard | null): string {
  return shard ? `manifests/shard=${shard.index}-of-${shard.count}.json` : "manifest.json";
}

/** The earlier manifest at `path`, or null when absent or not ours. */
export function readManifest(path: string): Manifest | null {
  if (!existsSync(path)) return null;
  try {
    const m = JSON.parse(readFileSync(path, "utf8")) as Partial<Manifest>;
    return m.schema === MANIFEST_SCHEMA && Array.isArray(m.inputs) ? (m as Manifest) : null;
  } catch {
    return null;
  }
}

export function isManifestText(head: string): boolean {
  return head.includes(`"schema": "${MANIFEST_SCHEMA}"`);
}

export interface HashedTrace {
  entry: Pick<ListedTrace, "root" | "file" | "path" | "sizeBytes" | "mtimeMs" | "directory">;
  status: InputStatus;
}

/**
 * The manifest's inputs, in listing order: hashes of traces unchanged since
 * `previous` are reused, the others read `concurrency` at a time.
 */
export async function manifestInputs(traces: readonly HashedTrace[], previous: Manifest | null, concurrency: number): Promise<ManifestInput[]> {
  const known = new Map<string, ManifestInput>();
  for (const p of previous?.inputs ?? []) known.set(`${p.root}\u0000${p.file}`, p);
  const out: ManifestInput[] = new Array(traces.length);
  let next = 0;
  const worker = async () => {
    while (next < traces.length) {
      const i = next++;
      const { entry, status } = traces[i]!;
      const mtime = new Date(Math.round(entry.mtimeMs)).toISOString();
      const before = known.get(`${entry.root}\u0000${entry.file}`);
      const reuse = before && before.sha256 && before.size_bytes === entry.sizeBytes && before.mtime === mtime;
      const sha256 = reuse ? before.sha256 : await contentHash(entry.path, entry.directory).catch(() => null);
      out[i] = { root: entry.root, file: entry.file, size_bytes: entry.sizeBytes, mtime, sha256, status };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, traces.length)) }, worker));
  return out;
}

/** SHA-256 of a file (streamed), or of a trace directory: over "name\0hash\n" of its files in name order. */
export async function contentHash(path: string, directory: boolean): Promise<string> {
  if (!directory) return hashFile(path);
  const h = createHash("sha256");
  for (const name of readdirSync(path).sort()) {
    const p = join(path, name);
    if (!statSync(p).isFile()) continue;
    h.update(`${name}\u0000${await hashFile(p)}\n`, "utf8");
  }
  return h.digest("hex");
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => h.update(chunk))
      .on("error", reject)
      .on("end", () => resolvePromise(h.digest("hex")));
  });
}

export function manifestJson(m: Omit<Manifest, "schema" | "llmprof_version" | "partition">): string {
  const partition = m.shard ? `${m.shard.index}-of-${m.shard.count}` : null;
  const { shard, ...rest } = m;
  const full: Manifest = { schema: MANIFEST_SCHEMA, llmprof_version: VERSION, shard, partition, ...rest };
  return `${JSON.stringify(full, null, 2)}\n`;
}

/** JSON with object keys sorted, so that equal options give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
