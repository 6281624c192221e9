// @ts-check
/*
 * The browser side of the batch index.html (reports/batch-index.ts): trends,
 * the traces, runs and errors tables. Trace strings only ever become text
 * (moved from reports/batch-index-client.ts; plain ES5, inlined and allowed by its hash).
 */
(function () {
  "use strict";
  var el = window.llmprofDom.el;
  var isNum = window.llmprofDom.isNum;

  var data = /** @type {BatchIndexData} */ (window.llmprofDom.readData("llmprof-batch"));
  var app = window.llmprofDom.byId("app");
  var MAX_TABLE_ROWS = 5000;

  /** @typedef {BatchIndexData["rows"][number]} Row */
  /** A trace placed on a trend chart: its x (ms since epoch, a number, or a category) and its line. @typedef {{ r: Row, x: number | string, g: string }} Placed */
  /**
   * How rows get their x: a time or number axis, or ordered categories; or why none.
   * @typedef {{ kind: "time" | "number", of: (r: Row) => number | null } | { kind: "category", domain: string[], of: (r: Row) => string | null } | { kind: "error", error: string }} XAxis
   */
  /** How rows get their line, or why none. @typedef {{ of: (r: Row) => string, error?: undefined } | { error: string }} Grouping */
  /** A cell as text; a missing cell is empty. @param {Row[string] | undefined} v */
  function text(v) {
    return v === null || v === undefined ? "" : String(v);
  }
  /** @param {unknown} v @param {number} [digits] */
  function fmt(v, digits) {
    return isNum(v) ? v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–";
  }
  /** @param {unknown} ms */
  function day(ms) {
    return isNum(ms) ? new Date(ms).toISOString().slice(0, 10) : "–";
  }
  /** @param {Row} r */
  function seriesKey(r) {
    return r.series + (r.rank === null ? "" : " · rank " + r.rank);
  }

  var rows = data.rows;
  // a Set, not an object: a trace file may be named "__proto__" or "constructor"
  var files = new Set();
  rows.forEach(function (r) {
    files.add(r.file);
  });
  var dates = rows
    .map(function (r) {
      return r.run_date;
    })
    .filter(isNum);
  var header = el("header", { class: "page" }, [
    el("h1", { text: "llmprof batch" + (data.shard ? " — shard " + data.shard : "") }),
    el("p", {
      class: "subtitle",
      text:
        files.size +
        " traces, " +
        rows.length +
        " rows (one per rank), " +
        data.errors.length +
        " failed" +
        (dates.length ? "; runs from " + day(Math.min.apply(null, dates)) + " to " + day(Math.max.apply(null, dates)) : ""),
    }),
  ]);
  app.appendChild(header);
  var main = el("main");
  app.appendChild(main);

  // ---- trends: each headline figure over a chosen x, one line per chosen group, outliers named
  var METRICS = [
    { key: "step_time_median_ms", title: "Median step time (ms)", digits: 2 },
    { key: "gpu_busy_pct", title: "GPU busy (% of window)", digits: 1 },
    { key: "gpu_idle_pct", title: "GPU idle (% of window)", digits: 1 },
    { key: "exposed_comm_pct", title: "Exposed communication (% of window)", digits: 1 },
    { key: "mfu_pct", title: "MFU (%)", digits: 1 },
    { key: "tokens_per_s", title: "Tokens/s (per GPU, median step)", digits: 0 },
  ];
  var X_CHOICES = [
    ["run_date", "run date (a date in the path, else the file's mtime)"],
    ["mtime", "file modification time"],
    ["pattern", "a pattern on the path (commit, date, …)"],
  ];
  var GROUP_CHOICES = [
    ["series", "series (the path with its date blanked) and rank"],
    ["gpu_model", "GPU model"],
    ["dir", "top directory"],
    ["pattern", "a pattern on the path"],
  ];
  var trends = el("section", { class: "view", id: "trends" }, [
    el("h2", { text: "Trends" }),
    el("p", {
      class: "lede",
      text: "Each point is one trace (and rank). x and the lines are yours to choose: a pattern is a regular expression on the trace's path whose first group (else the whole match) is the value, e.g. commit-([0-9a-f]+) or (\\d{8}); traces it does not match are left out. Lines join the points of one group in x order; the 10 largest groups are coloured, the rest are grey points. An outlier (ringed red, named under its chart) is a point whose robust z-score within its group, 0.6745 × |value − median| / MAD, exceeds 3.5 (groups of 5 points or more).",
    }),
  ]);
  main.appendChild(trends);
  /** @param {string} label @param {string[][]} options [value, text] pairs @param {string} id */
  function choice(label, options, id) {
    var sel = el("select", { id: id, "aria-label": label });
    options.forEach(function (o) {
      sel.appendChild(el("option", { value: o[0] || "", text: o[1] || "" }));
    });
    return sel;
  }
  var xSelect = choice("x axis", X_CHOICES, "trend-x");
  var xPattern = el("input", { type: "text", id: "trend-x-pattern", placeholder: "x pattern, e.g. commit-([0-9a-f]+)", "aria-label": "x pattern" });
  var groupSelect = choice("lines", GROUP_CHOICES, "trend-group");
  var groupPattern = el("input", { type: "text", id: "trend-group-pattern", placeholder: "line pattern, e.g. ^([^/]+)/", "aria-label": "line pattern" });
  var trendNote = el("p", { class: "muted", id: "trend-note" });
  trends.appendChild(el("div", { class: "controls" }, [el("label", null, ["x: ", xSelect]), xPattern, el("label", null, ["lines: ", groupSelect]), groupPattern]));
  trends.appendChild(trendNote);
  var grid = el("div", { class: "charts" });
  trends.appendChild(grid);
  var legend = el("ul", { class: "legend" });
  trends.appendChild(legend);
  [xSelect, xPattern, groupSelect, groupPattern].forEach(function (c) {
    c.addEventListener("change", drawTrends);
  });

  /** @param {string} pattern @returns {{ re: RegExp, error?: undefined } | { error: string }} */
  function compile(pattern) {
    if (!pattern) return { error: "give a pattern" };
    try {
      return { re: new RegExp(pattern) };
    } catch (e) {
      return { error: "not a valid regular expression: " + (e instanceof Error ? e.message : String(e)) };
    }
  }
  /** @param {RegExp} re @param {string} path */
  function captured(re, path) {
    var m = re.exec(path);
    return m ? (m.length > 1 && m[1] !== undefined ? m[1] : m[0]) : null;
  }
  var DATE_TEXT = /^(\d{4})-?(\d{2})-?(\d{2})$/;
  // the x of every row, and the scale kind: time, number, or ordered categories (by earliest run date)
  /** @returns {XAxis} */
  function xValues() {
    var mode = xSelect.value;
    if (mode === "run_date" || mode === "mtime")
      return {
        kind: "time",
        of: function (r) {
          var v = r[mode];
          return isNum(v) ? v : null;
        },
      };
    var p = compile(xPattern.value);
    if (p.error !== undefined) return { kind: "error", error: "x " + p.error };
    var re = p.re;
    /** @type {Map<Row, string | null>} */
    var raw = new Map();
    rows.forEach(function (r) {
      raw.set(r, captured(re, text(r.file)));
    });
    /** @type {string[]} */
    var texts = [];
    rows.forEach(function (r) {
      var t = raw.get(r);
      if (t !== null && t !== undefined) texts.push(t);
    });
    if (texts.length === 0) return { kind: "error", error: "the x pattern matches no trace path" };
    if (
      texts.every(function (t) {
        return DATE_TEXT.test(t) && !isNaN(Date.parse(t.replace(DATE_TEXT, "$1-$2-$3")));
      })
    ) {
      return {
        kind: "time",
        of: function (r) {
          var t = raw.get(r);
          return t === null || t === undefined ? null : Date.parse(t.replace(DATE_TEXT, "$1-$2-$3"));
        },
      };
    }
    if (
      texts.every(function (t) {
        return t.trim() !== "" && isFinite(Number(t));
      })
    )
      return {
        kind: "number",
        of: function (r) {
          var t = raw.get(r);
          return t === null || t === undefined ? null : Number(t);
        },
      };
    // a Map, not an object: a captured value may be "__proto__" or "constructor"
    /** @type {Map<string, number>} the earliest run date of each category */
    var first = new Map();
    rows.forEach(function (r) {
      var t = raw.get(r);
      var date = r.run_date;
      if (t !== null && t !== undefined && isNum(date)) first.set(t, Math.min(first.get(t) ?? Infinity, date));
    });
    var order = Array.from(first.keys()).concat(
      texts.filter(function (t) {
        return !first.has(t);
      }),
    );
    order = order
      .filter(function (t, i) {
        return order.indexOf(t) === i;
      })
      .sort(function (a, b) {
        return (first.get(a) ?? Infinity) - (first.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0);
      });
    return {
      kind: "category",
      domain: order,
      of: function (r) {
        return raw.get(r) ?? null;
      },
    };
  }
  /** @returns {Grouping} */
  function groupOf() {
    var mode = groupSelect.value;
    if (mode === "series") return { of: seriesKey };
    if (mode === "gpu_model")
      return {
        of: function (r) {
          return r.gpu_model === null || r.gpu_model === undefined ? "(unknown GPU)" : String(r.gpu_model);
        },
      };
    if (mode === "dir")
      return {
        of: function (r) {
          var file = text(r.file);
          var i = file.indexOf("/");
          return i < 0 ? "(top level)" : file.slice(0, i);
        },
      };
    var p = compile(groupPattern.value);
    if (p.error !== undefined) return { error: "line " + p.error };
    var re = p.re;
    return {
      of: function (r) {
        var v = captured(re, text(r.file));
        return v === null ? "(no match)" : v;
      },
    };
  }
  /** @param {number[]} xs (not empty) */
  function median(xs) {
    var s = xs.slice().sort(function (a, b) {
      return a - b;
    });
    var n = s.length;
    /** @param {number} i */
    var at = function (i) {
      return s[i] ?? NaN;
    };
    return n % 2 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  }
  /** The figure `key` of a row; the callers keep the rows where it is a number. @param {Row} r @param {string} key */
  function valueOf(r, key) {
    var v = r[key];
    return isNum(v) ? v : NaN;
  }
  // modified z-score (Iglewicz & Hoaglin): robust to the outliers it looks for
  /** @param {Placed[]} points @param {string} key @returns {{ r: Row, median: number }[]} */
  function outliersOf(points, key) {
    if (points.length < 5) return [];
    var values = points.map(function (p) {
      return valueOf(p.r, key);
    });
    var med = median(values);
    var mad = median(
      values.map(function (v) {
        return Math.abs(v - med);
      }),
    );
    if (!(mad > 0)) return [];
    return points
      .filter(function (p) {
        return (0.6745 * Math.abs(valueOf(p.r, key) - med)) / mad > 3.5;
      })
      .map(function (p) {
        return { r: p.r, median: med };
      });
  }

  function drawTrends() {
    grid.textContent = "";
    legend.textContent = "";
    xPattern.style.display = xSelect.value === "pattern" ? "" : "none";
    groupPattern.style.display = groupSelect.value === "pattern" ? "" : "none";
    var xs = xValues(),
      gs = groupOf();
    if (xs.kind === "error" || gs.error !== undefined) {
      trendNote.textContent = xs.kind === "error" ? xs.error : gs.error || "";
      return;
    }
    var xAxis = xs;
    var xOf = xs.of;
    var groupOfRow = gs.of;
    /** @type {Placed[]} */
    var placed = [];
    rows.forEach(function (r) {
      var x = xOf(r);
      if (x !== null && x !== undefined) placed.push({ r: r, x: x, g: groupOfRow(r) });
    });
    trendNote.textContent = placed.length + " of " + rows.length + " rows placed" + (placed.length < rows.length ? " (the others have no x)" : "");
    var byGroup = d3.group(placed, function (p) {
      return p.g;
    });
    var groups = Array.from(byGroup.keys()).sort(function (a, b) {
      return (byGroup.get(b) || []).length - (byGroup.get(a) || []).length || (a < b ? -1 : 1);
    });
    var shown = groups.slice(0, 10);
    var color = d3.scaleOrdinal(d3.schemeTableau10).domain(shown);
    METRICS.forEach(function (m) {
      grid.appendChild(chart(m, xAxis, placed, byGroup, shown, color));
    });
    shown.forEach(function (k) {
      var sw = el("span", { class: "swatch" });
      sw.style.background = color(k);
      legend.appendChild(el("li", null, [sw, k]));
    });
    if (groups.length > shown.length) legend.appendChild(el("li", { class: "muted", text: groups.length - shown.length + " more lines in grey" }));
  }

  /**
   * @param {{ key: string, title: string, digits: number }} metric
   * @param {Exclude<XAxis, { kind: "error" }>} xs
   * @param {Placed[]} placed
   * @param {Map<string, Placed[]>} byGroup
   * @param {string[]} shown the coloured lines
   * @param {import("d3").ScaleOrdinal<string, string>} color
   */
  function chart(metric, xs, placed, byGroup, shown, color) {
    var box = el("figure", { class: "chart", "data-chart": metric.key });
    box.appendChild(el("figcaption", { text: metric.title }));
    var points = placed.filter(function (p) {
      return isNum(p.r[metric.key]);
    });
    if (points.length === 0) {
      box.appendChild(el("p", { class: "muted", text: "No trace has this figure." }));
      box.setAttribute("data-outliers", "0");
      return box;
    }
    var W = 560,
      H = 220,
      M = { l: 56, r: 12, t: 8, b: 28 };
    var svg = d3
      .select(box)
      .append("svg")
      .attr("viewBox", "0 0 " + W + " " + H)
      .attr("width", W)
      .attr("height", H)
      .attr("role", "img");
    var xAxisG = svg.append("g").attr("transform", "translate(0," + (H - M.b) + ")");
    /** @type {(v: number | string) => number} the horizontal position of an x value */
    var x;
    if (xs.kind === "category") {
      var domain = xs.domain;
      var xPoint = d3
        .scalePoint()
        .domain(domain)
        .range([M.l, W - M.r])
        .padding(0.5);
      x = function (v) {
        return xPoint(String(v)) ?? NaN; // every placed category is in the domain
      };
      var step = Math.ceil(domain.length / 8);
      xAxisG.call(
        d3
          .axisBottom(xPoint)
          .tickValues(
            domain.filter(function (_, i) {
              return i % step === 0;
            }),
          )
          .tickFormat(function (t) {
            return t.length > 10 ? t.slice(0, 9) + "…" : t;
          }),
      );
    } else {
      var lo = d3.min(points, function (p) {
        return Number(p.x);
      });
      var hi = d3.max(points, function (p) {
        return Number(p.x);
      });
      if (lo === undefined || hi === undefined) lo = hi = 0; // points is not empty
      var pad = xs.kind === "time" ? 43200000 : 0.5;
      if (lo === hi) {
        lo -= pad;
        hi += pad;
      }
      if (xs.kind === "time") {
        var xTime = d3
          .scaleUtc()
          .domain([lo, hi])
          .range([M.l, W - M.r])
          .nice();
        x = function (v) {
          return xTime(Number(v));
        };
        xAxisG.call(d3.axisBottom(xTime).ticks(6));
      } else {
        var xNumber = d3
          .scaleLinear()
          .domain([lo, hi])
          .range([M.l, W - M.r])
          .nice();
        x = function (v) {
          return xNumber(Number(v));
        };
        xAxisG.call(d3.axisBottom(xNumber).ticks(6));
      }
    }
    var y = d3
      .scaleLinear()
      .domain([
        0,
        d3.max(points, function (p) {
          return valueOf(p.r, metric.key);
        }) || 1,
      ])
      .range([H - M.b, M.t])
      .nice();
    svg
      .append("g")
      .attr("transform", "translate(" + M.l + ",0)")
      .call(d3.axisLeft(y).ticks(5));
    /** @type {import("d3").Line<Placed>} */
    var line = d3.line();
    line
      .x(function (p) {
        return x(p.x);
      })
      .y(function (p) {
        return y(valueOf(p.r, metric.key));
      });
    /** @type {{ r: Row, median: number, group: string }[]} */
    var outliers = [];
    byGroup.forEach(function (members, k) {
      var pts = members.filter(function (p) {
        return isNum(p.r[metric.key]);
      });
      outliers = outliers.concat(
        outliersOf(pts, metric.key).map(function (o) {
          return { r: o.r, median: o.median, group: k };
        }),
      );
      if (shown.indexOf(k) < 0 || pts.length < 2) return;
      var sorted = pts.slice().sort(function (a, b) {
        return xs.kind === "category" ? xs.domain.indexOf(String(a.x)) - xs.domain.indexOf(String(b.x)) : Number(a.x) - Number(b.x);
      });
      svg.append("path").datum(sorted).attr("class", "trend").attr("fill", "none").attr("stroke", color(k)).attr("stroke-width", 1.5).attr("d", line);
    });
    var flagged = new Set(
      outliers.map(function (o) {
        return o.r;
      }),
    );
    svg
      .append("g")
      .selectAll("circle")
      .data(points)
      .join("circle")
      .attr("cx", function (p) {
        return x(p.x);
      })
      .attr("cy", function (p) {
        return y(valueOf(p.r, metric.key));
      })
      .attr("r", function (p) {
        return flagged.has(p.r) ? 5 : 3;
      })
      .attr("class", function (p) {
        return flagged.has(p.r) ? "outlier" : null;
      })
      .attr("fill", function (p) {
        return shown.indexOf(p.g) >= 0 ? color(p.g) : "#afb8c1";
      })
      .append("title")
      .text(function (p) {
        return p.r.file + (p.r.rank === null ? "" : " (rank " + p.r.rank + ")") + "\n" + (xs.kind === "time" ? day(p.x) : String(p.x)) + ": " + fmt(p.r[metric.key], metric.digits);
      });
    box.setAttribute("data-outliers", String(outliers.length));
    if (outliers.length > 0) {
      outliers.sort(function (a, b) {
        return Math.abs(valueOf(b.r, metric.key) - b.median) - Math.abs(valueOf(a.r, metric.key) - a.median);
      });
      var list = el("ul", { class: "outliers" });
      outliers.slice(0, 10).forEach(function (o) {
        list.appendChild(
          el("li", {
            "data-file": text(o.r.file),
            text: o.r.file + (o.r.rank === null ? "" : " (rank " + o.r.rank + ")") + ": " + fmt(o.r[metric.key], metric.digits) + " vs median " + fmt(o.median, metric.digits) + " of " + o.group,
          }),
        );
      });
      if (outliers.length > 10) list.appendChild(el("li", { class: "muted", text: "and " + (outliers.length - 10) + " more" }));
      box.appendChild(el("p", { class: "outlier-title", text: "Outliers (" + outliers.length + ")" }));
      box.appendChild(list);
    }
    return box;
  }
  drawTrends();

  // ---- traces table: sortable, filterable
  var COLUMNS = [
    { key: "file", label: "Trace", text: true },
    { key: "rank", label: "Rank", digits: 0 },
    { key: "run_date", label: "Run date", date: true },
    { key: "gpu_model", label: "GPU", text: true },
    { key: "format", label: "Format", text: true },
    { key: "step_count", label: "Steps", digits: 0 },
    { key: "step_time_median_ms", label: "Median step (ms)", digits: 2 },
    { key: "gpu_busy_pct", label: "Busy %", digits: 1 },
    { key: "gpu_compute_pct", label: "Compute %", digits: 1 },
    { key: "gpu_idle_pct", label: "Idle %", digits: 1 },
    { key: "exposed_comm_pct", label: "Exposed comm %", digits: 1 },
    { key: "partial", label: "Partial", text: true },
  ];
  var tracesSection = el("section", { class: "view", id: "traces" }, [el("h2", { text: "Traces" })]);
  main.appendChild(tracesSection);
  var filter = el("input", { type: "search", placeholder: "filter by path, GPU or format", "aria-label": "Filter traces" });
  var note = el("p", { class: "muted" });
  tracesSection.appendChild(filter);
  tracesSection.appendChild(note);
  var sort = { key: "run_date", dir: -1 };
  var table = el("table", { class: "data" });
  var thead = el("thead");
  var tbody = el("tbody");
  table.appendChild(thead);
  table.appendChild(tbody);
  tracesSection.appendChild(el("div", { class: "scroll" }, [table]));
  var headRow = el("tr");
  COLUMNS.forEach(function (c) {
    var th = el("th", { text: c.label, scope: "col", "data-key": c.key });
    if (!c.text) th.className = "num";
    th.addEventListener("click", function () {
      sort = { key: c.key, dir: sort.key === c.key ? -sort.dir : c.text ? 1 : -1 };
      draw();
    });
    headRow.appendChild(th);
  });
  thead.appendChild(headRow);
  filter.addEventListener("input", draw);

  /** @param {Row} r @param {(typeof COLUMNS)[number]} c */
  function cell(r, c) {
    var v = r[c.key];
    if (c.key === "file") {
      var label = text(r.file);
      if (typeof r.report === "string" && r.report) {
        var a = el("a", { text: label });
        a.setAttribute("href", r.report);
        return el("td", { class: "path" }, [a]);
      }
      return el("td", { class: "path", text: label });
    }
    if (c.date) return el("td", { class: "num", text: day(v) + (r.run_date_source === "mtime" ? " (mtime)" : "") });
    if (c.text) return el("td", { text: v === null ? "–" : String(v) });
    return el("td", { class: "num", text: fmt(v, c.digits) });
  }
  /** @param {Row} a @param {Row} b */
  function compare(a, b) {
    var x = a[sort.key],
      y = b[sort.key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * sort.dir;
  }
  function draw() {
    var q = filter.value.toLowerCase();
    var list = rows
      .filter(function (r) {
        return (
          !q ||
          [r.file, r.series, r.gpu_model, r.format].some(function (s) {
            return s && String(s).toLowerCase().indexOf(q) >= 0;
          })
        );
      })
      .sort(compare);
    tbody.textContent = "";
    list.slice(0, MAX_TABLE_ROWS).forEach(function (r) {
      var tr = el("tr");
      COLUMNS.forEach(function (c) {
        tr.appendChild(cell(r, c));
      });
      tbody.appendChild(tr);
    });
    Array.prototype.forEach.call(headRow.children, function (th) {
      th.setAttribute("aria-sort", th.getAttribute("data-key") === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : "none");
    });
    note.textContent = list.length + " of " + rows.length + " rows" + (list.length > MAX_TABLE_ROWS ? "; showing the first " + MAX_TABLE_ROWS + ", refine the filter" : "");
  }
  draw();

  // ---- runs: the rank files of one job; an incomplete run is flagged, not shown as a smaller job
  var runs = data.runs || [];
  var runSection = el("section", { class: "view", id: "runs" }, [el("h2", { text: "Runs (" + runs.length + ")" })]);
  main.appendChild(runSection);
  if (runs.length > 0) {
    var rt = el("table", { class: "data" }, [
      el("thead", null, [
        el(
          "tr",
          null,
          ["Run", "Date", "Ranks", "Slowest rank", "Step time of slowest rank (ms)", "Straggler", "Straggler delay (ms)", "Exposed comm, all ranks (ms/step)"].map(function (t) {
            return el("th", { text: t, scope: "col" });
          }),
        ),
      ]),
    ]);
    var rb = el("tbody");
    runs.forEach(function (r) {
      var ranks = r.ranks_found + " of " + r.world_size + (r.ranks_missing ? " (missing " + r.ranks_missing + ")" : "") + (r.files_failed ? ", " + r.files_failed + " failed" : "");
      rb.appendChild(
        el("tr", { class: r.complete ? "" : "incomplete" }, [
          el("td", { class: "path", text: text(r.run) }),
          el("td", { class: "num", text: day(r.run_date) }),
          el("td", { text: (r.complete ? "" : "⚠ incomplete: ") + ranks }),
          el("td", { class: "num", text: r.slowest_rank === null ? "–" : String(r.slowest_rank) }),
          el("td", { class: "num", text: fmt(r.step_time_slowest_rank_ms, 2) }),
          el("td", { class: "num", text: r.straggler_rank === null ? "–" : String(r.straggler_rank) }),
          el("td", { class: "num", text: fmt(r.straggler_delay_ms, 2) }),
          el("td", { class: "num", text: fmt(r.exposed_comm_ms_per_step_all_ranks, 2) }),
        ]),
      );
    });
    rt.appendChild(rb);
    runSection.appendChild(el("div", { class: "scroll" }, [rt]));
  }

  // ---- failed traces
  var errSection = el("section", { class: "view", id: "errors" }, [el("h2", { text: "Failed traces (" + data.errors.length + ")" })]);
  main.appendChild(errSection);
  if (data.errors.length === 0) errSection.appendChild(el("p", { class: "muted", text: "None: every trace was analysed." }));
  else {
    var et = el("table", { class: "data" }, [
      el("thead", null, [
        el(
          "tr",
          null,
          ["Trace", "Size (bytes)", "Modified", "Error"].map(function (t) {
            return el("th", { text: t, scope: "col" });
          }),
        ),
      ]),
    ]);
    var eb = el("tbody");
    data.errors.forEach(function (r) {
      eb.appendChild(
        el("tr", null, [
          el("td", { class: "path", text: text(r.file) }),
          el("td", { class: "num", text: fmt(r.size_bytes, 0) }),
          el("td", { class: "num", text: day(r.mtime) }),
          el("td", { text: text(r.error) }),
        ]),
      );
    });
    et.appendChild(eb);
    errSection.appendChild(el("div", { class: "scroll" }, [et]));
  }

  app.appendChild(
    el("footer", {
      class: "page",
      text:
        "Made by " +
        data.generator +
        " on " +
        new Date(data.generatedAtMs).toISOString() +
        ". Every column is defined in the llmprof README (Batch analysis of archives); all columns are in traces.parquet / traces.csv.",
    }),
  );
  document.body.setAttribute("data-render-ms", String(Math.round(performance.now())));
  document.body.setAttribute("data-ready", "true");
})();
