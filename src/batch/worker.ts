/**
 * Worker-thread entry of `llmprof batch`: receives one TraceJob at a time (a
 * path, never trace data), answers with plain rows or an error message. One
 * trace at a time per worker bounds the memory to that of the largest trace.
 */
import { parentPort } from "node:worker_threads";
import { analyseTrace, type TraceJob } from "./analyse-one.js";

const port = parentPort;
if (!port) throw new Error("llmprof batch worker: not started as a worker thread");
port.on("message", (job: TraceJob) => {
  void analyseTrace(job).then((outcome) => port.postMessage(outcome));
});
