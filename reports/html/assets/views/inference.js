// @ts-check
/*
 * View "inference" (Summary.inference): prefill vs decode of generate() loops,
 * TTFT, TPOT, tokens/s, the decode step time per step and where decode time goes.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;
  var card = L.card;

  /** @param {HTMLElement} container @param {Available<Summary["inference"]>["decodeSteps"]} steps */
  function decodeChart(container, steps) {
    if (!steps.length) return;
    L.responsive(container, function (width) {
      container.textContent = "";
      var frame = L.plot(container, width, 220, { top: 10, right: 16, bottom: 42, left: 64 }, "Decode step times");
      var g = frame.g;
      var w = frame.w;
      var h = frame.h;
      /** @type {import("d3").ScaleBand<number>} */
      var x = d3.scaleBand();
      x.domain(
        steps.map(function (s) {
          return s.forward;
        }),
      )
        .range([0, w])
        .padding(0.2);
      var y = d3
        .scaleLinear()
        .domain([
          0,
          (d3.max(steps, function (s) {
            return s.durationNs;
          }) || 0) / 1e6 || 1,
        ])
        .nice()
        .range([h, 0]);
      L.valueAxis(g, y, "left", w, 5);
      var every = Math.ceil(steps.length / 20);
      g.append("g")
        .attr("class", "axis")
        .attr("transform", "translate(0," + h + ")")
        .call(
          d3.axisBottom(x).tickValues(
            x.domain().filter(function (_, i) {
              return i % every === 0;
            }),
          ),
        );
      L.axisTitles(g, w, h, "forward call", "decode step (ms)", 46, 34);
      steps.forEach(function (s) {
        var busy = s.durationNs - s.gpuIdleNs;
        [
          { ns: busy, color: "#3b6ea5", baseNs: 0 },
          { ns: s.gpuIdleNs, color: "#cfd6de", baseNs: busy },
        ].forEach(function (part) {
          g.append("rect")
            .attr("class", "mark")
            .attr("x", x(s.forward) || 0)
            .attr("width", x.bandwidth())
            .attr("y", y((part.baseNs + part.ns) / 1e6))
            .attr("height", Math.max(0, y(part.baseNs / 1e6) - y((part.baseNs + part.ns) / 1e6)))
            .attr("fill", part.color)
            .on("mousemove", function (event) {
              L.showTooltip(event, "Decode forward #" + s.forward, [
                ["step", fmt.ns(s.durationNs)],
                ["GPU idle", fmt.ns(s.gpuIdleNs) + " (" + fmt.pct(s.gpuIdlePct) + ")"],
                ["CPU-bound", s.cpuBound ? "yes" : "no"],
              ]);
            })
            .on("mouseleave", L.hideTooltip);
        });
      });
    });
  }

  L.registerView({
    id: "inference",
    title: "Inference",
    nav: "Inference",
    lede: "generate(): the prefill forward over the prompt, then one decode forward per new token. TTFT = from the start of generation to the end of the prefill's GPU work; TPOT = mean time between consecutive decode forwards' GPU ends.",
    render: function (root, data) {
      var inf = data.summary.inference;
      if (L.unavailable(root, inf, "Inference analysis not available")) return;
      L.cards(root, [
        card(
          "Time to first token",
          inf.ttftNs === null ? "n/a" : fmt.ns(inf.ttftNs),
          inf.prefillCount + " prefill forward" + (inf.prefillCount === 1 ? "" : "s") + (inf.promptTokens ? " · " + fmt.count(inf.promptTokens) + " prompt tokens" : ""),
        ),
        card(
          "Time per output token",
          inf.tpotNs === null ? "n/a" : fmt.ns(inf.tpotNs),
          inf.decodeStep ? "p50 " + fmt.ns(inf.decodeStep.p50Ns) + " · p90 " + fmt.ns(inf.decodeStep.p90Ns) + " · std " + fmt.ns(inf.decodeStep.stdNs) : "",
        ),
        card(
          "Decode tokens/s",
          inf.tokensPerS.decode === null ? "n/a" : fmt.count(inf.tokensPerS.decode),
          (inf.batchSize ? "batch " + inf.batchSize + " · " : "") + inf.decodeCount + " decode forwards",
        ),
        card("CPU-bound decode steps", fmt.pct(inf.cpuBound.pctOfSteps), inf.cpuBound.steps + " steps with host-bound GPU idle > " + fmt.pct(inf.cpuBound.thresholdPct)),
      ]);
      if (inf.serving) {
        root.appendChild(el("h3", { text: "Serving-engine steps by kind (prefill/decode split)" }));
        L.table(root, {
          columns: [
            { key: "kind", label: "Step kind" },
            { key: "steps", label: "Steps", numeric: true, format: fmt.count },
            { key: "timeNs", label: "Time", numeric: true, format: fmt.ns },
            L.pctColumn("pctOfTime", "% of serving time"),
            {
              key: "meanBatchSize",
              label: "Mean batch",
              numeric: true,
              format: function (v) {
                return v.toFixed(1);
              },
            },
            {
              key: "tokens",
              label: "Tokens",
              numeric: true,
              format: function (v) {
                return v === null ? "n/a" : fmt.count(v);
              },
            },
            {
              key: "tokensPerS",
              label: "Tokens/s",
              numeric: true,
              format: function (v) {
                return v === null ? "n/a" : fmt.count(v);
              },
            },
          ],
          rows: inf.serving.kinds,
        });
      }
      var c = el("div", { class: "chart", "data-chart": "decode-steps" });
      root.appendChild(c);
      decodeChart(c, inf.decodeSteps);
      if (inf.decodeBreakdown) {
        var b = inf.decodeBreakdown;
        root.appendChild(el("h3", { text: "Where decode time goes (" + (b.source === "modules" ? "by module" : "by kernel category") + ")" }));
        L.table(root, {
          columns: [{ key: "label", label: "Part" }, { key: "ns", label: "Time", numeric: true, format: fmt.ns }, L.pctColumn("pct", "% of decode")],
          rows: [
            { label: "Attention", share: b.attention },
            { label: "MLP", share: b.mlp },
            { label: "Other modules", share: b.otherModules },
            { label: "Outside the forward (sampling, host work)", share: b.outsideForward },
            { label: "GPU idle", share: b.gpuIdle },
          ].map(function (p) {
            return { label: p.label, ns: p.share.ns, pct: p.share.pctOfDecode };
          }),
        });
      }
    },
  });

  L.addHeadline(function (s) {
    if (!s.inference.available) return null;
    return {
      label: "TTFT / TPOT",
      // a decode-only trace has no first token: the time per output token is then the figure to show
      value: (s.inference.ttftNs === null ? "n/a" : fmt.ns(s.inference.ttftNs)) + " / " + (s.inference.tpotNs === null ? "n/a" : fmt.ns(s.inference.tpotNs)),
      sub: "time to first token / per output token",
    };
  });
})();
