// @ts-check
/*
 * The browser side of compare.html (reports/compare-html.ts). DOM is built with
 * createElement, textContent and d3 .text() only: labels and GPU names are data, never markup
 * (moved from reports/compare-html-client.ts; plain ES5, inlined and allowed by its hash).
 */
(function () {
  "use strict";
  var el = window.llmprofDom.el;
  var isNum = window.llmprofDom.isNum;

  var data = /** @type {CompareData} */ (window.llmprofDom.readData("llmprof-compare"));
  var app = window.llmprofDom.byId("app");
  var labels = data.labels;

  app.appendChild(
    el("header", { class: "page" }, [
      el("h1", { text: "llmprof compare: " + labels.length + " runs" }),
      el(
        "ul",
        { class: "runs" },
        labels.map(function (l, i) {
          var files = data.files[i] || [];
          return el("li", null, [el("b", { text: l }), ": " + files.slice(0, 3).join(", ") + (files.length > 3 ? " (+" + (files.length - 3) + " more)" : "")]);
        }),
      ),
    ]),
  );
  var main = el("main");
  app.appendChild(main);
  main.appendChild(el("p", { class: "lede", text: data.perStepNote + ". " + data.scalingRule }));

  // ---- one bar chart per figure
  var color = d3.scaleOrdinal(d3.schemeTableau10).domain(labels);
  var chartsSection = el("section", { class: "view", id: "charts" }, [el("h2", { text: "Figures" })]);
  main.appendChild(chartsSection);
  var grid = el("div", { class: "charts" });
  chartsSection.appendChild(grid);
  data.rows.forEach(function (row) {
    if (!row.values || !row.values.some(isNum)) return;
    grid.appendChild(chart(row, row.values));
  });

  /** @param {CompareData["rows"][number]} row @param {(number | null)[]} values the row's values, one per run */
  function chart(row, values) {
    var box = el("figure", { class: "chart", "data-chart": row.id });
    box.appendChild(el("figcaption", { text: row.label + (row.better ? " — " + row.better + " is better" : "") }));
    var W = 420,
      barH = 18,
      gap = 6,
      M = { l: 130, r: 70, t: 4, b: 4 };
    var H = M.t + M.b + labels.length * (barH + gap);
    var max = d3.max(values.filter(isNum)) || 1;
    var x = d3
      .scaleLinear()
      .domain([0, max > 0 ? max : 1])
      .range([M.l, W - M.r]);
    var svg = d3
      .select(box)
      .append("svg")
      .attr("viewBox", "0 0 " + W + " " + H)
      .attr("width", W)
      .attr("height", H)
      .attr("role", "img");
    var g = svg
      .selectAll("g.bar")
      .data(
        labels.map(function (l, i) {
          return { label: l, value: values[i], cell: row.cells[i] };
        }),
      )
      .join("g")
      .attr("class", "bar")
      .attr("transform", function (d, i) {
        return "translate(0," + (M.t + i * (barH + gap)) + ")";
      });
    g.append("text")
      .attr("class", "run")
      .attr("x", M.l - 6)
      .attr("y", barH / 2)
      .attr("dy", "0.35em")
      .attr("text-anchor", "end")
      .text(function (d) {
        return d.label.length > 20 ? d.label.slice(0, 19) + "…" : d.label;
      });
    g.filter(function (d) {
      return isNum(d.value);
    })
      .append("rect")
      .attr("x", M.l)
      .attr("height", barH)
      .attr("width", function (d) {
        return Math.max(0, x(Math.max(0, d.value || 0)) - M.l); // only the bars of numbers are drawn
      })
      .attr("fill", function (d) {
        return color(d.label);
      })
      .append("title")
      .text(function (d) {
        return d.label + ": " + d.cell;
      });
    g.append("text")
      .attr("class", "value")
      .attr("y", barH / 2)
      .attr("dy", "0.35em")
      .attr("x", function (d) {
        return isNum(d.value) ? x(Math.max(0, d.value)) + 4 : M.l + 4;
      })
      .text(function (d) {
        return isNum(d.value) ? d.value.toLocaleString("en-US", { minimumFractionDigits: row.digits || 0, maximumFractionDigits: row.digits || 0 }) : "n/a";
      });
    return box;
  }

  // ---- the table
  var tableSection = el("section", { class: "view", id: "table" }, [el("h2", { text: "Table" })]);
  main.appendChild(tableSection);
  var table = el("table", { class: "data" });
  table.appendChild(
    el("thead", null, [
      el(
        "tr",
        null,
        [el("th", { text: "figure", scope: "col" })].concat(
          labels.map(function (l) {
            return el("th", { class: "num", scope: "col", text: l });
          }),
        ),
      ),
    ]),
  );
  var tbody = el("tbody");
  var group = "";
  data.rows.forEach(function (row) {
    if (row.group !== group) {
      group = row.group;
      var th = el("th", { colspan: String(labels.length + 1), scope: "rowgroup", text: group });
      tbody.appendChild(el("tr", { class: "group" }, [th]));
    }
    tbody.appendChild(
      el(
        "tr",
        { "data-row": row.id },
        [el("td", { text: row.label })].concat(
          row.cells.map(function (c) {
            return el("td", { class: "num", text: c });
          }),
        ),
      ),
    );
  });
  table.appendChild(tbody);
  tableSection.appendChild(el("div", { class: "scroll" }, [table]));

  // ---- scaling groups
  var scaling = el("section", { class: "view", id: "scaling" }, [el("h2", { text: "Scaling efficiency" })]);
  main.appendChild(scaling);
  if (data.scaling.length === 0) scaling.appendChild(el("p", { class: "muted", text: "No two runs share a configuration at different GPU counts." }));
  data.scaling.forEach(function (grp) {
    var c = grp.configuration;
    scaling.appendChild(
      el("p", {
        text: "Baseline " + grp.baseline + ": " + (c.gpuModel || "") + ", batch " + (c.batchShape || "") + " per rank, " + c.attention + " attention" + (c.recomputation ? ", recomputation" : ""),
      }),
    );
    var t = el("table", { class: "data" }, [
      el("thead", null, [
        el(
          "tr",
          null,
          ["run", "GPUs", "tokens/s per GPU", "efficiency"].map(function (h, i) {
            return el("th", { text: h, scope: "col", class: i ? "num" : "" });
          }),
        ),
      ]),
    ]);
    var b = el("tbody");
    grp.members.forEach(function (m) {
      b.appendChild(
        el("tr", null, [
          el("td", { text: m.label }),
          el("td", { class: "num", text: String(m.gpuCount) }),
          el("td", { class: "num", text: Math.round(m.tokensPerSPerGpu).toLocaleString("en-US") }),
          el("td", { class: "num", text: m.efficiency.toFixed(3) }),
        ]),
      );
    });
    t.appendChild(b);
    scaling.appendChild(t);
  });

  if (data.notes.length) {
    main.appendChild(
      el("section", { class: "view", id: "notes" }, [
        el("h2", { text: "Notes" }),
        el(
          "ul",
          null,
          data.notes.map(function (n) {
            return el("li", { text: n });
          }),
        ),
      ]),
    );
  }
  app.appendChild(el("footer", { class: "page", text: "Made by " + data.generator + ". Every figure is defined in the llmprof README (Comparing configurations); all of them are in compare.json." }));
  document.body.setAttribute("data-render-ms", String(Math.round(performance.now())));
  document.body.setAttribute("data-ready", "true");
})();
