/**
 * Parses several trace files at once, one worker thread per file, at most
 * `threads` at a time (issue 18: every core works; ranks of a multi-GPU run
 * parse concurrently). Models come back in input order with their column
 * buffers transferred, so nothing is copied on arrival but the string table.
 * The worker script is the compiled parse-worker.js next to this file; when it
 * is missing (running the TypeScript sources under vitest) or when one thread
 * suffices, the files are parsed one after another in this thread, which gives
 * the same models.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { LlmprofError } from "../src/errors.js";
import { StringTable } from "../src/model/strings.js";
import type { TraceModel } from "../src/model/tables.js";
import type { ParseOptions } from "./kineto.js";

const WORKER_URL = new URL("./parse-worker.js", import.meta.url);

export interface WorkerRequest {
  file: string;
  options: Omit<ParseOptions, "onProgress" | "threads">;
}

export interface WorkerReply {
  /** Bytes read since the last progress message. */
  progress?: number;
  models?: Array<Omit<TraceModel, "strings"> & { strings: readonly string[] }>;
  progressRest?: number;
  error?: { file: string | null; problem: string; internal?: boolean };
}

/** Threads to use when the user gives none: the cores node may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Whether parsing can go to worker threads here (the compiled worker script exists). */
export function workersAvailable(): boolean {
  return WORKER_URL.protocol === "file:" && existsSync(fileURLToPath(WORKER_URL));
}

/**
 * Parses `files` with up to `threads` worker threads; `parseHere` parses one
 * file in this thread (used when workers are not available or not worth it).
 * The first error (in input order) is thrown after every worker finished.
 */
export async function parseFilesInParallel(
  files: readonly string[],
  options: ParseOptions,
  parseHere: (file: string) => Promise<TraceModel[]>,
): Promise<TraceModel[]> {
  const threads = Math.max(1, Math.floor(options.threads ?? defaultThreads()));
  if (files.length < 2 || threads < 2 || !workersAvailable()) {
    const models: TraceModel[] = [];
    for (const file of files) models.push(...(await parseHere(file)));
    return models;
  }
  const { onProgress, threads: _threads, ...rest } = options;
  let delivered = 0;
  const results: Array<TraceModel[] | Error> = new Array(files.length);
  let next = 0;
  const runOne = (index: number): Promise<void> =>
    new Promise((resolve) => {
      const file = files[index]!;
      const worker = new Worker(WORKER_URL, { workerData: { file, options: rest } satisfies WorkerRequest });
      let settled = false;
      const settle = (r: TraceModel[] | Error) => {
        if (settled) return;
        settled = true;
        results[index] = r;
        resolve();
      };
      worker.on("message", (reply: WorkerReply) => {
        if (reply.progress !== undefined) {
          delivered += reply.progress;
          onProgress?.(delivered);
          return;
        }
        if (reply.error) {
          const e = reply.error;
          settle(e.internal ? new Error(`${file}: ${e.problem}`) : new LlmprofError(e.file, e.problem));
        } else {
          delivered += reply.progressRest ?? 0;
          onProgress?.(delivered);
          settle(reply.models!.map(rehydrate));
        }
      });
      worker.on("error", (e) => settle(e instanceof Error ? e : new Error(String(e))));
      worker.on("exit", (code) => settle(new LlmprofError(file, `the parsing thread stopped (exit code ${code}); try --threads 1`)));
    });
  const lane = async (): Promise<void> => {
    while (next < files.length) await runOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(threads, files.length) }, lane));
  const models: TraceModel[] = [];
  for (const r of results) {
    if (r instanceof Error) throw r;
    models.push(...r);
  }
  return models;
}

/** A model as posted by a worker, with its string table (and lookup index) rebuilt. */
function rehydrate(m: Omit<TraceModel, "strings"> & { strings: readonly string[] }): TraceModel {
  const index = new Map<string, number>();
  m.strings.forEach((s, i) => {
    if (!index.has(s)) index.set(s, i);
  });
  return { ...m, strings: new StringTable(m.strings, index) };
}
