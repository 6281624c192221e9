/** Rules over the idle-gap analysis: host-bound GPU, synchronisations, waiting at step start. */
import { CpuKind } from "../../model/tables.js";
import { SYNC_NAME } from "../idle.js";
import { timeCost, type Evidence, type Rule, type RuleInput } from "../findings.js";
import { formatMs, formatPct } from "../../units.js";
import { workloadOf } from "./workload.js";

function idleCause(input: RuleInput, cause: string): { ns: number; pct: number; count: number } | string {
  const idle = input.summary.idle;
  if (!idle.available) return idle.reason;
  const c = idle.byCause.find((x) => x.cause === cause);
  const windowNs = input.summary.steps.available ? input.summary.steps.windowNs : 0;
  // idle sums over the rank's devices; express it per GPU of the window
  const devices = windowNs > 0 ? Math.max(1, Math.round(idle.windowNs / windowNs)) : 1;
  return { ns: (c?.totalNs ?? 0) / devices, pct: c?.pctOfWindow ?? 0, count: c?.count ?? 0 };
}

export const hostBound: Rule = {
  id: "host-bound",
  title: "The GPU waits for the CPU to launch work",
  defaults: { minPctOfWindow: 10 },
  evaluate(input) {
    const c = idleCause(input, "host-bound");
    if (typeof c === "string") return c;
    if (c.pct < input.thresholds["minPctOfWindow"]!) return null;
    const idle = input.summary.idle;
    if (!idle.available) return null;
    const steps = input.summary.steps.available ? input.summary.steps.count : 1;
    const evidence: Evidence[] = [
      ...idle.topCulprits
        .filter((x) => x.cause === "host-bound")
        .slice(0, 6)
        .map((x): Evidence => ({ kind: "call-site", label: x.culprit, durationNs: x.totalNs, detail: `${x.count} gaps` })),
      ...idle.largestGaps
        .filter((g) => g.cause === "host-bound")
        .slice(0, 4)
        .map((g): Evidence => ({
          kind: "gap",
          label: `gap before ${g.nextActivity ?? "the next kernel"}`,
          durationNs: g.durationNs,
          startNs: g.startNs,
          step: g.step,
          detail: g.culprit ?? undefined,
        })),
    ];
    return {
      id: this.id,
      title: this.title,
      ...timeCost(input.summary, c.ns),
      summary: `${c.count} host-bound gaps leave the GPU idle ${formatMs(c.ns)} ms (${formatPct(c.pct)} of the window, ${formatMs(c.ns / steps)} ms per step): the CPU launched the next kernel only after the GPU had run out of work.`,
      why: "Each kernel launch costs CPU time (Python, the dispatcher, the CUDA driver). When kernels are short, the CPU cannot queue them faster than the GPU runs them, and the GPU idles between launches.",
      how: {
        serving: `Let the engine replay its steps from CUDA/HIP graphs: vLLM without --enforce-eager, with capture sizes covering the batch sizes you serve; SGLang without --disable-cuda-graph and with --cuda-graph-max-bs at or above your decode batch; prefill runs eagerly, so larger chunked-prefill chunks give each kernel more work; torch.compile (vLLM's default compilation) fuses elementwise chains. Removing these gaps would save up to ${formatMs(c.ns / steps)} ms per step.`,
        jax: `Give XLA one program per step: jax.jit the whole step function (not each layer or op), turn Python loops over layers or micro-batches into jax.lax.scan / fori_loop, and avoid host round trips inside the step (float(x), .item(), block_until_ready, printing device arrays); a larger batch per step gives each kernel more work. Removing these gaps would save up to ${formatMs(c.ns / steps)} ms per step.`,
        pytorch: `Launch fewer, larger kernels: torch.compile(model) fuses elementwise chains; CUDA graphs (torch.compile(mode="reduce-overhead") or torch.cuda.graphs) replay a step's launches at once; a larger batch or sequence per step gives each kernel more work; keep Python work (logging, .item(), tensor creation) out of the step. Removing these gaps would save up to ${formatMs(c.ns / steps)} ms per step.`,
      }[workloadOf(input)],
      evidence,
      section: "idle",
    };
  },
};

