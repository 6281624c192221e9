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
      var frame = L.barFrame(container, width, {
        keys: rows.map(who),
        bandHeight: 28,
        padding: 0.25,
        margin: { top: 4, right: 150, bottom: 40, left: 130 },
        maxMs:
          (d3.max(rows, function (r) {
            return r.communicationNs;
          }) || 1) / 1e6,
        label: "Communication overlapped and exposed, per rank",
        axisLabel: "communication time in the window (ms)",
      });
      rows.forEach(function (r) {
        var tip = [
          ["communication", fmt.ns(r.communicationNs)],
          ["overlapped with compute", fmt.ns(r.overlapNs) + " (" + fmt.pct(r.overlapPct) + ")"],
          ["exposed", fmt.ns(r.exposedCommunicationNs) + " (" + fmt.pct(r.exposedCommunicationPctOfWindow) + " of the window)"],
        ];
        var parts = [
          { ms: r.overlapNs / 1e6, color: OVERLAPPED, title: who(r), tip: tip },
          { ms: r.exposedCommunicationNs / 1e6, color: L.CATEGORY_COLORS.communication, title: who(r), tip: tip },
        ];
        L.stackedBar(frame.g, frame.x, frame.y(who(r)) || 0, frame.y.bandwidth(), parts, fmt.pct(r.overlapPct) + " overlapped");
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
        var ms = L.msColumn;
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
      /** @type {(Available<typeof col>["ranks"][number]["types"][number] & { rank: number | null; source: string })[]} */
      var rows = [];
      col.ranks.forEach(function (r) {
        r.types.forEach(function (t) {
          rows.push(Object.assign({ rank: r.rank, source: r.source }, t));
        });
      });
      /** @param {number | null | undefined} v */
      var gbps = function (v) {
        return v === null || v === undefined ? "" : v.toFixed(1);
      };
      L.table(root, {
        columns: [
          L.rankColumn(),
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
