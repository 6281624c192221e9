/**
 * The terminal and Markdown headlines take GPU busy / idle / exposed communication
 * from the metrics catalogue: over every GPU of the run (Σ / Σ windows). Expected
 * values come from an endpoint sweep over the raw JSON of the 2-GPU DDP fixture
 * (test/helpers/raw.ts), not from the catalogue; before, the terminal printed the
 * first GPU's figures while the Markdown summed them.
 */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { loadTraces } from "../../parsers/registry.js";
import { renderMarkdown } from "../../reports/markdown.js";
import { renderTerminal } from "../../reports/terminal.js";
import { fixture } from "../helpers/paths.js";
import { referenceRunTemporal } from "../helpers/raw.js";

const RANKS = [fixture("multi-gpu/l2-ddp-straggler-2gpu-rank0.json.gz"), fixture("multi-gpu/l2-ddp-straggler-2gpu-rank1.json.gz")];

describe("headline figures from the catalogue", () => {
  it("terminal and Markdown print the run's GPU busy, idle and exposed communication over both GPUs", async () => {
    const { window, busy, idle, exposedComm: exposed } = referenceRunTemporal(RANKS);
    const pct = (x: number) => `${((100 * x) / window).toFixed(1)}%`;
    const s = analyzeModels(await loadTraces(RANKS));
    const headline = renderTerminal(s)
      .split("\n")
      .find((l) => l.startsWith("Headline:"))!;
    expect(headline).toContain(`GPU busy ${pct(busy)}`);
    expect(headline).toContain(`GPU idle ${pct(idle)}`);
    expect(headline).toContain(`exposed communication ${pct(exposed)}`);
    const md = renderMarkdown(s);
    const header = md.split("\n").find((l) => l.includes("| GPU busy |"))!;
    const values = md.split("\n")[md.split("\n").indexOf(header) + 2]!;
    const cells = (line: string) => line.split("|").map((c) => c.trim());
    const col = (name: string) => cells(values)[cells(header).indexOf(name)];
    expect(col("GPU busy")).toBe(pct(busy));
    expect(col("GPU idle")).toBe(pct(idle));
    expect(col("Exposed communication")).toBe(pct(exposed));
  });
});
