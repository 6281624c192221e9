// @ts-check
/*
 * View "kernels" (Summary.kernels): time by kernel category (bar chart; a
 * click filters the table) and every kernel name with its count and times.
 * Long C++ names are shortened (reports/format.ts, done by the renderer);
 * the full name is the cell's tooltip.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;

  /**
   * @param {HTMLElement} container @param {Available<Summary["kernels"]>} k @param {(category: string | null) => void} onPick
   * @returns {{ pick: (category: string | null) => void }}
   */
  function categoryChart(container, k, onPick) {
    /** @type {string | null} */
    var selected = null;
    /** @type {ReturnType<ReturnType<LlmprofClient["hbars"]>>} */
    var rects = null;
    var rows = k.byCategory.map(function (r) {
      return {
        key: r.category,
        label: r.label,
        value: r.totalNs,
        color: L.categoryColor(r.category),
        tip: [
          ["summed time", fmt.ns(r.totalNs)],
          ["share of kernel time", fmt.pct(r.pctOfKernelTime)],
          ["activities", fmt.count(r.count)],
          ["", "click to filter the table"],
        ],
        text: fmt.ms(r.totalNs) + " ms · " + fmt.pct(r.pctOfKernelTime),
      };
    });
    L.hbars(container, rows, "summed kernel time in the window (ms)", {
      left: 180,
      label: "GPU time by kernel category",
      onDraw: function (bars) {
        rects = bars.classed("clickable", true).on("click", function (_event, r) {
          pick(selected === r.key ? null : r.key);
        });
        highlight();
      },
    });
    function highlight() {
      if (!rects) return;
      rects
        .classed("active", function (r) {
          return r.key === selected;
        })
        .attr("fill-opacity", function (r) {
          return selected === null || r.key === selected ? 1 : 0.35;
        });
    }
    /** @param {string | null} c */
    function pick(c) {
      selected = c;
      highlight();
      onPick(c);
    }
    return {
      pick: function (c) {
        selected = c;
        highlight();
      },
    };
  }

  L.registerView({
    id: "kernels",
    title: "GPU kernels",
    nav: "Kernels",
    lede: "Every GPU activity (kernel, memcpy, memset) that starts in the window, by category and by name. Times are sums of durations, so concurrent kernels each count in full.",
    render: function (root, data) {
      var k = data.summary.kernels;
      if (L.unavailable(root, k, "Kernel summary not available")) return;
      var rows = k.byName.map(function (r, i) {
        return Object.assign({ short: data.labels.kernels[i] || r.name, categoryLabel: L.categoryLabel(r.category) }, r);
      });

      root.appendChild(el("h3", { text: "By category (" + fmt.count(k.count) + " activities, " + fmt.ns(k.totalNs) + " in total)" }));
      var chartNode = el("div", { class: "chart", "data-chart": "categories" });
      root.appendChild(chartNode);

      root.appendChild(el("h3", { text: "By kernel name" }));
      var select = el("select", { "aria-label": "Category" }, [el("option", { value: "", text: "All categories" })]);
      k.byCategory.forEach(function (c) {
        select.appendChild(el("option", { value: c.category, text: c.label + " (" + fmt.count(c.count) + ")" }));
      });
      /** @type {{ setFilter: (fn: ((row: (typeof rows)[number]) => boolean) | null) => void } | null} */
      var tableApi = null;
      /** @type {ReturnType<typeof categoryChart> | null} */
      var chartApi = null;
      /** @param {string | null} c */
      function filterTo(c) {
        select.value = c || "";
        if (tableApi)
          tableApi.setFilter(
            c
              ? function (r) {
                  return r.category === c;
                }
              : null,
          );
      }
      select.addEventListener("change", function () {
        var c = select.value || null;
        filterTo(c);
        if (chartApi) chartApi.pick(c);
      });
      tableApi = L.table(root, {
        columns: [
          {
            key: "short",
            label: "Kernel",
            cellClass: "name",
            render: function (r) {
              return el("span", null, [L.swatch(L.categoryColor(r.category)), " ", r.short]);
            },
            title: function (r) {
              return r.name;
            },
          },
          { key: "categoryLabel", label: "Category", cellClass: "nowrap" },
          {
            key: "categorySource",
            label: "Decided by",
            cellClass: "nowrap",
            help: "the rule that decided the category of this name's first launch: operator:<launching op>, name:<category>#<k> (k-th name rule), config:<n> (n-th config rule); see README, Kernel categories",
          },
          { key: "kind", label: "Kind" },
          { key: "count", label: "Count", numeric: true, format: fmt.count },
          {
            key: "totalNs",
            label: "Total (ms)",
            numeric: true,
            format: function (v) {
              return fmt.ms(v, 3);
            },
          },
          {
            key: "meanNs",
            label: "Mean (µs)",
            numeric: true,
            format: function (v) {
              return fmt.us(v);
            },
          },
          {
            key: "minNs",
            label: "Min (µs)",
            numeric: true,
            format: function (v) {
              return fmt.us(v);
            },
          },
          {
            key: "maxNs",
            label: "Max (µs)",
            numeric: true,
            format: function (v) {
              return fmt.us(v);
            },
          },
          L.pctColumn("pctOfKernelTime", "% kernel time"),
          {
            key: "pctOfBusy",
            label: "% GPU busy",
            numeric: true,
            format: fmt.pct,
            help: "time this kernel was running (its launches on concurrent streams counted once) / GPU busy time of the window; different kernels running at once can make these add up past 100%",
          },
        ],
        rows: rows,
        sort: { key: "totalNs", dir: "desc" },
        search: {
          placeholder: "Filter kernels by name…",
          text: function (r) {
            return r.name + " " + r.categoryLabel;
          },
        },
        extraTools: [select],
        pageSize: 25,
      });
      chartApi = categoryChart(chartNode, k, filterTo);
    },
  });
})();
