// @ts-check
/*
 * View "efficiency" (Summary.efficiency): achieved TFLOP/s and MFU per step, by
 * module class and operator, and a roofline of the GEMM and attention operators.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;
  var card = L.card;

  /** @param {number | null | undefined} v */
  function tflops(v) {
    return v === null || v === undefined ? "n/a" : v.toFixed(1);
  }

  /** @param {HTMLElement} container @param {Available<Summary["efficiency"]>} e */
  function roofline(container, e) {
    var rows = e.roofline.filter(function (r) {
      return r.achievedTflopsPerS && r.arithmeticIntensityFlopsPerByte > 0;
    });
    var peak = e.peakTflopsPerS;
    var bw = e.hardware.memoryBandwidthGBps;
    if (!rows.length) return;
    L.responsive(container, function (width) {
      container.textContent = "";
      var frame = L.plot(container, width, 300, { top: 10, right: 20, bottom: 44, left: 64 }, "Roofline");
      var g = frame.g;
      var w = frame.w;
      var h = frame.h;
      var xs = rows.map(function (r) {
        return r.arithmeticIntensityFlopsPerByte;
      });
      // rows is not empty, so d3.min/max have a value; `|| 1` only satisfies the checker
      var xLo = Math.max(0.1, (d3.min(xs) || 1) / 2);
      var xHi = (d3.max(xs) || 1) * 4;
      var x = d3.scaleLog().domain([xLo, xHi]).range([0, w]);
      var ymax =
        Math.max(
          peak || 0,
          d3.max(rows, function (r) {
            return r.achievedTflopsPerS;
          }) || 0,
        ) * 1.5;
      var yLo = Math.max(
        0.01,
        (d3.min(rows, function (r) {
          return r.achievedTflopsPerS;
        }) || 0) / 3,
      );
      var y = d3.scaleLog().domain([yLo, ymax]).range([h, 0]);
      g.append("g").attr("class", "axis").call(d3.axisLeft(y).ticks(5, "~g"));
      g.append("g")
        .attr("class", "axis")
        .attr("transform", "translate(0," + h + ")")
        .call(d3.axisBottom(x).ticks(6, "~g"));
      L.axisTitles(g, w, h, "arithmetic intensity (FLOP/byte)", "achieved TFLOP/s", 46, 36);
      if (peak && bw) {
        // the roof: min(peak, intensity × bandwidth)
        var roofPeak = peak;
        var roofBw = bw;
        var pts = d3
          .range(0, 101)
          .map(function (i) {
            var ai = Math.exp(Math.log(xLo) + (i / 100) * (Math.log(xHi) - Math.log(xLo)));
            /** @type {[number, number]} */
            var point = [ai, Math.min(roofPeak, (ai * roofBw) / 1000)];
            return point;
          })
          .filter(function (p) {
            return p[1] >= yLo;
          });
        g.append("path")
          .datum(pts)
          .attr("fill", "none")
          .attr("stroke", "#8a94a0")
          .attr("stroke-dasharray", "4 3")
          .attr(
            "d",
            d3
              .line()
              .x(function (p) {
                return x(p[0]);
              })
              .y(function (p) {
                return y(p[1]);
              }),
          );
      }
      g.selectAll("circle.mark")
        .data(rows)
        .enter()
        .append("circle")
        .attr("class", "mark")
        .attr("cx", function (r) {
          return x(r.arithmeticIntensityFlopsPerByte || 0); // rows keep only positive intensities
        })
        .attr("cy", function (r) {
          return y(r.achievedTflopsPerS || 0); // rows keep only positive TFLOP/s
        })
        .attr("r", function (r) {
          return 3 + Math.min(8, Math.sqrt(r.kernelNs / 1e5));
        })
        .attr("fill", function (r) {
          return r.bound === "memory" ? "#c9a227" : "#3b6ea5";
        })
        .attr("fill-opacity", 0.75)
        .on("mousemove", function (event, r) {
          L.showTooltip(event, r.name + " " + r.inputDims, [
            ["intensity", r.arithmeticIntensityFlopsPerByte.toFixed(1) + " FLOP/B"],
            ["achieved", tflops(r.achievedTflopsPerS) + " TFLOP/s"],
            ["of attainable", fmt.pct(r.pctOfAttainable)],
            ["calls", fmt.count(r.calls)],
            ["kernel time", fmt.ns(r.kernelNs)],
          ]);
        })
        .on("mouseleave", L.hideTooltip);
    });
  }

  L.registerView({
    id: "efficiency",
    title: "Efficiency (MFU)",
    nav: "MFU",
    lede: "Achieved TFLOP/s = FLOPs (recorded, or estimated from operator shapes) / time; MFU = achieved / the GPU's peak dense TFLOP/s for the dtype carrying most FLOPs. Per step the time is the step's wall time; per operator and module, the GPU time of their kernels.",
    render: function (root, data) {
      var e = data.summary.efficiency;
      if (L.unavailable(root, e, "Efficiency not available")) return;
      L.cards(root, [
        card("MFU (window)", e.window.mfuPct === null ? "n/a" : fmt.pct(e.window.mfuPct), e.mfuUnavailableReason || tflops(e.window.achievedTflopsPerS) + " TFLOP/s achieved"),
        card(
          "Peak",
          e.peakTflopsPerS === null ? "unknown" : tflops(e.peakTflopsPerS) + " TFLOP/s",
          (e.peakDtype || "") + " · " + (e.hardware.tableEntry || e.hardware.deviceName || "unknown GPU") + (e.hardware.tflopsSource ? " · " + e.hardware.tflopsSource : ""),
        ),
        card("FLOPs", fmt.count(e.window.flops / 1e9) + " GFLOP", "source: " + e.flopsSource),
      ]);
      L.table(root, {
        columns: [
          L.stepColumn(),
          { key: "windowNs", label: "Step time (ms)", numeric: true, format: fmt.ms },
          {
            key: "flops",
            label: "GFLOP",
            numeric: true,
            format: function (v) {
              return (v / 1e9).toFixed(1);
            },
          },
          { key: "achievedTflopsPerS", label: "TFLOP/s", numeric: true, format: tflops },
          { key: "mfuPct", label: "MFU", numeric: true, format: fmt.pct },
        ],
        rows: e.steps,
        sort: { key: "step", dir: "asc" },
      });
      var c = el("div", { class: "chart", "data-chart": "roofline" });
      root.appendChild(el("h3", { text: "Roofline: GEMM and attention operators (per input shape)" }));
      root.appendChild(c);
      roofline(c, e);
      /** @type {TableColumn<Available<Summary["efficiency"]>["byOperator"][number]>[]} the module-class and operator rows share these fields */
      var cols = [
        { key: "name", label: "Name" },
        { key: "calls", label: "Calls", numeric: true, format: fmt.count },
        {
          key: "flops",
          label: "GFLOP",
          numeric: true,
          format: function (v) {
            return (Number(v) / 1e9).toFixed(1);
          },
        },
        { key: "kernelNs", label: "Kernel time", numeric: true, format: fmt.ns },
        { key: "achievedTflopsPerS", label: "TFLOP/s", numeric: true, format: tflops },
        L.pctColumn("pctOfPeak", "% of peak"),
      ];
      if (e.byModuleClass.length) {
        root.appendChild(el("h3", { text: "By module class" }));
        L.table(root, { columns: cols, rows: e.byModuleClass, sort: { key: "flops", dir: "desc" }, pageSize: 15 });
      }
      root.appendChild(el("h3", { text: "By operator" }));
      L.table(root, { columns: cols, rows: e.byOperator, sort: { key: "flops", dir: "desc" }, pageSize: 15 });
    },
  });

  L.addHeadline(function (s) {
    if (!s.efficiency.available || s.efficiency.window.mfuPct === null) return null;
    return { label: "MFU", value: fmt.pct(s.efficiency.window.mfuPct), sub: s.efficiency.window.achievedTflopsPerS.toFixed(1) + " TFLOP/s of " + (s.efficiency.peakTflopsPerS || 0).toFixed(0) };
  });
})();
