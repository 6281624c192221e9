/**
 * Finding the runs under directories: list the trace files (batch/listing.ts),
 * read each one's head for its rank and start, and group them (runs.ts).
 */
import { looksLikeTrace, walkInputs, type ListedTrace } from "../batch/listing.js";
import { readHeadMeta, type HeadMeta } from "./head-meta.js";
import { fileStart, groupRuns, type Run, type RunFile } from "./runs.js";

const NO_META: HeadMeta = { rank: null, worldSize: null, baseTimeMs: null };

/** The run file of a listed trace; an unreadable head is a run of its own (the parser reports why later). */
export async function runFileOf(entry: ListedTrace): Promise<RunFile> {
  const meta = entry.directory ? NO_META : await readHeadMeta(entry.path).catch(() => NO_META);
  const start = fileStart(entry, meta);
  return { entry, meta, startMs: start.ms, startSource: start.source };
}

/** Every run under a directory, newest first. `outDir` (batch output) is not searched. */
export async function findRuns(directory: string, outDir = "\u0000none"): Promise<Run[]> {
  const listing = walkInputs([directory], outDir);
  const files: RunFile[] = [];
  for (const entry of listing.entries) if (await looksLikeTrace(entry)) files.push(await runFileOf(entry));
  return groupRuns(files);
}