export const synchronization: Rule = {
  id: "synchronization",
  title: "Synchronisations inside the step drain the GPU queue",
  defaults: { minPctOfWindow: 0.5 },
  evaluate(input) {
    const c = idleCause(input, "synchronization");
    if (typeof c === "string") return c;
    const { model, steps } = input.ctx;
    const { runtime, cpu, strings } = model;
    // call sites: the outermost operator around each sync call in the window
    const sites = new Map<string, { count: number; blockedNs: number }>();
    let calls = 0;
    const isSync = new Map<number, boolean>(); // by name id: one regex per distinct runtime call name
    for (let r = 0; r < runtime.length; r++) {
      const t = runtime.start[r]!;
      if (t < steps.windowStartNs || t >= steps.windowEndNs) continue;
      const name = runtime.name[r]!;
      let sync = isSync.get(name);
      if (sync === undefined) isSync.set(name, (sync = SYNC_NAME.test(strings.get(name))));
      if (!sync) continue;
      calls++;
      let site = strings.get(runtime.name[r]!);
      for (let p = runtime.cpuParent[r]!; p >= 0; p = cpu.parent[p]!) if (cpu.kind[p] === CpuKind.Op) site = strings.get(cpu.name[p]!);
      const s = sites.get(site) ?? { count: 0, blockedNs: 0 };
      s.count++;
      s.blockedNs += runtime.end[r]! - t;
      sites.set(site, s);
    }
    if (calls === 0 || c.pct < input.thresholds["minPctOfWindow"]!) return null;
    return {
      id: this.id,
      title: this.title,
      ...timeCost(input.summary, c.ns),
      summary: `${calls} synchronising calls in the profiled steps; the GPU sat idle ${formatMs(c.ns)} ms (${formatPct(c.pct)} of the window) while the CPU was blocked in them or had just returned from them, with nothing queued.`,
      why: "A synchronisation (tensor.item(), .cpu(), printing a CUDA tensor, torch.cuda.synchronize(), a blocking copy) makes the CPU wait until the GPU has finished everything queued; nothing new is queued meanwhile, so the GPU idles until the CPU launches again.",
      how: "Remove syncs from the step: log losses every N steps or accumulate them on the GPU; avoid .item()/.tolist()/print on CUDA tensors and data-dependent Python control flow; use non_blocking=True copies into pinned memory; call torch.cuda.synchronize() only when timing.",
      evidence: [...sites]
        .sort((a, b) => b[1].blockedNs - a[1].blockedNs)
        .slice(0, 8)
        .map(([label, s]): Evidence => ({ kind: "call-site", label, durationNs: s.blockedNs, detail: `${s.count} calls; CPU blocked time shown` })),
      section: "idle",
    };
  },
};

export const stepStartWait: Rule = {
  id: "step-start-wait",
  title: "The GPU waits at the start of each step (data loading or step setup)",
  defaults: { minPctOfWindow: 2 },
  evaluate(input) {
    // without steps the window is the span of all GPU work: a device idle at its start merely started later
    if (input.summary.steps.available && input.summary.steps.source === "gpu-span") return "the trace has no steps (ProfilerStep#N or serving-engine markers): nothing marks where a step starts";
    const c = idleCause(input, "before-first-activity");
    if (typeof c === "string") return c;
    if (c.pct < input.thresholds["minPctOfWindow"]!) return null;
    const idle = input.summary.idle;
    if (!idle.available) return null;
    const gaps = idle.largestGaps.filter((g) => g.cause === "before-first-activity");
    // a serving engine's step has no data loader: the wait is its own CPU work between steps
    const workload = workloadOf(input);
    const serving = workload === "serving";
    return {
      id: this.id,
      title: serving ? "The GPU waits at the start of each engine step (scheduling and input preparation)" : this.title,
      ...timeCost(input.summary, c.ns),
      summary: `Each step starts with the GPU idle: ${formatMs(c.ns)} ms in total (${formatPct(c.pct)} of the window) before the step's first kernel.`,
      why: serving
        ? "The serving engine's CPU work for a step (scheduling the batch, building its input tensors and attention metadata, processing the previous step's sampled tokens) runs before the step's first kernel and is not overlapped with GPU work."
        : "Work done on the CPU before the first kernel of a step (fetching the next batch, collating, host-to-device copies, Python bookkeeping) is not overlapped with GPU work.",
      how: serving
        ? "Overlap the engine's CPU work with the previous step's GPU work: vLLM `--async-scheduling`; SGLang's overlap scheduler (on unless `--disable-overlap-schedule` is set). Keep decode steps in CUDA/HIP graphs (no eager fallback: batch sizes within the captured sizes) so launching a step costs one graph launch, and avoid per-step host syncs (logprobs, stop checks on the GPU)."
        : workload === "jax"
          ? "Prefetch input: put the next batch on the device (jax.device_put) while the current step runs, or use a loader that prefetches (grain, tf.data .prefetch); JAX dispatches asynchronously, so do not wait on the previous step's results (float(loss), block_until_ready) before dispatching the next."
          : "Load data in background workers: DataLoader(num_workers=N, pin_memory=True, prefetch_factor=2, persistent_workers=True); copy batches with .to(device, non_blocking=True) from pinned memory; prefetch the next batch onto the GPU while the current step runs (a CUDA-stream prefetcher).",
      evidence: gaps.slice(0, 6).map((g): Evidence => ({ kind: "gap", label: `step #${g.step} start`, durationNs: g.durationNs, startNs: g.startNs, step: g.step, detail: g.culprit ?? undefined })),
      section: "idle",
    };
  },
};
