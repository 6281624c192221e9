// @ts-check
/*
 * View "notes" (Summary.diagnostics + every unavailable section): what the
 * reader must know before trusting the numbers: partial input, missing data,
 * activity outside the window, and each parser diagnostic with its count.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;

  var SECTION_NAMES = {
    steps: "Steps",
    temporal: "GPU time breakdown",
    kernels: "Kernels",
    operators: "Operators",
    modules: "Modules",
    phases: "Phases",
    idle: "Idle time",
    launch: "Launch overhead",
    overlap: "Overlap",
    collectives: "Collectives",
    ranks: "Ranks",
    memory: "Memory",
    inference: "Inference",
    findings: "Findings",
  };

  /** @param {Summary} s */
  function notesOf(s) {
    var out = [];
    if (s.trace.partial) out.push({ level: "warning", text: "Partial trace: the input was cut short; the figures cover the complete events before the cut." });
    // every section that could not be computed, with its reason (new sections included)
    Object.keys(s).forEach(function (key) {
      var v = /** @type {Record<string, { available?: boolean; reason?: string } | null | undefined>} */ (/** @type {unknown} */ (s))[key];
      if (v && typeof v === "object" && v.available === false) {
        /** @type {Record<string, string | undefined>} */
        var names = SECTION_NAMES;
        out.push({ level: "info", text: (names[key] || key) + " not available: " + v.reason });
      }
    });
    if (s.steps.available && s.steps.source === "gpu-span") {
      out.push({ level: "info", text: "No ProfilerStep ranges in the trace: the window is the span of all GPU activity, reported as one pseudo-step." });
    }
    if (s.kernels.available) {
      var k = s.kernels;
      if (k.withoutLaunch.count > 0) {
        out.push({
          level: "info",
          text: fmt.count(k.withoutLaunch.count) + " GPU activities (" + fmt.ns(k.withoutLaunch.totalNs) + ") have no launch record (queued before profiling began); they are counted in every figure.",
        });
      }
      if (k.outsideWindow.count > 0) {
        out.push({
          level: "info",
          text: fmt.count(k.outsideWindow.count) + " GPU activities (" + fmt.ns(k.outsideWindow.totalNs) + ") start outside the profiled steps and are left out of the kernel tables.",
        });
      }
    }
    if (s.temporal.available) {
      s.temporal.devices.forEach(function (d) {
        if (d.outsideWindowBusyNs > 0) {
          out.push({
            level: "info",
            text:
              (d.rank === null ? "" : "Rank " + d.rank + " ") + "GPU " + d.device + ": " + fmt.ns(d.outsideWindowBusyNs) + " of GPU busy time lies outside the profiled steps (not in the breakdown).",
          });
        }
      });
    }
    return out;
  }

  L.registerView({
    id: "notes",
    title: "Notes",
    lede: "What the figures below do and do not cover, and what the parser had to skip or repair (each diagnostic with its count).",
    render: function (root, data) {
      var s = data.summary;
      var notes = notesOf(s);
      if (notes.length) {
        root.appendChild(
          el(
            "ul",
            { class: "notes" },
            notes.map(function (n) {
              return el("li", { class: n.level, text: n.text });
            }),
          ),
        );
      }
      root.appendChild(el("h3", { text: "Import diagnostics" }));
      if (!s.diagnostics.length) {
        root.appendChild(el("p", { class: "lede", text: "None: every event was read as recorded." }));
        return;
      }
      var multiFile = s.trace.files.length > 1;
      /** @type {TableColumn<Summary["diagnostics"][number]>[]} */
      var columns = [
        {
          key: "severity",
          label: "Severity",
          render: function (r) {
            return el("span", { class: "badge " + r.severity, text: r.severity });
          },
          value: function (r) {
            return { error: 0, warning: 1, info: 2 }[r.severity];
          },
        },
        { key: "id", label: "Diagnostic", cellClass: "name" },
        { key: "count", label: "Count", numeric: true, format: fmt.count },
        { key: "explanation", label: "Explanation", cellClass: "wrap" },
        {
          key: "example",
          label: "Example",
          cellClass: "wrap",
          render: function (r) {
            var e = r.example || "";
            return e.length > 200 ? e.slice(0, 199) + "…" : e;
          },
          title: function (r) {
            return r.example && r.example.length > 200 ? r.example : null;
          },
        },
      ];
      if (multiFile) columns.push({ key: "file", label: "File", cellClass: "wrap" });
      L.table(root, { columns: columns, rows: s.diagnostics, sort: { key: "severity", dir: "asc" }, pageSize: 100 });
    },
  });
})();
