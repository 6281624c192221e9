// @ts-check
/*
 * View "findings" (Summary.findings): what to change, with the measured cost,
 * the evidence and the suggestion. The five most costly open; the rest folded.
 */
(function () {
  "use strict";
  var L = window.llmprof;
  var el = L.el;
  var fmt = L.fmt;
  /** @type {Record<string, string>} */
  var SEVERITY_BADGE = { high: "error", medium: "warning", low: "info", info: "muted" };
  /** @typedef {Available<Summary["findings"]>["findings"][number]} Finding */

  /** @param {Finding} f */
  function cost(f) {
    if (f.costNs !== null && f.costNs !== undefined) return fmt.ms(f.costNs) + " ms · " + fmt.pct(f.costPctOfWindow) + " of the window";
    if (f.costBytes !== undefined) return fmt.bytes(f.costBytes);
    return "";
  }

  /** @param {Finding} f */
  function evidenceList(f) {
    if (!f.evidence.length) return null;
    var list = el("ul", { class: "evidence" });
    f.evidence.forEach(function (e) {
      // long kernel names are cut; the full name is on hover
      var code = el("code", { text: e.label.length > 110 ? e.label.slice(0, 108) + "…" : e.label });
      code.title = e.label;
      /** @type {Node[]} */
      var parts = [code];
      /** @type {string[]} */
      var extra = [];
      if (e.durationNs !== undefined) extra.push(fmt.ns(e.durationNs));
      if (e.step !== undefined) extra.push("step #" + e.step);
      if (e.detail) extra.push(e.detail);
      if (extra.length) parts.push(document.createTextNode(" — " + extra.join(" · ")));
      list.appendChild(el("li", {}, parts));
    });
    return list;
  }

  /** @param {Finding} f @param {boolean} open */
  function block(f, open) {
    var details = el("details", { class: "finding" });
    details.open = open;
    var summary = el("summary", {}, [
      el("span", { class: "badge " + (SEVERITY_BADGE[f.severity] || "info"), text: f.severity }),
      document.createTextNode(" "),
      el("strong", { text: f.title }),
      el("span", { class: "muted", text: "  " + cost(f) }),
    ]);
    details.appendChild(summary);
    details.appendChild(el("p", { text: f.summary }));
    details.appendChild(el("p", {}, [el("strong", { text: "Why: " }), document.createTextNode(f.why)]));
    details.appendChild(el("p", {}, [el("strong", { text: "How: " }), document.createTextNode(f.how)]));
    var ev = evidenceList(f);
    if (ev) {
      details.appendChild(el("div", { class: "muted", text: "Evidence (see the " + f.section + " section):" }));
      details.appendChild(ev);
    }
    return details;
  }

  L.registerView({
    id: "findings",
    title: "Findings",
    nav: "Findings",
    lede: "What to change, most costly first. Each finding's cost is measured in this trace (GPU time it explains, as a share of the profiled steps), with the events that show it and the setting or code change to try.",
    render: function (root, data) {
      var s = data.summary.findings;
      if (L.unavailable(root, s, "Findings not available")) return;
      if (!s.findings.length) root.appendChild(el("p", { text: "No rule fired: " + s.passed.length + " rules checked." }));
      s.findings.forEach(function (f, i) {
        root.appendChild(block(f, i < 5));
      });
      var notes = [];
      if (s.passed.length) notes.push("Checked and fine: " + s.passed.join(", ") + ".");
      if (s.notEvaluated.length)
        notes.push(
          "Not evaluated: " +
            s.notEvaluated
              .map(function (n) {
                return n.id + " (" + n.reason + ")";
              })
              .join("; ") +
            ".",
        );
      if (s.disabled.length) notes.push("Disabled: " + s.disabled.join(", ") + ".");
      notes.forEach(function (t) {
        root.appendChild(el("p", { class: "muted", text: t }));
      });
    },
  });
})();
