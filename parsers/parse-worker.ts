/**
 * Worker-thread entry of the parallel loader (parsers/parallel.ts): parses a
 * file (a path, never trace data, comes in) and posts its models back with their
 * column buffers transferred, not copied: once sent, a buffer belongs to the main
 * thread, and the next file is read into new ones. A lane sends its files one
 * after another to the same worker (warm: its code already compiled); a part of
 * a file (kineto-split.ts) is one request to a worker of its own (runWorker).
 */
import { parentPort } from "node:worker_threads";
import { LlmprofError } from "../src/errors.js";
import type { TraceModel } from "../src/model/tables.js";
import type { WorkerReply, WorkerRequest } from "./parallel.js";

const port = parentPort;
if (!port) throw new Error("llmprof parse worker: not started as a worker thread");

/** One request: its reply (models or a part), or the error to report. */
async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    let last = 0;
    const options = {
      ...request.options,
      threads: 1,
      // progress in steps of 16 MB: a message per block would cost more than it tells
      onProgress: (bytes: number) => {
        if (bytes - last < 16 << 20) return;
        port!.postMessage({ progress: bytes - last } satisfies WorkerReply);
        last = bytes;
      },
    };
    if (request.part) {
      // imported on demand: the registry pulls in every format's libraries (Arrow, protobuf...), a part needs none
      const { readKinetoPart } = await import("./kineto-split.js");
      const part = await readKinetoPart(request.file, options, request.part);
      // the last part's exact share is settled by the caller, which reports the file's size at the end
      return { result: part, progressRest: Math.max(0, (part.stoppedAt >= 0 ? part.stoppedAt - request.part.start : 0) - last) };
    }
    const { detectFormat } = await import("./registry.js");
    const format = await detectFormat(request.file);
    const models = await format.parse(request.file, options);
    return { result: models.map(transferable), progressRest: models.reduce((n, m) => n + m.meta.bytesRead, 0) - last };
  } catch (e) {
    if (e instanceof LlmprofError) return { error: { file: e.file, problem: e.problem } };
    return { error: { file: null, problem: e instanceof Error ? (e.stack ?? e.message) : String(e), internal: true } };
  }
}

/** The model as structured-clone data: the string table as its values (the index is rebuilt on arrival). */
function transferable(m: TraceModel): WorkerModel {
  return { ...m, strings: m.strings.values } as unknown as WorkerModel;
}
type WorkerModel = Omit<TraceModel, "strings"> & { strings: readonly string[] };

function post(reply: WorkerReply): void {
  port!.postMessage(reply, reply.result ? transferList(reply.result) : []);
}

// requests come one at a time (parallel.ts WorkerLane), and this thread, compiled code and all, stays for the next
port.on("message", (request: WorkerRequest) => void handle(request).then(post));

/** Every distinct ArrayBuffer under the models' tables (typed-array columns). */
function transferList(result: unknown): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number) => {
    if (depth > 5 || v === null || typeof v !== "object") return;
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) seen.add(v.buffer);
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === "object") visit(x, depth + 1); // models; strings and diagnostics are cloned
      return;
    }
    for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(result, 0);
  return [...seen];
}
