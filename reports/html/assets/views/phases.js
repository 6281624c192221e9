// @ts-check
/*
 * View "phases" (Summary.phases): kernel time of forward / backward / optimizer /
 * other per step (stacked bars), and per phase the GPU span and the time inside
 * that span not covered by the phase's own kernels (the paper's Table V).
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;
  var STACKED = ["forward", "backward", "optimizer", "other"]; // recompute is part of backward

  /** @param {HTMLElement} container @param {Available<Summary["phases"]>} p */
  function chart(container, p) {
    var rows = p.steps.map(function (st) {
      /** @type {Record<string, (typeof st.phases)[number]>} */
      var by = {};
      st.phases.forEach(function (f) {
        by[f.phase] = f;
      });
      return { step: st.step, total: st.kernelTotalNs, by: by };
    });
    L.responsive(container, function (width) {
      container.textContent = "";
      var barH = 22;
      var margin = { top: 4, right: 120, bottom: 40, left: 70 };
      var w = Math.max(120, width - margin.left - margin.right);
      var h = rows.length * (barH + 8);
      var x = d3
        .scaleLinear()
        .domain([
          0,
          (d3.max(rows, function (r) {
            return r.total;
          }) || 1) / 1e6,
        ])
        .nice()
        .range([0, w]);
      /** @type {import("d3").ScaleBand<number>} */
      var y = d3.scaleBand();
      y.domain(
        rows.map(function (r) {
          return r.step;
        }),
      )
        .range([0, h])
        .padding(0.25);
      var svg = d3
        .select(container)
        .append("svg")
        .attr("width", width)
        .attr("height", h + margin.top + margin.bottom)
        .attr("role", "img")
        .attr("aria-label", "Kernel time per phase and step");
      var g = svg.append("g").attr("transform", "translate(" + margin.left + "," + margin.top + ")");
      g.append("g")
        .attr("class", "grid")
        .attr("transform", "translate(0," + h + ")")
        .call(
          d3
            .axisBottom(x)
            .ticks(6)
            .tickSize(-h)
            .tickFormat(function () {
              return "";
            }),
        );
      g.append("g")
        .attr("class", "axis")
        .attr("transform", "translate(0," + h + ")")
        .call(d3.axisBottom(x).ticks(6));
      g.append("g")
        .attr("class", "axis")
        .call(
          d3
            .axisLeft(y)
            .tickSize(0)
            .tickPadding(8)
            .tickFormat(function (n) {
              return "step #" + n;
            }),
        );
      g.append("text")
        .attr("class", "axis-label")
        .attr("x", w / 2)
        .attr("y", h + 34)
        .attr("text-anchor", "middle")
        .text("summed kernel time (ms)");
      rows.forEach(function (r) {
        var acc = 0;
        var top = y(r.step) || 0;
        STACKED.forEach(function (ph) {
          var f = r.by[ph];
          if (!f || f.kernelNs <= 0) return;
          var v = f.kernelNs / 1e6;
          // built here, where f is known to be set (the checker does not carry that into the handler)
          /** @type {[string, string][]} */
          var tipRows = [
            ["kernel time", fmt.ns(f.kernelNs) + " (" + fmt.pct(f.pctOfKernelTime) + ")"],
            ["activities", fmt.count(f.count)],
            ["GPU span", fmt.ns(f.gpuSpanNs)],
            ["not covered by its kernels", fmt.ns(f.uncoveredNs)],
          ];
          if (ph === "backward" && r.by.recompute && r.by.recompute.kernelNs > 0) tipRows.push(["of which recomputation", fmt.ns(r.by.recompute.kernelNs)]);
          g.append("rect")
            .attr("class", "mark")
            .attr("x", x(acc))
            .attr("y", top)
            .attr("width", Math.max(1, x(acc + v) - x(acc)))
            .attr("height", y.bandwidth())
            .attr("fill", L.PHASE_COLORS[ph])
            .on("mousemove", function (event) {
              L.showTooltip(event, L.PHASE_LABELS[ph] + " · step #" + r.step, tipRows);
            })
            .on("mouseleave", L.hideTooltip);
          acc += v;
        });
        g.append("text")
          .attr("class", "bar-label")
          .attr("x", x(acc) + 6)
          .attr("y", top + y.bandwidth() / 2)
          .attr("dy", "0.35em")
          .text(fmt.ms(r.total) + " ms");
      });
    });
  }

  L.registerView({
    id: "phases",
    title: "Phases",
    lede: "Each GPU activity of a step belongs to one phase: forward, backward (recomputation included, shown as its own line), optimizer, or other. The GPU span of a phase runs from its first kernel's start to its last kernel's end; 'not covered' is the part of that span with none of its kernels running.",
    render: function (root, data) {
      var section = data.summary.phases;
      if (L.unavailable(root, section, "Phases not available")) return;
      var p = section; // the available section, also inside the handlers below
      root.appendChild(
        L.legend(
          STACKED.map(function (ph) {
            return { label: L.PHASE_LABELS[ph], color: L.PHASE_COLORS[ph] };
          }),
        ),
      );
      var c = el("div", { class: "chart", "data-chart": "phases" });
      root.appendChild(c);
      chart(c, p);
      root.appendChild(el("h3", { text: "Summed over " + p.steps.length + (p.steps.length === 1 ? " step" : " steps") }));
      var rows = p.total
        .filter(function (f) {
          return f.phase !== "recompute" || p.recomputeDetected;
        })
        .map(function (f, i) {
          var o = { order: i, label: f.phase === "recompute" ? "↳ " + L.PHASE_LABELS.recompute : L.PHASE_LABELS[f.phase] || f.phase };
          for (var k in f) o[k] = f[k];
          return o;
        });
      var ms = function (key, label, help) {
        return { key: key, label: label + " (ms)", numeric: true, format: fmt.ms, help: help };
      };
      L.table(root, {
        columns: [
          {
            key: "order",
            label: "Phase",
            value: function (r) {
              return r.order;
            },
            render: function (r) {
              return el("span", null, [L.swatch(L.PHASE_COLORS[r.phase] || "#ccc"), " ", r.label]);
            },
          },
          { key: "count", label: "Activities", numeric: true, format: fmt.count },
          ms("kernelNs", "Kernel time", "sum of the durations of the phase's GPU activities"),
          ms("computeKernelNs", "Compute kernels", "the same, compute kernels only (no communication, no memcpy/memset)"),
          {
            key: "pctOfKernelTime",
            label: "% kernel time",
            numeric: true,
            format: fmt.pct,
            bar: function (r) {
              return r.pctOfKernelTime;
            },
          },
          ms("gpuSpanNs", "GPU span", "first activity start to last activity end, per step, summed"),
          ms("busyNs", "GPU busy", "union of the phase's activities"),
          ms("uncoveredNs", "Not covered", "GPU span minus GPU busy"),
          ms("cpuSpanNs", "CPU launch span", "first to last runtime call launching the phase's activities"),
        ],
        rows: rows,
        sort: { key: "order", dir: "asc" },
      });
    },
  });
})();
