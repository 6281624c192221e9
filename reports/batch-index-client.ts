/**
 * The browser side of the batch index (reports/batch-index.ts): plain ES5 run
 * in the page, inlined and allowed by its hash. It builds DOM with createElement
 * and textContent only (trace paths are data, never markup) and sets
 * body[data-ready] when done, as report.html does.
 */
import { CLIENT_DOM_HELPERS } from "./html/client-dom.js";

export const BATCH_INDEX_CLIENT = String.raw`(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("llmprof-batch").textContent);
  var app = document.getElementById("app");
  var MAX_TABLE_ROWS = 5000;

${CLIENT_DOM_HELPERS}  function fmt(v, digits) { return isNum(v) ? v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–"; }
  function day(ms) { return isNum(ms) ? new Date(ms).toISOString().slice(0, 10) : "–"; }
  function seriesKey(r) { return r.series + (r.rank === null ? "" : " · rank " + r.rank); }

  var rows = data.rows;
  // a Set, not an object: a trace file may be named "__proto__" or "constructor"
  var files = new Set();
  rows.forEach(function (r) { files.add(r.file); });
  var dates = rows.map(function (r) { return r.run_date; }).filter(isNum);
  var header = el("header", { class: "page" }, [
    el("h1", { text: "llmprof batch" + (data.shard ? " — shard " + data.shard : "") }),
    el("p", { class: "subtitle", text:
      files.size + " traces, " + rows.length + " rows (one per rank), " + data.errors.length + " failed" +
      (dates.length ? "; runs from " + day(Math.min.apply(null, dates)) + " to " + day(Math.max.apply(null, dates)) : "") }),
  ]);
  app.appendChild(header);
  var main = el("main");
  app.appendChild(main);

  // ---- trend charts: one line per series, x = run date
  var METRICS = [
    { key: "step_time_median_ms", title: "Median step time (ms)" },
    { key: "gpu_busy_pct", title: "GPU busy (% of window)" },
    { key: "gpu_idle_pct", title: "GPU idle (% of window)" },
    { key: "exposed_comm_pct", title: "Exposed communication (% of window)" },
  ];
  var bySeries = d3.group(rows.filter(function (r) { return isNum(r.run_date); }), seriesKey);
  var seriesList = Array.from(bySeries.keys()).sort(function (a, b) { return bySeries.get(b).length - bySeries.get(a).length || (a < b ? -1 : 1); });
  var shown = seriesList.slice(0, 10);
  var color = d3.scaleOrdinal(d3.schemeTableau10).domain(shown);
  var trends = el("section", { class: "view", id: "trends" }, [
    el("h2", { text: "Trends" }),
    el("p", { class: "lede", text: "Each point is one trace (and rank), placed at its run date: a date found in its path, else the file's modification time. Lines join the runs of one series (the path with its date replaced by {date}); the 10 series with the most runs are coloured, the rest are grey points." }),
  ]);
  main.appendChild(trends);
  var grid = el("div", { class: "charts" });
  trends.appendChild(grid);
  METRICS.forEach(function (m) { grid.appendChild(chart(m)); });
  var legend = el("ul", { class: "legend" });
  shown.forEach(function (k) {
    var sw = el("span", { class: "swatch" });
    sw.style.background = color(k);
    legend.appendChild(el("li", null, [sw, k]));
  });
  if (seriesList.length > shown.length) legend.appendChild(el("li", { class: "muted", text: (seriesList.length - shown.length) + " more series in grey" }));
  trends.appendChild(legend);

  function chart(metric) {
    var box = el("figure", { class: "chart", "data-chart": metric.key });
    box.appendChild(el("figcaption", { text: metric.title }));
    var points = rows.filter(function (r) { return isNum(r.run_date) && isNum(r[metric.key]); });
    if (points.length === 0) {
      box.appendChild(el("p", { class: "muted", text: "No trace has this figure." }));
      return box;
    }
    var W = 560, H = 220, M = { l: 52, r: 12, t: 8, b: 28 };
    var ext = d3.extent(points, function (r) { return r.run_date; });
    if (ext[0] === ext[1]) ext = [ext[0] - 43200000, ext[1] + 43200000];
    var x = d3.scaleUtc().domain(ext).range([M.l, W - M.r]).nice();
    var y = d3.scaleLinear().domain([0, d3.max(points, function (r) { return r[metric.key]; }) || 1]).range([H - M.b, M.t]).nice();
    var svg = d3.select(box).append("svg").attr("viewBox", "0 0 " + W + " " + H).attr("width", W).attr("height", H).attr("role", "img");
    svg.append("g").attr("transform", "translate(0," + (H - M.b) + ")").call(d3.axisBottom(x).ticks(6));
    svg.append("g").attr("transform", "translate(" + M.l + ",0)").call(d3.axisLeft(y).ticks(5));
    var line = d3.line().x(function (r) { return x(r.run_date); }).y(function (r) { return y(r[metric.key]); });
    shown.forEach(function (k) {
      var pts = bySeries.get(k).filter(function (r) { return isNum(r[metric.key]); }).sort(function (a, b) { return a.run_date - b.run_date; });
      if (pts.length > 1) svg.append("path").datum(pts).attr("class", "trend").attr("fill", "none").attr("stroke", color(k)).attr("stroke-width", 1.5).attr("d", line);
    });
    svg.append("g").selectAll("circle").data(points).join("circle")
      .attr("cx", function (r) { return x(r.run_date); })
      .attr("cy", function (r) { return y(r[metric.key]); })
      .attr("r", 3)
      .attr("fill", function (r) { var k = seriesKey(r); return shown.indexOf(k) >= 0 ? color(k) : "#afb8c1"; })
      .append("title").text(function (r) { return r.file + (r.rank === null ? "" : " (rank " + r.rank + ")") + "\n" + day(r.run_date) + ": " + fmt(r[metric.key], 2); });
    return box;
  }

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
      sort = { key: c.key, dir: sort.key === c.key ? -sort.dir : (c.text ? 1 : -1) };
      draw();
    });
    headRow.appendChild(th);
  });
  thead.appendChild(headRow);
  filter.addEventListener("input", draw);

  function cell(r, c) {
    var v = r[c.key];
    if (c.key === "file") {
      var label = r.file;
      if (r.report) {
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
  function compare(a, b) {
    var x = a[sort.key], y = b[sort.key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * sort.dir;
  }
  function draw() {
    var q = filter.value.toLowerCase();
    var list = rows.filter(function (r) {
      return !q || [r.file, r.series, r.gpu_model, r.format].some(function (s) { return s && String(s).toLowerCase().indexOf(q) >= 0; });
    }).sort(compare);
    tbody.textContent = "";
    list.slice(0, MAX_TABLE_ROWS).forEach(function (r) {
      var tr = el("tr");
      COLUMNS.forEach(function (c) { tr.appendChild(cell(r, c)); });
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
    var rt = el("table", { class: "data" }, [el("thead", null, [el("tr", null, ["Run", "Date", "Ranks", "Slowest rank", "Step time of slowest rank (ms)", "Straggler", "Straggler delay (ms)", "Exposed comm, all ranks (ms/step)"].map(function (t) { return el("th", { text: t, scope: "col" }); }))])]);
    var rb = el("tbody");
    runs.forEach(function (r) {
      var ranks = r.ranks_found + " of " + r.world_size + (r.ranks_missing ? " (missing " + r.ranks_missing + ")" : "") + (r.files_failed ? ", " + r.files_failed + " failed" : "");
      rb.appendChild(el("tr", { class: r.complete ? "" : "incomplete" }, [
        el("td", { class: "path", text: r.run }), el("td", { class: "num", text: day(r.run_date) }),
        el("td", { text: (r.complete ? "" : "⚠ incomplete: ") + ranks }), el("td", { class: "num", text: r.slowest_rank === null ? "–" : String(r.slowest_rank) }),
        el("td", { class: "num", text: fmt(r.step_time_slowest_rank_ms, 2) }), el("td", { class: "num", text: r.straggler_rank === null ? "–" : String(r.straggler_rank) }),
        el("td", { class: "num", text: fmt(r.straggler_delay_ms, 2) }), el("td", { class: "num", text: fmt(r.exposed_comm_ms_per_step_all_ranks, 2) }),
      ]));
    });
    rt.appendChild(rb);
    runSection.appendChild(el("div", { class: "scroll" }, [rt]));
  }

  // ---- failed traces
  var errSection = el("section", { class: "view", id: "errors" }, [el("h2", { text: "Failed traces (" + data.errors.length + ")" })]);
  main.appendChild(errSection);
  if (data.errors.length === 0) errSection.appendChild(el("p", { class: "muted", text: "None: every trace was analysed." }));
  else {
    var et = el("table", { class: "data" }, [el("thead", null, [el("tr", null, ["Trace", "Size (bytes)", "Modified", "Error"].map(function (t) { return el("th", { text: t, scope: "col" }); }))])]);
    var eb = el("tbody");
    data.errors.forEach(function (r) {
      eb.appendChild(el("tr", null, [el("td", { class: "path", text: r.file }), el("td", { class: "num", text: fmt(r.size_bytes, 0) }), el("td", { class: "num", text: day(r.mtime) }), el("td", { text: r.error })]));
    });
    et.appendChild(eb);
    errSection.appendChild(el("div", { class: "scroll" }, [et]));
  }

  app.appendChild(el("footer", { class: "page", text: "Made by " + data.generator + " on " + new Date(data.generatedAtMs).toISOString() + ". Every column is defined in the llmprof README (Batch analysis of archives); all columns are in traces.parquet / traces.csv." }));
  document.body.setAttribute("data-render-ms", String(Math.round(performance.now())));
  document.body.setAttribute("data-ready", "true");
})();
`;

