/**
 * `analyze --format trace`: the annotated Chrome trace. Checked with a plain
 * JSON.parse, a trace-event format checker written from the spec, llmprof's own
 * Kineto parser, and independent references over the raw inputs (helpers/raw.ts,
 * the nsys SQLite tables).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTraces } from "../../parsers/registry.js";
import { eventJson, microsText } from "../../reports/trace-export-writer.js";
import { scrubPaths } from "../../reports/trace-export-scrub.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";
import { isComm, isGpu, readRaw, referenceGapCauses, referenceSteps, referenceTemporal, type RawEvent } from "../helpers/raw.js";
import { checkTraceEventFormat } from "../helpers/trace-event-format.js";
import { tempDir } from "./build.js";

type Ev = RawEvent & { s?: string; bp?: string };
interface Out {
  file: { displayTimeUnit: string; otherData: Record<string, unknown>; traceEvents: Ev[] };
  text: string;
  summary: Record<string, any>;
}

const TINY = fixture("llama-tiny-train.json.gz");
const NSYS = fixture("nsys/nsys-tiny-train.sqlite.gz");
const RANKS = [fixture("multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz"), fixture("multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz")];
const ours = (name: string) => name.startsWith("llmprof: ");

/** Runs analyze once into a directory: summary.json and the annotated trace. */
function analyse(inputs: string[], extra: string[] = []): Out {
  const dir = tempDir("llmprof-trace-");
  const r = runCli(["analyze", ...inputs, "-o", dir + "/", "-f", "json,trace", ...extra]);
  expect(r.status, r.stderr).toBe(0);
  const text = gunzipSync(readFileSync(join(dir, "trace.json.gz"))).toString("utf8");
  return { file: JSON.parse(text), text, summary: JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) };
}

const threadNames = (o: Out) => {
  const m = new Map<string, string>();
  for (const e of o.file.traceEvents) if (e.ph === "M" && e.name === "thread_name") m.set(`${e.pid}/${e.tid}`, e.args!["name"] as string);
  return m;
};
const onTrack = (o: Out, pattern: RegExp, pid?: number) => {
  const names = threadNames(o);
  return o.file.traceEvents.filter((e) => e.ph === "X" && (pid === undefined || e.pid === pid) && pattern.test(names.get(`${e.pid}/${e.tid}`) ?? ""));
};
const sum = (list: Ev[]) => list.reduce((s, e) => s + e.dur!, 0);
const gpuDurations = (events: Ev[]) =>
  events
    .filter(isGpu)
    .map((e) => Math.round(e.dur! * 1000))
    .sort((a, b) => a - b);

