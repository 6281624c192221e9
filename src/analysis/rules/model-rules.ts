/** Rules over modules, phases and memory: slow layers, recomputation, memory churn. */
import { severityOf, timeCost, type Evidence, type Rule } from "../findings.js";
import { median } from "../stats.js";
import { formatBytes, formatMs, formatPct } from "../../units.js";

export const slowLayer: Rule = {
  id: "slow-layer",
  title: "A layer is slower than its siblings",
  defaults: { minInstances: 4, minExcessPct: 10, madFactor: 3 },
  evaluate(input) {
    const { modules } = input.summary;
    if (!modules.available) return modules.reason;
    const t = input.thresholds;
    const cls = modules.classes.filter((c) => /layer|block/i.test(c.className) && c.instances >= t["minInstances"]!).sort((a, b) => b.instances - a.instances)[0];
    if (!cls) return null;
    const layers = modules.instances.filter((i) => i.className === cls.className);
    const times = layers.map((l) => l.totalNs);
    const med = median(times);
    // spread between layers: median absolute deviation (scaled to a standard deviation)
    const mad = 1.4826 * median(times.map((x) => Math.abs(x - med)));
    const limit = med + Math.max(t["madFactor"]! * mad, (t["minExcessPct"]! / 100) * med);
    const slow = layers.filter((l) => l.totalNs > limit);
    if (slow.length === 0) return null;
    const cost = slow.reduce((a, l) => a + (l.totalNs - med), 0);
    return {
      id: this.id,
      title: this.title,
      ...timeCost(input.summary, cost),
      summary: `${slow.length} of ${layers.length} ${cls.className} instances take more GPU time than the others (median ${formatMs(med)} ms, limit ${formatMs(limit)} ms); together ${formatMs(cost)} ms above the median.`,
      why: "Identical layers should cost the same. A slower one points at a different code path (a dtype cast, an extra copy, a different attention path, a layer that is not checkpointed or is sharded differently), or at interference such as communication landing on that layer.",
      how: "Compare the slow layer's operators and kernels with a normal one in the operator table (filter by module path); check for casts (aten::to, aten::copy_) and for communication kernels overlapping it.",
      evidence: slow.map((l): Evidence => ({ kind: "module", label: l.path, durationNs: l.totalNs, detail: `${formatPct((100 * (l.totalNs - med)) / med)} above the median` })),
      section: "modules",
    };
  },
};

export const recomputation: Rule = {
  id: "recomputation",
  title: "Activation recomputation re-runs the forward in backward",
  defaults: { minPctOfWindow: 0.5 },
  evaluate(input) {
    const { phases } = input.summary;
    if (!phases.available) return phases.reason;
    if (!phases.recomputeDetected) return input.ctx.attribution.hasModules ? null : "recomputation is recognised from module spans inside backward (with_stack=True)";
    const r = phases.total.find((p) => p.phase === "recompute")!;
    const fwd = phases.total.find((p) => p.phase === "forward")!;
    const timing = timeCost(input.summary, r.kernelNs);
    if (timing.costPctOfWindow < input.thresholds["minPctOfWindow"]!) return null;
    return {
      id: this.id,
      title: this.title,
      ...timing,
      summary: `Recomputed forward work inside backward takes ${formatMs(r.kernelNs)} ms of kernel time (${formatPct(r.pctOfKernelTime)} of kernel time; the forward itself takes ${formatMs(fwd.kernelNs)} ms).`,
      why: "Activation checkpointing saves memory by discarding activations in forward and recomputing them in backward: the recomputed forward is extra GPU work on every step.",
      how: "Checkpoint less: only the layers that need it (e.g. every other decoder layer), or selective checkpointing of the memory-heavy parts (attention) with torch.utils.checkpoint and a policy; disable it (model.gradient_checkpointing_disable()) when the batch fits without it, and use the freed time for a larger batch.",
      evidence: [{ kind: "metric", label: "recomputed kernels", durationNs: r.kernelNs, detail: `${r.count} kernels` }],
      section: "phases",
    };
  },
};

export const memoryChurn: Rule = {
  id: "memory-churn",
  title: "Much more GPU memory reserved than allocated",
  defaults: { minReservedOverPct: 25 },
  evaluate(input) {
    const { memory, trace } = input.summary;
    if (!memory.available) return memory.reason;
    const d = memory.devices[0];
    if (!d) return null;
    const unused = d.peakReservedBytes - d.peakAllocatedBytes;
    const pct = d.peakReservedBytes > 0 ? (100 * unused) / d.peakReservedBytes : 0;
    if (pct < input.thresholds["minReservedOverPct"]!) return null;
    const total = trace.devices.find((x) => x.id === d.device)?.totalMemoryBytes;
    const share = total ? (100 * unused) / total : pct / 4;
    return {
      id: this.id,
      title: this.title,
      severity: severityOf(share),
      costNs: null,
      costPctOfWindow: null,
      costBytes: unused,
      summary: `Peak reserved ${formatBytes(d.peakReservedBytes)} vs peak allocated ${formatBytes(d.peakAllocatedBytes)}: ${formatBytes(unused)} (${formatPct(pct)} of reserved) is held by the caching allocator but not by tensors; ${d.allocations} allocations in the window (${formatBytes(d.allocationRateBytesPerS)}/s).`,
      why: "The caching allocator keeps freed blocks for reuse; varying tensor sizes fragment it, so it reserves more from the driver than the tensors need. That memory is unavailable for a larger batch and can trigger out-of-memory errors.",
      how: "Set PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True (fragmentation); keep shapes static (pad to fixed lengths, bucket sequence lengths); preallocate and reuse buffers instead of creating tensors in the loop.",
      evidence: [{ kind: "metric", label: `GPU ${d.device} reserved - allocated at peak`, detail: formatBytes(unused) }],
      section: "memory",
    };
  },
};
