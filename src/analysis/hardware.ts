/**
 * The GPU a trace ran on and its peak throughput, for MFU and the roofline.
 * Device name, first found of:
 *   1. `--gpu-info` (`nvidia-smi -q -x`): the first <gpu>'s <product_name>;
 *   2. the trace: Kineto `deviceProperties`, nsys TARGET_INFO_GPU, XPlane
 *      device plane stats (model.meta.devices), the device that ran the most
 *      GPU activities.
 * Peaks: the datasheet table (gpu-peaks.ts) entry matching the name, then the
 * override file's figures on top, then `--peak-tflops N`, which replaces the
 * TFLOP/s of every dtype.
 */
import type { TraceModel } from "../model/tables.js";
import { PEAK_DTYPES, lookupPeaks, type PeakDtype } from "./gpu-peaks.js";

/** GPU facts from `nvidia-smi -q -x` (parsers/nvidia-smi.ts). */
export interface GpuInfo {
  name: string;
  memoryTotalBytes: number | null;
  maxSmClockMHz: number | null;
}

export interface HardwareOptions {
  /** Peak dense TFLOP/s to use for every dtype (`--peak-tflops`). */
  peakTflops?: number;
  /** The user's peak figures (`--peaks file`), on top of the table's. */
  overrides?: { name?: string; tflops?: Partial<Record<PeakDtype, number>>; memoryBandwidthGBps?: number };
  /** GPUs listed by `nvidia-smi -q -x` (`--gpu-info`). */
  gpuInfo?: readonly GpuInfo[];
}

export interface Hardware {
  /** The device name used for the lookup, as reported. */
  deviceName: string | null;
  deviceNameSource: "nvidia-smi" | "trace" | null;
  /** Name of the table entry that matched, null when none did. */
  tableEntry: string | null;
  /** Dense TFLOP/s per dtype, null when unknown. */
  tflops: Record<PeakDtype, number | null>;
  memoryBandwidthGBps: number | null;
  /** Where the figures come from, e.g. "datasheet [H100]", "--peak-tflops", "peaks file". */
  tflopsSource: string | null;
  bandwidthSource: string | null;
}

export function resolveHardware(model: TraceModel, options: HardwareOptions = {}): Hardware {
  const smi = options.gpuInfo?.[0];
  const traceName = primaryDeviceName(model);
  const deviceName = smi?.name ?? traceName;
  const entry = deviceName ? lookupPeaks(deviceName) : null;
  const tflops = Object.fromEntries(PEAK_DTYPES.map((d) => [d, entry?.tflops[d] ?? null])) as Record<PeakDtype, number | null>;
  let bandwidth = entry?.memoryBandwidthGBps ?? null;
  let tflopsSource = entry ? `datasheet ${entry.source} (${entry.name})` : null;
  let bandwidthSource = tflopsSource;
  const o = options.overrides;
  if (o?.tflops && Object.keys(o.tflops).length > 0) {
    for (const [d, v] of Object.entries(o.tflops)) tflops[d as PeakDtype] = v;
    tflopsSource = tflopsSource ? `peaks file over ${tflopsSource}` : "peaks file";
  }
  if (o?.memoryBandwidthGBps !== undefined) {
    bandwidth = o.memoryBandwidthGBps;
    bandwidthSource = "peaks file";
  }
  if (options.peakTflops !== undefined) {
    for (const d of PEAK_DTYPES) tflops[d] = options.peakTflops;
    tflopsSource = "--peak-tflops";
  }
  return {
    deviceName,
    deviceNameSource: smi ? "nvidia-smi" : traceName ? "trace" : null,
    tableEntry: entry?.name ?? null,
    tflops,
    memoryBandwidthGBps: bandwidth,
    tflopsSource,
    bandwidthSource,
  };
}

/** Name of the device that ran the most GPU activities (else the first device listed). */
function primaryDeviceName(model: TraceModel): string | null {
  const devices = model.meta.devices;
  if (devices.length === 0) return null;
  const counts = new Map<number, number>();
  for (let g = 0; g < model.gpu.length; g++) counts.set(model.gpu.device[g]!, (counts.get(model.gpu.device[g]!) ?? 0) + 1);
  let best = -1;
  let most = -1;
  for (const [d, c] of counts) if (c > most) [best, most] = [d, c];
  return (devices.find((d) => d.id === best) ?? devices[0]!).name || null;
}

/**
 * The dtype whose peak applies to an op, from its `Input type` entries:
 * BFloat16 -> bf16, Half -> fp16, Float8* -> fp8, Float -> fp32 (PyTorch's
 * default keeps TF32 off for matmuls), else null.
 */
export function peakDtypeOf(inputTypes: readonly string[]): PeakDtype | null {
  for (const ty of inputTypes) {
    if (/Float8|fp8|e4m3|e5m2/i.test(ty)) return "fp8";
    if (/BFloat16|bf16/i.test(ty)) return "bf16";
    if (/^(c10::)?Half$|float16|fp16/i.test(ty)) return "fp16";
  }
  for (const ty of inputTypes) if (/^float$|^Float$|float32/i.test(ty)) return "fp32";
  return null;
}

/** Bytes per element of a `Input type` string, null when unknown. */
export function bytesPerElement(ty: string): number | null {
  if (/Float8|fp8|e4m3|e5m2|^(unsigned )?char$|int8|Byte|bool/i.test(ty)) return 1;
  if (/BFloat16|Half|float16|short|int16/i.test(ty)) return 2;
  if (/^float$|^int$|int32|float32/i.test(ty)) return 4;
  if (/double|long|int64|float64/i.test(ty)) return 8;
  return null;
}
