// @ts-check
/*
 * View "ranks" (Summary.ranks): the ranks side by side, the straggler of each
 * step (the rank the others wait for in collectives) and the collective skew.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;

  /** @param {number | null | undefined} r */
  function rankName(r) {
    return r === null || r === undefined ? "–" : "rank " + r;
  }

  L.registerView({
    id: "ranks",
    title: "Ranks",
    lede: "Per rank over the window. In a collective the last rank to arrive waits least; the straggler of a step is the rank the others wait for.",
    render: function (root, data) {
      var r = data.summary.ranks;
      if (L.unavailable(root, r, "Multi-rank view not available")) return;
      var ms = L.msColumn;
      L.table(root, {
        columns: [
          L.rankColumn(),
          { key: "device", label: "GPU", numeric: true },
          { key: "steps", label: "Steps", numeric: true },
          ms("stepTimeMedianNs", "Step time, median"),
          ms("computeNs", "Compute"),
          ms("exposedCommunicationNs", "Exposed comm."),
          ms("idleNs", "Idle"),
          L.pctColumn("busyPct", "Busy"),
          {
            key: "hostBound",
            label: "Host-bound idle (ms)",
            numeric: true,
            value: function (x) {
              return x.idleByCause["host-bound"] || 0;
            },
            format: fmt.ms,
          },
        ],
        rows: r.ranks,
        sort: { key: "rank", dir: "asc" },
      });
      root.appendChild(el("h3", { text: "Stragglers" }));
      if (!r.stragglers.length) root.appendChild(el("p", { class: "lede", text: "No step could be compared across ranks." }));
      else {
        L.table(root, {
          columns: [
            L.stepColumn(),
            {
              key: "straggler",
              label: "Straggler",
              format: function (v) {
                return v === null ? "none (below 1% of the step)" : rankName(v);
              },
            },
            { key: "delayNs", label: "Delay (ms)", numeric: true, format: fmt.ms },
            {
              key: "waits",
              label: "Wait in collectives, by rank",
              value: function (x) {
                return x.waitByRank
                  .map(function (w) {
                    return rankName(w.rank) + " " + fmt.ms(w.waitNs) + " ms";
                  })
                  .join(", ");
              },
            },
          ],
          rows: r.stragglers,
          sort: { key: "step", dir: "asc" },
        });
      }
      root.appendChild(
        el("p", {
          class: "lede",
          text:
            fmt.count(r.matchedCollectives) +
            " collectives matched across ranks; skew (longest minus shortest duration of one collective) mean " +
            fmt.ns(r.meanSkewNs) +
            ", max " +
            fmt.ns(r.maxSkewNs) +
            "." +
            (r.unmatchedSteps.length ? " Steps not matched: " + r.unmatchedSteps.join(", ") + "." : ""),
        }),
      );
    },
  });
})();
