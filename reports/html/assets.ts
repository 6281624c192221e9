/**
 * The client-side files of the HTML report, read at render time and inlined.
 * They live as plain .js/.css under reports/html/assets/ (readable, served by
 * no build step). tsc emits only .ts, so from dist/reports/html/ the files are
 * found back in the package's source tree (package.json "files" lists them),
 * from the tsc output and from the bundle alike.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// running from source (vitest, tsx) | the build (dist/reports/html) | the bundled CLI (dist/bundle, tools/bundle.mjs)
const CANDIDATES = [join(here, "assets"), join(here, "../../../reports/html/assets"), join(here, "../../reports/html/assets")];

let assetDir: string | null = null;
const cache = new Map<string, string>();

export function assetsDirectory(): string {
  if (assetDir === null) {
    const found = CANDIDATES.find((d) => existsSync(join(d, "core.js")));
    if (!found) throw new Error(`llmprof: the HTML report's assets are missing (looked in ${CANDIDATES.join(", ")})`);
    assetDir = found;
  }
  return assetDir;
}

/** Text of an asset, by path relative to reports/html/assets/. */
export function readAsset(relative: string): string {
  let text = cache.get(relative);
  if (text === undefined) {
    text = readFileSync(join(assetsDirectory(), relative), "utf8");
    cache.set(relative, text);
  }
  return text;
}

/** A page's stylesheet: base.css (shared by every page) and then the page's own sheets, in cascade order. */
export function readStyles(...ownSheets: string[]): string {
  return ["base.css", ...ownSheets].map(readAsset).join("");
}

/** d3's UMD bundle from node_modules (its package exports hide the file, so go via the entry point). */
export function readD3(): string {
  let text = cache.get("d3");
  if (text === undefined) {
    const entry = createRequire(import.meta.url).resolve("d3");
    text = readFileSync(join(dirname(entry), "d3.min.js"), "utf8");
    cache.set("d3", text);
  }
  return text;
}
