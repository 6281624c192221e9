// @ts-check
/*
 * View "steps" (Summary.steps + Summary.temporal): per step and per GPU, the
 * step time stacked as compute / exposed communication / exposed memory / idle
 * (they add up to the step time), then the same figures as tables.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;
  var PARTS = L.STEP_PARTS;

  /** @typedef {Available<Summary["temporal"]>["devices"][number]} TemporalDevice */
  /** @typedef {{ device: TemporalDevice, key: string, step: TemporalDevice["steps"][number] }} StepBar */

  /** @param {TemporalDevice} d */
  function deviceLabel(d) {
    return (d.rank === null || d.rank === undefined ? "" : "rank " + d.rank + " · ") + "GPU " + d.device;
  }
  /** @param {Summary} s @param {number} n */
  function stepLabel(s, n) {
    return s.steps.available && s.steps.source === "gpu-span" ? "whole trace" : "#" + n;
  }

  /** @param {HTMLElement} container @param {Summary} s */
  function chart(container, s) {
    if (!s.temporal.available) return; // render() has checked it
    var devices = s.temporal.devices;
    /** @type {number[]} */
    var stepNumbers = [];
    devices.forEach(function (d) {
      d.steps.forEach(function (x) {
        if (stepNumbers.indexOf(x.step) < 0) stepNumbers.push(x.step);
      });
    });
    stepNumbers.sort(function (a, b) {
      return a - b;
    });
    /** @type {StepBar[]} */
    var bars = [];
    devices.forEach(function (d) {
      d.steps.forEach(function (x) {
        bars.push({ device: d, key: deviceLabel(d), step: x });
      });
    });
    var keys = devices.map(deviceLabel);
    var maxNs =
      d3.max(bars, function (b) {
        return b.step.windowNs;
      }) || 1;

    L.responsive(container, function (width) {
      container.textContent = "";
      var margin = { top: 10, right: 16, bottom: keys.length > 1 ? 58 : 42, left: 64 };
      var height = 280;
      var w = width - margin.left - margin.right;
      var h = height - margin.top - margin.bottom;
      var maxBand = Math.min(w, stepNumbers.length * Math.max(140, keys.length * 44));
      /** @type {import("d3").ScaleBand<number>} */
      var x = d3.scaleBand();
      x.domain(stepNumbers).range([0, maxBand]).paddingInner(0.25).paddingOuter(0.1);
      var inner = d3
        .scaleBand()
        .domain(keys)
        .range([0, x.bandwidth()])
        .padding(keys.length > 1 ? 0.12 : 0);
      /** The left edge of a step's bar for one GPU: its step group, then its place in the group. */
      /** @param {StepBar} b */
      var barLeft = function (b) {
        return (x(b.step.step) || 0) + (inner(b.key) || 0);
      };
      var y = d3
        .scaleLinear()
        .domain([0, maxNs / 1e6])
        .nice()
        .range([h, 0]);
      var svg = d3.select(container).append("svg").attr("width", width).attr("height", height).attr("role", "img").attr("aria-label", "Step time breakdown per step and GPU");
      var g = svg.append("g").attr("transform", "translate(" + margin.left + "," + margin.top + ")");
      L.valueAxis(g, y, "left", maxBand, 6);
      g.append("g")
        .attr("class", "axis")
        .attr("transform", "translate(0," + h + ")")
        .call(
          d3.axisBottom(x).tickFormat(function (n) {
            return stepLabel(s, n);
          }),
        );
      g.append("text")
        .attr("class", "axis-label")
        .attr("transform", "rotate(-90)")
        .attr("x", -h / 2)
        .attr("y", -48)
        .attr("text-anchor", "middle")
        .text("time per step (ms)");
      g.append("text")
        .attr("class", "axis-label")
        .attr("x", maxBand / 2)
        .attr("y", h + 34)
        .attr("text-anchor", "middle")
        .text(s.steps.available && s.steps.source === "gpu-span" ? "window" : "profiler step");
      if (keys.length > 1) {
        // device labels under each bar group
        bars.forEach(function (b) {
          if (inner.bandwidth() < 26) return;
          g.append("text")
            .attr("class", "bar-label")
            .attr("x", barLeft(b) + inner.bandwidth() / 2)
            .attr("y", h + 50)
            .attr("text-anchor", "middle")
            .text(b.key.replace("rank ", "r").replace(" · GPU ", "/"));
        });
      }
      var groups = g.selectAll("g.bar").data(bars).enter().append("g").attr("class", "bar");
      groups.each(function (b) {
        var node = d3.select(this);
        var acc = 0;
        PARTS.forEach(function (p) {
          var v = b.step[p.key] / 1e6;
          node
            .append("rect")
            .attr("class", "mark")
            .attr("x", barLeft(b))
            .attr("width", Math.max(1, inner.bandwidth()))
            .attr("y", y(acc + v))
            .attr("height", Math.max(0, y(acc) - y(acc + v)))
            .attr("fill", p.color);
          acc += v;
        });
        node
          .on("mousemove", function (event) {
            var st = b.step;
            L.showTooltip(event, "Step " + stepLabel(s, st.step) + " · " + b.key, [
              ["step time", fmt.ns(st.windowNs)],
              ["compute", fmt.ns(st.computeNs) + " (" + fmt.pct(st.computePct) + ")"],
              ["exposed communication", fmt.ns(st.exposedCommunicationNs) + " (" + fmt.pct(st.exposedCommunicationPct) + ")"],
              ["exposed memory", fmt.ns(st.exposedMemoryNs) + " (" + fmt.pct(st.exposedMemoryPct) + ")"],
              ["idle", fmt.ns(st.idleNs) + " (" + fmt.pct(st.idlePct) + ")"],
              ["communication overlapped", fmt.pct(st.overlapPct)],
            ]);
          })
          .on("mouseleave", L.hideTooltip);
      });
    });
  }

  /** @param {HTMLElement} root @param {Summary} s */
  function deviceTable(root, s) {
    if (!s.temporal.available) return; // render() has checked it
    var rows = s.temporal.devices.map(function (d) {
      return Object.assign({ label: deviceLabel(d), outsideNs: d.outsideWindowBusyNs }, d.total);
    });
    L.table(root, {
      columns: [
        { key: "label", label: "GPU" },
        { key: "windowNs", label: "Window (ms)", numeric: true, format: fmt.ms },
        L.pctColumn("busyPct", "Busy"),
        { key: "computePct", label: "Compute", numeric: true, format: fmt.pct },
        { key: "exposedCommunicationPct", label: "Exposed comm.", numeric: true, format: fmt.pct },
        { key: "exposedMemoryPct", label: "Exposed memory", numeric: true, format: fmt.pct },
        { key: "idlePct", label: "Idle", numeric: true, format: fmt.pct },
        { key: "overlapPct", label: "Comm. overlapped", numeric: true, format: fmt.pct, help: "overlapped / communication time; n/a without communication" },
        { key: "outsideNs", label: "Busy outside window (ms)", numeric: true, format: fmt.ms },
      ],
      rows: rows,
      sort: { key: "label", dir: "asc" },
    });
  }

  /** @param {HTMLElement} root @param {Summary} s */
  function stepTable(root, s) {
    /** @type {(StepBar["step"] & { gpu: string })[]} */
    var rows = [];
    if (s.temporal.available) {
      s.temporal.devices.forEach(function (d) {
        d.steps.forEach(function (x) {
          rows.push(Object.assign({ gpu: deviceLabel(d) }, x));
        });
      });
    }
    var ms = L.msColumn;
    L.table(root, {
      columns: [
        {
          key: "step",
          label: "Step",
          numeric: true,
          format: function (n) {
            return stepLabel(s, n);
          },
        },
        { key: "gpu", label: "GPU" },
        ms("windowNs", "Step time"),
        ms("computeNs", "Compute"),
        ms("communicationNs", "Comm."),
        ms("exposedCommunicationNs", "Exposed comm."),
        ms("memoryNs", "Memory"),
        ms("exposedMemoryNs", "Exposed memory"),
        ms("idleNs", "Idle"),
        L.pctColumn("idlePct", "Idle"),
      ],
      rows: rows,
      sort: { key: "step", dir: "asc" },
      pageSize: 30,
    });
  }

  L.registerView({
    id: "steps",
    title: "Step time breakdown",
    nav: "Steps",
    lede: "Each bar is one step on one GPU: compute, then communication and memory copies not hidden behind compute, then idle time. The parts add up to the step time.",
    render: function (root, data) {
      var s = data.summary;
      if (L.unavailable(root, s.steps, "Steps not available")) return;
      if (L.unavailable(root, s.temporal, "GPU time breakdown not available")) return;
      root.appendChild(L.legend(PARTS));
      var c = el("div", { class: "chart", "data-chart": "steps" });
      root.appendChild(c);
      chart(c, s);
      root.appendChild(el("h3", { text: "Per GPU, over the window" }));
      deviceTable(root, s);
      root.appendChild(el("h3", { text: "Per step" }));
      stepTable(root, s);
    },
  });
})();
