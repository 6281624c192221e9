/** The readable summary `llmprof analyze` prints on the terminal. */
import type { Summary } from "../src/analysis/summary.js";
import { deviceList, formatBytes, formatCount, formatMs, formatNs, formatPct, shortKernelName, signedOneDecimal, textTable } from "./format.js";
import { isOthers, shownAndOthers } from "./top-rows.js";
import { medianPathStep, pathStepHeader, pathStepRow, whatIfHeader, whatIfRows } from "./critical-path-text.js";
import { headlineFigures } from "./headline-figures.js";
import { phaseTotalRows } from "./phase-rows.js";

export function renderTerminal(s: Summary): string {
  const out: string[] = [];
  const t = s.trace;
  out.push(`llmprof ${s.generator.version} — ${t.files.join(", ")}`);
  out.push(`format ${t.format}${t.partial ? " (PARTIAL: the input was cut short; figures cover what was read)" : ""}`);
  if (t.sensitiveContent.length) out.push(`note: the input holds ${t.sensitiveContent.join(", ")}; none of it is copied into llmprof's outputs`);
  if (t.devices.length) out.push(`devices: ${deviceList(t.devices)}`);
  const ranks = t.ranks.filter((r) => r.rank !== null);
  if (ranks.length) out.push(`ranks: ${ranks.map((r) => r.rank).join(", ")} of world size ${ranks[0]!.worldSize ?? "?"}`);
  out.push("");

  out.push(...headlineText(s), ...findingsText(s));

  if (s.steps.available) {
    const st = s.steps;
    out.push(
      st.source === "profiler-steps"
        ? `Steps: ${st.count} profiled (ProfilerStep), step time median ${formatNs(st.stepTimeMedianNs)} (min ${formatNs(st.stepTimeMinNs)}, max ${formatNs(st.stepTimeMaxNs)})`
        : st.source === "serving-steps"
          ? `Steps: ${st.count} serving-engine steps (SGLang/vLLM markers), step time median ${formatNs(st.stepTimeMedianNs)} (min ${formatNs(st.stepTimeMinNs)}, max ${formatNs(st.stepTimeMaxNs)})`
          : `Steps: none recorded; window = span of all GPU activity (${formatNs(st.windowNs)})`,
    );
    for (const k of st.serving?.kinds ?? [])
      out.push(
        `  ${k.kind}: ${formatCount(k.steps)} steps, ${formatMs(k.timeNs)} ms (${formatPct(k.pctOfTime)} of serving time), mean batch ${k.meanBatchSize.toFixed(1)}, ${k.tokens === null ? "tokens n/a" : `${formatCount(k.tokens)} tokens, ${k.tokensPerS === null ? "n/a" : formatCount(Math.round(k.tokensPerS))} tokens/s`}`,
      );
  } else out.push(`Steps: unavailable — ${s.steps.reason}`);

  if (s.temporal.available) {
    out.push("");
    out.push("GPU time breakdown (window = the profiled steps)");
    const rows = s.temporal.devices.map((d) => [
      d.rank === null ? `gpu ${d.device}` : `rank ${d.rank} gpu ${d.device}`,
      formatMs(d.total.windowNs),
      formatPct(d.total.busyPct),
      formatPct(d.total.computePct),
      formatPct(d.total.exposedCommunicationPct),
      formatPct(d.total.exposedMemoryPct),
      formatPct(d.total.idlePct),
      formatPct(d.total.overlapPct),
    ]);
    out.push(textTable(["device", "window ms", "busy", "compute", "exposed comm", "exposed memcpy", "idle", "comm overlap"], rows, [false, true, true, true, true, true, true, true]));
    const d0 = s.temporal.devices[0];
    if (d0 && d0.steps.length > 1) {
      out.push("");
      out.push(`Per step (${d0.rank === null ? "" : `rank ${d0.rank} `}gpu ${d0.device})`);
      out.push(
        textTable(
          ["step", "ms", "compute", "comm", "exposed comm", "memcpy", "idle"],
          d0.steps.map((x) => [String(x.step), formatMs(x.windowNs), formatMs(x.computeNs), formatMs(x.communicationNs), formatMs(x.exposedCommunicationNs), formatMs(x.memoryNs), formatMs(x.idleNs)]),
          [false, true, true, true, true, true, true],
        ),
      );
    }
  } else out.push(`GPU time: unavailable — ${s.temporal.reason}`);

  if (s.kernels.available) {
    const k = s.kernels;
    out.push("");
    out.push(`Kernel categories (${formatCount(k.count)} GPU activities, ${formatNs(k.totalNs)} in total)`);
    out.push(
      textTable(
        ["category", "count", "ms", "% of kernel time"],
        k.byCategory.map((c) => [c.label, formatCount(c.count), formatMs(c.totalNs), formatPct(c.pctOfKernelTime)]),
        [false, true, true, true],
      ),
    );
    out.push("");
    out.push("Top kernels");
    out.push(
      textTable(
        ["kernel", "count", "total ms", "mean µs", "% busy"],
        withOthers(k.byName, 10, "name", "kernel names").map((r) => [
          shortKernelName(r.name, 70),
          formatCount(r.count),
          formatMs(r.totalNs),
          (r.count > 0 ? r.totalNs / r.count / 1e3 : 0).toFixed(1),
          formatPct(r.pctOfBusy),
        ]),
        [false, true, true, true, true],
      ),
    );
    if (k.withoutLaunch.count > 0) {
      out.push(
        `${formatCount(k.withoutLaunch.count)} activities (${formatNs(k.withoutLaunch.totalNs)}) have no launch record (launched before the trace began, or issued by the device itself such as MTIA DMA requests); they are counted above.`,
      );
    }
    if (k.outsideWindow.count > 0) {
      out.push(`${formatCount(k.outsideWindow.count)} activities (${formatNs(k.outsideWindow.totalNs)}) start outside the profiled steps and are not in these tables.`);
    }
  }

  out.push(
    ...phasesText(s),
    ...modulesText(s),
    ...operatorsText(s),
    ...idleText(s),
    ...communicationText(s),
    ...ranksText(s),
    ...parallelismText(s),
    ...criticalPathText(s),
    ...memoryText(s),
    ...inferenceText(s),
    ...efficiencyText(s),
  );

  if (s.diagnostics.length) {
    out.push("");
    out.push("Import notes");
    for (const d of s.diagnostics) out.push(`  [${d.severity}] ${d.id} ×${formatCount(d.count)}: ${d.explanation}${d.example ? ` (e.g. ${d.example})` : ""}`);
  }
  return `${out.map(withoutControlCharacters).join("\n")}\n`;
}

