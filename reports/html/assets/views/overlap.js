// @ts-check
/*
 * View "overlap" (Summary.overlap + Summary.collectives): per rank, how much
 * communication hides behind compute (stacked bars: overlapped / exposed), and
 * the collectives by type with message sizes and bandwidth.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;
  var OVERLAPPED = "#f3a6a7"; // communication colour, lighter: hidden behind compute

  /** @param {{ rank?: number | null, device: number | string }} r */
  function who(r) {
    return (r.rank === null || r.rank === undefined ? "" : "rank " + r.rank + " · ") + "GPU " + r.device;
  }

  /** @param {HTMLElement} container @param {Available<Summary["overlap"]>["rows"]} rows */
  function chart(container, rows) {
    L.responsive(container, function (width) {
      container.textContent = "";
      var margin = { top: 4, right: 150, bottom: 40, left: 130 };
      var w = Math.max(120, width - margin.left - margin.right);
      var h = rows.length * 28;
      var x = d3
        .scaleLinear()
        .domain([
          0,
          (d3.max(rows, function (r) {
            return r.communicationNs;
          }) || 1) / 1e6,
        ])
        .nice()
        .range([0, w]);
      var y = d3.scaleBand().domain(rows.map(who)).range([0, h]).padding(0.25);
      var svg = d3
        .select(container)
        .append("svg")
        .attr("width", width)
        .attr("height", h + margin.top + margin.bottom)
        .attr("role", "img")
        .attr("aria-label", "Communication overlapped and exposed, per rank");
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
      g.append("g").attr("class", "axis").call(d3.axisLeft(y).tickSize(0).tickPadding(8));
      g.append("text")
        .attr("class", "axis-label")
        .attr("x", w / 2)
        .attr("y", h + 34)
        .attr("text-anchor", "middle")
        .text("communication time in the window (ms)");
      rows.forEach(function (r) {
        var parts = [
          { v: r.overlapNs, color: OVERLAPPED, label: "overlapped with compute" },
          { v: r.exposedCommunicationNs, color: L.CATEGORY_COLORS.communication, label: "exposed" },
        ];
        var acc = 0;
        var top = y(who(r)) || 0;
        parts.forEach(function (p) {
          var v = p.v / 1e6;
          g.append("rect")
            .attr("class", "mark")
            .attr("x", x(acc))
            .attr("y", top)
            .attr("width", Math.max(v > 0 ? 1 : 0, x(acc + v) - x(acc)))
            .attr("height", y.bandwidth())
            .attr("fill", p.color)
            .on("mousemove", function (event) {
              L.showTooltip(event, who(r), [
                ["communication", fmt.ns(r.communicationNs)],
                ["overlapped with compute", fmt.ns(r.overlapNs) + " (" + fmt.pct(r.overlapPct) + ")"],
                ["exposed", fmt.ns(r.exposedCommunicationNs) + " (" + fmt.pct(r.exposedCommunicationPctOfWindow) + " of the window)"],
              ]);
            })
            .on("mouseleave", L.hideTooltip);
          acc += v;
        });
        g.append("text")
          .attr("class", "bar-label")
          .attr("x", x(acc) + 6)
          .attr("y", top + y.bandwidth() / 2)
          .attr("dy", "0.35em")
          .text(fmt.pct(r.overlapPct) + " overlapped");
      });
    });
  }

  L.registerView({
    id: "overlap",
    title: "Communication and overlap",
    nav: "Communication",
    lede: "Overlapped communication runs while a compute kernel runs on the same GPU; the rest is exposed and adds to the step time.",
    render: function (root, data) {
      var s = data.summary;
      var o = s.overlap;
      if (!L.unavailable(root, o, "Overlap not available")) {
        var windowRows = o.rows.filter(function (r) {
          return r.step === null;
        });
        if (
          windowRows.some(function (r) {
            return r.communicationNs > 0;
          })
        ) {
          root.appendChild(
            L.legend([
              { label: "Overlapped with compute", color: OVERLAPPED },
              { label: "Exposed", color: L.CATEGORY_COLORS.communication },
            ]),
          );
          var c = el("div", { class: "chart", "data-chart": "overlap" });
          root.appendChild(c);
          chart(c, windowRows);
        } else root.appendChild(el("p", { class: "unavailable", text: "No communication kernels in the window." }));
        var ms = function (key, label) {
          return { key: key, label: label + " (ms)", numeric: true, format: fmt.ms };
        };
        L.table(root, {
          columns: [
            { key: "who", label: "GPU", value: who },
            {
              key: "step",
              label: "Step",
              numeric: true,
              render: function (r) {
                return r.step === null ? "window" : "#" + r.step;
              },
              value: function (r) {
                return r.step === null ? -1 : r.step;
              },
            },
            ms("communicationNs", "Communication"),
            ms("overlapNs", "Overlapped"),
            ms("exposedCommunicationNs", "Exposed"),
            {
              key: "overlapPct",
              label: "Overlap",
              numeric: true,
              format: fmt.pct,
              bar: function (r) {
                return r.overlapPct || 0;
              },
            },
            { key: "exposedCommunicationPctOfWindow", label: "Exposed, % of time", numeric: true, format: fmt.pct },
          ],
          rows: o.rows,
          sort: { key: "who", dir: "asc" },
          pageSize: 20,
        });
      }
      root.appendChild(el("h3", { text: "Collectives" }));
      var col = s.collectives;
      if (L.unavailable(root, col, "Collectives not available")) return;
      var rows = [];
      col.ranks.forEach(function (r) {
        r.types.forEach(function (t) {
          var o2 = { rank: r.rank, source: r.source };
          for (var k in t) o2[k] = t[k];
          rows.push(o2);
        });
      });
      var gbps = function (v) {
        return v === null || v === undefined ? "" : v.toFixed(1);
      };
      L.table(root, {
        columns: [
          {
            key: "rank",
            label: "Rank",
            numeric: true,
            format: function (v) {
              return v === null ? "–" : String(v);
            },
          },
          { key: "collective", label: "Collective", cellClass: "name" },
          { key: "count", label: "Calls", numeric: true, format: fmt.count },
          { key: "totalNs", label: "Total (ms)", numeric: true, format: fmt.ms },
          { key: "meanNs", label: "Mean (µs)", numeric: true, format: fmt.us },
          {
            key: "bytes",
            label: "Bytes",
            numeric: true,
            format: function (v) {
              return v === null ? "" : fmt.bytes(v);
            },
          },
          { key: "algBandwidthGBps", label: "Alg. BW (GB/s)", numeric: true, format: gbps },
          { key: "busBandwidthGBps", label: "Bus BW (GB/s)", numeric: true, format: gbps },
          {
            key: "groupSize",
            label: "Group",
            numeric: true,
            format: function (v) {
              return v === null ? "" : String(v);
            },
          },
          {
            key: "dtypes",
            label: "Types",
            value: function (r) {
              return (r.dtypes || []).concat(r.algorithms || []).join(", ");
            },
          },
        ],
        rows: rows,
        sort: { key: "totalNs", dir: "desc" },
      });
    },
  });
})();
