/**
 * `nvidia-smi -q -x` XML (the `--gpu-info` input): the GPU model and the facts
 * that pick its peak FLOP/s and bandwidth. Serial numbers and UUIDs are not
 * read (they identify a machine and are of no use to the analysis).
 */
import { readFileSync } from "node:fs";
import { fastXmlParser } from "../src/lazy-library.js";
import { LlmprofError } from "../src/errors.js";
import { describeFsError } from "./source.js";

/** One `<gpu>` of the log; structurally the `GpuInfo` that src/analysis/hardware.ts reads. */
export interface SmiGpu {
  /** `<product_name>`, e.g. "NVIDIA H100 80GB HBM3". */
  name: string;
  architecture: string | null;
  /** `<fb_memory_usage><total>` in bytes (MiB × 2^20). */
  memoryTotalBytes: number | null;
  /** `<max_clocks><sm_clock>` in MHz. */
  maxSmClockMHz: number | null;
  /** `<max_clocks><mem_clock>` in MHz. */
  maxMemClockMHz: number | null;
  driverVersion: string | null;
  cudaVersion: string | null;
}

const MAX_BYTES = 16 << 20;

export function readNvidiaSmiXml(path: string): SmiGpu[] {
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > MAX_BYTES) throw new LlmprofError(path, `is ${buf.length} bytes; an nvidia-smi -q -x log is far smaller`);
    text = buf.toString("utf8");
  } catch (e) {
    if (e instanceof LlmprofError) throw e;
    throw new LlmprofError(path, describeFsError(e));
  }
  return parseNvidiaSmiXml(text, path);
}

export function parseNvidiaSmiXml(text: string, file: string): SmiGpu[] {
  if (!/<nvidia_smi_log[\s>]/.test(text)) throw new LlmprofError(file, "is not `nvidia-smi -q -x` output (no <nvidia_smi_log> element)");
  let doc: unknown;
  try {
    doc = new (fastXmlParser().XMLParser)({ ignoreAttributes: true, processEntities: false, parseTagValue: false, isArray: (name) => name === "gpu" }).parse(text);
  } catch (e) {
    throw new LlmprofError(file, `malformed XML (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
  }
  const log = field(doc, "nvidia_smi_log");
  const gpus = field(log, "gpu");
  if (!Array.isArray(gpus) || gpus.length === 0) throw new LlmprofError(file, "nvidia-smi log lists no <gpu>");
  const driverVersion = str(field(log, "driver_version"));
  const cudaVersion = str(field(log, "cuda_version"));
  return gpus.map((g, i) => {
    const name = str(field(g, "product_name"));
    if (!name) throw new LlmprofError(file, `<gpu> number ${i + 1} has no <product_name>`);
    const clocks = field(g, "max_clocks");
    return {
      name,
      architecture: str(field(g, "product_architecture")),
      memoryTotalBytes: withUnit(field(field(g, "fb_memory_usage"), "total"), /MiB/, 2 ** 20),
      maxSmClockMHz: withUnit(field(clocks, "sm_clock"), /MHz/, 1),
      maxMemClockMHz: withUnit(field(clocks, "mem_clock"), /MHz/, 1),
      driverVersion,
      cudaVersion,
    };
  });
}

function field(v: unknown, key: string): unknown {
  return v !== null && typeof v === "object" && key in v ? (v as Record<string, unknown>)[key] : undefined;
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
}

/** "81559 MiB" -> 81559 × scale; null for "N/A" or a missing value. */
function withUnit(v: unknown, unit: RegExp, scale: number): number | null {
  const s = str(v);
  if (!s || !unit.test(s)) return null;
  const n = Number.parseFloat(s);
  return Number.isFinite(n) ? n * scale : null;
}
