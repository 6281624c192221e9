/**
 * The peaks override file (`--peaks file.yaml|json`): the user's own peak
 * figures, replacing the datasheet table's for the GPU of the trace.
 *   name: "H100 SXM at 1,600 MHz"     # optional label
 *   tflops: { bf16: 800, fp8: 1600 }   # dense TFLOP/s per dtype (fp32, tf32, bf16, fp16, fp8); any subset
 *   memoryBandwidthGBps: 3000          # optional
 * JSON with the same keys works too (YAML is a superset of JSON).
 */
import { readFileSync } from "node:fs";
import { parseBoundedYaml } from "../yaml-bounded.js";
import { LlmprofError } from "../errors.js";
import { PEAK_DTYPES, type PeakDtype } from "../analysis/gpu-peaks.js";
import type { HardwareOptions } from "../analysis/hardware.js";
import { readNvidiaSmiXml } from "../../parsers/nvidia-smi.js";
import { describeFsError } from "../../parsers/source.js";

export interface PeakOverrides {
  name?: string;
  tflops?: Partial<Record<PeakDtype, number>>;
  memoryBandwidthGBps?: number;
}

export function readPeaksFile(path: string): PeakOverrides {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new LlmprofError(path, describeFsError(e));
  }
  const doc = parseBoundedYaml(text, path, { what: "peaks file" });
  return validatePeaks(doc, path);
}

export function validatePeaks(doc: unknown, file: string): PeakOverrides {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new LlmprofError(file, "expected an object with `tflops` and/or `memoryBandwidthGBps`");
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!["name", "tflops", "memoryBandwidthGBps"].includes(k)) throw new LlmprofError(file, `unknown key "${k}" (known: name, tflops, memoryBandwidthGBps)`);
  }
  const out: PeakOverrides = {};
  if (o["name"] !== undefined) {
    if (typeof o["name"] !== "string") throw new LlmprofError(file, "`name` must be a string");
    out.name = o["name"];
  }
  if (o["tflops"] !== undefined) {
    const tf = o["tflops"];
    if (tf === null || typeof tf !== "object" || Array.isArray(tf)) throw new LlmprofError(file, "`tflops` must map dtypes to numbers, e.g. { bf16: 989.4 }");
    out.tflops = {};
    for (const [k, v] of Object.entries(tf)) {
      if (!(PEAK_DTYPES as readonly string[]).includes(k)) throw new LlmprofError(file, `tflops: unknown dtype "${k}" (known: ${PEAK_DTYPES.join(", ")})`);
      out.tflops[k as PeakDtype] = positive(v, `tflops.${k}`, file);
    }
  }
  if (o["memoryBandwidthGBps"] !== undefined) out.memoryBandwidthGBps = positive(o["memoryBandwidthGBps"], "memoryBandwidthGBps", file);
  return out;
}

function positive(v: unknown, what: string, file: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new LlmprofError(file, `${what} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The `hardware` analysis options from the CLI flags: `--gpu-info` (nvidia-smi
 * XML), `--peaks` (this file's format), `--peak-tflops N`. Empty when none is given.
 */
export function hardwareOptionsFromFlags(flags: { gpuInfo?: string; peaks?: string; peakTflops?: string }): { hardware?: HardwareOptions } {
  const hw: HardwareOptions = {};
  if (flags.gpuInfo !== undefined) hw.gpuInfo = readNvidiaSmiXml(flags.gpuInfo);
  if (flags.peaks !== undefined) hw.overrides = readPeaksFile(flags.peaks);
  if (flags.peakTflops !== undefined) {
    const n = Number(flags.peakTflops);
    if (!(Number.isFinite(n) && n > 0)) throw new LlmprofError(null, `--peak-tflops: expected a positive number of dense TFLOP/s, got "${flags.peakTflops}"`);
    hw.peakTflops = n;
  }
  return Object.keys(hw).length > 0 ? { hardware: hw } : {};
}
