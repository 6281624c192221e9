// @ts-check
/*
 * DOM helpers shared by the standalone page clients (compare.html, the batch
 * index), loaded before them: trace strings only ever become text.
 */
(function () {
  "use strict";

  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {Record<string, string | number> | null} [attrs]
   * @param {readonly (string | Node)[]} [children]
   */
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs)
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined) return;
        if (k === "text") e.textContent = String(v);
        else e.setAttribute(k, String(v));
      });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  /** @param {unknown} v @returns {v is number} */
  function isNum(v) {
    return typeof v === "number" && isFinite(v);
  }
  /** The page's element #id; a page without it is broken, so say which element is missing. @param {string} id */
  function byId(id) {
    var node = document.getElementById(id);
    if (!node) throw new Error("llmprof: this page has no #" + id);
    return node;
  }
  /** The parsed JSON of the page's data block (a <script type="application/json"> element). @param {string} id @returns {unknown} */
  function readData(id) {
    return JSON.parse(byId(id).textContent || "null");
  }
  window.llmprofDom = { el: el, isNum: isNum, byId: byId, readData: readData };
})();
