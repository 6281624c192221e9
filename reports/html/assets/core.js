// @ts-check
/*
 * llmprof report: shared client helpers (plain browser JavaScript, no build
 * step; d3 is loaded before this file). Views (views/*.js) register with
 * llmprof.registerView and build their DOM through these helpers.
 * Trace strings reach the page only through textContent, d3's .text() and
 * the title property: never innerHTML.
 */
// A top-level `var` of a classic script is the window property: views read it as
// window.llmprof, and globals.d.ts types that as `typeof llmprof` (this object).
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the views read it as window.llmprof
var llmprof = (function () {
  "use strict";

  /** @typedef {string | number | Node | null | undefined | false} Child what el() and append() accept as content */
  /** @typedef {{ [name: string]: unknown, on?: Record<string, (event: Event) => void> }} ElProps */
  /** @typedef {{ key: string, label: string, value: number, color: string, tip?: readonly (readonly string[])[], text?: string }} HBar */
  /** @typedef {import("d3").Selection<SVGGElement, unknown, null, undefined>} PlotGroup */
  /** @typedef {{ id: string, title: string, nav?: string, lede?: string, render: (root: HTMLElement, data: ReportData) => void }} View */
  /** @typedef {{ id?: string, label: string, value: string, sub: string, small?: boolean, color?: string }} Headline */

  /** One colour per kernel category, used by every chart and table (Tableau 10). */
  var CATEGORY_COLORS = {
    gemm: "#4e79a7",
    attention: "#f28e2b",
    elementwise: "#59a14f",
    reduction: "#76b7b2",
    softmax: "#edc948",
    embedding: "#b07aa1",
    optimizer: "#ff9da7",
    communication: "#e15759",
    memory: "#9c755f",
    triton: "#17becf",
    // categories added for other vendors and models (Tableau 20's darker/lighter pairs)
    convolution: "#1f77b4",
    moe: "#8c564b",
    quantization: "#bcbd22",
    normalisation: "#499894",
    other: "#bab0ac",
  };
  /** Category names come with the report's data (src/analysis/categories.ts): see setCategoryLabels. */
  /** @type {Record<string, string>} */
  var CATEGORY_LABELS = {};
  /** @param {Record<string, string> | null | undefined} labels */
  function setCategoryLabels(labels) {
    CATEGORY_LABELS = labels || {};
  }

  /** The parts of a step (temporal breakdown); they add up to the step time. A fixed tuple: views name STEP_PARTS[3] (idle). */
  var STEP_PARTS = /** @type {const} */ ([
    { key: "computeNs", pct: "computePct", label: "Compute", color: "#3a6ea5" },
    { key: "exposedCommunicationNs", pct: "exposedCommunicationPct", label: "Exposed communication", color: CATEGORY_COLORS.communication },
    { key: "exposedMemoryNs", pct: "exposedMemoryPct", label: "Exposed memory (copy / set)", color: CATEGORY_COLORS.memory },
    { key: "idleNs", pct: "idlePct", label: "Idle", color: "#d0d7de" },
  ]);

  /** Phases of a training step (Summary.phases, the module forward/backward switch). */
  var PHASE_COLORS = {
    forward: "#2f6f9f",
    backward: "#d0783f",
    recompute: "#e8b48a",
    optimizer: "#8a63b8",
    other: "#a0a7b0",
  };
  var PHASE_LABELS = {
    forward: "Forward",
    backward: "Backward",
    recompute: "Recomputation (in backward)",
    optimizer: "Optimizer",
    other: "Other",
  };

  /** Causes of GPU idle time (Summary.idle). */
  var IDLE_COLORS = {
    "host-bound": "#d1495b",
    synchronization: "#edae49",
    "launch-latency": "#00798c",
    "queued-dependency": "#30638e",
    "before-first-activity": "#b8bec6",
    "after-last-activity": "#d8dde3",
    "no-launch-record": "#8e7dbe",
  };
  var IDLE_LABELS = {
    "host-bound": "Host-bound (CPU late)",
    synchronization: "Synchronisation",
    "launch-latency": "Launch latency",
    "queued-dependency": "Waiting on a dependency",
    "before-first-activity": "Before the step's first kernel",
    "after-last-activity": "After the step's last kernel",
    "no-launch-record": "No launch record",
  };

  /** @param {string} c */
  function categoryColor(c) {
    return own(CATEGORY_COLORS, c) || CATEGORY_COLORS.other;
  }
  /** @param {string} c */
  function categoryLabel(c) {
    return own(CATEGORY_LABELS, c) || String(c);
  }
  /** table[key] when the table has it itself (not "constructor" from Object.prototype). @param {Record<string, string>} table @param {string} key */
  function own(table, key) {
    return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
  }

  // ---- number formatting (mirrors reports/format.ts) ----
  /** @param {unknown} x @returns {x is number} */
  function isNum(x) {
    return typeof x === "number" && isFinite(x);
  }
  /** @param {unknown} ns */
  function fmtNs(ns) {
    if (!isNum(ns)) return "n/a";
    var a = Math.abs(ns);
    if (a >= 1e9) return (ns / 1e9).toFixed(3) + " s";
    if (a >= 1e6) return (ns / 1e6).toFixed(2) + " ms";
    if (a >= 1e3) return (ns / 1e3).toFixed(1) + " µs";
    return ns.toFixed(0) + " ns";
  }
  /** @param {unknown} ns @param {number} [digits] */
  function fmtMs(ns, digits) {
    return isNum(ns) ? (ns / 1e6).toFixed(digits === undefined ? 2 : digits) : "n/a";
  }
  /** @param {unknown} ns @param {number} [digits] */
  function fmtUs(ns, digits) {
    return isNum(ns) ? (ns / 1e3).toFixed(digits === undefined ? 1 : digits) : "n/a";
  }
  /** @param {unknown} p @param {number} [digits] */
  function fmtPct(p, digits) {
    return isNum(p) ? p.toFixed(digits === undefined ? 1 : digits) + "%" : "n/a";
  }
  /** @param {unknown} n */
  function fmtCount(n) {
    return isNum(n) ? Math.round(n).toLocaleString("en-US") : "n/a";
  }
  /** @param {unknown} b */
  function fmtBytes(b) {
    if (!isNum(b)) return "n/a";
    var units = ["B", "KiB", "MiB", "GiB", "TiB"];
    var v = b;
    var u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return v.toFixed(u === 0 ? 0 : 1) + " " + units[u];
  }

  // ---- DOM ----
  /**
   * el("td", {class: "num", text: "1.0", title: fullName}, [children]).
   * Strings in `children` become text nodes; `title` is set as a property.
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {ElProps | null} [props]
   * @param {Child | Child[]} [children]
   * @returns {HTMLElementTagNameMap[K]}
   */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      for (var k in props) {
        if (!Object.prototype.hasOwnProperty.call(props, k)) continue;
        var v = props[k];
        if (v === undefined || v === null) continue;
        if (k === "class") node.className = String(v);
        else if (k === "text") node.textContent = String(v);
        else if (k === "title") node.title = String(v);
        else if (k === "on" && props.on)
          for (var ev in props.on) {
            var handler = props.on[ev];
            if (handler) node.addEventListener(ev, handler);
          }
        else node.setAttribute(k, String(v));
      }
    }
    append(node, children);
    return node;
  }
  /** @template {Node} N @param {N} node @param {Child | Child[]} [children] @returns {N} */
  function append(node, children) {
    if (children === undefined || children === null) return node;
    var list = Array.isArray(children) ? children : [children];
    for (var i = 0; i < list.length; i++) {
      var c = list[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  /** @param {string} color */
  function swatch(color) {
    var s = el("span", { class: "swatch", "aria-hidden": "true" });
    s.style.background = color; // CSSOM: allowed by the page's style-src policy
    return s;
  }
  /** @param {readonly { color: string, label: string }[]} items */
  function legend(items) {
    return el(
      "div",
      { class: "legend" },
      items.map(function (it) {
        return el("span", { class: "item" }, [swatch(it.color), it.label]);
      }),
    );
  }
  /**
   * Shows "not available: reason" for a Summary section; returns true when it did.
   * @template {{ available: boolean, reason?: string }} S
   * @param {Node} root
   * @param {S | null | undefined} section
   * @param {string} [what]
   * @returns {section is Exclude<S, { available: true }> | null | undefined}
   */
  function unavailable(root, section, what) {
    if (section && section.available) return false;
    var reason = section && section.reason ? section.reason : "not in this summary";
    root.appendChild(el("p", { class: "unavailable" }, [(what || "Not available") + ": " + reason]));
    return true;
  }

  /**
   * A row of toggle buttons (aria-pressed); onChange(value) runs on a change.
   * options: [{value, label}]. Returns the element.
   * @template {string} T
   * @param {string} label
   * @param {readonly { value: T, label: string }[]} options
   * @param {T} value
   * @param {(value: T) => void} onChange
   */
  function segmented(label, options, value, onChange) {
    var group = el("span", { class: "segmented", role: "group", "aria-label": label });
    var buttons = options.map(function (o) {
      var b = el("button", { type: "button", text: o.label, "aria-pressed": String(o.value === value), "data-value": o.value });
      b.addEventListener("click", function () {
        if (o.value === value) return;
        value = o.value;
        buttons.forEach(function (x) {
          x.setAttribute("aria-pressed", String(x.getAttribute("data-value") === value));
        });
        onChange(value);
      });
      return b;
    });
    append(group, buttons);
    return group;
  }

  /**
   * Horizontal bar chart: rows [{key, label, value (ns), color, tip: [[k, v]...], text}],
   * x in ms; `axisLabel` names the axis (and the chart, unless options.label does).
   * Returns a getter of the bars' d3 selection (redrawn on resize).
   * @param {HTMLElement} container
   * @param {readonly HBar[]} rows
   * @param {string} axisLabel
   * @param {{ left?: number, label?: string, onDraw?: (bars: HBarSelection) => void }} [options]
   * @returns {() => HBarSelection | null}
   */
  function hbars(container, rows, axisLabel, options) {
    var opts = options || {};
    /** @typedef {import("d3").Selection<SVGRectElement, HBar, SVGGElement, unknown>} HBarSelection */
    /** @type {HBarSelection | null} */
    var bars = null;
    /** @type {Map<string, string>} */
    var labels = new Map();
    rows.forEach(function (r) {
      labels.set(r.key, r.label);
    });
    responsive(container, function (width) {
      container.textContent = "";
      var frame = barFrame(container, width, {
        keys: rows.map(function (r) {
          return r.key;
        }),
        bandHeight: 24,
        padding: 0.2,
        margin: { top: 4, right: 130, bottom: 40, left: opts.left || 200 },
        maxMs:
          d3.max(rows, function (r) {
            return r.value / 1e6;
          }) || 1,
        label: opts.label || axisLabel,
        axisLabel: axisLabel,
        tickFormat: function (k) {
          return labels.get(k) || k;
        },
      });
      var x = frame.x;
      var y = frame.y;
      var drawn = frame.g
        .selectAll("rect.mark")
        .data(rows)
        .enter()
        .append("rect")
        .attr("class", "mark")
        .attr("x", 0)
        .attr("y", function (r) {
          return y(r.key) || 0;
        })
        .attr("height", y.bandwidth())
        .attr("width", function (r) {
          return Math.max(1, x(r.value / 1e6));
        })
        .attr("fill", function (r) {
          return r.color;
        })
        .on("mousemove", function (event, r) {
          showTooltip(event, r.label, r.tip || []);
        })
        .on("mouseleave", hideTooltip);
      bars = drawn;
      frame.g
        .selectAll("text.bar-label")
        .data(rows)
        .enter()
        .append("text")
        .attr("class", "bar-label")
        .attr("x", function (r) {
          return x(r.value / 1e6) + 6;
        })
        .attr("y", function (r) {
          return (y(r.key) || 0) + y.bandwidth() / 2;
        })
        .attr("dy", "0.35em")
        .text(function (r) {
          return r.text || fmtMs(r.value) + " ms";
        });
      if (opts.onDraw) opts.onDraw(drawn);
    });
    return function () {
      return bars;
    };
  }

  /**
   * The frame of a horizontal bar chart, one band per key (bandHeight px each): the svg, the
   * x grid and axis in ms (0 to maxMs, rounded up) below the bands, the keys on the left,
   * the x axis title. Returns the plotting group, the scales and the inner size.
   * @template {string | number} K
   * @param {HTMLElement} container
   * @param {number} width
   * @param {{ keys: K[], bandHeight: number, padding: number, margin: { top: number, right: number, bottom: number, left: number }, maxMs: number, label: string, axisLabel: string, tickFormat?: (key: K) => string }} spec
   */
  function barFrame(container, width, spec) {
    var margin = spec.margin;
    var w = Math.max(120, width - margin.left - margin.right);
    var h = spec.keys.length * spec.bandHeight;
    var x = d3.scaleLinear().domain([0, spec.maxMs]).nice().range([0, w]);
    /** @type {import("d3").ScaleBand<K>} */
    var y = d3.scaleBand();
    y.domain(spec.keys).range([0, h]).padding(spec.padding);
    var g = plot(container, width, h + margin.top + margin.bottom, margin, spec.label).g;
    valueAxis(g, x, "bottom", h, 6);
    var keyAxis = d3.axisLeft(y).tickSize(0).tickPadding(8);
    if (spec.tickFormat) keyAxis.tickFormat(spec.tickFormat);
    g.append("g").attr("class", "axis").call(keyAxis);
    g.append("text")
      .attr("class", "axis-label")
      .attr("x", w / 2)
      .attr("y", h + 34)
      .attr("text-anchor", "middle")
      .text(spec.axisLabel);
    return { g: g, x: x, y: y, w: w, h: h };
  }

  /**
   * Grid lines and the value axis of a chart with `ticks` ticks: on the "left" (lines across
   * the plot's width `size`) or at the "bottom" (the axis at y = size, lines up from it).
   * @param {PlotGroup} g @param {import("d3").ScaleLinear<number, number>} scale @param {"left" | "bottom"} side @param {number} size @param {number} ticks
   */
  function valueAxis(g, scale, side, size, ticks) {
    var axis = side === "bottom" ? d3.axisBottom : d3.axisLeft;
    var grid = g.append("g").attr("class", "grid");
    var values = g.append("g").attr("class", "axis");
    if (side === "bottom") {
      grid.attr("transform", "translate(0," + size + ")");
      values.attr("transform", "translate(0," + size + ")");
    }
    grid.call(
      axis(scale)
        .ticks(ticks)
        .tickSize(-size)
        .tickFormat(function () {
          return "";
        }),
    );
    values.call(axis(scale).ticks(ticks));
  }

  /**
   * One stacked bar in a barFrame at y = top: the parts left to right from 0 (a part of 0 ms
   * is an empty rect), each with its tooltip, then `text` after the bar's end.
   * @param {PlotGroup} g @param {import("d3").ScaleLinear<number, number>} x @param {number} top @param {number} height
   * @param {readonly { ms: number, color: string, title: string, tip: readonly (readonly string[])[] }[]} parts @param {string} text
   */
  function stackedBar(g, x, top, height, parts, text) {
    var acc = 0;
    parts.forEach(function (p) {
      g.append("rect")
        .attr("class", "mark")
        .attr("x", x(acc))
        .attr("y", top)
        .attr("width", Math.max(p.ms > 0 ? 1 : 0, x(acc + p.ms) - x(acc)))
        .attr("height", height)
        .attr("fill", p.color)
        .on("mousemove", function (event) {
          showTooltip(event, p.title, p.tip);
        })
        .on("mouseleave", hideTooltip);
      acc += p.ms;
    });
    g.append("text")
      .attr("class", "bar-label")
      .attr("x", x(acc) + 6)
      .attr("y", top + height / 2)
      .attr("dy", "0.35em")
      .text(text);
  }

  // ---- tooltip (one element for the page) ----
  /** @type {HTMLDivElement | null} */
  var tipNode = null;
  function tip() {
    if (!tipNode) {
      tipNode = el("div", { class: "tooltip", role: "tooltip" });
      document.body.appendChild(tipNode);
    }
    return tipNode;
  }
  /** rows: [[label, value], ...] (strings); title: string. @param {MouseEvent} event @param {string} title @param {readonly (readonly string[])[]} rows */
  function showTooltip(event, title, rows) {
    var t = tip();
    t.textContent = "";
    if (title) t.appendChild(el("div", { class: "tt-title", text: title }));
    if (rows && rows.length) {
      var body = el("tbody");
      rows.forEach(function (r) {
        body.appendChild(el("tr", null, [el("td", { text: r[0] }), el("td", { class: "num", text: r[1] })]));
      });
      t.appendChild(el("table", null, body));
    }
    t.style.display = "block";
    moveTooltip(event);
  }
  /** @param {MouseEvent} event */
  function moveTooltip(event) {
    var t = tip();
    var pad = 14;
    var w = t.offsetWidth;
    var h = t.offsetHeight;
    var x = event.clientX + pad;
    var y = event.clientY + pad;
    if (x + w > window.innerWidth - 4) x = Math.max(4, event.clientX - pad - w);
    if (y + h > window.innerHeight - 4) y = Math.max(4, event.clientY - pad - h);
    t.style.left = x + "px";
    t.style.top = y + "px";
  }
  function hideTooltip() {
    if (tipNode) tipNode.style.display = "none";
  }

  /**
   * An SVG chart of width x height (role img, aria-label) with margins {top, right,
   * bottom, left}: returns the plotting group g (already shifted by the margins) and
   * its inner size w x h.
   * @param {HTMLElement} container @param {number} width @param {number} height
   * @param {{ top: number, right: number, bottom: number, left: number }} margin @param {string} label
   */
  function plot(container, width, height, margin, label) {
    var svg = d3.select(container).append("svg").attr("width", width).attr("height", height).attr("role", "img").attr("aria-label", label);
    var g = svg.append("g").attr("transform", "translate(" + margin.left + "," + margin.top + ")");
    return { svg: svg, g: g, w: width - margin.left - margin.right, h: height - margin.top - margin.bottom };
  }

  /** Axis titles: y rotated, yOffset px left of the plot; x centred, xOffset px below its top. */
  /** @param {PlotGroup} g @param {number} w @param {number} h @param {string} xTitle @param {string} yTitle @param {number} yOffset @param {number} xOffset */
  function axisTitles(g, w, h, xTitle, yTitle, yOffset, xOffset) {
    g.append("text")
      .attr("class", "axis-label")
      .attr("transform", "rotate(-90)")
      .attr("x", -h / 2)
      .attr("y", -yOffset)
      .attr("text-anchor", "middle")
      .text(yTitle);
    g.append("text")
      .attr("class", "axis-label")
      .attr("x", w / 2)
      .attr("y", h + xOffset)
      .attr("text-anchor", "middle")
      .text(xTitle);
  }

  /** Calls draw(width) now and again whenever the container's width changes. */
  /** @param {HTMLElement} container @param {(width: number) => void} draw */
  function responsive(container, draw) {
    var last = -1;
    function run() {
      var w = Math.max(320, Math.floor(container.clientWidth));
      if (w === last) return;
      last = w;
      draw(w);
    }
    run();
    if (typeof ResizeObserver === "function") {
      var pending = 0;
      new ResizeObserver(function () {
        cancelAnimationFrame(pending);
        pending = requestAnimationFrame(run);
      }).observe(container);
    }
  }

  // ---- sortable, filterable table ----
  /**
   * table(parent, {
   *   columns: [{key, label, help, numeric, value(row), format(value) -> string, render(row) -> Node|string,
   *              title(row) -> tooltip, cellClass, bar(row) -> 0..100}],
   *   rows, sort: {key, dir: "asc"|"desc"}, search: {placeholder, text(row)}, pageSize, extraTools: [nodes]
   * })
   * Returns {setFilter(fn|null), refresh()}.
   * @template Row
   * @param {Node} parent
   * @param {{ columns: TableColumn<Row>[], rows: readonly Row[], sort?: { key: string, dir: "asc" | "desc" }, search?: { placeholder?: string, text: (row: Row) => string }, pageSize?: number, extraTools?: Node[] }} opts
   * @returns {{ setFilter: (fn: ((row: Row) => boolean) | null) => void, refresh: () => void }}
   */
  function table(parent, opts) {
    var columns = opts.columns;
    var rows = opts.rows.slice();
    var sortKey = opts.sort ? opts.sort.key : null;
    var sortDir = opts.sort ? opts.sort.dir : "asc";
    var pageSize = opts.pageSize || 50;
    var limit = pageSize;
    var query = "";
    /** @type {((row: Row) => boolean) | null} */
    var externalFilter = null;

    var tools = el("div", { class: "table-tools" });
    if (opts.search) {
      var searchInput = el("input", { type: "search", placeholder: opts.search.placeholder || "Filter…", "aria-label": opts.search.placeholder || "Filter rows" });
      searchInput.addEventListener("input", function () {
        query = searchInput.value.trim().toLowerCase();
        limit = pageSize;
        refresh();
      });
      tools.appendChild(searchInput);
    }
    (opts.extraTools || []).forEach(function (n) {
      tools.appendChild(n);
    });
    var countNode = el("span", { class: "count" });
    tools.appendChild(countNode);
    parent.appendChild(tools);

    var thead = el("thead");
    var headRow = el("tr");
    var ths = columns.map(function (col) {
      var arrow = el("span", { class: "arrow", "aria-hidden": "true" });
      var button = el("button", { class: "sort", type: "button", title: col.help || null }, [col.label, " ", arrow]);
      var th = el("th", { class: col.numeric ? "num" : null, scope: "col", "data-key": col.key }, button);
      button.addEventListener("click", function () {
        if (sortKey === col.key) sortDir = sortDir === "asc" ? "desc" : "asc";
        else {
          sortKey = col.key;
          sortDir = col.numeric ? "desc" : "asc";
        }
        refresh();
      });
      headRow.appendChild(th);
      return { th: th, arrow: arrow, col: col };
    });
    thead.appendChild(headRow);
    var tbody = el("tbody");
    var tableNode = el("table", { class: "data" }, [thead, tbody]);
    parent.appendChild(el("div", { class: "table-wrap" }, tableNode));
    var more = el("div", { class: "more" });
    parent.appendChild(more);

    /** @param {TableColumn<Row>} col @param {Row} row @returns {unknown} */
    function valueOf(col, row) {
      // a column without `value` reads the field named by its key; rows are plain objects
      return col.value ? col.value(row) : /** @type {Record<string, unknown>} */ (row)[col.key];
    }
    /** @param {unknown} a @param {unknown} b */
    function compare(a, b) {
      if (a === b) return 0;
      if (a === null || a === undefined || (typeof a === "number" && !isFinite(a))) return 1;
      if (b === null || b === undefined || (typeof b === "number" && !isFinite(b))) return -1;
      if (typeof a === "number" && typeof b === "number") return a - b;
      return String(a).localeCompare(String(b), "en", { numeric: true });
    }
    /** A raw cell value as text (a boolean or an object would not be a node to append). @param {unknown} v */
    function cellText(v) {
      return v === null || v === undefined ? "" : String(v);
    }
    function refresh() {
      var visible = rows.filter(function (r) {
        if (externalFilter && !externalFilter(r)) return false;
        if (query && opts.search && opts.search.text(r).toLowerCase().indexOf(query) < 0) return false;
        return true;
      });
      var sortColumn = columns.filter(function (c) {
        return c.key === sortKey;
      })[0];
      if (sortColumn) {
        var col = sortColumn;
        var sign = sortDir === "asc" ? 1 : -1;
        /** @param {Row} a @param {Row} b */
        var missingLast = function (a, b) {
          var va = valueOf(col, a);
          var vb = valueOf(col, b);
          var aMissing = va === null || va === undefined || (typeof va === "number" && !isFinite(va));
          var bMissing = vb === null || vb === undefined || (typeof vb === "number" && !isFinite(vb));
          if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
          return sign * compare(va, vb);
        };
        visible.sort(missingLast);
      }
      ths.forEach(function (h) {
        var active = h.col.key === sortKey;
        h.th.setAttribute("aria-sort", active ? (sortDir === "asc" ? "ascending" : "descending") : "none");
        h.arrow.textContent = active ? (sortDir === "asc" ? "▲" : "▼") : "↕";
      });
      tbody.textContent = "";
      var shown = visible.slice(0, limit);
      var frag = document.createDocumentFragment();
      shown.forEach(function (row) {
        var tr = el("tr");
        columns.forEach(function (col) {
          var td = el("td", { class: [col.numeric ? "num" : "", col.cellClass || ""].join(" ").trim() || null });
          var content = col.render ? col.render(row) : col.format ? col.format(valueOf(col, row)) : cellText(valueOf(col, row));
          if (col.bar) {
            var p = Math.max(0, Math.min(100, Number(col.bar(row)) || 0));
            var fill = el("span", { class: "fill" });
            fill.style.width = p + "%";
            td.appendChild(
              el("span", { class: "pctbar" }, [el("span", { class: "track", "aria-hidden": "true" }, fill), el("span", { class: "val" }, [content === undefined || content === null ? "" : content])]),
            );
          } else append(td, [content === undefined || content === null ? "" : content]);
          if (col.title) {
            var t = col.title(row);
            if (t) td.title = t;
          }
          tr.appendChild(td);
        });
        frag.appendChild(tr);
      });
      tbody.appendChild(frag);
      countNode.textContent = visible.length === rows.length ? fmtCount(rows.length) + (rows.length === 1 ? " row" : " rows") : fmtCount(visible.length) + " of " + fmtCount(rows.length) + " rows";
      more.textContent = "";
      if (visible.length > shown.length) {
        more.appendChild(
          el("button", {
            type: "button",
            text: "Show all " + fmtCount(visible.length) + " rows",
            on: {
              click: function () {
                limit = Infinity;
                refresh();
              },
            },
          }),
        );
      }
    }
    refresh();
    return {
      setFilter: function (fn) {
        externalFilter = fn;
        limit = pageSize;
        refresh();
      },
      refresh: refresh,
    };
  }

  // ---- table columns the views share ----
  /** The step number, shown "#3". @returns {TableColumn} */
  function stepColumn() {
    return {
      key: "step",
      label: "Step",
      numeric: true,
      format: function (v) {
        return "#" + v;
      },
    };
  }
  /** A rank, "–" where there is none. @returns {TableColumn} */
  function rankColumn() {
    return {
      key: "rank",
      label: "Rank",
      numeric: true,
      format: function (v) {
        return v === null ? "–" : String(v);
      },
    };
  }
  /** A duration in ns, shown in ms; the label gets " (ms)". @param {string} key @param {string} label @param {string} [help] @returns {TableColumn} */
  function msColumn(key, label, help) {
    return { key: key, label: label + " (ms)", numeric: true, format: fmtMs, help: help };
  }
  /** A percentage (the row's field `key`) with its bar. @param {string} key @param {string} label @param {string} [help] @returns {TableColumn} */
  function pctColumn(key, label, help) {
    return {
      key: key,
      label: label,
      numeric: true,
      format: fmtPct,
      bar: function (r) {
        return r[key];
      },
      help: help,
    };
  }

  /** A small headline card: label, value, one line of detail. */
  /** @param {string} label @param {string} value @param {string} sub */
  function card(label, value, sub) {
    return el("div", { class: "card" }, [el("div", { class: "label", text: label }), el("div", { class: "value small", text: value }), el("div", { class: "sub", text: sub })]);
  }

  /** A row of headline cards at the end of parent. @param {Node} parent @param {HTMLElement[]} cards */
  function cards(parent, cards) {
    parent.appendChild(el("div", { class: "cards" }, cards));
  }

  // ---- views ----
  /** @type {View[]} */
  var views = [];
  /** view: {id, title, nav?, lede?, render(root, data)} @param {View} view */
  function registerView(view) {
    views.push(view);
  }

  /** Extra headline cards: fn(summary) -> {label, value, sub, color} | null (views of new sections add theirs). */
  /** @type {((s: Summary, data: ReportData) => Headline | null)[]} */
  var headlines = [];
  /** @param {(s: Summary, data: ReportData) => Headline | null} fn */
  function addHeadline(fn) {
    headlines.push(fn);
  }

  return {
    CATEGORY_COLORS: CATEGORY_COLORS,
    STEP_PARTS: STEP_PARTS,
    PHASE_COLORS: PHASE_COLORS,
    IDLE_COLORS: IDLE_COLORS,
    IDLE_LABELS: IDLE_LABELS,
    hbars: hbars,
    PHASE_LABELS: PHASE_LABELS,
    segmented: segmented,
    categoryColor: categoryColor,
    categoryLabel: categoryLabel,
    setCategoryLabels: setCategoryLabels,
    fmt: { ns: fmtNs, ms: fmtMs, us: fmtUs, pct: fmtPct, count: fmtCount, bytes: fmtBytes, isNum: isNum },
    el: el,
    card: card,
    cards: cards,
    append: append,
    swatch: swatch,
    legend: legend,
    unavailable: unavailable,
    showTooltip: showTooltip,
    moveTooltip: moveTooltip,
    hideTooltip: hideTooltip,
    responsive: responsive,
    plot: plot,
    barFrame: barFrame,
    valueAxis: valueAxis,
    stackedBar: stackedBar,
    axisTitles: axisTitles,
    table: table,
    stepColumn: stepColumn,
    rankColumn: rankColumn,
    msColumn: msColumn,
    pctColumn: pctColumn,
    views: views,
    registerView: registerView,
    headlines: headlines,
    addHeadline: addHeadline,
    /**
     * The colour of a critical-path segment kind: set by the critical-path view (it owns the kinds), read by the timeline.
     * @type {((kind: string) => string) | null}
     */
    pathKindColor: null,
  };
})();
