/**
 * Format detection and loading. Each format module offers `sniff(head, name)`
 * over the first 64 KiB (uncompressed) and `parse(path)`; the registry picks
 * by content first, the file name only breaks ties. Adding a format = one
 * entry here.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { LlmprofError } from "../src/errors.js";
import type { TraceModel } from "../src/model/tables.js";
import { parseKineto, sniffKineto, type ParseOptions } from "./kineto.js";
import { NSYS_FORMATS } from "./nsys.js";
import { parseXPlane, sniffXPlane } from "./xplane.js";
import { describeFsError, readHead } from "./source.js";
import { isStreamInput, spoolInput } from "./spool.js";
import { checkFanOut, DEFAULT_MAX_RANKS, ranksOverLimit } from "../src/model/limits.js";
import { parseFilesInParallel } from "./parallel.js";

export interface FormatModule {
  readonly id: string;
  readonly description: string;
  sniff(head: Buffer, fileName: string): boolean;
  /** For formats stored as a directory (nsys parquetdir): whether `path` is one. */
  sniffDirectory?(path: string): boolean;
  /** One model per rank found in the file. */
  parse(path: string, options: ParseOptions): Promise<TraceModel[]>;
}

export const FORMATS: FormatModule[] = [
  {
    id: "kineto-json",
    description: "PyTorch Profiler (Kineto) Chrome trace JSON (.json, .json.gz, .pt.trace.json)",
    sniff: (head) => sniffKineto(head),
    parse: async (path, options) => [await parseKineto(path, options)],
  },
  ...NSYS_FORMATS,
  {
    id: "xplane",
    description: "XPlane protobuf from JAX / TensorFlow / PyTorch-XLA profilers (.xplane.pb, .xplane.pb.gz)",
    sniff: (head) => sniffXPlane(head),
    parse: async (path) => [parseXPlane(path)],
  },
];

/** Registers an extra format (used by format modules that load lazily). */
export function registerFormat(format: FormatModule): void {
  if (!FORMATS.some((f) => f.id === format.id)) FORMATS.push(format);
}

export async function detectFormat(path: string): Promise<FormatModule> {
  const dirFormat = directoryFormat(path);
  if (dirFormat) return dirFormat;
  const head = await readHead(path);
  if (head.length === 0) throw new LlmprofError(path, "is empty");
  const name = path.toLowerCase();
  const matches = FORMATS.filter((f) => f.sniff(head, name));
  if (matches.length === 0) {
    throw new LlmprofError(path, `unrecognised format (${describeHead(head)}); llmprof reads ${FORMATS.map((f) => f.description).join("; ")}`);
  }
  return matches[0]!;
}

/** The format that stores a trace as the directory `path`, if any. */
function directoryFormat(path: string): FormatModule | null {
  try {
    if (!statSync(path).isDirectory()) return null;
  } catch {
    return null;
  }
  return FORMATS.find((f) => f.sniffDirectory?.(path)) ?? null;
}

function describeHead(head: Buffer): string {
  const text = head.toString("latin1", 0, Math.min(16, head.length)).replace(/[^\x20-\x7e]/g, ".");
  return `starts with "${text}"`;
}

/**
 * Loads the traces named by `inputs` (files, or directories holding one trace
 * per rank). Returns one model per rank, in input order.
 */
export async function loadTraces(inputs: readonly string[], options: ParseOptions = {}): Promise<TraceModel[]> {
  const files: string[] = [];
  for (const input of inputs) files.push(...(isStreamInput(input) ? [input] : await expandInput(input)));
  // fan-out bounds (src/model/limits.ts): too many files stop before any is parsed
  const maxRanks = options.maxRanks ?? DEFAULT_MAX_RANKS;
  if (files.length > maxRanks) throw ranksOverLimit(null, maxRanks);
  // a pipe or stdin is read once, here; files may go to worker threads
  let models: TraceModel[];
  if (files.some(isStreamInput)) {
    models = [];
    for (const file of files) models.push(...(isStreamInput(file) ? await loadSpooled(file, options) : await parseHere(file, options)));
  } else models = await parseFilesInParallel(files, options, (file) => parseHere(file, options));
  checkFanOut(models, options);
  return models;
}

async function parseHere(file: string, options: ParseOptions): Promise<TraceModel[]> {
  const format = await detectFormat(file);
  return format.parse(file, options);
}

/** A pipe, FIFO or stdin: copied once to a private temporary file, parsed, removed; reports name the input as given. */
async function loadSpooled(input: string, options: ParseOptions): Promise<TraceModel[]> {
  const spooled = await spoolInput(input);
  try {
    const format = await detectFormat(spooled.path);
    const models = await format.parse(spooled.path, options);
    return models.map((m) => ({ ...m, meta: { ...m.meta, files: m.meta.files.map((f) => (f === spooled.path ? spooled.shown : f)) } }));
  } catch (e) {
    if (e instanceof LlmprofError && e.file === spooled.path) throw new LlmprofError(spooled.shown, e.problem);
    throw e;
  } finally {
    spooled.remove();
  }
}

async function expandInput(input: string): Promise<string[]> {
  let isDir: boolean;
  try {
    isDir = statSync(input).isDirectory();
  } catch (e) {
    throw new LlmprofError(input, describeFsError(e));
  }
  if (!isDir || directoryFormat(input)) return [input];
  const found: string[] = [];
  for (const entry of readdirSync(input).sort()) {
    const path = join(input, entry);
    try {
      if (!statSync(path).isFile()) continue;
      const head = await readHead(path, 65536);
      if (head.length > 0 && FORMATS.some((f) => f.sniff(head, entry.toLowerCase()))) found.push(path);
    } catch {
      // unreadable entries are not traces
    }
  }
  if (found.length === 0) throw new LlmprofError(input, "directory contains no trace files llmprof can read");
  return found;
}
