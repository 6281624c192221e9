/**
 * The import graph holds the layers of docs/DESIGN.md: every import in src/,
 * parsers/, reports/ and bench/ (static, re-export, dynamic and type-only,
 * read with the TypeScript compiler's own pre-processor) goes to the importer's
 * layer or one it may import from, and the pure layers use no I/O built-ins.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { IO_MODULES, LAYERS, PURE_LAYERS, layerOf } from "./layers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const SCANNED = ["src", "parsers", "reports", "bench"];

interface Violation {
  file: string;
  line: number;
  specifier: string;
  problem: string;
}

/** Every import specifier of a TypeScript source, with its 1-based line. */
function importsOf(text: string): { specifier: string; line: number }[] {
  const info = ts.preProcessFile(text, true, true);
  const source = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, false);
  return info.importedFiles.map((f) => ({ specifier: f.fileName, line: source.getLineAndCharacterOfPosition(f.pos).line + 1 }));
}

/** The repository-relative target of a relative specifier ("../x.js" -> "src/x.ts"). */
function resolveRelative(file: string, specifier: string): string {
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  return target.endsWith(".js") ? `${target.slice(0, -3)}.ts` : target;
}

/** The layer violations of a set of sources (repository-relative path -> text). */
function importViolations(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    if (!from) {
      out.push({ file, line: 1, specifier: "", problem: "belongs to no layer (add it to test/architecture/layers.ts and docs/DESIGN.md)" });
      continue;
    }
    for (const { specifier, line } of importsOf(text)) {
      if (specifier.startsWith(".")) {
        const target = resolveRelative(file, specifier);
        const to = layerOf(target);
        if (!to) out.push({ file, line, specifier, problem: `imports ${target}, which belongs to no layer` });
        else if (to !== from && !from.mayImport.includes(to.name))
          out.push({ file, line, specifier, problem: `layer ${from.name} imports layer ${to.name} (allowed: ${from.mayImport.join(", ") || "none"})` });
      } else if (PURE_LAYERS.includes(from.name)) {
        const bare = specifier.replace(/^node:/, "");
        if (IO_MODULES.includes(bare)) out.push({ file, line, specifier, problem: `layer ${from.name} is pure and does no I/O` });
      }
    }
  }
  return out;
}

function sourcesUnder(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourcesUnder(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

describe("layers", () => {
  it("every import in src/, parsers/, reports/ and bench/ goes down the layers", () => {
    const files = new Map(SCANNED.flatMap(sourcesUnder).map((p) => [p, readFileSync(join(ROOT, p), "utf8")] as const));
    expect(files.size).toBeGreaterThan(100);
    const lines = importViolations(files).map((v) => `${v.file}:${v.line}: "${v.specifier}": ${v.problem}`);
    expect(lines).toEqual([]);
  });

  it("catches an upward import, a type-only import, a re-export, a dynamic import and I/O in a pure layer", () => {
    const files = new Map([
      ["parsers/bad.ts", 'import { x } from "../src/analysis/x.js";\nimport type { Y } from "../reports/y.js";\n'],
      ["src/analysis/bad.ts", 'export { z } from "../cli/z.js";\nconst m = await import("../../parsers/kineto.js");\nimport { readFileSync } from "node:fs";\n'],
      ["reports/ok.ts", 'import { a } from "../src/analysis/a.js";\nimport { b } from "./b.js";\nimport { c } from "node:fs";\n'],
    ]);
    const found = importViolations(files).map((v) => `${v.file}:${v.line} ${v.specifier}`);
    expect(found).toEqual([
      "parsers/bad.ts:1 ../src/analysis/x.js",
      "parsers/bad.ts:2 ../reports/y.js",
      "src/analysis/bad.ts:1 ../cli/z.js",
      "src/analysis/bad.ts:2 ../../parsers/kineto.js",
      "src/analysis/bad.ts:3 node:fs",
    ]);
  });

  it("the layer table is consistent: each layer imports only layers listed before it", () => {
    const seen = new Set<string>();
    for (const layer of LAYERS) {
      for (const dep of layer.mayImport) expect(seen.has(dep), `${layer.name} may import ${dep}, which is not below it`).toBe(true);
      seen.add(layer.name);
    }
  });
});
