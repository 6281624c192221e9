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
  /** @typedef {Available<Summary["phases"]>["total"][number]} PhaseTotalRow */
  /** @type {PhaseTotalRow["phase"][]} */
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
      var frame = L.barFrame(container, width, {
        keys: rows.map(function (r) {
          return r.step;
        }),
        bandHeight: 30,
        padding: 0.25,
        margin: { top: 4, right: 120, bottom: 40, left: 70 },
        maxMs:
          (d3.max(rows, function (r) {
            return r.total;
          }) || 1) / 1e6,
        label: "Kernel time per phase and step",
        axisLabel: "summed kernel time (ms)",
        tickFormat: function (n) {
          return "step #" + n;
        },
      });
      rows.forEach(function (r) {
        /** @type {Parameters<typeof L.stackedBar>[4][number][]} */
        var parts = [];
        STACKED.forEach(function (ph) {
          var f = r.by[ph];
          if (!f || f.kernelNs <= 0) return;
          /** @type {[string, string][]} */
          var tipRows = [
            ["kernel time", fmt.ns(f.kernelNs) + " (" + fmt.pct(f.pctOfKernelTime) + ")"],
            ["activities", fmt.count(f.count)],
            ["GPU span", fmt.ns(f.gpuSpanNs)],
            ["not covered by its kernels", fmt.ns(f.uncoveredNs)],
          ];
          if (ph === "backward" && r.by.recompute && r.by.recompute.kernelNs > 0) tipRows.push(["of which recomputation", fmt.ns(r.by.recompute.kernelNs)]);
          parts.push({ ms: f.kernelNs / 1e6, color: L.PHASE_COLORS[ph], title: L.PHASE_LABELS[ph] + " · step #" + r.step, tip: tipRows });
        });
        L.stackedBar(frame.g, frame.x, frame.y(r.step) || 0, frame.y.bandwidth(), parts, fmt.ms(r.total) + " ms");
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
          return Object.assign({ order: i, label: f.phase === "recompute" ? "↳ " + L.PHASE_LABELS.recompute : L.PHASE_LABELS[f.phase] || f.phase }, f);
        });
      var ms = L.msColumn;
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
          L.pctColumn("pctOfKernelTime", "% kernel time"),
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
