// @ts-check
/*
 * View "operators" (Summary.operators): per aten operator (or per operator and
 * input shapes) the calls, CPU time, the GPU time of the kernels it launched,
 * and the achieved TFLOP/s where FLOPs are known.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;

  var FLOPS_SOURCE = {
    recorded: "FLOPs as recorded by the profiler (with_flops).",
    "estimated-from-shapes": "FLOPs estimated from the recorded input shapes.",
    mixed: "FLOPs partly recorded, partly estimated from input shapes.",
    none: "No FLOPs recorded or estimable: TFLOP/s is left empty.",
  };

  /** @param {string} text @param {number} n */
  function clip(text, n) {
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  /** @param {HTMLElement} parent @param {Available<Summary["operators"]>["byName"]} rows @param {boolean} withShapes */
  function operatorTable(parent, rows, withShapes) {
    var ms = L.msColumn;
    /** @type {TableColumn[]} */
    var cols = [
      {
        key: "name",
        label: "Operator",
        cellClass: "name",
        title: function (r) {
          return r.name.length > 60 ? r.name : null;
        },
      },
    ];
    if (withShapes) {
      cols.push({
        key: "inputDims",
        label: "Input shapes",
        cellClass: "name",
        render: function (r) {
          return clip((r.inputDims || "").trim(), 70);
        },
        title: function (r) {
          return r.inputDims && r.inputDims.trim().length > 70 ? r.inputDims.trim() : null;
        },
      });
    }
    cols.push(
      { key: "calls", label: "Calls", numeric: true, format: fmt.count },
      { key: "forwardCalls", label: "Fwd", numeric: true, format: fmt.count, help: "calls in the forward pass" },
      { key: "backwardCalls", label: "Bwd", numeric: true, format: fmt.count, help: "calls in the backward pass" },
      ms("cpuTotalNs", "CPU total"),
      ms("cpuSelfNs", "CPU self", "CPU total minus the operators nested in it"),
      ms("gpuSelfNs", "GPU self", "kernels whose innermost launching operator is this one"),
      ms("gpuTotalNs", "GPU total", "kernels launched anywhere under this operator"),
      L.pctColumn("pctOfKernelTime", "% kernel time", "GPU self time / all kernel time of the window"),
      { key: "kernels", label: "Kernels", numeric: true, format: fmt.count },
      {
        key: "tflopsPerS",
        label: "TFLOP/s",
        numeric: true,
        format: function (v) {
          return v === null || v === undefined ? "" : v.toFixed(1);
        },
        help: "FLOPs / GPU total time",
      },
    );
    L.table(parent, {
      columns: cols,
      rows: rows,
      sort: { key: "gpuSelfNs", dir: "desc" },
      search: {
        placeholder: "Filter operators…",
        text: function (r) {
          return r.name + " " + (r.inputDims || "");
        },
      },
      pageSize: 20,
    });
  }

  L.registerView({
    id: "operators",
    title: "Operators",
    lede: "Per operator: CPU time of its calls, and the GPU time of the kernels it launched (self: the operator is the innermost one on the launch's call stack).",
    render: function (root, data) {
      var section = data.summary.operators;
      if (L.unavailable(root, section, "Operator breakdown not available")) return;
      var o = section; // the available section, also inside the handlers below
      var notes = [FLOPS_SOURCE[o.flopsSource] || ""];
      if (o.withoutOperatorNs > 0)
        notes.push(fmt.ns(o.withoutOperatorNs) + " of kernel time (" + fmt.pct(o.kernelTotalNs > 0 ? (100 * o.withoutOperatorNs) / o.kernelTotalNs : NaN) + ") was launched outside any operator.");
      var mode = "name";
      var box = el("div");
      var options = [{ value: "name", label: "By operator (" + fmt.count(o.byName.length) + ")" }];
      if (o.byNameAndShapes.length) options.push({ value: "shapes", label: "By operator and input shapes (" + fmt.count(o.byNameAndShapes.length) + ")" });
      root.appendChild(
        el("div", { class: "controls" }, [
          L.segmented("Group by", options, mode, function (v) {
            mode = v;
            draw();
          }),
          el("span", { text: notes.join(" ") }),
        ]),
      );
      root.appendChild(box);
      function draw() {
        box.textContent = "";
        operatorTable(box, mode === "name" ? o.byName : o.byNameAndShapes, mode !== "name");
      }
      draw();
    },
  });
})();
