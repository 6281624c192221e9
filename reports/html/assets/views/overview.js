// @ts-check
/*
 * View "overview" (Summary.trace + headline figures from steps, temporal,
 * kernels): what was profiled, and the numbers to read first.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;

  /** @typedef {NonNullable<ReturnType<LlmprofClient["headlines"][number]>> & { title?: string, mono?: boolean }} OverviewCard */

  /**
   * Window-weighted share of all devices: sum(part) / sum(window).
   * @param {Available<Summary["temporal"]>["devices"]} devices @param {"busyNs" | "idleNs" | "exposedCommunicationNs"} key
   */
  function weightedPct(devices, key) {
    var part = 0;
    var win = 0;
    devices.forEach(function (d) {
      part += d.total[key];
      win += d.total.windowNs;
    });
    return win > 0 ? (100 * part) / win : NaN;
  }

  /** @param {string} text @param {number} n */
  function clip(text, n) {
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  /** @param {OverviewCard} c */
  function card(c) {
    var value = el("div", { class: "value" + (c.small ? " small" : "") + (c.mono ? " mono" : ""), text: c.value });
    if (c.title) value.title = c.title;
    var label = el("div", { class: "label" }, c.color ? [L.swatch(c.color), " ", c.label] : [c.label]);
    return el("div", { class: "card", "data-headline": c.id || null }, [label, value, c.sub ? el("div", { class: "sub", text: c.sub }) : null]);
  }

  /** @param {Summary} s @param {ReportData} data */
  function headlineCards(s, data) {
    /** @type {OverviewCard[]} */
    var cards = [];
    var st = s.steps;
    if (st.available) {
      var marked = st.source === "profiler-steps" || st.source === "serving-steps";
      cards.push({
        id: "step-time",
        label: marked ? "Step time (median)" : "GPU span",
        value: fmt.ns(marked ? st.stepTimeMedianNs : st.windowNs),
        sub: marked
          ? st.count +
            (st.source === "serving-steps" ? " serving-engine" : "") +
            (st.count === 1 ? " step" : " steps") +
            (st.count > 1 ? " · min " + fmt.ns(st.stepTimeMinNs) + " · max " + fmt.ns(st.stepTimeMaxNs) : "")
          : "no ProfilerStep ranges: whole trace",
      });
    } else cards.push({ id: "step-time", label: "Step time", value: "n/a", sub: st.reason });

    if (s.temporal.available) {
      var devs = s.temporal.devices;
      var n = devs.length + (devs.length === 1 ? " GPU" : " GPUs");
      var comm = 0;
      var commTotal = 0;
      var overlap = 0;
      devs.forEach(function (d) {
        comm += d.total.exposedCommunicationNs;
        commTotal += d.total.communicationNs;
        overlap += d.total.overlapNs;
      });
      cards.push({ id: "busy", label: "GPU busy", value: fmt.pct(weightedPct(devs, "busyNs")), sub: "of the window, " + n });
      cards.push({ id: "idle", label: "GPU idle", value: fmt.pct(weightedPct(devs, "idleNs")), sub: "no kernel or copy running", color: L.STEP_PARTS[3].color });
      cards.push({
        id: "exposed-comm",
        label: "Exposed communication",
        value: commTotal > 0 ? fmt.pct(weightedPct(devs, "exposedCommunicationNs")) : "none",
        sub: commTotal > 0 ? fmt.ns(comm / devs.length) + " per GPU · " + fmt.pct((100 * overlap) / commTotal) + " of comm. overlapped" : "no communication kernels",
        color: L.CATEGORY_COLORS.communication,
      });
    }
    var top = s.kernels.available ? s.kernels.byCategory[0] : undefined;
    if (s.kernels.available && top) {
      cards.push({
        id: "top-category",
        label: "Top kernel category",
        value: top.label,
        small: true,
        sub: fmt.pct(top.pctOfKernelTime) + " of kernel time · " + fmt.ns(top.totalNs),
        color: L.categoryColor(top.category),
      });
      var k = s.kernels.byName[0];
      if (k) {
        cards.push({
          id: "top-kernel",
          label: "Top kernel",
          value: clip(data.labels.kernels[0] || k.name, 56),
          title: k.name,
          small: true,
          mono: true,
          sub: fmt.pct(k.pctOfKernelTime) + " of kernel time · " + fmt.count(k.count) + " calls",
          color: L.categoryColor(k.category),
        });
      }
    }
    // cards contributed by views of later sections (modules, phases...)
    L.headlines.forEach(function (fn) {
      var c = fn(s, data);
      if (c) cards.push(c);
    });
    return cards;
  }

  /** @param {Summary} s */
  function facts(s) {
    var t = s.trace;
    /** @type {HTMLElement[]} */
    var rows = [];
    /** @param {string} label @param {string | Node | null | undefined} value */
    var add = function (label, value) {
      if (value === null || value === undefined || value === "") return;
      rows.push(el("dt", { text: label }), el("dd", null, [value]));
    };
    if (t.traceName) add("Trace name", t.traceName);
    add("Files", t.files.join(", "));
    add("Format", t.format + (t.partial ? " (partial: the input was cut short)" : ""));
    add(
      "Devices",
      t.devices.length
        ? t.devices
            .map(function (d) {
              var extra = [];
              if (d.totalMemoryBytes) extra.push(L.fmt.bytes(d.totalMemoryBytes));
              if (d.computeCapability) extra.push("sm " + d.computeCapability);
              if (d.smCount) extra.push(d.smCount + " SMs");
              return "GPU " + d.id + ": " + (d.name.trim() ? d.name : "name not recorded") + (extra.length ? " (" + extra.join(", ") + ")" : "");
            })
            .join("; ")
        : "not recorded",
    );
    var ranks = t.ranks.filter(function (r) {
      return r.rank !== null;
    });
    var firstRank = ranks[0];
    if (firstRank) {
      add(
        "Ranks",
        ranks
          .map(function (r) {
            return String(r.rank);
          })
          .join(", ") +
          " of world size " +
          (firstRank.worldSize === null ? "?" : firstRank.worldSize),
      );
    }
    if (s.steps.available) {
      var st = s.steps;
      add(
        "Steps",
        st.source === "profiler-steps"
          ? st.items
              .filter(function (x, i, a) {
                return (
                  a.findIndex(function (y) {
                    return y.number === x.number;
                  }) === i
                );
              })
              .map(function (x) {
                return "#" + x.number;
              })
              .join(", ") +
              " (window " +
              fmt.ns(st.windowNs) +
              ")"
          : st.source === "serving-steps"
            ? st.count + " serving-engine steps (SGLang/vLLM markers; window " + fmt.ns(st.windowNs) + ")"
            : "none recorded; window = span of all GPU activity (" + fmt.ns(st.windowNs) + ")",
      );
    }
    // baseTimeNanoseconds is the trace's clock origin, not a version
    var versions = Object.keys(t.versions)
      .filter(function (k) {
        return k !== "baseTimeNanoseconds";
      })
      .map(function (k) {
        return el("span", { class: "chip", text: k + " " + t.versions[k] });
      });
    if (versions.length) add("Versions", el("span", { class: "chips" }, versions));
    var options = Object.keys(t.options).map(function (k) {
      return el("span", { class: "chip", text: k + (t.options[k] ? " ✓" : " ✗") });
    });
    if (options.length) add("Profiler options", el("span", { class: "chips" }, options));
    add(
      "Events read",
      L.fmt.count(
        Object.keys(t.eventCounts).reduce(function (a, k) {
          return a + /** @type {number} */ (t.eventCounts[k]); // k is one of its keys
        }, 0),
      ) +
        " (" +
        L.fmt.bytes(t.bytesRead) +
        " of text)",
    );
    return el("dl", { class: "facts" }, rows);
  }

  L.registerView({
    id: "overview",
    title: "Overview",
    render: function (root, data) {
      var s = data.summary;
      if (s.trace.partial) {
        root.appendChild(
          el("div", { class: "banner", role: "note", text: "Partial trace: the input ends early (interrupted write or cut download). Every figure covers the complete events before the cut." }),
        );
      }
      L.cards(root, headlineCards(s, data).map(card));
      root.appendChild(el("h3", { text: "What was profiled" }));
      root.appendChild(facts(s));
    },
  });
})();
