/**
 * Finding the runs under directories: list the trace files (batch/listing.ts),
 * read each one's head for its rank and start, and group them (runs.ts).
 */
import { basename } from "node:path";
import { FORMATS } from "../../parsers/registry.js";
import { readHead } from "../../parsers/source.js";
import { walkInputs, type ListedTrace } from "../batch/listing.js";
import { readHeadMeta, type HeadMeta } from "./head-meta.js";
import { fileStart, groupRuns, type Run, type RunFile } from "./runs.js";

const NO_META: HeadMeta = { rank: null, worldSize: null, baseTimeMs: null };

/** The run file of a listed trace; an unreadable head is a run of its own (the parser reports why later). */
export async function runFileOf(entry: ListedTrace): Promise<RunFile> {
  const meta = entry.directory ? NO_META : await readHeadMeta(entry.path).catch(() => NO_META);
  const start = fileStart(entry, meta);
  return { entry, meta, startMs: start.ms, startSource: start.source };
}

/**
 * Every run under a directory, newest first. Only files a format recognises
 * count: an unrelated config.json or notes file is never a run (batch still
 * lists name-alike files as failed traces, runs.ts groups what it analyses).
 */
export async function findRuns(directory: string): Promise<Run[]> {
  const listing = walkInputs([directory], "\u0000none");
  const files: RunFile[] = [];
  for (const entry of listing.entries) if (await recognised(entry)) files.push(await runFileOf(entry));
  return groupRuns(files);
}

/** Whether a format recognises the entry (a trace directory, or a file by its head). */
export async function recognised(entry: ListedTrace): Promise<boolean> {
  if (entry.directory) return true;
  try {
    const head = await readHead(entry.path, 65536);
    const name = basename(entry.file).toLowerCase();
    if (/"schema"\s*:\s*"llmprof\./.test(head.toString("latin1", 0, Math.min(head.length, 4096)))) return false; // our own summary.json
    return head.length > 0 && FORMATS.some((f) => {
      try {
        return f.sniff(head, name);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
