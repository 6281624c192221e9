/**
 * The layer rules of docs/DESIGN.md ("Layers"), as data: each source file
 * belongs to exactly one layer, and a layer imports only from the layers it
 * lists. The order is the build order of the program: nothing imports upward.
 */
export interface Layer {
  readonly name: string;
  /** Folders (ending in "/") or single files, relative to the repository root. */
  readonly paths: readonly string[];
  /** Layers this one may import from (its own is always allowed). */
  readonly mayImport: readonly string[];
}

export const LAYERS: readonly Layer[] = [
  { name: "base", paths: ["src/errors.ts", "src/units.ts", "src/version.ts", "src/yaml-bounded.ts", "src/lazy-library.ts"], mayImport: [] },
  { name: "model", paths: ["src/model/"], mayImport: ["base"] },
  { name: "parsers", paths: ["parsers/"], mayImport: ["model", "base"] },
  { name: "analysis", paths: ["src/analysis/"], mayImport: ["model", "base"] },
  { name: "reports", paths: ["reports/"], mayImport: ["analysis", "model", "base"] },
  { name: "io", paths: ["src/io/", "src/config.ts"], mayImport: ["parsers", "analysis", "model", "base"] },
  { name: "batch", paths: ["src/batch/", "src/runs/"], mayImport: ["io", "reports", "parsers", "analysis", "model", "base"] },
  { name: "library", paths: ["src/index.ts"], mayImport: ["batch", "io", "reports", "parsers", "analysis", "model", "base"] },
  { name: "bench", paths: ["bench/"], mayImport: ["batch", "io", "reports", "parsers", "analysis", "model", "base"] },
  { name: "cli", paths: ["src/cli/"], mayImport: ["batch", "io", "reports", "parsers", "analysis", "model", "base"] },
];

/** Node built-ins that read or write the outside world: none in the pure layers. */
export const IO_MODULES: readonly string[] = ["fs", "fs/promises", "zlib", "child_process", "net", "http", "https", "http2", "dgram", "worker_threads", "readline", "cluster"];
export const PURE_LAYERS: readonly string[] = ["model", "analysis"];

/** The layer of a repository-relative path (forward slashes), or null when none claims it. */
export function layerOf(path: string): Layer | null {
  let best: Layer | null = null;
  let bestLength = -1;
  for (const layer of LAYERS) {
    for (const p of layer.paths) {
      const hit = p.endsWith("/") ? path.startsWith(p) : path === p;
      if (hit && p.length > bestLength) {
        best = layer;
        bestLength = p.length;
      }
    }
  }
  return best;
}
