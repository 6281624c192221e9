#!/usr/bin/env node
/**
 * Cuts a PyTorch Profiler (Kineto) Chrome trace down to one profiled step, for a fixture:
 *   node tools/cut-kineto-step.mjs IN.json[.gz] OUT.json.gz N
 * Keeps, of ProfilerStep#N (its CPU `user_annotation` range [ts, ts + dur)):
 *   - every CPU event (operators, Python frames and module spans, runtime/driver calls,
 *     annotations) that starts inside the range, and the step's own GPU annotation;
 *   - the GPU kernels, memcpy and memset launched by the kept runtime/driver calls
 *     (matched by `args.correlation`), and their `ac2g` flow ends;
 *   - the `fwdbwd` flows whose both ends start inside the range;
 *   - every metadata (`ph: "M"`) event and the top-level fields (device properties,
 *     versions), except `traceName`, which names the recording machine's output path.
 * The whole file is read in memory (small traces only). The output is gzipped with a
 * zero header time: the same input gives the same bytes.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync, constants } from "node:zlib";

const [input, output, stepArg] = process.argv.slice(2);
const step = Number(stepArg);
if (!input || !output || !Number.isInteger(step)) {
  console.error("usage: node tools/cut-kineto-step.mjs IN.json[.gz] OUT.json.gz N");
  process.exit(2);
}
if (existsSync(output)) {
  console.error(`${output}: exists; not overwritten`);
  process.exit(2);
}
const raw = readFileSync(input);
const trace = JSON.parse((raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString("utf8"));
const events = trace.traceEvents;
const stepName = `ProfilerStep#${step}`;
const cpuStep = events.find((e) => e.name === stepName && e.cat === "user_annotation");
if (!cpuStep) {
  console.error(`${input}: no CPU range ${stepName}`);
  process.exit(2);
}
const from = cpuStep.ts;
const to = cpuStep.ts + cpuStep.dur;
const inside = (e) => typeof e.ts === "number" && e.ts >= from && e.ts < to;
const GPU = new Set(["kernel", "gpu_memcpy", "gpu_memset"]);
const LAUNCH = new Set(["cuda_runtime", "cuda_driver"]);

const launches = new Set();
for (const e of events) if (LAUNCH.has(e.cat) && inside(e) && e.args?.correlation !== undefined) launches.add(e.args.correlation);
const fwdbwdEnds = new Map();
for (const e of events) if (e.cat === "fwdbwd") fwdbwdEnds.set(e.id, (fwdbwdEnds.get(e.id) ?? 0) + (inside(e) ? 1 : 0));

const kept = events.filter((e) => {
  if (e.ph === "M") return true;
  if (e.cat === "ac2g") return launches.has(e.id);
  if (e.cat === "fwdbwd") return fwdbwdEnds.get(e.id) === 2;
  if (GPU.has(e.cat)) return launches.has(e.args?.correlation);
  if (e.cat === "gpu_user_annotation") return e.name === stepName;
  if (e.cat === "Trace" || e.ph === "i" || typeof e.pid !== "number") return false; // profiler-wide spans and markers
  return inside(e);
});
const { traceName: _dropped, ...fields } = trace;
writeFileSync(output, gzipSync(JSON.stringify({ ...fields, traceEvents: kept }), { level: constants.Z_BEST_COMPRESSION }), { flag: "wx" });
console.error(`${stepName}: kept ${kept.length} of ${events.length} events (${launches.size} launches)`);
