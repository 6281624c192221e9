/** Pipeline bubbles above the schedule's ideal, and uneven all-to-all traffic (MoE). */
import { timeCost, type Evidence, type Rule } from "../findings.js";
import { formatMs, formatPct } from "../../units.js";

export const pipelineBubble: Rule = {
  id: "pipeline-bubble",
  title: "Pipeline stages wait for each other more than the schedule needs",
  defaults: { minExcessPct: 5 },
  evaluate(input) {
    const p = input.summary.pipeline as typeof input.summary.pipeline | undefined;
    if (!p) return "no pipeline section";
    if (!p.available) return p.reason;
    const rows = p.stages.flatMap((st) => st.steps.map((x) => ({ st, x, excess: x.idealBubblePct === null ? 0 : x.bubblePct - x.idealBubblePct })));
    const worst = rows.reduce((a, b) => (b.excess > a.excess ? b : a), rows[0]!);
    if (!worst || worst.excess < input.thresholds["minExcessPct"]!) return null;
    // cost on the primary rank (the window's rank): its bubble above the ideal share of its steps
    const primary = rows.filter((r) => r.st.rank === (input.ctx.model.meta.rank ?? r.st.rank));
    const costNs = primary.reduce((a, r) => a + Math.max(0, r.x.bubbleNs - ((r.x.idealBubblePct ?? 0) / 100) * r.x.stepNs), 0);
    const evidence: Evidence[] = rows.map((r) => ({
      kind: "step",
      label: `stage ${r.st.stage} (rank ${r.st.rank ?? "?"}) step #${r.x.step}`,
      durationNs: r.x.bubbleNs,
      step: r.x.step,
      detail: `bubble ${formatPct(r.x.bubblePct)} vs ideal ${r.x.idealBubblePct === null ? "n/a" : formatPct(r.x.idealBubblePct)}; ${r.x.forward} forward, ${r.x.backward} backward micro-batches`,
    }));
    return {
      id: this.id,
      title: this.title,
      ...timeCost(input.summary, costNs),
      summary: `Stage ${worst.st.stage} of ${worst.st.stages} (rank ${worst.st.rank ?? "?"}) waits on P2P for ${formatMs(worst.x.bubbleNs)} ms, ${formatPct(worst.x.bubblePct)} of step #${worst.x.step}; with ${worst.x.forward} micro-batches the ideal bubble of the schedule is ${formatPct(worst.x.idealBubblePct ?? 0)}.`,
      why: "In a pipeline each stage waits for activations from the previous stage and gradients from the next. The schedule itself leaves (p-1)/(m+p-1) of the step idle; more than that means the stages are unevenly loaded (the others wait for the slowest) or transfers are slow.",
      how: "Balance the stages (move layers from the slowest stage; the last stage also runs the head and the loss), raise the number of micro-batches (bubble (p-1)/(m+p-1)), or use an interleaved or zero-bubble schedule (torch.distributed.pipelining ScheduleInterleaved1F1B, ScheduleInterleavedZeroBubble / ScheduleZBVZeroBubble).",
      evidence,
      section: "parallelism",
    };
  },
};

export const allToAllImbalance: Rule = {
  id: "all-to-all-imbalance",
  title: "All-to-all traffic is uneven across ranks",
  defaults: { minImbalance: 1.2 },
  evaluate(input) {
    const w = input.summary.collectiveWaits as typeof input.summary.collectiveWaits | undefined;
    if (!w) return "no collectiveWaits section";
    if (!w.available) return w.reason;
    if (w.allToAll.length === 0) return "no all-to-all with recorded sizes";
    const worst = w.allToAll.reduce((a, b) => (b.receivedImbalance > a.receivedImbalance ? b : a));
    if (worst.receivedImbalance < input.thresholds["minImbalance"]!) return null;
    // cost: the primary rank's waiting in that group's collectives (it includes waits of other causes)
    const group = w.groups.find((g) => g.group === worst.group);
    const rank = input.ctx.model.meta.rank;
    const waiting = group?.perRank.find((r) => r.rank === rank)?.waitingNs ?? 0;
    const most = worst.perRank.reduce((a, b) => (b.receivedBytes > a.receivedBytes ? b : a));
    return {
      id: this.id,
      title: this.title,
      ...timeCost(input.summary, waiting),
      summary: `In ${worst.group}, rank ${most.rank ?? "?"} receives ${worst.receivedImbalance.toFixed(2)}x the mean bytes of the all-to-alls (worst single all-to-all ${worst.worstInstanceImbalance === null ? "n/a" : `${worst.worstInstanceImbalance.toFixed(2)}x`}); this rank waits ${formatMs(waiting)} ms in the group's collectives.`,
      why: "In expert parallelism each rank's experts process the tokens routed to them; a rank that receives more tokens computes longer and the others wait at the next all-to-all.",
      how: "Balance the router (auxiliary load-balancing loss, capacity factor, token dropping), place experts so hot ones do not share a rank, or replicate hot experts (EPLB in vLLM/SGLang).",
      evidence: worst.perRank.map((r) => ({
        kind: "metric",
        label: `rank ${r.rank ?? "?"}`,
        detail: `received ${r.receivedBytes} bytes (${r.receivedFromOthersBytes} from other ranks), sent ${r.sentBytes}`,
      })),
      section: "parallelism",
    };
  },
};
