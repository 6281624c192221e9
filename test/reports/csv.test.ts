import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderCsv } from "../../reports/csv.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";
import { isGpu, readRaw, referenceSteps } from "../helpers/raw.js";

/** A small RFC 4180 reader, enough for the tests. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n") {
      row.push(cell.replace(/\r$/, ""));
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  return rows;
}

describe("CSV tables", () => {
  it("quotes commas, quotes and newlines, and defuses spreadsheet formulas", () => {
    const text = renderCsv({
      name: "t",
      header: ["a", "b"],
      rows: [
        ["x,y", 'say "hi"'],
        ["=cmd()", -5],
        ["line\nbreak", null],
      ],
    });
    expect(parseCsv(text)).toEqual([
      ["a", "b"],
      ["x,y", 'say "hi"'],
      ["'=cmd()", "-5"],
      ["line\nbreak", ""],
    ]);
  });

  it("--format csv writes one file per table; kernel counts match the raw trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "llmprof-csv-"));
    const r = runCli(["analyze", fixture("llama-tiny-train.json.gz"), "-o", `${dir}/`, "-f", "csv"]);
    expect(r.status).toBe(0);
    const kernels = parseCsv(readFileSync(join(dir, "csv", "kernels.csv"), "utf8"));
    const header = kernels[0]!;
    const count = header.indexOf("count");
    const total = kernels.slice(1).reduce((a, row) => a + Number(row[count]), 0);
    // every GPU activity of the window (the fixture's 2 steps): recomputed from the raw JSON
    const raw = readRaw(fixture("llama-tiny-train.json.gz"));
    const steps = referenceSteps(raw);
    const inWindow = raw.traceEvents.filter((e) => isGpu(e) && e.ts! >= steps[0]!.start && e.ts! < steps[steps.length - 1]!.end);
    expect(total).toBe(inWindow.length);
    // a re-run replaces our own CSV files, but never a foreign file at the same path
    expect(runCli(["analyze", fixture("llama-tiny-train.json.gz"), "-o", `${dir}/`, "-f", "csv"]).status).toBe(0);
    writeFileSync(join(dir, "csv", "steps.csv"), "my,own,data\n");
    expectCleanError(runCli(["analyze", fixture("llama-tiny-train.json.gz"), "-o", `${dir}/`, "-f", "csv"]), "steps.csv", /refusing to overwrite/);
  });
});
