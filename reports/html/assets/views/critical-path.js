// @ts-check
/*
 * View "critical-path" (Summary.criticalPath): per step, the chain of dependent
 * work that sets the step time (compute, collectives, host, launches, idle), a
 * strip of the chosen step's path coloured by kind and rank, and its what-if
 * table. The GPU timeline view outlines the same segments on their streams.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;

  var KINDS = [
    { kind: "compute", label: "Compute", color: "#4e79a7" },
    { kind: "collective-transfer", label: "Collective transfer", color: "#f28e2b" },
    { kind: "collective-wait", label: "Collective wait (peers unmatched)", color: "#e15759" },
    { kind: "host", label: "Host (CPU)", color: "#76b7b2" },
    { kind: "launch", label: "Launch", color: "#59a14f" },
    { kind: "idle", label: "Idle", color: "#bab0ac" },
    { kind: "rank-alignment", label: "Rank alignment", color: "#d7d2cc" },
  ];
  /** @typedef {Available<Summary["criticalPath"]>["steps"][number]} CriticalPathStep */
  /** @type {Record<string, string>} */
  var COLOR = {};
  /** @type {Record<string, string>} */
  var LABEL = {};
  KINDS.forEach(function (k) {
    COLOR[k.kind] = k.color;
    LABEL[k.kind] = k.label;
  });
  L.pathKindColor = function (kind) {
    return COLOR[kind] || "#999";
  };

  /** @param {CriticalPathStep} st @param {string} kind */
  function pctOf(st, kind) {
    var row = st.byKind.filter(function (k) {
      return k.kind === kind;
    })[0];
    return row ? row.pct : 0;
  }

  /** The step's path as one bar: one rect per segment, rank under it. */
  /** @param {HTMLElement} container @param {CriticalPathStep} st */
  function strip(container, st) {
    L.responsive(container, function (width) {
      container.textContent = "";
      var h = 46;
      var svg = d3
        .select(container)
        .append("svg")
        .attr("width", width)
        .attr("height", h)
        .attr("role", "img")
        .attr("aria-label", "Critical path of step #" + st.step + " by kind and rank");
      var first = st.segments[0];
      var t0 = first ? first.startNs : 0;
      var x = d3
        .scaleLinear()
        .domain([0, st.stepTimeNs / 1e6])
        .range([0, width - 2]);
      /** One rect per segment, at its place in the step, from y to y + height. @param {import("d3").Selection<SVGGElement, unknown, null, undefined>} group @param {number} y @param {number} height */
      function segmentRects(group, y, height) {
        return group
          .selectAll("rect")
          .data(st.segments)
          .enter()
          .append("rect")
          .attr("x", function (s) {
            return x((s.startNs - t0) / 1e6);
          })
          .attr("y", y)
          .attr("width", function (s) {
            return Math.max(0.5, x((s.endNs - s.startNs) / 1e6));
          })
          .attr("height", height);
      }
      segmentRects(svg.append("g").attr("class", "path-strip"), 4, 22)
        .attr("fill", function (s) {
          return COLOR[s.kind] || "#999";
        })
        .on("mousemove", function (event, s) {
          L.showTooltip(
            event,
            s.label,
            [
              ["kind", LABEL[s.kind] || s.kind],
              ["rank", String(s.rank)],
              ["from", fmt.ms(s.startNs - t0, 3) + " ms"],
              ["length", fmt.ns(s.endNs - s.startNs)],
            ].concat(s.stream === null ? [] : [["stream", "GPU " + s.device + " · stream " + s.stream]]),
          );
        })
        .on("mouseleave", L.hideTooltip);
      // which rank the path is on, as a thin band under the bar
      /** @type {Record<string, boolean>} */
      var ranks = {};
      st.segments.forEach(function (s) {
        ranks[s.rank] = true;
      });
      var rankColor = d3.scaleOrdinal(["#333", "#999", "#666", "#bbb"]).domain(Object.keys(ranks));
      segmentRects(svg.append("g"), 30, 5).attr("fill", function (s) {
        return rankColor(String(s.rank));
      });
      svg
        .append("text")
        .attr("class", "axis-label")
        .attr("x", 0)
        .attr("y", 45)
        .text("band: rank " + Object.keys(ranks).join(" / ") + " (dark to light)");
    });
  }

  L.registerView({
    id: "critical-path",
    title: "Critical path",
    nav: "Critical path",
    lede: "Per step, the chain of dependent work that sets the step time, walked back from the step's end: kernels in stream order, their launches, inferred cross-stream waits, collectives (continued on the last rank to arrive, clocks aligned on the collective's end) and host work. Its pieces add up to the step time.",
    render: function (root, data) {
      var section = data.summary.criticalPath;
      if (L.unavailable(root, section, "Critical path not available")) return;
      var cp = section; // the available section, also inside the handlers below
      if (!cp.steps.length) return;
      root.appendChild(
        L.legend(
          KINDS.map(function (k) {
            return { label: k.label, color: k.color };
          }),
        ),
      );
      /** @type {TableColumn[]} */
      var cols = [L.stepColumn(), { key: "rank", label: "From rank", numeric: true }, { key: "stepTimeNs", label: "Step time (ms)", numeric: true, format: fmt.ms }];
      KINDS.forEach(function (k) {
        cols.push({
          key: k.kind,
          label: k.label,
          numeric: true,
          value: function (st) {
            return pctOf(st, k.kind);
          },
          format: fmt.pct,
          bar:
            k.kind === "compute"
              ? function (st) {
                  return pctOf(st, k.kind);
                }
              : undefined,
        });
      });
      cols.push({ key: "rankHops", label: "Rank hops", numeric: true });
      L.table(root, { columns: cols, rows: cp.steps, sort: { key: "step", dir: "asc" } });

      var sorted = cp.steps.slice().sort(function (a, b) {
        return a.stepTimeNs - b.stepTimeNs;
      });
      var chosen = sorted[(sorted.length - 1) >> 1];
      if (!chosen) return;
      var detail = el("div", { class: "critical-path-detail" });
      var pick = L.segmented(
        "Step",
        cp.steps.slice(0, 40).map(function (st) {
          return { value: String(st.step), label: "#" + st.step };
        }),
        String(chosen.step),
        function (v) {
          var picked = cp.steps.filter(function (st) {
            return String(st.step) === v;
          })[0];
          if (picked) showStep(picked); // always found: the options are these steps
        },
      );
      root.appendChild(el("div", { class: "timeline-tools" }, ["Step: ", pick]));
      root.appendChild(detail);

      /** @param {CriticalPathStep} st */
      function showStep(st) {
        detail.textContent = "";
        detail.appendChild(
          el("h3", {
            text:
              "Step #" +
              st.step +
              " from rank " +
              st.rank +
              ": " +
              fmt.ms(st.stepTimeNs) +
              " ms, " +
              st.rankHops +
              " rank hop(s)" +
              (st.inferredStreamWaits ? ", " + st.inferredStreamWaits + " inferred cross-stream wait(s)" : ""),
          }),
        );
        if (st.segments.length) {
          var c = el("div", { class: "chart", "data-chart": "critical-path" });
          detail.appendChild(c);
          strip(c, st);
        } else detail.appendChild(el("p", { class: "lede", text: "The pieces of this step are not kept in the summary (only for the 32 longest steps and the median one); its totals are above." }));
        if (st.segmentsTotal > st.segments.length) detail.appendChild(el("p", { class: "lede", text: fmt.count(st.segmentsTotal) + " pieces, drawn as " + fmt.count(st.segments.length) + " runs." }));
        detail.appendChild(el("h3", { text: "What-if" }));
        detail.appendChild(
          el("p", { class: "lede", text: "Step time saved if an item on the path were faster or gone, bounded by the slack of the work in parallel with it (README: Critical path, what-if)." }),
        );
        /** @type {TableColumn[]} */
        var wcols = [
          {
            key: "item",
            label: "Item on the path",
            format: function (v) {
              return (data.labels.pathItems && data.labels.pathItems[v]) || v;
            },
            title: function (w) {
              return w.item;
            },
          },
          {
            key: "kind",
            label: "Kind",
            format: function (v) {
              return LABEL[v] || v;
            },
          },
          { key: "pathNs", label: "On the path (ms)", numeric: true, format: fmt.ms },
          L.pctColumn("pathPct", "Of the step"),
        ];
        cp.whatIfFasterPct.forEach(function (p, i) {
          wcols.push({
            key: "f" + p,
            label: "Saved if " + p + "% faster (ms)",
            numeric: true,
            value: function (w) {
              return w.savedIfFasterNs[i];
            },
            format: fmt.ms,
          });
        });
        wcols.push({ key: "savedIfRemovedNs", label: "Saved if removed (ms)", numeric: true, format: fmt.ms });
        var wrap = el("div", { "data-table": "what-if" });
        detail.appendChild(wrap);
        L.table(wrap, { columns: wcols, rows: st.whatIf, sort: { key: "pathNs", dir: "desc" } });
      }
      showStep(chosen);
    },
  });
})();