describe("analyze --format trace (Kineto)", () => {
  let out: Out;
  const raw = readRaw(TINY);
  beforeAll(() => {
    out = analyse([TINY]);
  });

  it("passes the trace-event format check, llmprof tracks never overlapping themselves", () => {
    expect(checkTraceEventFormat(out.file, ours)).toEqual([]);
    expect(out.file.displayTimeUnit).toBe("ns");
    expect(String(out.file.otherData["generator"])).toMatch(/^llmprof /);
  });

  it("holds every GPU activity of the input with its exact timestamp and duration", () => {
    const key = (e: Ev) => `${e.cat}|${Math.round(e.ts! * 1000)}|${Math.round(e.dur! * 1000)}|${e.name}`;
    const inRaw = raw.traceEvents.filter(isGpu).map(key).sort();
    const inOut = out.file.traceEvents.filter(isGpu).map(key).sort();
    expect(inOut.length).toBe(inRaw.length);
    expect(inOut).toEqual(inRaw);
    // 3 decimals of µs: the nanosecond is kept
    expect(out.text).toMatch(/"ts":\d+\.\d{3},"dur":\d+\.\d{3}/);
  });

  it("re-reads with llmprof's own Kineto parser: same activities and durations", async () => {
    const dir = tempDir("llmprof-trace-");
    const path = join(dir, "annotated.json");
    writeFileSync(path, out.text);
    const [model] = await loadTraces([path]);
    expect(model!.meta.format).toBe("kineto-json");
    const durations = Array.from(model!.gpu.end, (e, i) => Math.round(e - model!.gpu.start[i]!)).sort((a, b) => a - b);
    expect(durations).toEqual(gpuDurations(raw.traceEvents));
  });

  it("writes one step slice per ProfilerStep window, as the raw reference computes it", () => {
    const ref = referenceSteps(raw);
    const steps = onTrack(out, /^llmprof: steps$/);
    expect(steps.map((s) => s.name)).toEqual(ref.map((r) => `ProfilerStep#${r.number}`));
    steps.forEach((s, i) => {
      // µs doubles near 4.7e12 resolve ~1 ns: compare within 2 ns
      expect(Math.abs(s.ts! - ref[i]!.start)).toBeLessThanOrEqual(0.002);
      expect(Math.abs(s.ts! + s.dur! - ref[i]!.end)).toBeLessThanOrEqual(0.002);
    });
  });

  it("writes one idle slice per idle gap, named by its cause, adding up to the idle time", () => {
    const idle = onTrack(out, /^llmprof: GPU 0 idle/);
    expect(idle.length).toBe(out.summary["idle"].gapCount);
    expect(sum(idle) * 1000).toBeCloseTo(out.summary["idle"].idleNs, 0);
    // per cause, against the raw reference (ns)
    const ref = referenceGapCauses(raw, 0);
    // the reference subtracts absolute µs doubles: up to ~1 ns of rounding per gap
    const expectCause = (c: string, refNs: number) => {
      const list = idle.filter((e) => e.name === c);
      expect(Math.abs(sum(list) * 1000 - refNs)).toBeLessThanOrEqual(list.length + 1);
    };
    expectCause("host-bound", ref.hostBound);
    expectCause("synchronization", ref.synchronization);
    expectCause("before-first-activity", ref.beforeFirst);
    expect(ref.hostBound).toBeGreaterThan(0);
    const hostBound = idle.find((e) => e.name === "host-bound")!;
    expect(typeof hostBound.args!["culprit"]).toBe("string");
  });

  it("puts llmprof's attribution on every kernel", () => {
    const kernels = out.file.traceEvents.filter((e) => e.cat === "kernel");
    for (const k of kernels) {
      const a = k.args!["llmprof"] as Record<string, unknown>;
      expect(typeof a["category"]).toBe("string");
      expect(String(a["categoryRule"])).not.toBe("");
      expect(["forward", "backward", "optimizer", "other"]).toContain(a["phase"]);
      expect(a).toHaveProperty("operator");
      expect(a).toHaveProperty("module");
    }
    // independent: a kernel is optimizer work exactly when its launch call (by
    // correlation) lies inside an Optimizer.step annotation of the same thread
    const opt = raw.traceEvents.filter((e) => e.cat === "user_annotation" && /^Optimizer\.step/.test(e.name ?? ""));
    const launch = new Map<unknown, Ev>();
    for (const e of raw.traceEvents) if (e.cat === "cuda_runtime" || e.cat === "cuda_driver") launch.set(e.args!["correlation"], e);
    let optimizer = 0;
    for (const k of kernels) {
      const l = launch.get(k.args!["correlation"]);
      const inOpt = l !== undefined && opt.some((o) => o.tid === l.tid && o.ts! <= l.ts! && l.ts! <= o.ts! + o.dur!);
      if (inOpt) optimizer++;
      expect((k.args!["llmprof"] as Record<string, unknown>)["phase"] === "optimizer", k.name).toBe(inOpt);
    }
    expect(optimizer).toBeGreaterThan(0);
    // step: the raw step window holding the kernel's start
    const steps = referenceSteps(raw);
    for (const k of kernels) {
      const s = steps.find((x) => x.start <= k.ts! && k.ts! < x.end);
      expect((k.args!["llmprof"] as Record<string, unknown>)["step"]).toBe(s ? s.number : null);
    }
  });

  it("writes phase slices that never leave their step, and a busy % counter per step equal to the raw sweep", () => {
    const phases = onTrack(out, /^llmprof: phase /);
    expect(phases.length).toBeGreaterThanOrEqual(2 * 3); // forward, backward, optimizer in each of the 2 steps
    const steps = referenceSteps(raw);
    for (const p of phases) {
      const n = p.args!["step"] as number;
      const s = steps.find((x) => x.number === n)!;
      expect(p.ts!).toBeGreaterThanOrEqual(s.start - 0.0005);
    }
    const busy = out.file.traceEvents.filter((e) => e.ph === "C" && e.name === "GPU 0 busy %");
    expect(busy.length).toBe(steps.length + 1);
    steps.forEach((s, i) => {
      const ref = referenceTemporal(raw, 0, s.start, s.end);
      expect(busy[i]!.args!["busyPct"] as number).toBeCloseTo((100 * ref.busy) / ref.window, 3);
    });
  });

  it("writes the GPU memory allocated counter from every allocator event, and achieved TFLOP/s per step", () => {
    const mem = raw.traceEvents.filter((e) => e.name === "[memory]" && e.args!["Device Type"] === 1).sort((a, b) => a.ts! - b.ts!);
    const counter = out.file.traceEvents.filter((e) => e.ph === "C" && e.name === "GPU 0 memory allocated");
    expect(mem.length).toBeGreaterThan(0);
    expect(counter.map((c) => c.args!["bytes"])).toEqual(mem.map((m) => m.args!["Total Allocated"]));
    const tflops = out.file.traceEvents.filter((e) => e.ph === "C" && e.name === "achieved TFLOP/s");
    const steps = out.summary["efficiency"].steps as { achievedTflopsPerS: number }[];
    expect(tflops.length).toBe(steps.length + 1);
    steps.forEach((s, i) => expect(tflops[i]!.args!["tflopsPerS"]).toBe(s.achievedTflopsPerS));
  });

  it("places each finding at the evidence it cites", () => {
    const findings = out.summary["findings"].findings as { title: string; evidence: { startNs?: number; step?: number }[] }[];
    const expected = findings.reduce((n, f) => n + Math.max(1, f.evidence.filter((e) => e.startNs !== undefined || e.step !== undefined).length), 0);
    const instants = out.file.traceEvents.filter((e) => e.ph === "i" && e.cat === "llmprof.finding");
    expect(instants.length).toBe(expected);
    expect(expected).toBeGreaterThan(0);
  });

  it("copies no path of the input", () => {
    expect(out.text).not.toContain(TINY);
    expect(out.text).not.toContain("fixtures/");
  });

  it("--overlay-only writes only llmprof's tracks", () => {
    const overlay = analyse([TINY], ["--overlay-only"]);
    expect(checkTraceEventFormat(overlay.file, ours)).toEqual([]);
    expect(overlay.file.traceEvents.filter(isGpu).length).toBe(0);
    expect(overlay.file.traceEvents.some((e) => e.cat === "cpu_op")).toBe(false);
    expect(onTrack(overlay, /idle/).length).toBe(out.summary["idle"].gapCount);
    for (const name of threadNames(overlay).values()) expect(name).toMatch(/^llmprof: /);
  });
});

