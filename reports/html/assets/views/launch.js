// @ts-check
/*
 * View "launch" (Summary.launch): kernel launch latency, CPU cost per launch,
 * tiny kernels, and per step whether the CPU or the GPU sets the pace.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;
  var card = L.card;

  /** @param {string} label @param {Available<Summary["launch"]>["latency"]} d */
  function distRow(label, d) {
    return { label: label, count: d.count, p50: d.p50Ns, p90: d.p90Ns, p99: d.p99Ns, mean: d.meanNs, max: d.maxNs };
  }

  L.registerView({
    id: "launch",
    title: "Launch and CPU overhead",
    nav: "Launch",
    lede: "Latency is the time from the start of the runtime call (cudaLaunchKernel...) to the start of the kernel; CPU cost is the runtime call's own duration. A step is CPU-bound when host-bound gaps cover more than 30% of it.",
    render: function (root, data) {
      var l = data.summary.launch;
      if (L.unavailable(root, l, "Launch analysis not available")) return;
      L.cards(root, [
        card("Kernels launched", fmt.count(l.withLaunchRecord), "of " + fmt.count(l.kernels) + " kernels in the window"),
        card("Launch latency (median)", fmt.ns(l.latency.p50Ns), "p90 " + fmt.ns(l.latency.p90Ns) + " · p99 " + fmt.ns(l.latency.p99Ns)),
        card("CPU cost per launch (median)", fmt.ns(l.cpuCost.p50Ns), "p90 " + fmt.ns(l.cpuCost.p90Ns)),
        card("Tiny kernels (< " + fmt.ns(l.tinyKernelNs) + ")", fmt.pct(l.tiny.pct), fmt.count(l.tiny.count) + " kernels · " + fmt.ns(l.tiny.totalNs)),
        card("Shorter than their launch call", fmt.pct(l.shorterThanLaunch.pct), fmt.count(l.shorterThanLaunch.count) + " kernels"),
      ]);
      /** @param {string} key @param {string} label @returns {TableColumn} */
      var ns = function (key, label) {
        return { key: key, label: label, numeric: true, format: fmt.ns };
      };
      L.table(root, {
        columns: [
          { key: "label", label: "Distribution" },
          { key: "count", label: "Count", numeric: true, format: fmt.count },
          ns("p50", "Median"),
          ns("p90", "p90"),
          ns("p99", "p99"),
          ns("mean", "Mean"),
          ns("max", "Max"),
        ],
        rows: [distRow("Launch latency", l.latency), distRow("CPU cost per launch", l.cpuCost)],
      });
      if (l.steps.length) {
        root.appendChild(el("h3", { text: "Per step" }));
        L.table(root, {
          columns: [
            L.stepColumn(),
            { key: "launches", label: "Launches", numeric: true, format: fmt.count },
            { key: "windowNs", label: "Step time (ms)", numeric: true, format: fmt.ms },
            { key: "hostBoundNs", label: "Host-bound idle (ms)", numeric: true, format: fmt.ms },
            L.pctColumn("hostBoundPct", "Host-bound"),
            {
              key: "verdict",
              label: "Verdict",
              render: function (r) {
                return el("span", { class: "badge " + (r.verdict === "cpu-bound" ? "warning" : "info"), text: r.verdict === "cpu-bound" ? "CPU-bound" : "GPU-bound" });
              },
            },
          ],
          rows: l.steps,
          sort: { key: "step", dir: "asc" },
        });
      }
    },
  });
})();
