// @ts-check
/*
 * View "timeline" (ReportData.timeline, from src/analysis/timeline.ts): one
 * lane per rank / GPU / stream over the analysis window, busy segments coloured
 * by their dominant kernel category. Segments are drawn on a canvas (there can
 * be thousands per lane); axes, labels and step boundaries are SVG. Zoom with
 * the wheel or the buttons, drag to pan, double-click to reset.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;

  var LABEL_W = 170;
  var AXIS_H = 30;
  var LANE_H = 24;
  var LANE_GAP = 4;
  var BOTTOM = 22;

  /** @typedef {NonNullable<ReportData["timeline"]>} TimelineData */
  /** @typedef {TimelineData["streams"][number]} TimelineStream */
  /** @typedef {{ startNs: number, endNs: number, kind: string, label: string }} PathPiece */
  /** Per lane, the critical-path pieces on its stream (gpu) and the host pieces drawn under its rank's first lane. @typedef {{ gpu: PathPiece[], host: PathPiece[] }} PathLane */

  /** @param {TimelineStream} st */
  function laneLabel(st) {
    return (st.rank === null || st.rank === undefined ? "" : "rank " + st.rank + " · ") + "GPU " + st.device + " · stream " + st.stream;
  }

  /** First index whose end >= t (segments are sorted and disjoint). @param {number[]} ends @param {number} t */
  function firstEndingAfter(ends, t) {
    var lo = 0;
    var hi = ends.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (/** @type {number} */ (ends[mid]) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * a[i] where i is known to be in range (noUncheckedIndexedAccess cannot see it).
   * @template T @param {readonly T[]} a @param {number} i @returns {T}
   */
  function at(a, i) {
    return /** @type {T} */ (a[i]);
  }

  /** @param {string} hex @returns {[number, number, number]} */
  function hexToRgb(hex) {
    var n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  /**
   * Critical-path segments (Summary.criticalPath) per lane, in the lane's window-relative ns:
   * GPU pieces on their stream's lane, host/launch pieces on the rank's first lane.
   * @param {Summary["criticalPath"]} cp @param {TimelineData} tl @returns {PathLane[] | null}
   */
  function pathOverlay(cp, tl) {
    /** @type {PathLane[]} */
    var lanes = tl.streams.map(function () {
      return { gpu: [], host: [] };
    });
    if (!cp || !cp.available) return null;
    /** @type {Record<string, number>} */
    var windowStart = {};
    tl.ranks.forEach(function (r) {
      windowStart[String(r.rank === null ? 0 : r.rank)] = r.windowStartNs;
    });
    /** @type {Record<string, number>} */
    var laneOf = {};
    /** @type {Record<string, number>} */
    var firstLane = {};
    tl.streams.forEach(function (st, i) {
      var rank = String(st.rank === null ? 0 : st.rank);
      laneOf[rank + ":" + st.device + ":" + st.stream] = i;
      if (firstLane[rank] === undefined) firstLane[rank] = i;
    });
    var count = 0;
    cp.steps.forEach(function (step) {
      step.segments.forEach(function (s) {
        var rank = String(s.rank);
        var w = windowStart[rank];
        if (w === undefined) return;
        var a = s.localStartNs - w;
        var piece = { startNs: a, endNs: a + (s.endNs - s.startNs), kind: s.kind, label: s.label };
        var lane = s.stream === null ? undefined : laneOf[rank + ":" + s.device + ":" + s.stream];
        var first = firstLane[rank];
        // lane indices are those of tl.streams, which `lanes` follows one to one
        if (lane !== undefined) /** @type {PathLane} */ (lanes[lane]).gpu.push(piece);
        else if ((s.kind === "host" || s.kind === "launch") && first !== undefined) /** @type {PathLane} */ (lanes[first]).host.push(piece);
        else return;
        count++;
      });
    });
    return count ? lanes : null;
  }

  /** @param {HTMLElement} container @param {TimelineData} tl @param {HTMLElement} tools @param {PathLane[] | null} path */
  function draw(container, tl, tools, path) {
    var showPath = !!path;
    var streams = tl.streams;
    var cats = tl.categories;
    var rgb = cats.map(function (c) {
      return hexToRgb(L.categoryColor(c));
    });
    var spanNs =
      d3.max(tl.ranks, function (r) {
        return r.windowEndNs - r.windowStartNs;
      }) || 1;
    var height = AXIS_H + streams.length * (LANE_H + LANE_GAP) + BOTTOM;
    /** @param {number} i */
    var laneTop = function (i) {
      return AXIS_H + i * (LANE_H + LANE_GAP);
    };
    /** @type {Record<string, TimelineData["ranks"][number]["steps"]>} */
    var rankSteps = {};
    tl.ranks.forEach(function (r) {
      rankSteps[String(r.rank)] = r.steps;
    });
    var transform = d3.zoomIdentity;
    /** @type {import("d3").ZoomBehavior<SVGRectElement, unknown> | null} */
    var zoomBehaviour = null;
    /** @type {import("d3").Selection<SVGRectElement, unknown, null, undefined> | null} */
    var overlaySel = null;

    L.responsive(container, function (width) {
      container.textContent = "";
      container.style.height = height + "px";
      var plotW = Math.max(100, width - LABEL_W - 12);
      var x0 = d3
        .scaleLinear()
        .domain([0, spanNs / 1e6])
        .range([0, plotW]);
      var dpr = window.devicePixelRatio || 1;
      var canvas = el("canvas", { "aria-hidden": "true" });
      canvas.width = Math.round(plotW * dpr);
      canvas.height = Math.round(streams.length * (LANE_H + LANE_GAP) * dpr);
      canvas.style.width = plotW + "px";
      canvas.style.height = streams.length * (LANE_H + LANE_GAP) + "px";
      canvas.style.left = LABEL_W + "px";
      canvas.style.top = AXIS_H + "px";
      container.appendChild(canvas);
      var context = canvas.getContext("2d");
      if (!context) return; // no 2D canvas: the lanes cannot be drawn
      var ctx = context;

      var svg = d3.select(container).append("svg").attr("width", width).attr("height", height).attr("role", "img").attr("aria-label", "GPU timeline: busy segments per stream");
      svg
        .append("g")
        .selectAll("text.lane-label")
        .data(streams)
        .enter()
        .append("text")
        .attr("class", "lane-label")
        .attr("x", 8)
        .attr("y", function (_s, i) {
          return laneTop(i) + LANE_H / 2;
        })
        .attr("dy", "0.35em")
        .text(laneLabel);
      var plot = svg.append("g").attr("transform", "translate(" + LABEL_W + ",0)");
      var axisG = plot
        .append("g")
        .attr("class", "axis")
        .attr("transform", "translate(0," + (AXIS_H - 4) + ")");
      var stepsG = plot.append("g");
      svg
        .append("text")
        .attr("class", "axis-label")
        .attr("x", 8)
        .attr("y", AXIS_H - 12)
        .text("ms since window start");

      function render() {
        var x = transform.rescaleX(x0);
        axisG.call(d3.axisTop(x).ticks(Math.max(2, Math.floor(plotW / 90))));
        // the range is [0, plotW], so its ends are the visible window (in ms)
        var d0 = x.invert(0) * 1e6;
        var d1 = x.invert(plotW) * 1e6;
        var k = plotW / (d1 - d0); // px per ns
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        ctx.clearRect(0, 0, plotW, streams.length * (LANE_H + LANE_GAP));
        streams.forEach(function (st, lane) {
          var y = lane * (LANE_H + LANE_GAP);
          ctx.fillStyle = "#f6f8fa";
          ctx.fillRect(0, y, plotW, LANE_H);
          for (var i = firstEndingAfter(st.endNs, d0); i < st.startNs.length && at(st.startNs, i) <= d1; i++) {
            var start = at(st.startNs, i);
            var end = at(st.endNs, i);
            var px = (start - d0) * k;
            var pw = Math.max(1, (end - start) * k);
            var c = at(rgb, at(st.category, i));
            var busy = at(st.busyInNs, i) / Math.max(1, end - start);
            ctx.fillStyle = "rgba(" + c[0] + "," + c[1] + "," + c[2] + "," + (0.35 + 0.65 * busy).toFixed(3) + ")";
            ctx.fillRect(px, y + 1, pw, LANE_H - 2);
          }
          if (showPath && path) {
            // the critical path: a dark bar over GPU pieces, a host-coloured bar under host pieces
            var onLane = at(path, lane); // one entry per stream
            onLane.gpu.forEach(function (p) {
              if (p.endNs < d0 || p.startNs > d1) return;
              ctx.fillStyle = "#111";
              ctx.fillRect((p.startNs - d0) * k, y, Math.max(1, (p.endNs - p.startNs) * k), 4);
            });
            onLane.host.forEach(function (p) {
              if (p.endNs < d0 || p.startNs > d1) return;
              ctx.fillStyle = L.pathKindColor ? L.pathKindColor(p.kind) : "#76b7b2";
              ctx.fillRect((p.startNs - d0) * k, y + LANE_H - 5, Math.max(1, (p.endNs - p.startNs) * k), 5);
            });
          }
        });
        // step boundaries, per rank, over that rank's lanes
        stepsG.selectAll("*").remove();
        /** @type {Record<string, { first: number, last: number }>} */
        var byRank = {};
        streams.forEach(function (st, lane) {
          var key = String(st.rank);
          var span = byRank[key];
          if (!span) span = byRank[key] = { first: lane, last: lane };
          span.last = lane;
        });
        Object.keys(byRank).forEach(function (key) {
          var steps = rankSteps[key] || [];
          var span = /** @type {{ first: number, last: number }} */ (byRank[key]); // key is one of its keys
          steps.forEach(function (s, i) {
            var xs = x(s.startNs / 1e6);
            if (xs >= 0 && xs <= plotW && i > 0) {
              stepsG
                .append("line")
                .attr("class", "step-line")
                .attr("x1", xs)
                .attr("x2", xs)
                .attr("y1", laneTop(span.first) - 2)
                .attr("y2", laneTop(span.last) + LANE_H + 2);
            }
            var mid = x((Math.max(s.startNs, d0) + Math.min(s.endNs, d1)) / 2e6);
            // labels go under the bottom lane only, so they never sit on another rank's lanes
            if (span.last === streams.length - 1 && steps.length > 1 && s.endNs > d0 && s.startNs < d1 && x(s.endNs / 1e6) - x(s.startNs / 1e6) > 30) {
              stepsG
                .append("text")
                .attr("class", "step-label")
                .attr("x", mid)
                .attr("y", laneTop(span.last) + LANE_H + 14)
                .attr("text-anchor", "middle")
                .text("step #" + s.number);
            }
          });
        });
      }

      var overlay = plot
        .append("rect")
        .attr("x", 0)
        .attr("y", AXIS_H)
        .attr("width", plotW)
        .attr("height", streams.length * (LANE_H + LANE_GAP))
        .attr("fill", "transparent")
        .attr("cursor", "grab");
      overlaySel = overlay;
      /** @type {import("d3").ZoomBehavior<SVGRectElement, unknown>} */
      var zoom = d3.zoom();
      zoomBehaviour = zoom
        .scaleExtent([1, Math.max(2, spanNs / 1000)]) // down to ~1 µs across the view
        .extent([
          [0, 0],
          [plotW, height],
        ])
        .translateExtent([
          [0, 0],
          [plotW, height],
        ])
        .on("zoom", function (event) {
          transform = event.transform;
          render();
        });
      overlay
        .call(zoomBehaviour)
        .on("dblclick.zoom", null)
        .on("dblclick", function () {
          overlay.call(zoom.transform, d3.zoomIdentity);
        });
      overlay.call(zoomBehaviour.transform, transform);
      overlay
        .on("mousemove", function (event) {
          var p = d3.pointer(event, plot.node());
          var lane = Math.floor((p[1] - AXIS_H) / (LANE_H + LANE_GAP));
          var st = streams[lane];
          if (!st) return L.hideTooltip();
          var x = transform.rescaleX(x0);
          var t = x.invert(p[0]) * 1e6;
          var tol = (x.invert(3) - x.invert(0)) * 1e6;
          var i = firstEndingAfter(st.endNs, t - tol);
          if (i >= st.startNs.length || at(st.startNs, i) > t + tol) {
            L.showTooltip(event, laneLabel(st), [
              ["at", fmt.ms(t, 3) + " ms"],
              ["", "idle"],
            ]);
            return;
          }
          var len = at(st.endNs, i) - at(st.startNs, i);
          L.showTooltip(event, L.categoryLabel(at(cats, at(st.category, i))) + (at(st.count, i) > 1 ? " (mostly)" : ""), [
            ["stream", laneLabel(st)],
            ["from", fmt.ms(at(st.startNs, i), 3) + " ms"],
            ["length", fmt.ns(len)],
            ["activities", fmt.count(at(st.count, i))],
            ["busy", fmt.ns(at(st.busyInNs, i)) + " (" + fmt.pct((100 * at(st.busyInNs, i)) / Math.max(1, len)) + ")"],
          ]);
        })
        .on("mouseleave", L.hideTooltip);
    });

    /** @param {number} f */
    function zoomBy(f) {
      if (zoomBehaviour && overlaySel) overlaySel.transition().duration(200).call(zoomBehaviour.scaleBy, f);
    }
    tools.appendChild(
      el("button", {
        type: "button",
        text: "Zoom in",
        on: {
          click: function () {
            zoomBy(2);
          },
        },
      }),
    );
    tools.appendChild(
      el("button", {
        type: "button",
        text: "Zoom out",
        on: {
          click: function () {
            zoomBy(0.5);
          },
        },
      }),
    );
    tools.appendChild(
      el("button", {
        type: "button",
        text: "Reset",
        on: {
          click: function () {
            if (zoomBehaviour && overlaySel) overlaySel.call(zoomBehaviour.transform, d3.zoomIdentity);
          },
        },
      }),
    );
    if (path) {
      tools.appendChild(
        L.segmented(
          "Critical path",
          [
            { value: "on", label: "Critical path on" },
            { value: "off", label: "off" },
          ],
          "on",
          function (v) {
            showPath = v === "on";
            if (zoomBehaviour && overlaySel) overlaySel.call(zoomBehaviour.transform, transform);
          },
        ),
      );
    }
    tools.appendChild(el("span", { text: "Scroll to zoom, drag to pan, double-click to reset." }));
  }

  L.registerView({
    id: "timeline",
    title: "GPU timeline",
    nav: "Timeline",
    lede: "Busy periods of every GPU stream over the window, coloured by the kernel category that takes most of each segment. Fainter segments are partly idle.",
    render: function (root, data) {
      var tl = data.timeline;
      if (!tl) {
        root.appendChild(el("p", { class: "unavailable", text: "Not available: this report was written without the trace models (the timeline is computed from them, not from summary.json)." }));
        return;
      }
      if (!tl.streams.length) {
        root.appendChild(el("p", { class: "unavailable", text: "Not available: no GPU activity inside the window." }));
        return;
      }
      /** @type {Record<number, boolean>} category index -> drawn on some lane */
      var used = {};
      tl.streams.forEach(function (st) {
        st.category.forEach(function (c) {
          used[c] = true;
        });
      });
      root.appendChild(
        L.legend(
          tl.categories
            .filter(function (_, i) {
              return used[i];
            })
            .map(function (c) {
              return { label: L.categoryLabel(c), color: L.categoryColor(c) };
            }),
        ),
      );
      var merged = tl.streams.filter(function (st) {
        return st.resolutionNs > 0;
      });
      if (merged.length) {
        var maxRes = d3.max(merged, function (st) {
          return st.resolutionNs;
        });
        root.appendChild(
          el("p", {
            class: "lede",
            text:
              "Downsampled: on " +
              merged.length +
              " of " +
              tl.streams.length +
              " streams, activities at most " +
              fmt.ns(maxRes) +
              " apart are merged (at most " +
              fmt.count(tl.maxSegmentsPerStream) +
              " segments per stream).",
          }),
        );
      }
      var tools = el("div", { class: "timeline-tools" });
      root.appendChild(tools);
      var c = el("div", { class: "timeline chart", "data-chart": "timeline" });
      root.appendChild(c);
      var path = pathOverlay(data.summary.criticalPath, tl);
      if (path)
        root.appendChild(
          el("p", { class: "lede", text: "Critical path (see its view): a dark bar over the GPU work on it, a coloured bar at the bottom of a rank's first lane for host work and launches on it." }),
        );
      draw(c, tl, tools, path);
    },
  });
})();