/** The first `n` rows and, when more exist, one "(all others: N ...)" row with their sums. */
function withOthers<T extends object>(rows: readonly T[], n: number, nameKey: keyof T & string, what: string): T[] {
  const { shown, others } = shownAndOthers(rows, n, nameKey);
  return others ? [...shown, { ...others, [nameKey]: `(all others: ${formatCount(others.others)} ${what})` }] : shown;
}

/** Names from the trace may hold ESC/BEL/OSC sequences (colours, hyperlinks, title changes): shown as U+FFFD, never sent to the terminal. */
export function withoutControlCharacters(line: string): string {
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "\ufffd");
}

function phasesText(s: Summary): string[] {
  if (!s.phases.available) return ["", `Phases: unavailable — ${s.phases.reason}`];
  const p = s.phases;
  const out = ["", `Phases (sum over ${p.steps.length} steps; kernel time = sum of durations)`];
  out.push(
    textTable(["phase", "kernels", "kernel ms", "compute ms", "% of kernel time", "GPU span ms", "not covered ms"], phaseTotalRows(p, "  recomputation (in backward)"), [
      false,
      true,
      true,
      true,
      true,
      true,
      true,
    ]),
  );
  return out;
}

function modulesText(s: Summary): string[] {
  if (!s.modules.available) {
    const out = ["", `Modules: unavailable — ${s.modules.reason}`];
    const l = s.inferredLayers;
    if (l.available) {
      out.push(l.sourceDescription ? `Inferred layers (module source: ${l.sourceDescription}):` : `Inferred layers (${l.method}; ${formatPct(l.pctOfKernelTime)} of kernel time):`);
      out.push(
        textTable(
          ["layer (inferred)", "forward ms", "backward ms"],
          withOthers(l.layers, 60, "index", "layers").map((x) => [isOthers(x) ? String(x.index) : `#${x.index}`, formatMs(x.forwardNs), formatMs(x.backwardNs)]),
          [false, true, true],
        ),
      );
      out.push(`  outside the layers: ${formatMs(l.outside.beforeNs)} ms before them (embedding...), ${formatMs(l.outside.afterNs)} ms after or between (head, loss, optimizer...)`);
      if (l.slowest[0]) out.push(`  slowest: ${l.slowest.map((x) => `#${x.index} ${formatMs(x.totalNs)} ms (${signedOneDecimal(x.vsMedianPct)}% vs median)`).join(", ")}`);
    }
    return out;
  }
  const m = s.modules;
  const out = [
    "",
    `Modules by class${m.source && !m.sourceDescription ? ` (from ${m.source})` : ""} (GPU kernel time, inclusive; ${formatPct((100 * m.attributedNs) / (m.kernelTotalNs || 1))} of kernel time is inside modules)`,
  ];
  if (m.sourceDescription) out.push(`Module source: ${m.sourceDescription}`);
  out.push(
    textTable(
      ["class", "instances", "calls", "forward ms", "backward ms", "recompute ms", "self ms", "% of kernel time"],
      withOthers(m.classes, 15, "className", "module classes").map((c) => [
        c.className,
        formatCount(c.instances),
        formatCount(c.calls),
        formatMs(c.forwardNs),
        formatMs(c.backwardNs),
        formatMs(c.recomputeNs),
        formatMs(c.selfNs),
        formatPct(c.pctOfKernelTime),
      ]),
      [false, true, true, true, true, true, true, true],
    ),
  );
  if (m.unattributed.length) {
    out.push("Outside modules:");
    for (const u of m.unattributed) out.push(`  ${formatMs(u.totalNs).padStart(10)} ms  ${u.label} (${formatCount(u.count)} activities)`);
  }
  return out;
}

function operatorsText(s: Summary): string[] {
  if (!s.operators.available) return ["", `Operators: unavailable — ${s.operators.reason}`];
  const o = s.operators;
  const out = ["", "Top operators (GPU self time: kernels whose innermost launching operator is this one)"];
  out.push(
    textTable(
      ["operator", "calls", "CPU total ms", "CPU self ms", "GPU self ms", "% kernel", "TFLOP/s"],
      withOthers(o.byName, 12, "name", "operators").map((r) => [
        r.name,
        formatCount(r.calls),
        formatMs(r.cpuTotalNs),
        formatMs(r.cpuSelfNs),
        formatMs(r.gpuSelfNs),
        formatPct(r.pctOfKernelTime),
        r.tflopsPerS === null ? "" : r.tflopsPerS.toFixed(1),
      ]),
      [false, true, true, true, true, true, true],
    ),
  );
  return out;
}

function idleText(s: Summary): string[] {
  if (!s.idle.available) return ["", `Idle time: unavailable — ${s.idle.reason}`];
  const i = s.idle;
  const out = ["", `Idle time: ${i.verdict}`];
  out.push(
    textTable(
      ["cause", "gaps", "ms", "% of idle", "% of window"],
      i.byCause.filter((c) => c.count > 0).map((c) => [c.cause, formatCount(c.count), formatMs(c.totalNs), formatPct(c.pctOfIdle), formatPct(c.pctOfWindow)]),
      [false, true, true, true, true],
    ),
  );
  if (i.topCulprits.length) {
    out.push("What the CPU was doing during host-bound and synchronisation gaps:");
    for (const c of i.topCulprits.slice(0, 8)) out.push(`  ${formatMs(c.totalNs).padStart(10)} ms  ${c.culprit} (${c.cause}, ${formatCount(c.count)} gaps)`);
  }
  if (s.launch.available) {
    const l = s.launch;
    out.push(
      `Launches: median latency ${formatNs(l.latency.p50Ns)} (p90 ${formatNs(l.latency.p90Ns)}), median CPU cost ${formatNs(l.cpuCost.p50Ns)}; ${formatPct(l.shorterThanLaunch.pct)} of kernels run shorter than their launch call; ${formatPct(l.tiny.pct)} are under ${formatNs(l.tinyKernelNs)}`,
    );
    const gr = l.graphReplays;
    if (gr && gr.replays > 0) {
      out.push(
        `Graph replays: ${formatCount(gr.replays)} launches ran ${formatCount(gr.kernels)} kernels, ${formatMs(gr.unionNs)} ms busy (${formatPct(gr.pctOfWindow)} of the window; ${formatMs(gr.sumNs)} ms summed); not in the launch figures above`,
      );
      if (gr.note) out.push(`  note: ${gr.note}`);
    }
  }
  return out;
}

function communicationText(s: Summary): string[] {
  if (!s.collectives.available) return [];
  const out = ["", "Collectives"];
  const rows = s.collectives.ranks.flatMap((r) =>
    r.types.map((t) => [
      r.rank === null ? "" : String(r.rank),
      t.collective,
      formatCount(t.count),
      formatMs(t.totalNs),
      t.bytes === null ? "n/a" : (t.bytes / 1e6).toFixed(1),
      t.algBandwidthGBps === null ? "n/a" : t.algBandwidthGBps.toFixed(1),
      t.busBandwidthGBps === null ? "n/a" : t.busBandwidthGBps.toFixed(1),
    ]),
  );
  out.push(textTable(["rank", "collective", "count", "ms", "MB", "algbw GB/s", "busbw GB/s"], rows, [true, false, true, true, true, true, true]));
  return out;
}

function ranksText(s: Summary): string[] {
  if (!s.ranks.available) return [];
  const r = s.ranks;
  const out = ["", "Ranks side by side (window totals)"];
  out.push(
    textTable(
      ["rank", "median step ms", "compute ms", "comm ms", "exposed comm ms", "idle ms", "idle %"],
      r.ranks.map((x) => [
        String(x.rank ?? "?"),
        formatMs(x.stepTimeMedianNs),
        formatMs(x.computeNs),
        formatMs(x.communicationNs),
        formatMs(x.exposedCommunicationNs),
        formatMs(x.idleNs),
        formatPct(x.idlePct),
      ]),
      [true, true, true, true, true, true, true],
    ),
  );
  for (const st of r.stragglers) {
    out.push(
      st.straggler === null ? `step ${st.step}: no straggler` : `step ${st.step}: rank ${st.straggler} is the straggler; the other ranks waited ${formatNs(st.delayNs)} more for it in collectives`,
    );
  }
  return out;
}

function criticalPathText(s: Summary): string[] {
  const cp = s.criticalPath;
  // summaries written before the section existed lack it
  if (!cp?.available || cp.steps.length === 0) return [];
  const out = ["", "Critical path per step (share of the step on the chain that sets its time)"];
  const header = pathStepHeader();
  out.push(
    textTable(
      header,
      cp.steps.map(pathStepRow),
      header.map((_, i) => i > 0),
    ),
  );
  const st = medianPathStep(cp);
  if (st && st.whatIf.length) {
    out.push("", `What-if, step #${st.step} (bounded by the slack of parallel work)`);
    const h = whatIfHeader(cp);
    out.push(
      textTable(
        h,
        whatIfRows(st, 60),
        h.map((_, i) => i > 1),
      ),
    );
  }
  return out;
}

function parallelismText(s: Summary): string[] {
  // summaries written before these sections existed lack them
  const pg = s.processGroups as Summary["processGroups"] | undefined;
  if (!pg?.available) return [];
  const out = ["", "Communication by process group"];
  out.push(
    textTable(
      ["group", "label", "rank", "kernels", "ms", "exposed ms", "% of steps", "busbw GB/s"],
      pg.groups.flatMap((g) =>
        g.perRank.map((r) => [
          g.description ?? g.id,
          g.label ?? "?",
          String(r.rank ?? "?"),
          formatCount(r.kernels),
          formatMs(r.timeNs),
          formatMs(r.exposedNs),
          formatPct(r.shareOfStepPct),
          r.busBandwidthGBps === null ? "n/a" : r.busBandwidthGBps.toFixed(1),
        ]),
      ),
      [false, false, true, true, true, true, true, true],
    ),
  );
  const w = s.collectiveWaits as Summary["collectiveWaits"] | undefined;
  if (w?.available) {
    for (const g of w.groups) {
      out.push(
        `${g.group}${g.label ? ` (${g.label})` : ""}: ${formatCount(g.matchedInstances)} collectives matched across ranks; waiting for the last rank: ` +
          g.perRank.map((r) => `rank ${r.rank ?? "?"} ${formatMs(r.waitingNs)} ms (${formatPct(r.waitingPct)})`).join(", "),
      );
    }
    for (const a of w.allToAll)
      out.push(
        `all-to-all ${a.group}: received bytes max/mean over ranks ${a.receivedImbalance.toFixed(2)}, worst single all-to-all ${a.worstInstanceImbalance === null ? "n/a" : a.worstInstanceImbalance.toFixed(2)}`,
      );
  }
  const p = s.pipeline as Summary["pipeline"] | undefined;
  if (p?.available) {
    for (const st of p.stages) {
      for (const x of st.steps)
        out.push(
          `pipeline stage ${st.stage}/${st.stages} (rank ${st.rank ?? "?"}) step ${x.step}: bubble ${formatMs(x.bubbleNs)} ms = ${formatPct(x.bubblePct)} of the step (1F1B ideal ${x.idealBubblePct === null ? "n/a" : formatPct(x.idealBubblePct)}); ${x.forward} F / ${x.backward} B: ${x.schedule.slice(0, 80)}`,
        );
    }
  }
  return out;
}

function memoryText(s: Summary): string[] {
  const out: string[] = [];
  if (s.throughput.available) {
    const r = s.throughput.ranks[0]!;
    out.push(
      "",
      `Throughput: ${formatCount(r.tokensPerStep)} tokens per step${r.batchShape ? ` (batch x sequence ${r.batchShape})` : ""}, ${formatCount(r.tokensPerSMedian)} tokens/s per GPU, ${formatCount(s.throughput.globalTokensPerS)} tokens/s over ${s.throughput.worldSize} rank(s)`,
    );
  }
  if (s.memory.available) {
    for (const d of s.memory.devices) {
      out.push(
        `Memory, GPU ${d.device}: peak allocated ${formatBytes(d.peakAllocatedBytes)}, peak reserved ${formatBytes(d.peakReservedBytes)}, ${formatCount(d.allocations)} allocations (${formatBytes(d.allocationRateBytesPerS)}/s)`,
      );
    }
  }
  return out;
}

function inferenceText(s: Summary): string[] {
  if (!s.inference.available) return [];
  const i = s.inference;
  const shape = i.serving
    ? i.batchSize === null
      ? "no decode steps"
      : `mean decode batch ${i.batchSize.toFixed(1)}`
    : i.batchSize === null
      ? "batch size unknown (no input shapes)"
      : `batch ${i.batchSize}${i.promptTokens === null ? "" : `, ${i.promptTokens} prompt tokens`}`;
  const out = ["", `Inference: ${i.prefillCount} prefill + ${i.decodeCount} decode forwards (${shape}; forwards from ${i.forwardSource})`];
  out.push(
    `  TTFT ${i.ttftNs === null ? "n/a (serving steps: no request arrival times)" : formatNs(i.ttftNs)}, TPOT ${i.tpotNs === null ? "n/a" : formatNs(i.tpotNs)}` +
      (i.decodeStep ? ` (decode step p50 ${formatNs(i.decodeStep.p50Ns)}, p90 ${formatNs(i.decodeStep.p90Ns)}, std ${formatNs(i.decodeStep.stdNs)})` : ""),
  );
  if (i.tokensPerS.decode !== null || i.tokensPerS.total !== null)
    out.push(`  tokens/s: ${i.tokensPerS.decode === null ? "n/a" : i.tokensPerS.decode.toFixed(1)} in decode, ${i.tokensPerS.total === null ? "n/a" : i.tokensPerS.total.toFixed(1)} overall`);
  const b = i.decodeBreakdown;
  if (b) {
    const part = (label: string, x: { pctOfDecode: number | null }) => (x.pctOfDecode === null ? [] : [`${label} ${formatPct(x.pctOfDecode)}`]);
    out.push(
      `  decode time: ${[...part("attention", b.attention), ...part("MLP", b.mlp), ...part(b.source === "modules" ? "other modules" : "other kernels", b.otherModules), ...part("outside forward (sampling)", b.outsideForward), ...part("GPU idle", b.gpuIdle)].join(", ")}`,
    );
  }
  out.push(`  CPU-bound decode steps (host-bound idle > ${i.cpuBound.thresholdPct}% of the step): ${i.cpuBound.steps} of ${i.decodeCount}`);
  return out;
}

function efficiencyText(s: Summary): string[] {
  if (!s.efficiency.available) return ["", `Efficiency (MFU): unavailable — ${s.efficiency.reason}`];
  const e = s.efficiency;
  const hw = e.hardware;
  const peak = e.peakTflopsPerS === null ? `MFU n/a: ${e.mfuUnavailableReason ?? ""}` : `peak ${e.peakTflopsPerS} TFLOP/s ${e.peakDtype} (${hw.tflopsSource ?? "?"})`;
  const out = ["", `Efficiency (${hw.deviceName ?? "unknown GPU"}; ${peak})`];
  out.push(`  window: ${e.window.achievedTflopsPerS.toFixed(2)} TFLOP/s achieved, MFU ${formatPct(e.window.mfuPct, 2)} (FLOPs ${e.flopsSource})`);
  if (e.steps.length > 1) out.push(`  per step MFU: ${e.steps.map((x) => `#${x.step} ${formatPct(x.mfuPct, 2)}`).join(", ")}`);
  const rows = e.byOperator
    .slice(0, 6)
    .map((r) => [r.name, formatCount(r.calls), (r.flops / 1e12).toFixed(3), formatMs(r.kernelNs), r.achievedTflopsPerS === null ? "n/a" : r.achievedTflopsPerS.toFixed(1), formatPct(r.pctOfPeak)]);
  out.push(textTable(["operator", "calls", "TFLOP", "kernel ms", "TFLOP/s", "% of peak"], rows, [false, true, true, true, true, true]));
  const memBound = e.roofline.filter((r) => r.bound === "memory").length;
  if (e.roofline.length) out.push(`  roofline: ${e.roofline.length} GEMM/attention shapes, ${memBound} below the ridge point (memory-bound)`);
  return out;
}

function findingsText(s: Summary): string[] {
  if (!s.findings.available || s.findings.findings.length === 0) return [];
  const out = ["Findings (most costly first)"];
  for (const f of s.findings.findings) {
    const cost = f.costNs !== null ? `${formatMs(f.costNs)} ms, ${formatPct(f.costPctOfWindow)} of the window` : f.costBytes !== undefined ? formatBytes(f.costBytes) : "";
    out.push(`  [${f.severity}] ${f.title}${cost ? ` (${cost})` : ""}`);
    out.push(`      ${f.summary}`);
    out.push(`      how: ${f.how}`);
  }
  out.push("");
  return out;
}

/** One block of the numbers people look for first. */
function headlineText(s: Summary): string[] {
  const parts: string[] = [];
  if (s.steps.available) parts.push(`step ${formatNs(s.steps.stepTimeMedianNs)} (median of ${s.steps.count})`);
  // GPU time shares and throughput: the catalogue's figures (over every GPU of the run), as check, diff, compare and batch
  const comm = s.temporal.available && s.temporal.devices.some((d) => d.total.communicationNs > 0);
  for (const f of headlineFigures(s, comm ? ["gpu_busy_pct", "gpu_idle_pct", "exposed_comm_pct"] : ["gpu_busy_pct", "gpu_idle_pct"])) parts.push(`${f.label} ${f.text}`);
  if (s.inference.available) {
    const i = s.inference;
    parts.push(`TTFT ${i.ttftNs === null ? "n/a" : formatNs(i.ttftNs)}`, `TPOT ${i.tpotNs === null ? "n/a" : formatNs(i.tpotNs)}`);
    if (i.tokensPerS.decode !== null) parts.push(`${formatCount(i.tokensPerS.decode)} tokens/s in decode`);
  } else for (const f of headlineFigures(s, ["tokens_per_s_per_gpu"])) parts.push(`${f.label} ${f.text}`);
  if (s.efficiency.available && s.efficiency.window.mfuPct !== null) parts.push(`MFU ${formatPct(s.efficiency.window.mfuPct)}`);
  if (s.memory.available && s.memory.devices.length) parts.push(`peak memory ${formatBytes(s.memory.devices[0]!.peakAllocatedBytes)}`);
  if (s.kernels.available && s.kernels.byCategory.length) parts.push(`top kernels: ${s.kernels.byCategory[0]!.label} ${formatPct(s.kernels.byCategory[0]!.pctOfKernelTime)}`);
  return parts.length ? [`Headline: ${parts.join(" · ")}`, ""] : [];
}
