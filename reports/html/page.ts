/**
 * The shell of every llmprof HTML page (report, compare, batch index, diff): one
 * self-contained file with a strict Content-Security-Policy (no network; the
 * inline scripts and the style allowed only by their sha256 hashes), the data
 * as a JSON block, and the inlined scripts.
 */
import { createHash } from "node:crypto";
import { escapeHtml, jsonScript } from "./embed.js";

export interface PageSpec {
  /** What the page is, for the leading comment ("report", "compare"...). */
  kind: string;
  version: string;
  title: string;
  /** id of the JSON data block. */
  dataId: string;
  data: unknown;
  /** Script sources, inlined in order; none for a page drawn on the server (diff). */
  scripts: string[];
  css: string;
  /** Shown when JavaScript is off (pages with scripts). */
  noscript?: string;
  /** Markup drawn on the server, every data string already escaped; default: the scripts' empty #app. */
  body?: string;
}

export function renderPage(spec: PageSpec): string {
  const scripts = spec.scripts.map(normalize);
  const css = normalize(spec.css);
  for (const s of scripts) {
    // an inlined script must not be able to close its own element
    if (/<\/script/i.test(s)) throw new Error(`llmprof: an inlined ${spec.kind} script contains </script`);
  }
  const csp = [
    "default-src 'none'",
    ...(scripts.length > 0 ? [`script-src ${scripts.map(hashSource).join(" ")}`] : []),
    `style-src ${hashSource(css)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  // hashes are base64 and the rest is fixed text: nothing to escape in the attribute
  if (/["<>&]/.test(csp)) throw new Error("llmprof: unexpected character in the page's CSP");
  const version = escapeHtml(spec.version);
  return [
    "<!DOCTYPE html>",
    `<!-- llmprof ${version} ${escapeHtml(spec.kind)}: one self-contained file, no network access; the figures are in the #${escapeHtml(spec.dataId)} JSON block -->`,
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="llmprof ${version}">`,
    `<title>${escapeHtml(spec.title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${css}</style>`,
    "</head>",
    "<body>",
    ...(spec.noscript !== undefined ? [`<noscript><p class="noscript">${escapeHtml(spec.noscript)}</p></noscript>`] : []),
    spec.body ?? '<div id="app"></div>',
    jsonScript(spec.dataId, spec.data),
    ...scripts.map((s) => `<script>${s}</script>`),
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** The HTML parser turns CR LF into LF before the browser hashes a script; do it first. */
export function normalize(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

export function hashSource(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}
