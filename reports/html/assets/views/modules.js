// @ts-check
/*
 * View "modules" (Summary.modules): the nn.Module tree as an icicle (width =
 * GPU kernel time, rows = nesting depth; click a module to zoom into it, the
 * top bar to zoom out), a switch between all / forward / backward (/
 * recomputation) time, the kernel time outside any module, and the table by
 * class or by instance.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;

  /** @typedef {Available<Summary["modules"]>} ModulesSection */
  /** @typedef {ModulesSection["instances"][number]} ModuleInstance */
  /** @typedef {"all" | "forward" | "backward" | "recompute"} ModuleMetric */
  /**
   * A box of the icicle: the synthetic root, a module instance, or a line of kernel time outside any module.
   * @typedef {{ id: string, label: string, kind: "root", self: number, children: ModuleTreeNode[] }
   *   | { id: string, label: string, kind: "module", row: ModuleInstance, self: number, children: ModuleTreeNode[] }
   *   | { id: string, label: string, kind: "outside", row: ModulesSection["unattributed"][number], self: number, children: ModuleTreeNode[] }} ModuleTreeNode
   */

  /**
   * Per metric: the self and inclusive fields of an instance, and which unattributed lines count (null: all).
   * @type {Record<ModuleMetric, { self: "selfNs" | "forwardSelfNs" | "backwardSelfNs" | "recomputeSelfNs", incl: "totalNs" | "forwardNs" | "backwardNs" | "recomputeNs", label: string, unattributed: string[] | null }>}
   */
  var METRICS = {
    all: { self: "selfNs", incl: "totalNs", label: "All", unattributed: null },
    forward: { self: "forwardSelfNs", incl: "forwardNs", label: "Forward", unattributed: ["forward-outside-modules"] },
    backward: { self: "backwardSelfNs", incl: "backwardNs", label: "Backward", unattributed: ["backward-without-forward-op", "backward-outside-modules"] },
    recompute: { self: "recomputeSelfNs", incl: "recomputeNs", label: "Recomputation", unattributed: [] },
  };
  var OUTSIDE_COLOR = "#d0d7de";

  /**
   * A node's label: the instance name when it names its class (Kineto `LlamaMLP_3`, XLA `layer_0`);
   * NVTX ranges named by module path (`LlamaMLP: model.layers.3.mlp`) show their last path segment
   * and class, `mlp (LlamaMLP)`, so that the boxes of one layer differ where the names are cut.
   */
  /** @param {ModuleInstance} inst */
  function nodeLabel(inst) {
    if (inst.name.indexOf(inst.className) === 0) return inst.name;
    var segment = inst.path.split("/").pop() ?? ""; // split gives at least one element
    return inst.className.indexOf(".") >= 0 ? segment : segment + " (" + inst.className + ")";
  }

  /** Module tree (by path) under a synthetic root, plus the unattributed lines the metric includes. */
  /** @param {ModulesSection} m @param {ModuleMetric} metric */
  function hierarchy(m, metric) {
    var spec = METRICS[metric];
    /** @type {ModuleTreeNode} */
    var root = { id: "", label: "All kernel time", kind: "root", self: 0, children: [] };
    // a Map, not an object: a module path may be "constructor" or "__proto__"
    /** @type {Map<string, ModuleTreeNode>} */
    var byPath = new Map();
    m.instances.forEach(function (inst) {
      var id = byPath.has(inst.path) ? inst.path + "\u0000" + inst.name : inst.path;
      /** @type {ModuleTreeNode} */
      var node = { id: id, label: nodeLabel(inst), kind: "module", row: inst, self: inst[spec.self], children: [] };
      if (!byPath.has(inst.path)) byPath.set(inst.path, node);
    });
    m.instances.forEach(function (inst) {
      var node = byPath.get(inst.path);
      if (!node || node.kind !== "module" || node.row !== inst) return;
      var parent = (inst.parentPath !== null && byPath.get(inst.parentPath)) || root;
      parent.children.push(node);
    });
    m.unattributed.forEach(function (u) {
      if (spec.unattributed && spec.unattributed.indexOf(u.id) < 0) return;
      root.children.push({ id: "outside:" + u.id, label: u.label, kind: "outside", row: u, self: u.totalNs, children: [] });
    });
    return d3
      .hierarchy(/** @type {ModuleTreeNode} */ (root), function (d) {
        return d.children;
      })
      .sum(function (d) {
        return Math.max(0, d.self || 0);
      })
      .sort(function (a, b) {
        return (b.value || 0) - (a.value || 0);
      });
  }

  /** @param {string[]} names @returns {(d: import("d3").HierarchyNode<ModuleTreeNode>) => string} */
  function classColor(names) {
    // pastels, so module colours are not mistaken for the kernel category colours
    var palette = ["#a9c8e0", "#bcdcaa", "#f3d7a1", "#d9c6e6", "#f5bcbc", "#b8e2dd", "#e8d6b8", "#cdcdef", "#dde7ab", "#f2c7e0"];
    /** @type {import("d3").ScaleOrdinal<string, string>} */
    var scale = d3.scaleOrdinal();
    scale.domain(names).range(palette);
    return function (d) {
      if (d.data.kind === "root") return "#57606a";
      if (d.data.kind === "outside") return OUTSIDE_COLOR;
      return scale(d.data.row.className);
    };
  }

  /** @param {HTMLElement} container @param {ModulesSection} m @param {() => ModuleMetric} getMetric */
  function icicle(container, m, getMetric) {
    var classes = m.classes.map(function (c) {
      return c.className;
    });
    var color = classColor(classes);
    /** @type {string | null} the id of the zoomed-in node */
    var focus = null;
    var width = 0;
    function draw() {
      container.textContent = "";
      var metric = getMetric();
      var spec = METRICS[metric];
      var tree = hierarchy(m, metric);
      var total = tree.value;
      if (!total) {
        container.appendChild(el("p", { class: "unavailable", text: "No " + spec.label.toLowerCase() + " kernel time inside modules." }));
        return;
      }
      var shownNs = total;
      var rowH = 26;
      var depth = tree.height + 1;
      var height = depth * rowH;
      /** @type {import("d3").PartitionLayout<ModuleTreeNode>} */
      var partition = d3.partition();
      var root = partition.size([1, depth])(tree);
      var f =
        (focus !== null &&
          root.descendants().filter(function (d) {
            return d.data.id === focus;
          })[0]) ||
        root;
      var x = d3.scaleLinear().domain([f.x0, f.x1]).range([0, width]);
      var svg = d3.select(container).append("svg").attr("width", width).attr("height", height).attr("role", "img").attr("aria-label", "Module tree by GPU kernel time");
      var nodes = root.descendants().filter(function (d) {
        return x(d.x1) - x(d.x0) >= 0.5 && d.x1 > f.x0 && d.x0 < f.x1;
      });
      var g = svg
        .selectAll("g.node")
        .data(nodes)
        .enter()
        .append("g")
        .attr("class", "node clickable")
        .attr("transform", function (d) {
          return "translate(" + Math.max(0, x(d.x0)) + "," + d.y0 * rowH + ")";
        });
      g.append("rect")
        .attr("class", "mark")
        .attr("width", function (d) {
          return Math.max(0.5, Math.min(width, x(d.x1)) - Math.max(0, x(d.x0)) - 1);
        })
        .attr("height", rowH - 1)
        .attr("fill", color)
        .attr("fill-opacity", function (d) {
          return d.ancestors().indexOf(f) >= 0 || d === f ? 1 : 0.55;
        });
      g.append("text")
        .attr("class", function (d) {
          return "icicle-label" + (d.data.kind === "root" ? " light" : "");
        })
        .attr("x", 5)
        .attr("y", rowH / 2)
        .attr("dy", "0.35em")
        .text(function (d) {
          var w = Math.min(width, x(d.x1)) - Math.max(0, x(d.x0));
          var text = (d.data.kind === "root" ? "All kernel time (" + spec.label.toLowerCase() + ")" : d.data.label) + " · " + fmt.ns(d.value);
          var fit = Math.floor((w - 10) / 6.5);
          if (fit < 4) return "";
          return text.length > fit ? text.slice(0, fit - 1) + "…" : text;
        });
      g.on("mousemove", function (event, d) {
        var rows = [[spec.label.toLowerCase() + " kernel time", fmt.ns(d.value) + " (" + fmt.pct((100 * (d.value || 0)) / shownNs) + " of shown)"]];
        if (d.data.kind === "module") {
          var r = d.data.row;
          rows.push(["self (not in child modules)", fmt.ns(r[spec.self])]);
          rows.push(["class", r.className]);
          rows.push(["forward calls", fmt.count(r.calls)]);
          rows.push(["all phases, inclusive", fmt.ns(r.totalNs) + " (" + fmt.pct(r.pctOfKernelTime) + ")"]);
        } else if (d.data.kind === "outside") rows.push(["activities", fmt.count(d.data.row.count)]);
        rows.push(["", d === f && d !== root ? "click to zoom out" : "click to zoom in"]);
        L.showTooltip(event, d.data.kind === "module" ? d.data.row.path : d.data.label, rows);
      })
        .on("mouseleave", L.hideTooltip)
        .on("click", function (_event, d) {
          focus = d === f ? (d.parent ? d.parent.data.id : null) : d.data.id;
          L.hideTooltip();
          draw();
        });
    }
    L.responsive(container, function (w) {
      width = w;
      draw();
    });
    return { redraw: draw };
  }

  /** A class or instance table's columns: `first`, then the times. @param {TableColumn[]} first @param {boolean} showRecompute @param {string} [pctHelp] */
  function withTimeColumns(first, showRecompute, pctHelp) {
    var ms = L.msColumn;
    return first.concat(
      [ms("forwardNs", "Forward"), ms("backwardNs", "Backward")].concat(showRecompute ? [ms("recomputeNs", "Recompute")] : [], [
        ms("selfNs", "Self"),
        ms("totalNs", "Inclusive"),
        L.pctColumn("pctOfKernelTime", "% kernel time", pctHelp),
      ]),
    );
  }

  /** @param {HTMLElement} parent @param {ModulesSection} m @param {boolean} showRecompute */
  function classTable(parent, m, showRecompute) {
    /** @type {TableColumn<ModulesSection["classes"][number]>[]} */
    var cols = withTimeColumns(
      [
        { key: "className", label: "Class", cellClass: "name" },
        { key: "instances", label: "Instances", numeric: true, format: fmt.count },
        { key: "calls", label: "Forward calls", numeric: true, format: fmt.count },
      ],
      showRecompute,
      "inclusive time / all kernel time of the window",
    );
    L.table(parent, {
      columns: cols,
      rows: m.classes,
      sort: { key: "selfNs", dir: "desc" },
      search: {
        placeholder: "Filter classes…",
        text: function (r) {
          return r.className;
        },
      },
      pageSize: 20,
    });
  }

  /** @param {HTMLElement} parent @param {ModulesSection} m @param {boolean} showRecompute */
  function instanceTable(parent, m, showRecompute) {
    /** @type {TableColumn<ModuleInstance>[]} */
    var cols = withTimeColumns(
      [
        {
          key: "path",
          label: "Module",
          cellClass: "name",
          render: function (r) {
            return r.path;
          },
          title: function (r) {
            return r.name + " — " + r.path;
          },
        },
        { key: "className", label: "Class" },
        { key: "calls", label: "Forward calls", numeric: true, format: fmt.count },
      ],
      showRecompute,
    );
    L.table(parent, {
      columns: cols,
      rows: m.instances,
      sort: { key: "totalNs", dir: "desc" },
      search: {
        placeholder: "Filter modules by path…",
        text: function (r) {
          return r.path + " " + r.name;
        },
      },
      pageSize: 20,
    });
  }

  // headline: the module class with the most self time
  L.addHeadline(function (s) {
    var m = s.modules;
    if (!m || !m.available || !m.classes.length) return null;
    var top = m.classes.slice().sort(function (a, b) {
      return b.selfNs - a.selfNs;
    })[0];
    if (!top) return null;
    return {
      id: "top-module",
      label: "Top module class (self)",
      value: top.className,
      small: true,
      sub: fmt.pct(m.kernelTotalNs > 0 ? (100 * top.selfNs) / m.kernelTotalNs : NaN) + " of kernel time · " + top.instances + (top.instances === 1 ? " instance" : " instances"),
    };
  });

  /** Where the module results came from (recorded spans, NVTX ranges, name scopes, or inferred). */
  /** @param {string} text */
  function moduleSource(text) {
    return el("p", { class: "muted module-source", "data-module-source": "", text: "Module source: " + text + "." });
  }

  /** Without module spans: the layers inferred from the repeating operator sequence. */
  /** @param {HTMLElement} root @param {Summary["inferredLayers"]} l */
  function inferredLayers(root, l) {
    if (!l.available) return;
    root.appendChild(el("h3", { text: "Inferred layers" }));
    if (l.sourceDescription) root.appendChild(moduleSource(l.sourceDescription));
    root.appendChild(
      el("p", {
        class: "muted",
        text:
          (l.sourceDescription ? "" : "Inferred, not recorded: " + l.method + ". ") +
          "One layer = " +
          l.layerOps.slice(0, 6).join(", ") +
          (l.layerOps.length > 6 ? ", …" : "") +
          "." +
          (l.sourceDescription ? "" : " " + L.fmt.pct(l.pctOfKernelTime) + " of kernel time is inside them.") +
          (l.outside ? " Outside them: " + L.fmt.ms(l.outside.beforeNs) + " ms before (embedding…), " + L.fmt.ms(l.outside.afterNs) + " ms after or between (head, loss, optimizer…)." : ""),
      }),
    );
    L.table(root, {
      columns: [
        {
          key: "index",
          label: "Layer (inferred)",
          numeric: true,
          // the "(all others)" row of a bounded summary carries its label in place of an index: shown as it is, sorted last
          value: function (r) {
            return typeof r.index === "number" ? r.index : Infinity;
          },
          render: function (r) {
            return typeof r.index === "number" ? "#" + r.index : String(r.index);
          },
        },
        { key: "forwardNs", label: "Forward (ms)", numeric: true, format: L.fmt.ms },
        { key: "backwardNs", label: "Backward (ms)", numeric: true, format: L.fmt.ms },
        {
          key: "totalNs",
          label: "Total (ms)",
          numeric: true,
          format: L.fmt.ms,
          bar: function (r) {
            return r.totalNs;
          },
        },
        {
          key: "vsMedianPct",
          label: "vs median (%)",
          numeric: true,
          format: function (v) {
            if (v === undefined || v === null) return "";
            var t = v.toFixed(1);
            return Number(t) === 0 ? "0.0" : (Number(t) > 0 ? "+" : "") + t;
          },
        },
      ],
      rows: l.layers,
      sort: { key: "index", dir: "asc" },
    });
  }

  L.registerView({
    id: "modules",
    title: "Modules",
    lede: "GPU kernel time by nn.Module. Backward kernels belong to the module whose forward operator produced them. Width is kernel time; a module's self time is what runs in no child module.",
    render: function (root, data) {
      var section = data.summary.modules;
      if (L.unavailable(root, section, "Module breakdown not available")) {
        inferredLayers(root, data.summary.inferredLayers);
        return;
      }
      var m = section; // the available section, also inside the handlers below
      if (m.sourceDescription) root.appendChild(moduleSource(m.sourceDescription));
      var hasRecompute = m.instances.some(function (i) {
        return i.recomputeNs > 0;
      });
      /** @type {ModuleMetric} */
      var metric = "all";
      var options = /** @type {ModuleMetric[]} */ (["all", "forward", "backward"]).concat(hasRecompute ? ["recompute"] : []).map(function (k) {
        return { value: k, label: METRICS[k].label };
      });
      /** @type {{ redraw: () => void } | null} */
      var chartApi = null;
      var controls = el("div", { class: "controls" }, [
        L.segmented("Phase", options, metric, function (v) {
          metric = v;
          if (chartApi) chartApi.redraw();
        }),
        el("span", {
          text:
            fmt.pct(m.kernelTotalNs > 0 ? (100 * m.attributedNs) / m.kernelTotalNs : NaN) +
            " of the window's kernel time (" +
            fmt.ns(m.kernelTotalNs) +
            ") runs inside modules. Click a module to zoom.",
        }),
      ]);
      root.appendChild(controls);
      var c = el("div", { class: "chart", "data-chart": "modules" });
      root.appendChild(c);
      chartApi = icicle(c, m, function () {
        return metric;
      });

      if (m.unattributed.length) {
        root.appendChild(el("h3", { text: "Kernel time outside modules" }));
        L.table(root, {
          columns: [
            {
              key: "label",
              label: "Where",
              render: function (r) {
                return el("span", null, [L.swatch(OUTSIDE_COLOR), " ", r.label]);
              },
              value: function (r) {
                return r.label;
              },
            },
            { key: "count", label: "Activities", numeric: true, format: fmt.count },
            { key: "totalNs", label: "Kernel time (ms)", numeric: true, format: fmt.ms },
            {
              key: "pct",
              label: "% kernel time",
              numeric: true,
              value: function (r) {
                return m.kernelTotalNs > 0 ? (100 * r.totalNs) / m.kernelTotalNs : NaN;
              },
              format: fmt.pct,
            },
          ],
          rows: m.unattributed,
          sort: { key: "totalNs", dir: "desc" },
        });
      }

      var tableMode = "class";
      var tableBox = el("div");
      var header = el("div", { class: "controls" }, [
        el("h3", { text: "Table" }),
        L.segmented(
          "Group by",
          [
            { value: "class", label: "By class" },
            { value: "instance", label: "By instance" },
          ],
          tableMode,
          function (v) {
            tableMode = v;
            drawTable();
          },
        ),
      ]);
      root.appendChild(header);
      root.appendChild(tableBox);
      function drawTable() {
        tableBox.textContent = "";
        if (tableMode === "class") classTable(tableBox, m, hasRecompute);
        else instanceTable(tableBox, m, hasRecompute);
      }
      drawTable();
    },
  });
})();
