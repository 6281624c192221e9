#!/usr/bin/env node
/**
 * Bundles the compiled command line (dist/src/cli/main.js) and its worker
 * scripts into dist/bundle/ (issue 18: start-up). Node's ES module loader pays
 * per file (resolve, stat, read, compile): the unbundled CLI loads ~400 files
 * and takes ~0.35 s before it does anything; one bundle with on-demand chunks
 * starts in a fraction of that. The libraries a command or format needs only
 * sometimes (Arrow, Parquet, protobuf, YAML, XML) are dynamic imports, which
 * esbuild turns into chunks loaded when first used.
 *
 * The entries keep their names (main.js, parse-worker.js, nsys-sqlite-worker.js,
 * worker.js) in one directory, so `new URL("./parse-worker.js", import.meta.url)` finds the
 * worker from whichever chunk holds that code. Native addons stay outside
 * (better-sqlite3, DuckDB) and load from node_modules as before.
 *
 *   node tools/bundle.mjs            (run by `npm run build` after tsc)
 */
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist/bundle");
rmSync(outdir, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: {
    main: "dist/src/cli/main.js",
    "parse-worker": "dist/parsers/parse-worker.js",
    "nsys-sqlite-worker": "dist/parsers/nsys-sqlite-worker.js",
    worker: "dist/src/batch/worker.js",
  },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunk-[hash]",
  external: ["better-sqlite3", "@duckdb/node-api"],
  // CommonJS libraries inside an ES module bundle call require() for node's own modules
  banner: { js: 'import { createRequire as __llmprofRequire } from "node:module"; const require = __llmprofRequire(import.meta.url);' },
  // stack traces (--debug) map back to the TypeScript through tsc's source maps
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
});
