/**
 * Command-line inputs to trace files: a directory (not one a format stores a
 * trace as) becomes the files of one of its runs, the newest unless `--run`
 * names another; when it holds several, they are listed on stderr.
 */
import { statSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { FORMATS } from "../../parsers/registry.js";
import { LlmprofError } from "../errors.js";
import { formatBytes } from "../units.js";
import { findRuns } from "./find.js";
import { matchRuns, rankRanges, type Run } from "./runs.js";

export interface SelectOptions {
  /** --run NAME. */
  run?: string | undefined;
  /** Where the run listing and warnings go (stderr by default). */
  log?: (line: string) => void;
}

export async function selectRunInputs(inputs: readonly string[], options: SelectOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) out.push(...(isRunDirectory(input) ? await selectRun(input, options) : [input]));
  if (options.run !== undefined && !inputs.some(isRunDirectory)) {
    throw new LlmprofError(null, `--run ${JSON.stringify(options.run)}: --run chooses among the runs of a directory, and no directory was given`);
  }
  return out;
}

function isRunDirectory(path: string): boolean {
  try {
    if (!statSync(path).isDirectory()) return false;
  } catch {
    return false; // the loader reports a missing path in its own words
  }
  return !FORMATS.some((f) => {
    try {
      return f.sniffDirectory?.(path) ?? false;
    } catch {
      return false;
    }
  });
}

async function selectRun(dir: string, options: SelectOptions): Promise<string[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runs = await findRuns(dir);
  if (runs.length === 0) throw new LlmprofError(dir, "directory contains no trace files llmprof can read (searched recursively)");
  let chosen: Run;
  if (options.run !== undefined) {
    const matches = matchRuns(runs, options.run);
    if (matches.length === 0) throw new LlmprofError(dir, `--run: no run named "${options.run}" (runs: ${runs.map((r) => r.name).join(", ")})`);
    chosen = matches[0]!; // newest first
  } else chosen = runs[0]!;
  if (runs.length > 1) {
    log(`${dir}: ${runs.length} runs (newest first); analysing ${JSON.stringify(chosen.name)}${options.run === undefined ? " (the newest; choose another with --run NAME)" : ""}`);
    for (const line of runListing(runs, chosen)) log(line);
  }
  if (chosen.ranksMissing.length > 0) {
    log(
      `llmprof: warning: run ${JSON.stringify(chosen.name)} has world size ${chosen.worldSize} but no file for rank${chosen.ranksMissing.length > 1 ? "s" : ""} ${rankRanges(chosen.ranksMissing)}: analysing ${chosen.ranksFound.length} of ${chosen.worldSize} ranks`,
    );
  }
  // shown as the user gave the directory: a relative directory gives relative file names
  return chosen.files.map((f) => (isAbsolute(dir) ? f.entry.path : relative(process.cwd(), f.entry.path)));
}

/** One line per run: marker, name, date (UTC), ranks found of world size, size. */
export function runListing(runs: readonly Run[], chosen: Run | null): string[] {
  const width = Math.max(...runs.map((r) => printable(r.name).length));
  return runs.map((r) => {
    const ranks = r.ranksMissing.length > 0 ? `${r.ranksFound.length}/${r.worldSize} ranks (missing ${rankRanges(r.ranksMissing)})` : `${r.worldSize} rank${r.worldSize > 1 ? "s" : ""}`;
    const date = new Date(r.dateMs)
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, "Z");
    return `${r === chosen ? "*" : " "} ${printable(r.name).padEnd(width)}  ${date}  ${ranks}  ${formatBytes(r.sizeBytes)}`;
  });
}

/** Names come from the file system: control characters are shown escaped, never sent to the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
