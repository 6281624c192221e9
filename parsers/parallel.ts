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
import type { KinetoPart, ParseOptions } from "./kineto.js";

const WORKER_URL = new URL("./parse-worker.js", import.meta.url);

export interface WorkerRequest {
  file: string;
  options: Omit<ParseOptions, "onProgress" | "threads">;
  /** Read only this part of a Kineto file (kineto-split.ts) and answer with its builder's parts. */
  part?: KinetoPart;
}

export interface WorkerReply {
  /** Bytes read since the last progress message. */
  progress?: number;
  /** The answer: models of a whole file, or the result of a part. */
  result?: unknown;
  progressRest?: number;
  error?: { file: string | null; problem: string; internal?: boolean };
}

type PostedModel = Omit<TraceModel, "strings"> & { strings: readonly string[] };

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
export async function parseFilesInParallel(files: readonly string[], options: ParseOptions, parseHere: (file: string) => Promise<TraceModel[]>): Promise<TraceModel[]> {
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
  const runOne = async (index: number): Promise<void> => {
    const file = files[index]!;
    try {
      // one thread per file here: the cores are already shared among the files
      const models = await runWorker<PostedModel[]>({ file, options: { ...rest, splitMinBytes: Infinity } }, (bytes) => {
        delivered += bytes;
        onProgress?.(delivered);
      });
      results[index] = models.map(rehydrate);
    } catch (e) {
      results[index] = e instanceof Error ? e : new Error(String(e));
    }
  };
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

/**
 * Runs one request on a fresh worker thread: its result, or its error (an
 * LlmprofError when the worker reported one). `onProgress` gets bytes read since
 * the last call.
 */
export function runWorker<T>(request: WorkerRequest, onProgress: (bytes: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: request });
    let settled = false;
    const settle = (r: { ok: T } | { error: Error }) => {
      if (settled) return;
      settled = true;
      if ("ok" in r) resolve(r.ok);
      else reject(r.error);
    };
    worker.on("message", (reply: WorkerReply) => {
      if (reply.progress !== undefined) {
        onProgress(reply.progress);
        return;
      }
      if (reply.error) {
        const e = reply.error;
        settle({ error: e.internal ? new Error(`${request.file}: ${e.problem}`) : new LlmprofError(e.file, e.problem) });
      } else {
        onProgress(reply.progressRest ?? 0);
        settle({ ok: reply.result as T });
      }
    });
    worker.on("error", (e) => settle({ error: e instanceof Error ? e : new Error(String(e)) }));
    worker.on("exit", (code) => settle({ error: new LlmprofError(request.file, `the parsing thread stopped (exit code ${code}); try --threads 1`) }));
  });
}

/** A model as posted by a worker, with its string table (and lookup index) rebuilt. */
function rehydrate(m: PostedModel): TraceModel {
  const index = new Map<string, number>();
  m.strings.forEach((s, i) => {
    if (!index.has(s)) index.set(s, i);
  });
  return { ...m, strings: new StringTable(m.strings, index) };
}
