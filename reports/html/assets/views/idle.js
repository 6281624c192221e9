// @ts-check
/*
 * View "idle" (Summary.idle): why the GPU waits. Idle time by cause (each gap
 * has exactly one cause, so the bars add up to the idle time), what the CPU
 * was doing during host-bound and synchronisation gaps, and the largest gaps.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;

  /** @param {keyof LlmprofClient["IDLE_LABELS"]} c */
  function causeLabel(c) {
    return L.IDLE_LABELS[c] || c;
  }
  /** @param {keyof LlmprofClient["IDLE_LABELS"]} c */
  function causeCell(c) {
    return el("span", null, [L.swatch(L.IDLE_COLORS[c] || "#ccc"), " ", causeLabel(c)]);
  }
  /** @param {string} text @param {number} n */
  function clip(text, n) {
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  L.registerView({
    id: "idle",
    title: "Idle time and its causes",
    nav: "Idle",
    lede: "Every gap between GPU activities inside a step gets one cause: host-bound (the next kernel was launched after the gap began: the CPU was late), synchronisation, launch latency (short gaps between queued kernels), waiting on a dependency, or the edges of the step.",
    render: function (root, data) {
      var idle = data.summary.idle;
      if (L.unavailable(root, idle, "Idle analysis not available")) return;
      if (idle.verdict) root.appendChild(el("ul", { class: "notes" }, el("li", { text: idle.verdict })));
      root.appendChild(
        el("p", {
          class: "lede",
          text:
            fmt.ns(idle.idleNs) +
            " idle in " +
            fmt.count(idle.gapCount) +
            " gaps (" +
            fmt.pct(idle.windowNs > 0 ? (100 * idle.idleNs) / idle.windowNs : NaN) +
            " of the window" +
            (idle.rank === null || idle.rank === undefined ? "" : ", rank " + idle.rank) +
            "). Launch latency threshold " +
            fmt.ns(idle.launchLatencyThresholdNs) +
            ".",
        }),
      );
      var causes = idle.byCause.filter(function (c) {
        return c.count > 0;
      });
      var chart = el("div", { class: "chart", "data-chart": "idle" });
      root.appendChild(chart);
      L.hbars(
        chart,
        causes.map(function (c) {
          return {
            key: c.cause,
            label: causeLabel(c.cause),
            value: c.totalNs,
            color: L.IDLE_COLORS[c.cause] || "#ccc",
            text: fmt.ms(c.totalNs) + " ms · " + fmt.pct(c.pctOfIdle),
            tip: [
              ["idle time", fmt.ns(c.totalNs)],
              ["share of idle", fmt.pct(c.pctOfIdle)],
              ["share of the window", fmt.pct(c.pctOfWindow)],
              ["gaps", fmt.count(c.count)],
            ],
          };
        }),
        "idle time (ms)",
      );

      if (idle.topCulprits.length) {
        root.appendChild(el("h3", { text: "What the CPU was doing while the GPU waited" }));
        L.table(root, {
          columns: [
            {
              key: "culprit",
              label: "CPU activity",
              cellClass: "name",
              render: function (r) {
                return clip(r.culprit, 90);
              },
              title: function (r) {
                return r.culprit.length > 90 ? r.culprit : null;
              },
            },
            {
              key: "cause",
              label: "Cause",
              cellClass: "nowrap",
              render: function (r) {
                return causeCell(r.cause);
              },
            },
            { key: "count", label: "Gaps", numeric: true, format: fmt.count },
            { key: "totalNs", label: "Idle (ms)", numeric: true, format: fmt.ms },
          ],
          rows: idle.topCulprits,
          sort: { key: "totalNs", dir: "desc" },
          pageSize: 10,
        });
      }
      if (idle.largestGaps.length) {
        root.appendChild(el("h3", { text: "Largest gaps" }));
        L.table(root, {
          columns: [
            {
              key: "durationNs",
              label: "Length (ms)",
              numeric: true,
              format: function (v) {
                return fmt.ms(v, 3);
              },
            },
            L.stepColumn(),
            { key: "device", label: "GPU", numeric: true },
            {
              key: "cause",
              label: "Cause",
              cellClass: "nowrap",
              render: function (r) {
                return causeCell(r.cause);
              },
            },
            {
              key: "culprit",
              label: "CPU activity",
              cellClass: "name",
              render: function (r) {
                return r.culprit ? clip(r.culprit, 60) : "";
              },
              title: function (r) {
                return r.culprit && r.culprit.length > 60 ? r.culprit : null;
              },
            },
            {
              key: "nextActivity",
              label: "Next GPU activity",
              cellClass: "name",
              render: function (r) {
                return r.nextActivity ? clip(r.nextActivity, 60) : "";
              },
              title: function (r) {
                return r.nextActivity;
              },
            },
          ],
          rows: idle.largestGaps,
          sort: { key: "durationNs", dir: "desc" },
          pageSize: 10,
        });
      }
    },
  });
})();