export const BATCH_INDEX_CSS = `
:root { --fg: #1f2328; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --border: #d1d9e0; --accent: #0969da; color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
header.page { border-bottom: 1px solid var(--border); background: var(--panel); padding: 16px 32px 8px; }
header.page h1 { margin: 0; font-size: 20px; font-weight: 600; }
.subtitle, .muted, .lede { color: var(--muted); }
main { padding: 8px 32px 48px; max-width: 1400px; }
section.view { margin-top: 28px; }
section.view > h2 { font-size: 17px; font-weight: 600; margin: 0 0 4px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure.chart { margin: 0; border: 1px solid var(--border); border-radius: 6px; padding: 8px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { display: block; max-width: 100%; height: auto; font-size: 10px; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
ul.legend li { overflow-wrap: anywhere; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
input[type=search] { width: 320px; max-width: 100%; padding: 4px 8px; border: 1px solid var(--border); border-radius: 6px; font: inherit; }
.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.data th, table.data td { border-bottom: 1px solid var(--border); padding: 3px 10px; text-align: left; vertical-align: top; }
table.data th { cursor: pointer; background: var(--panel); position: sticky; top: 0; white-space: nowrap; }
table.data th[aria-sort=ascending]::after { content: " \\25B2"; }
table.data th[aria-sort=descending]::after { content: " \\25BC"; }
table.data .num { text-align: right; white-space: nowrap; }
table.data td.path { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; max-width: 640px; }
a { color: var(--accent); }
footer.page { color: var(--muted); padding: 16px 32px; border-top: 1px solid var(--border); }
`;
