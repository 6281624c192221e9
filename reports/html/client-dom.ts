/**
 * DOM helpers shared by the standalone page clients (compare.html, the batch
 * index), spliced into their scripts: trace strings only ever become text.
 */
export const CLIENT_DOM_HELPERS = String.raw`
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  function isNum(v) { return typeof v === "number" && isFinite(v); }
`;
