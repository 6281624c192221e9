/**
 * Finding the runs under directories: list the files (batch/listing.ts), read
 * each one's first 64 KiB once to recognise its format and take its rank and
 * start, and group them (runs.ts).
 */
import { basename } from "node:path";
import { FORMATS } from "../../parsers/registry.js";
import { readHead } from "../../parsers/source.js";
import { walkInputs, type ListedTrace } from "../batch/listing.js";
import { headMetaOf, type HeadMeta } from "./head-meta.js";
import { fileStart, groupRuns, type Run, type RunFile } from "./runs.js";

const NO_META: HeadMeta = { rank: null, worldSize: null, baseTimeMs: null };
const HEAD_BYTES = 64 * 1024;
// our own summary.json is no trace
const LLMPROF_OUTPUT = /"schema"\s*:\s*"llmprof\./;

/**
 * The run file of a listed trace, or null when no format recognises it (a
 * config.json, TensorBoard's event files, an earlier summary.json) or it cannot
 * be read. A trace directory (nsys parquetdir) has no Kineto metadata.
 */
export async function recognisedRunFile(entry: ListedTrace): Promise<RunFile | null> {
  let meta = NO_META;
  if (!entry.directory) {
    let head: Buffer;
    try {
      head = await readHead(entry.path, HEAD_BYTES);
    } catch {
      return null;
    }
    if (!recognises(head, basename(entry.file).toLowerCase())) return null;
    meta = headMetaOf(head.toString("utf8"));
  }
  const start = fileStart(entry, meta);
  return { entry, meta, startMs: start.ms, startSource: start.source };
}

function recognises(head: Buffer, name: string): boolean {
  if (head.length === 0 || LLMPROF_OUTPUT.test(head.toString("latin1", 0, Math.min(head.length, 4096)))) return false;
  return FORMATS.some((f) => {
    try {
      return f.sniff(head, name);
    } catch {
      return false;
    }
  });
}

/** Every run under a directory, newest first. */
export async function findRuns(directory: string): Promise<Run[]> {
  const listing = walkInputs([directory], "\u0000none");
  return groupRuns(await recognisedRunFiles(listing.entries));
}

export async function recognisedRunFiles(entries: readonly ListedTrace[]): Promise<RunFile[]> {
  const files: RunFile[] = [];
  for (const entry of entries) {
    const file = await recognisedRunFile(entry);
    if (file) files.push(file);
  }
  return files;
}
