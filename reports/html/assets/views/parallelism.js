// @ts-check
/*
 * View "parallelism" (Summary.processGroups, collectiveWaits, pipeline): communication
 * by process group and parallel dimension, one step per rank over time with the
 * communication coloured by dimension, waiting vs transferring, all-to-all sizes, and
 * the pipeline schedule per stage with its bubbles.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;

  var DIM_COLORS = { DP: "#2f6fd6", TP: "#d6702f", PP: "#8a3fc4", CP: "#16a38a", EP: "#c43f6a", "?": "#7a7a7a" };
  var COMPUTE = "#c9ced6";
  var BLOCK_COLORS = { F: "#4c8bd6", B: "#e39b3b" };
  var BUBBLE = "#d64545";
  var LABEL_W = 120;
  var LANE_H = 22;
  var GAP = 6;

  /** @typedef {Available<Summary["processGroups"]>} ProcessGroupsSection */
  /** @typedef {ProcessGroupsSection["groups"][number]} ProcessGroup */
  /** @typedef {{ start: number, end: number, color: string, inset?: number, title: string, tip?: [string, string][] }} LaneItem */
  /** @typedef {{ label: string, items: LaneItem[] }} Lane */

  /** @param {string} dim */
  function dimColor(dim) {
    return /** @type {Record<string, string | undefined>} */ (DIM_COLORS)[dim] || DIM_COLORS["?"];
  }
  /** @param {number | null | undefined} r */
  function rankName(r) {
    return r === null || r === undefined ? "–" : "rank " + r;
  }
  /** @param {ProcessGroup} g */
  function groupName(g) {
    return g.description || g.id;
  }

  /**
   * One row of bars per lane; spanNs: x extent.
   * @param {HTMLElement} container @param {string} chart @param {Lane[]} lanesData @param {number} spanNs @param {string} ariaLabel
   */
  function lanes(container, chart, lanesData, spanNs, ariaLabel) {
    var box = el("div", { class: "chart", "data-chart": chart });
    container.appendChild(box);
    L.responsive(box, function (width) {
      box.textContent = "";
      var height = 26 + lanesData.length * (LANE_H + GAP) + 10;
      var p = L.plot(box, width, height, { top: 24, right: 12, bottom: 10, left: LABEL_W }, ariaLabel);
      var x = d3
        .scaleLinear()
        .domain([0, spanNs / 1e6])
        .range([0, p.w]);
      p.g
        .append("g")
        .attr("class", "axis")
        .attr("transform", "translate(0,-4)")
        .call(
          d3
            .axisTop(x)
            .ticks(8)
            .tickFormat(function (v) {
              return v + " ms";
            }),
        );
      lanesData.forEach(function (lane, i) {
        var y = i * (LANE_H + GAP);
        p.svg
          .append("text")
          .attr("class", "lane-label")
          .attr("x", 8)
          .attr("y", 24 + y + LANE_H / 2)
          .attr("dy", "0.35em")
          .text(lane.label);
        p.g
          .append("g")
          .selectAll("rect")
          .data(lane.items)
          .enter()
          .append("rect")
          .attr("class", "mark")
          .attr("x", function (d) {
            return x(d.start / 1e6);
          })
          .attr("y", function (d) {
            return y + (d.inset || 0);
          })
          .attr("height", function (d) {
            return LANE_H - 2 * (d.inset || 0);
          })
          .attr("width", function (d) {
            return Math.max(0.5, x(d.end / 1e6) - x(d.start / 1e6));
          })
          .attr("fill", function (d) {
            return d.color;
          })
          .on("mousemove", function (event, d) {
            L.showTooltip(event, d.title, d.tip || []);
          })
          .on("mouseleave", L.hideTooltip);
      });
    });
  }

  /** @param {HTMLElement} root @param {ProcessGroupsSection} pg */
  function stepChart(root, pg) {
    var view = pg.stepView;
    if (!view) return;
    root.appendChild(el("h3", { text: "Step #" + view.step + " per rank" }));
    root.appendChild(
      el("p", {
        class: "lede",
        text: "Grey: compute kernels. Coloured: communication kernels, by the parallel dimension of their process group. Time from the start of the step on each rank (clocks of different hosts are not compared).",
      }),
    );
    /** @type {Record<number, string>} */
    var labels = {};
    pg.groups.forEach(function (g, i) {
      labels[i] = g.label || "?";
    });
    /** @type {Record<string, boolean>} */
    var used = {};
    /** @type {Lane[]} */
    var data = view.ranks.map(function (r) {
      /** @type {LaneItem[]} */
      var items = r.compute.map(function (iv) {
        return { start: iv[0], end: iv[1], color: COMPUTE, inset: 5, title: "compute", tip: [["ms", fmt.ms(iv[1] - iv[0])]] };
      });
      r.communication.forEach(function (c) {
        var g = /** @type {ProcessGroup} */ (pg.groups[c.group]); // c.group indexes pg.groups
        var dim = /** @type {string} */ (labels[c.group]);
        used[dim] = true;
        c.intervals.forEach(function (iv) {
          items.push({
            start: iv[0],
            end: iv[1],
            color: dimColor(dim),
            title: dim + " · " + groupName(g),
            tip: [
              ["ms", fmt.ms(iv[1] - iv[0])],
              ["from step start, ms", fmt.ms(iv[0])],
            ],
          });
        });
      });
      return { label: rankName(r.rank), items: items };
    });
    var span =
      d3.max(view.ranks, function (r) {
        return r.stepNs;
      }) || 1;
    root.appendChild(
      L.legend(
        [{ color: COMPUTE, label: "compute" }].concat(
          Object.keys(used).map(function (d) {
            return { color: dimColor(d), label: d + " communication" };
          }),
        ),
      ),
    );
    lanes(root, "parallel-step", data, span, "One step per rank: compute and communication by parallel dimension");
  }

  /** @param {HTMLElement} root @param {Available<Summary["pipeline"]>} p */
  function pipelineChart(root, p) {
    root.appendChild(el("h3", { text: "Pipeline schedule" }));
    root.appendChild(
      el("p", {
        class: "lede",
        text: "Per stage, the first profiled step: forward (F) and backward (B) micro-batches as seen on the GPU, and the bubble (the stage runs a P2P kernel and no compute: it waits for a neighbour). Ideal for 1F1B: (p-1)/(m+p-1) of the step.",
      }),
    );
    /** @type {Lane[]} */
    var data = p.stages.map(function (st) {
      var s = st.steps[0];
      /** @type {LaneItem[]} */
      var items = (s ? s.blocks : []).map(function (b, i) {
        return {
          start: b.startNs,
          end: b.endNs,
          color: BLOCK_COLORS[b.kind],
          title: (b.kind === "F" ? "forward" : "backward") + " block " + (i + 1),
          tip: [
            ["kernel ms", fmt.ms(b.kernelNs)],
            ["span ms", fmt.ms(b.endNs - b.startNs)],
          ],
        };
      });
      (s ? s.bubbles : []).forEach(function (iv) {
        items.push({ start: iv[0], end: iv[1], color: BUBBLE, inset: 6, title: "bubble", tip: [["ms", fmt.ms(iv[1] - iv[0])]] });
      });
      return { label: "stage " + st.stage + " (" + rankName(st.rank) + ")", items: items };
    });
    var span =
      d3.max(p.stages, function (st) {
        return st.steps[0] ? st.steps[0].stepNs : 0;
      }) || 1;
    root.appendChild(
      L.legend([
        { color: BLOCK_COLORS.F, label: "forward" },
        { color: BLOCK_COLORS.B, label: "backward" },
        { color: BUBBLE, label: "bubble" },
      ]),
    );
    lanes(root, "pipeline", data, span, "Pipeline schedule per stage with bubbles");
    L.table(root, {
      columns: [
        {
          key: "stage",
          label: "Stage",
          numeric: true,
          value: function (x) {
            return x.st.stage;
          },
          format: function (v) {
            return String(v);
          },
        },
        {
          key: "rank",
          label: "Rank",
          value: function (x) {
            return rankName(x.st.rank);
          },
        },
        {
          key: "step",
          label: "Step",
          numeric: true,
          value: function (x) {
            return x.s.step;
          },
          format: function (v) {
            return "#" + v;
          },
        },
        {
          key: "bubbleNs",
          label: "Bubble (ms)",
          numeric: true,
          value: function (x) {
            return x.s.bubbleNs;
          },
          format: fmt.ms,
        },
        {
          key: "bubblePct",
          label: "Bubble",
          numeric: true,
          value: function (x) {
            return x.s.bubblePct;
          },
          format: fmt.pct,
          bar: function (x) {
            return x.s.bubblePct;
          },
        },
        {
          key: "ideal",
          label: "1F1B ideal",
          numeric: true,
          value: function (x) {
            return x.s.idealBubblePct;
          },
          format: function (v) {
            return v === null ? "n/a" : fmt.pct(v);
          },
        },
        {
          key: "noCompute",
          label: "No compute",
          numeric: true,
          value: function (x) {
            return x.s.noComputePct;
          },
          format: fmt.pct,
        },
        {
          key: "mb",
          label: "F / B",
          value: function (x) {
            return x.s.forward + " / " + x.s.backward;
          },
        },
        {
          key: "schedule",
          label: "Schedule as seen",
          value: function (x) {
            return x.s.schedule;
          },
        },
      ],
      rows: p.stages.flatMap(function (st) {
        return st.steps.map(function (s) {
          return { st: st, s: s };
        });
      }),
      sort: { key: "stage", dir: "asc" },
    });
  }

  L.registerView({
    id: "parallelism",
    title: "Parallelism",
    lede: 'Communication by process group, labelled DP, TP, PP, CP or EP (README: "Communication by parallel dimension"). A collective ends together on every rank: the rank with the shortest kernel arrived last, the others waited for it.',
    render: function (root, data) {
      var s = data.summary;
      var pg = s.processGroups;
      if (L.unavailable(root, pg, "Parallelism not available")) return;
      L.table(root, {
        columns: [
          {
            key: "group",
            label: "Process group",
            value: function (x) {
              return groupName(x.g);
            },
          },
          {
            key: "label",
            label: "Dimension",
            value: function (x) {
              return x.g.label || "?";
            },
            title: function (x) {
              return x.g.labelReason;
            },
          },
          {
            key: "ranks",
            label: "Group ranks",
            value: function (x) {
              return x.g.ranks ? x.g.ranks.join(", ") : "?";
            },
          },
          {
            key: "rank",
            label: "Rank",
            value: function (x) {
              return rankName(x.r.rank);
            },
          },
          {
            key: "kernels",
            label: "Kernels",
            numeric: true,
            value: function (x) {
              return x.r.kernels;
            },
            format: fmt.count,
          },
          {
            key: "timeNs",
            label: "Time (ms)",
            numeric: true,
            value: function (x) {
              return x.r.timeNs;
            },
            format: fmt.ms,
          },
          {
            key: "exposedNs",
            label: "Exposed (ms)",
            numeric: true,
            value: function (x) {
              return x.r.exposedNs;
            },
            format: fmt.ms,
          },
          {
            key: "share",
            label: "Share of steps",
            numeric: true,
            value: function (x) {
              return x.r.shareOfStepPct;
            },
            format: fmt.pct,
            bar: function (x) {
              return x.r.shareOfStepPct;
            },
          },
          {
            key: "bytes",
            label: "Bytes",
            numeric: true,
            value: function (x) {
              return x.r.bytes;
            },
            format: function (v) {
              return v === null ? "n/a" : fmt.bytes(v);
            },
          },
          {
            key: "bus",
            label: "Bus GB/s",
            numeric: true,
            value: function (x) {
              return x.r.busBandwidthGBps;
            },
            format: function (v) {
              return v === null ? "n/a" : v.toFixed(1);
            },
          },
          {
            key: "algo",
            label: "Algorithms",
            value: function (x) {
              return x.g.algorithms.join(", ");
            },
          },
        ],
        rows: pg.groups.flatMap(function (g) {
          return g.perRank.map(function (r) {
            return { g: g, r: r };
          });
        }),
        sort: { key: "timeNs", dir: "desc" },
      });
      root.appendChild(
        el(
          "ul",
          { class: "reasons" },
          pg.groups
            .filter(function (g) {
              return g.perRank.length > 0;
            })
            .map(function (g) {
              return el("li", { text: groupName(g) + ": " + (g.label || "?") + " — " + g.labelReason });
            }),
        ),
      );
      stepChart(root, pg);

      var w = s.collectiveWaits;
      root.appendChild(el("h3", { text: "Waiting vs transferring" }));
      if (!L.unavailable(root, w, "Not available")) {
        L.table(root, {
          columns: [
            {
              key: "group",
              label: "Group",
              value: function (x) {
                return x.g.group + (x.g.label ? " (" + x.g.label + ")" : "");
              },
            },
            {
              key: "rank",
              label: "Rank",
              value: function (x) {
                return rankName(x.r.rank);
              },
            },
            {
              key: "n",
              label: "Collectives",
              numeric: true,
              value: function (x) {
                return x.r.instances;
              },
              format: fmt.count,
            },
            {
              key: "t",
              label: "Time (ms)",
              numeric: true,
              value: function (x) {
                return x.r.timeNs;
              },
              format: fmt.ms,
            },
            {
              key: "w",
              label: "Waiting (ms)",
              numeric: true,
              value: function (x) {
                return x.r.waitingNs;
              },
              format: fmt.ms,
            },
            {
              key: "x",
              label: "Transferring (ms)",
              numeric: true,
              value: function (x) {
                return x.r.transferringNs;
              },
              format: fmt.ms,
            },
            {
              key: "p",
              label: "Waiting",
              numeric: true,
              value: function (x) {
                return x.r.waitingPct;
              },
              format: fmt.pct,
              bar: function (x) {
                return x.r.waitingPct;
              },
            },
          ],
          rows: w.groups.flatMap(function (g) {
            return g.perRank.map(function (r) {
              return { g: g, r: r };
            });
          }),
          sort: { key: "w", dir: "desc" },
        });
        w.allToAll.forEach(function (a) {
          root.appendChild(el("h3", { text: "All-to-all sizes: " + a.group }));
          root.appendChild(
            el("p", {
              class: "lede",
              text:
                "Received bytes, max / mean over ranks: " +
                a.receivedImbalance.toFixed(2) +
                " (1.00 = balanced); worst single all-to-all: " +
                (a.worstInstanceImbalance === null ? "n/a" : a.worstInstanceImbalance.toFixed(2)) +
                ".",
            }),
          );
          L.table(root, {
            columns: [
              {
                key: "rank",
                label: "Rank",
                value: function (r) {
                  return rankName(r.rank);
                },
              },
              { key: "instances", label: "All-to-alls", numeric: true, format: fmt.count },
              { key: "sentBytes", label: "Sent", numeric: true, format: fmt.bytes },
              { key: "receivedBytes", label: "Received", numeric: true, format: fmt.bytes },
              { key: "sentToOthersBytes", label: "Sent to other ranks", numeric: true, format: fmt.bytes },
              { key: "receivedFromOthersBytes", label: "Received from other ranks", numeric: true, format: fmt.bytes },
            ],
            rows: a.perRank,
            sort: { key: "rank", dir: "asc" },
          });
        });
      }

      var p = s.pipeline;
      if (p && p.available) pipelineChart(root, p);
      else if (p) root.appendChild(el("p", { class: "lede", text: "Pipeline: " + p.reason }));
    },
  });
})();
