/** Exposed communication: collectives not hidden behind compute. */
import { timeCost, type Evidence, type Rule } from "../findings.js";
import { formatMs, formatPct } from "../../units.js";

export const exposedCommunication: Rule = {
  id: "exposed-communication",
  title: "Communication is not hidden behind compute",
  defaults: { minPctOfWindow: 5 },
  evaluate(input) {
    const { temporal, collectives, ranks } = input.summary;
    if (!temporal.available) return temporal.reason;
    if (!collectives.available) return collectives.reason;
    const dev = temporal.devices[0]!;
    const t = dev.total;
    if (t.exposedCommunicationPct < input.thresholds["minPctOfWindow"]!) return null;
    const evidence: Evidence[] = collectives.ranks[0]!.types.map((c) => ({
      kind: "collective",
      label: c.collective,
      durationNs: c.totalNs,
      detail: `${c.count} calls${c.busBandwidthGBps !== null ? `, bus bandwidth ${c.busBandwidthGBps.toFixed(1)} GB/s` : ""}`,
    }));
    let straggler = "";
    const pipeline = input.summary.pipeline as typeof input.summary.pipeline | undefined;
    if (pipeline?.available) {
      // P2P waits of a pipeline are its bubble (pipeline-bubble), not a late rank
      straggler = " Most of it is pipeline P2P: the stages wait for each other (see pipeline-bubble).";
    } else if (ranks.available) {
      const named = ranks.stragglers.filter((s) => s.straggler !== null);
      if (named.length) {
        straggler = ` Rank ${named[0]!.straggler} is a straggler: the other ranks wait ${formatMs(named[0]!.delayNs)} ms for it in step #${named[0]!.step}, so part of this time is waiting, not transfer.`;
        evidence.push(...named.map((s): Evidence => ({ kind: "step", label: `step #${s.step}: rank ${s.straggler} late`, durationNs: s.delayNs, step: s.step })));
      }
    }
    return {
      id: this.id,
      title: this.title,
      ...timeCost(input.summary, t.exposedCommunicationNs),
      summary: `${formatMs(t.exposedCommunicationNs)} ms of communication (${formatPct(t.exposedCommunicationPct)} of the window on ${dev.rank === null ? "" : `rank ${dev.rank} `}GPU ${dev.device}) runs with no compute alongside; only ${formatPct(t.overlapPct)} of communication overlaps compute.${straggler}`,
      why: "Collectives that run while no compute kernel runs add their full time to the step. DDP overlaps gradient all-reduce with backward bucket by bucket; FSDP prefetches parameters; both leave exposed time when buckets are large, hooks fire late, or one rank arrives late.",
      how: "Fix stragglers first (uneven data, a slow host, logging on one rank). Then tune overlap: DDP(bucket_cap_mb=...) smaller buckets start all-reduce earlier, gradient_as_bucket_view=True saves copies; FSDP(backward_prefetch=BackwardPrefetch.BACKWARD_PRE, forward_prefetch=True); reduce volume (bf16 gradients, fewer all-reduces with gradient accumulation under no_sync()).",
      evidence,
      section: "overlap",
    };
  },
};
