/**
 * The installed command is the esbuild bundle (tools/bundle.mjs, package.json
 * "bin"): what it loads at start, and that the formats and workers whose code
 * it loads on demand still work through it.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, ROOT, fixture } from "../helpers/paths.js";
import { runCli } from "../helpers/cli.js";

const BUNDLE = dirname(CLI);

/** Files main.js loads before it runs: itself and the chunks it imports statically, transitively. */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const text = readFileSync(join(BUNDLE, queue.pop()!), "utf8");
    // static imports only: `import ... from "./chunk-X.js"` or `import "./chunk-X.js"`, not `import("./chunk-X.js")`
    for (const m of text.matchAll(/^(?:import|export)\b[^;(]*?["'](\.\/[^"']+\.js)["']/gm)) {
      const file = m[1]!.slice(2);
      if (!seen.has(file)) {
        seen.add(file);
        queue.push(file);
      }
    }
  }
  return [...seen];
}

/** Libraries whose code a file holds, from esbuild's `// node_modules/<lib>/...` source comments. */
function librariesIn(file: string): Set<string> {
  const libs = new Set<string>();
  for (const m of readFileSync(join(BUNDLE, file), "utf8").matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) libs.add(m[1]!);
  return libs;
}

describe("the bundled command", () => {
  it("is what package.json installs, with its worker scripts beside it", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(join(ROOT, pkg.bin["llmprof"]!)).toBe(CLI);
    for (const f of ["main.js", "parse-worker.js", "nsys-sqlite-worker.js", "worker.js"]) expect(existsSync(join(BUNDLE, f)), f).toBe(true);
  });

  it("loads no format- or command-specific library at start", () => {
    const atStart = new Set(staticClosure("main.js").flatMap((f) => [...librariesIn(f)]));
    expect(atStart.has("commander")).toBe(true); // the check can see a bundled library
    for (const lazy of ["apache-arrow", "hyparquet", "hyparquet-writer", "protobufjs", "yaml", "fast-xml-parser"]) expect(atStart.has(lazy), lazy).toBe(false);
    // and the lazily imported ones are in the bundle's chunks, so the import() finds them
    const all = new Set(
      readdirSync(BUNDLE)
        .filter((f) => f.endsWith(".js"))
        .flatMap((f) => [...librariesIn(f)]),
    );
    for (const chunked of ["apache-arrow", "hyparquet", "hyparquet-writer"]) expect(all.has(chunked), chunked).toBe(true);
  });

  it("reads an XPlane file (protobuf loaded on demand) and a YAML config", () => {
    const dir = mkdtempSync(join(tmpdir(), "llmprof-bundle-"));
    try {
      const config = join(dir, "llmprof.yaml");
      writeFileSync(config, "idle:\n  launchLatencyThresholdUs: 5\n");
      const r = runCli(["analyze", fixture("jax/vm.xplane.pb"), "--config", config, "-o", join(dir, "s.json")]);
      expect(r.status, r.stderr).toBe(0);
      const s = JSON.parse(readFileSync(join(dir, "s.json"), "utf8")) as { trace: { format: string } };
      expect(s.trace.format).toBe("xplane");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads an Nsight SQLite export through its reading thread with the figures of one thread", () => {
    for (const f of ["nsys/nsys-l4-train-hooks-step1.sqlite.gz", "nsys/nsys-l2-ddp-2gpu.sqlite.gz"]) {
      const one = runCli(["analyze", fixture(f), "--threads", "1", "--format", "json"]);
      const two = runCli(["analyze", fixture(f), "--threads", "2", "--format", "json"]);
      expect(one.status, one.stderr).toBe(0);
      expect(two.status, two.stderr).toBe(0);
      expect(JSON.parse(two.stdout)).toEqual(JSON.parse(one.stdout));
    }
  });

  it("parses two ranks in its worker threads, with the models one thread gives", () => {
    const ranks = ["multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz", "multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz"].map(fixture);
    const one = runCli(["analyze", ...ranks, "--threads", "1", "--format", "json"]);
    const two = runCli(["analyze", ...ranks, "--threads", "2", "--format", "json"]);
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
  });
});
