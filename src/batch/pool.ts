/**
 * Runs trace jobs on N worker threads, one trace at a time per worker. A worker
 * that dies (out of memory, a native crash) fails only the trace it held and
 * is replaced. The worker's script is the compiled worker.js next to this file
 * (dist/src/batch/); when it is missing, i.e. when running the TypeScript
 * sources (vitest), the jobs run one after another in this thread instead.
 */
import { Worker } from "node:worker_threads";
import { scriptAvailable } from "../../parsers/parallel.js";
import { analyseTrace, type TraceJob, type TraceOutcome } from "./analyse-one.js";

const WORKER_URL = new URL("./worker.js", import.meta.url);

export type PoolMode = "threads" | "in-process";

export function poolMode(): PoolMode {
  return scriptAvailable(WORKER_URL) ? "threads" : "in-process";
}

export async function runJobs(jobs: readonly TraceJob[], threads: number, onDone: (outcome: TraceOutcome, job: TraceJob) => void): Promise<PoolMode> {
  const mode = poolMode();
  if (mode === "in-process" || jobs.length === 0) {
    for (const job of jobs) onDone(await analyseTrace(job), job);
    return mode;
  }
  let next = 0;
  const count = Math.max(1, Math.min(threads, jobs.length));
  await new Promise<void>((resolveAll) => {
    let live = 0;
    const start = () => {
      live++;
      const worker = new Worker(WORKER_URL);
      let current: TraceJob | null = null;
      const feed = () => {
        current = next < jobs.length ? jobs[next++]! : null;
        if (current) worker.postMessage(current);
        else void worker.terminate();
      };
      worker.on("message", (outcome: TraceOutcome) => {
        const job = current!;
        current = null;
        onDone(outcome, job);
        feed();
      });
      let failure = "";
      worker.on("error", (e) => {
        failure = e instanceof Error ? e.message : String(e);
      });
      worker.on("exit", (code) => {
        live--;
        if (current) {
          const job: TraceJob = current;
          current = null;
          onDone({ id: job.id, ok: false, error: `the analysis worker stopped (${failure || `exit code ${code}`})` }, job);
          if (next < jobs.length) start();
        }
        if (live === 0) resolveAll();
      });
      feed();
    };
    for (let i = 0; i < count; i++) start();
  });
  return mode;
}