describe("analyze --format trace (Nsight Systems)", () => {
  it("holds every kernel, memcpy and memset of the SQLite export and passes the format check", async () => {
    const out = analyse([NSYS]);
    expect(checkTraceEventFormat(out.file, ours)).toEqual([]);
    // independent: the nsys tables themselves
    const dir = tempDir("llmprof-trace-");
    const db = join(dir, "n.sqlite");
    writeFileSync(db, gunzipSync(readFileSync(NSYS)));
    const sqlite = new Database(db, { readonly: true });
    const durations: number[] = [];
    for (const t of ["CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_MEMCPY", "CUPTI_ACTIVITY_KIND_MEMSET"]) {
      for (const r of sqlite.prepare(`SELECT end - start AS d FROM ${t}`).all() as { d: number }[]) durations.push(r.d);
    }
    sqlite.close();
    durations.sort((a, b) => a - b);
    expect(gpuDurations(out.file.traceEvents)).toEqual(durations);
    // re-read as Kineto
    const path = join(dir, "annotated.json");
    writeFileSync(path, out.text);
    const [model] = await loadTraces([path]);
    expect(Array.from(model!.gpu.end, (e, i) => Math.round(e - model!.gpu.start[i]!)).sort((a, b) => a - b)).toEqual(durations);
    expect(onTrack(out, /idle/).length).toBe(out.summary["idle"].gapCount);
    expect(out.text).not.toMatch(/"(CUDA_VISIBLE_DEVICES|PATH|HOME)=/);
  });
});

describe("analyze --format trace (two ranks)", () => {
  it("writes one named process per rank with its activities and exposed communication", () => {
    const out = analyse(RANKS);
    expect(checkTraceEventFormat(out.file, ours)).toEqual([]);
    const processes = out.file.traceEvents.filter((e) => e.ph === "M" && e.name === "process_name");
    expect(processes.map((p) => p.args!["name"]).sort()).toEqual(["rank 0", "rank 1"]);
    RANKS.forEach((path, rank) => {
      const raw = readRaw(path);
      const mine = out.file.traceEvents.filter((e) => e.pid === rank);
      expect(gpuDurations(mine)).toEqual(gpuDurations(raw.traceEvents));
      expect(raw.traceEvents.some(isComm)).toBe(true);
      const steps = referenceSteps(raw);
      const ref = referenceTemporal(raw, Number(raw.traceEvents.find(isGpu)!.args!["device"]), steps[0]!.start, steps[steps.length - 1]!.end);
      const exposed = onTrack(out, /exposed communication$/, rank);
      expect(exposed.length).toBeGreaterThan(0);
      expect(sum(exposed)).toBeCloseTo(ref.comm - ref.overlap, 2);
    });
  });
});

describe("trace event writer", () => {
  it("escapes names as JSON requires", () => {
    const name = 'a"b\\c\n\t\u0001</script>\ud800é';
    const text = eventJson({ ph: "X", name, pid: 0, tid: 1, tsNs: 1500n, durNs: 2, args: { x: name, nan: NaN } });
    expect(text).not.toMatch(/[\u0000-\u001f]/); // control characters escaped
    expect(text).toContain("\\ud800"); // a lone surrogate escaped, not written as invalid UTF-8
    const parsed = JSON.parse(text);
    expect(parsed.name).toBe(name);
    expect(parsed.args.x).toBe(name);
    expect(parsed.ts).toBe(1.5);
    expect(parsed.dur).toBe(0.002);
    expect(parsed.args.nan).toBeNull();
  });

  it("writes µs with exactly three decimals, beyond 2^53 ns and below zero", () => {
    expect(microsText(1_700_000_000_123_456_789n)).toBe("1700000000123456.789");
    expect(microsText(-1500n)).toBe("-1.500");
    expect(microsText(7n)).toBe("0.007");
  });

  it("strips directories of absolute Python paths", () => {
    expect(scrubPaths("/home/alice/repo/train.py(42): main")).toBe("train.py(42): main");
    expect(scrubPaths("torch/nn/modules/module.py(1520): _call_impl")).toBe("torch/nn/modules/module.py(1520): _call_impl");
    expect(scrubPaths("jit(train)/while/body/dot")).toBe("jit(train)/while/body/dot");
  });

  it("streams the trace to stdout, and rejects --overlay-only without it", () => {
    const r = runCli(["analyze", TINY, "--format", "trace", "--overlay-only"]); // small enough for spawnSync's buffer
    expect(r.status, r.stderr).toBe(0);
    expect(checkTraceEventFormat(JSON.parse(r.stdout), ours)).toEqual([]);
    const bad = runCli(["analyze", TINY, "--overlay-only"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/--overlay-only/);
  });

  it("refuses to write over an input, with one clean line", () => {
    const dir = tempDir("llmprof-trace-");
    const copy = join(dir, "in.json.gz");
    writeFileSync(copy, readFileSync(TINY));
    expectCleanError(runCli(["analyze", copy, "-o", copy]), copy, /one of the inputs/);
    // a re-run replaces its own gzip output (recognised through the gzip layer)
    const mine = join(dir, "mine.json.gz");
    expect(runCli(["analyze", TINY, "-o", mine, "--overlay-only"]).status).toBe(0);
    const again = runCli(["analyze", TINY, "-o", mine, "--overlay-only"]);
    expect(again.status, again.stderr).toBe(0);
    const other = join(dir, "other.json.gz");
    writeFileSync(other, "not ours");
    expectCleanError(runCli(["analyze", TINY, "-o", other]), other, /not an llmprof output/);
  });
});

describe("analyze --format trace (XPlane)", () => {
  it("holds every GPU activity of the XPlane model and passes the format check", async () => {
    const path = fixture("jax/vm.xplane.pb");
    const out = analyse([path]);
    expect(checkTraceEventFormat(out.file, ours)).toEqual([]);
    const [model] = await loadTraces([path]);
    const durations = Array.from(model!.gpu.end, (e, i) => Math.round(e - model!.gpu.start[i]!)).sort((a, b) => a - b);
    expect(durations.length).toBeGreaterThan(0);
    expect(gpuDurations(out.file.traceEvents)).toEqual(durations);
    expect(onTrack(out, /idle/).length).toBe(out.summary["idle"].gapCount);
  });
});

describe("overlay track seam", () => {
  it("adds one named track per source (graph replays, critical path plug in here)", async () => {
    const { analyzeModels } = await import("../../src/analysis/analyze.js");
    const { writeAnnotatedTrace } = await import("../../reports/trace-export.js");
    const { PassThrough } = await import("node:stream");
    const models = await loadTraces([TINY]);
    const summary = analyzeModels(models);
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (c: Buffer) => chunks.push(c));
    const first = models[0]!.gpu;
    await writeAnnotatedTrace(models, summary, sink, {
      overlayOnly: true,
      extraTracks: [
        {
          track: "graph replays",
          slices: () => [
            { name: "replay", startNs: first.start[0]!, durNs: first.end[0]! - first.start[0]! },
            { name: "mark", startNs: first.start[1]! },
          ],
        },
      ],
    });
    const file = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    expect(checkTraceEventFormat(file, ours)).toEqual([]);
    const names = new Map<number, string>();
    for (const e of file.traceEvents) if (e.ph === "M" && e.name === "thread_name") names.set(e.tid, e.args.name);
    const extra = file.traceEvents.filter((e: Ev) => e.ph !== "M" && names.get(e.tid as number) === "llmprof: graph replays");
    expect(extra.map((e: Ev) => e.ph).sort()).toEqual(["X", "i"]);
    expect(extra.find((e: Ev) => e.ph === "X").dur).toBeCloseTo((first.end[0]! - first.start[0]!) / 1000, 3);
  });
});

describe("graph replays track", () => {
  it("one slice per hipGraphLaunch, spanning the kernels that share its correlation id (raw JSON)", () => {
    const path = fixture("external/mi300-vllm-decode-hipgraph.json.gz");
    const out = analyse([path]);
    expect(checkTraceEventFormat(out.file, ours)).toEqual([]);
    // independent reference: graph launch calls and the device activities sharing their correlation
    const raw = readRaw(path).traceEvents as Ev[];
    const launches = new Map<number, { start: number; end: number }>();
    for (const e of raw) if (/GraphLaunch/.test(String(e.name)) && e.args?.["correlation"] !== undefined) launches.set(Number(e.args["correlation"]), { start: Infinity, end: -Infinity });
    for (const e of raw) {
      if (!isGpu(e) || e.ts === undefined || e.args?.["correlation"] === undefined) continue;
      const span = launches.get(Number(e.args["correlation"]));
      if (!span) continue;
      span.start = Math.min(span.start, e.ts);
      span.end = Math.max(span.end, e.ts + (e.dur ?? 0));
    }
    const expected = [...launches.values()]
      .filter((s) => s.end > -Infinity)
      .map((s) => s.end - s.start)
      .sort((a, b) => a - b);
    expect(expected.length).toBeGreaterThan(0);
    const slices = onTrack(out, /graph replays/)
      .map((e) => e.dur!)
      .sort((a, b) => a - b);
    expect(slices.length).toBe(expected.length);
    slices.forEach((d, k) => expect(d).toBeCloseTo(expected[k]!, 2));
  });

  it("no graph track on a trace without graph launches", () => {
    const out = analyse([TINY]);
    expect([...threadNames(out).values()].some((n) => /graph replays/.test(n))).toBe(false);
  });
});
