// @ts-check
/*
 * View "memory" (Summary.memory + Summary.throughput): GPU memory allocated and
 * reserved over time (downsampled maxima), peaks per step, forward allocations
 * by module, top allocating operators; tokens per step and tokens/s.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;
  var card = L.card;
  var COLORS = { allocated: "#3b6ea5", reserved: "#c9a227" };

  /** @param {HTMLElement} container @param {Available<Summary["memory"]>["devices"][number]} dev */
  function timelineChart(container, dev) {
    var pts = dev.timeline;
    var first = pts[0];
    var last = pts[pts.length - 1];
    if (!first || !last) return;
    var t0 = first.timeNs;
    var spanMs = (last.timeNs - t0) / 1e6;
    L.responsive(container, function (width) {
      container.textContent = "";
      var frame = L.plot(container, width, 240, { top: 10, right: 16, bottom: 42, left: 72 }, "GPU memory over time");
      var g = frame.g;
      var w = frame.w;
      var h = frame.h;
      var x = d3
        .scaleLinear()
        .domain([0, spanMs || 1])
        .range([0, w]);
      var y = d3
        .scaleLinear()
        .domain([
          0,
          (d3.max(pts, function (p) {
            return Math.max(p.reservedBytes, p.allocatedBytes);
          }) || 0) /
            2 ** 30 || 1,
        ])
        .nice()
        .range([h, 0]);
      L.valueAxis(g, y, "left", w, 5);
      g.append("g")
        .attr("class", "axis")
        .attr("transform", "translate(0," + h + ")")
        .call(d3.axisBottom(x).ticks(8));
      L.axisTitles(g, w, h, "time since the window start (ms)", "GiB", 52, 34);
      /** @type {("reserved" | "allocated")[]} */ (["reserved", "allocated"]).forEach(function (k) {
        /** @type {import("d3").Line<(typeof pts)[number]>} */
        var line = d3.line();
        line
          .curve(d3.curveStepAfter)
          .x(function (p) {
            return x((p.timeNs - t0) / 1e6);
          })
          .y(function (p) {
            return y((k === "reserved" ? p.reservedBytes : p.allocatedBytes) / 2 ** 30);
          });
        g.append("path").datum(pts).attr("class", "mark").attr("fill", "none").attr("stroke", COLORS[k]).attr("stroke-width", 1.5).attr("d", line);
      });
      var overlay = g.append("rect").attr("width", w).attr("height", h).attr("fill", "transparent");
      var bisect = d3.bisector(
        /** @param {(typeof pts)[number]} p */ function (p) {
          return (p.timeNs - t0) / 1e6;
        },
      ).left;
      overlay
        .on("mousemove", function (event) {
          var ms = x.invert(d3.pointer(event)[0]);
          var p = pts[Math.min(pts.length - 1, bisect(pts, ms))];
          if (!p) return;
          L.showTooltip(event, fmt.ms(p.timeNs - t0) + " ms", [
            ["allocated", fmt.bytes(p.allocatedBytes)],
            ["reserved", fmt.bytes(p.reservedBytes)],
          ]);
        })
        .on("mouseleave", L.hideTooltip);
    });
  }

  /** @param {string} nameLabel */
  function allocColumns(nameLabel) {
    return [
      { key: "name", label: nameLabel },
      { key: "allocations", label: "Allocations", numeric: true, format: fmt.count },
      { key: "allocatedBytes", label: "Allocated", numeric: true, format: fmt.bytes },
      { key: "freedBytes", label: "Freed", numeric: true, format: fmt.bytes },
      { key: "netBytes", label: "Net (kept)", numeric: true, format: fmt.bytes },
    ];
  }

  L.registerView({
    id: "memory",
    title: "Memory and throughput",
    nav: "Memory",
    lede: "Allocated is memory held by tensors, reserved what PyTorch's caching allocator holds from the driver (from profile_memory events). Net bytes of a module's forward = allocations - frees inside it: what it keeps, e.g. activations saved for backward. Tokens per step come from the token embedding's input shape [batch, sequence].",
    render: function (root, data) {
      var t = data.summary.throughput;
      if (t.available) {
        var r0 = t.ranks[0];
        if (r0)
          L.cards(root, [
            card("Tokens per step", fmt.count(r0.tokensPerStep), r0.batchShape ? "batch x sequence " + r0.batchShape : r0.source),
            card("Tokens/s per GPU (median)", fmt.count(r0.tokensPerSMedian), fmt.count(r0.samplesPerSMedian) + " samples/s"),
            card("Tokens/s, all ranks", fmt.count(t.globalTokensPerS), t.worldSize + (t.worldSize === 1 ? " rank" : " ranks")),
          ]);
      } else root.appendChild(el("p", { class: "muted", text: "Throughput not available: " + t.reason }));
      var m = data.summary.memory;
      if (L.unavailable(root, m, "Memory not available")) return;
      m.devices.forEach(function (d) {
        root.appendChild(el("h3", { text: "GPU " + d.device }));
        L.cards(root, [
          card("Peak allocated", fmt.bytes(d.peakAllocatedBytes), "reserved at that time: +" + fmt.bytes(d.reservedOverAllocatedAtPeakBytes)),
          card("Peak reserved", fmt.bytes(d.peakReservedBytes), fmt.count(d.events) + " allocator events"),
          card("Allocation rate", fmt.bytes(d.allocationRateBytesPerS) + "/s", fmt.count(d.allocations) + " allocations, " + fmt.bytes(d.allocatedBytes)),
        ]);
        root.appendChild(
          L.legend([
            { label: "Allocated", color: COLORS.allocated },
            { label: "Reserved", color: COLORS.reserved },
          ]),
        );
        var c = el("div", { class: "chart", "data-chart": "memory-timeline" });
        root.appendChild(c);
        timelineChart(c, d);
        L.table(root, {
          columns: [
            L.stepColumn(),
            { key: "peakAllocatedBytes", label: "Peak allocated", numeric: true, format: fmt.bytes },
            { key: "peakReservedBytes", label: "Peak reserved", numeric: true, format: fmt.bytes },
            { key: "allocations", label: "Allocations", numeric: true, format: fmt.count },
            { key: "allocatedBytes", label: "Allocated", numeric: true, format: fmt.bytes },
          ],
          rows: d.steps,
          sort: { key: "step", dir: "asc" },
        });
      });
      if (m.forward) {
        root.appendChild(el("h3", { text: "Forward allocations by module (self)" }));
        L.table(root, {
          columns: allocColumns("Module"),
          rows: /** @type {import("../../../../src/analysis/memory.js").AllocationRow[]} */ (m.forward.modules).concat([m.forward.outsideModules]),
          sort: { key: "netBytes", dir: "desc" },
          search: {
            placeholder: "Filter modules…",
            text: function (r) {
              return r.name;
            },
          },
          pageSize: 20,
        });
      }
      root.appendChild(el("h3", { text: "Top allocating operators" }));
      L.table(root, { columns: allocColumns("Operator"), rows: m.topOperators, sort: { key: "allocatedBytes", dir: "desc" }, pageSize: 15 });
    },
  });

  L.addHeadline(function (s) {
    if (!s.memory.available || !s.memory.devices.length) return null;
    var d = s.memory.devices[0];
    if (!d) return null;
    return { label: "Peak GPU memory", value: fmt.bytes(d.peakAllocatedBytes), sub: "allocated · reserved " + fmt.bytes(d.peakReservedBytes) };
  });
})();
