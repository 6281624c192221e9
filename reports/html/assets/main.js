// @ts-check
/*
 * llmprof report: page assembly. Reads the #llmprof-data JSON block, builds
 * the header and navigation, and renders every registered view into its own
 * section. A view that throws shows an error box in its section; the others
 * still render. Sets body[data-ready] when done (tests wait for it) and
 * body[data-render-ms], the time from navigation to that moment.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;

  /** @param {string} id @returns {HTMLElement} */
  function byId(id) {
    var node = document.getElementById(id);
    if (!node) throw new Error("report.html has no #" + id);
    return node;
  }

  /** @type {ReportData} */
  var data = JSON.parse(byId("llmprof-data").textContent || "null");
  L.setCategoryLabels(data.labels.categories);
  var s = data.summary;
  var app = byId("app");

  var traceName = s.trace.traceName || s.trace.files[0] || "trace";
  var shortName = String(traceName).split(/[\\/]/).pop();
  document.title = "llmprof report — " + shortName;

  var nav = el("nav", { class: "sections", "aria-label": "Sections" });
  var header = el("header", { class: "page" }, [
    el("h1", null, [el("span", { class: "brand", text: "llmprof · " }), shortName]),
    el("p", { class: "subtitle", text: s.trace.files.join(", ") + (s.trace.partial ? " — PARTIAL trace" : "") }),
    nav,
  ]);
  var main = el("main");
  app.appendChild(header);
  app.appendChild(main);

  L.views.forEach(function (view) {
    var section = el("section", { class: "view", id: view.id, "aria-labelledby": view.id + "-title" });
    section.appendChild(el("h2", { id: view.id + "-title", text: view.title }));
    if (view.lede) section.appendChild(el("p", { class: "lede", text: view.lede }));
    var body = el("div", { class: "view-body" });
    section.appendChild(body);
    main.appendChild(section);
    nav.appendChild(el("a", { href: "#" + view.id, text: view.nav || view.title }));
    try {
      view.render(body, data);
    } catch (e) {
      body.textContent = "";
      body.appendChild(el("p", { class: "view-error", text: "This view could not be drawn: " + (e instanceof Error ? e.message : String(e)) }));
      console.error(e);
    }
  });

  app.appendChild(el("footer", { class: "page" }, ["Made by llmprof " + s.generator.version + " (" + s.schema + "). Every figure is also in summary.json; definitions in the llmprof README."]));
  document.body.setAttribute("data-render-ms", String(Math.round(performance.now())));
  document.body.setAttribute("data-ready", "true");
})();
