/**
 * Peak throughput of common GPUs, from the vendors' datasheets. All figures are
 * DENSE (no 2:4 structured sparsity: datasheets quote the sparse figure, twice
 * the dense one, with an asterisk) tensor-core TFLOP/s with FP32 accumulation
 * for tf32/bf16/fp16/fp8, the non-tensor FP32 rate for fp32, and the memory
 * bandwidth in GB/s (10^9 bytes/s). null = the GPU has no such mode.
 *
 * Sources (the number in the table = the datasheet figure, halved where the
 * datasheet quotes it with sparsity):
 *  [A100]  NVIDIA A100 Tensor Core GPU datasheet (nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf):
 *          FP32 19.5, TF32 156*, BF16/FP16 312* (* = dense figure; 312/624 sparse),
 *          40GB PCIe 1,555 GB/s, 40GB SXM 1,555 GB/s, 80GB PCIe 1,935 GB/s, 80GB SXM 2,039 GB/s.
 *  [A800]  NVIDIA A800 datasheet: same compute as A100; 80GB SXM 2,039, 80GB PCIe 1,935, 40GB PCIe 1,555 GB/s.
 *  [H100]  NVIDIA H100 Tensor Core GPU datasheet (SXM / PCIe / NVL columns):
 *          SXM: FP32 67, TF32 989*, BF16 1,979*, FP8 3,958*, 3.35 TB/s;
 *          PCIe: FP32 51, TF32 756*, BF16 1,513*, FP8 3,026*, 2 TB/s;
 *          NVL: FP32 60, TF32 835*, BF16 1,671*, FP8 3,341*, 3.9 TB/s  (* with sparsity).
 *  [H200]  NVIDIA H200 datasheet: SXM as H100 SXM compute, 4.8 TB/s; NVL as H100 NVL compute, 4.8 TB/s.
 *  [B200]  NVIDIA HGX B200 datasheet, per GPU: FP32 75, TF32 2.2 PF*, BF16 4.5 PF*, FP8 9 PF*, 7.7 TB/s.
 *  [L40S]  NVIDIA L40S datasheet: FP32 91.6, TF32 183 (366*), BF16 362.05 (733*), FP8 733 (1,466*), 864 GB/s.
 *  [AD102] NVIDIA Ada Lovelace architecture whitepaper, RTX 4090: FP32 82.6, TF32 82.6 dense,
 *          FP16/BF16 with FP32 accumulate 165.2 dense, FP8 with FP32 accumulate 330.3 dense, 1,008 GB/s.
 *  [GA102] NVIDIA Ampere GA102 whitepaper, RTX 3090: FP32 35.6, TF32 35.6 dense,
 *          FP16/BF16 with FP32 accumulate 71 dense, 936 GB/s.
 *  [MI300X] AMD Instinct MI300X datasheet: FP32 163.4, TF32 653.7, FP16/BF16 1,307.4, FP8 2,614.9 (dense), 5.3 TB/s.
 *  [MI250X] AMD Instinct MI250X datasheet (OAM): FP32 vector 47.9, FP32 matrix 95.7, FP16/BF16 383 (dense),
 *          no TF32 or FP8 mode, 3.2 TB/s (3,276.8 GB/s).
 *  [MI250]  AMD Instinct MI250 datasheet (OAM): FP32 vector 45.3, FP16/BF16 362.1, no TF32 or FP8 mode, 3,276.8 GB/s.
 *  [MI325X] AMD Instinct MI325X datasheet: FP32 163.4, TF32 653.7, FP16/BF16 1,307.4, FP8 2,614.9 (dense), 6 TB/s.
 *  [MI355X] AMD Instinct MI355X datasheet: FP32 vector 157.3, FP16/BF16 2,516.6 (2.5 PF dense), FP8 5,033.2
 *          (5 PF dense), 8 TB/s; the datasheet gives no TF32 matrix rate (CDNA 4 dropped the mode), so tf32 is null.
 */

export const PEAK_DTYPES = ["fp32", "tf32", "bf16", "fp16", "fp8"] as const;
export type PeakDtype = (typeof PEAK_DTYPES)[number];

export interface GpuPeaks {
  /** Canonical name, e.g. "H100 SXM". */
  readonly name: string;
  /** Dense TFLOP/s per dtype; null where the GPU has no such mode. */
  readonly tflops: Readonly<Record<PeakDtype, number | null>>;
  readonly memoryBandwidthGBps: number;
  /** Where the numbers come from (see the list above). */
  readonly source: string;
}

interface Entry extends GpuPeaks {
  /** Tested against the device name as the trace / nvidia-smi reports it. */
  readonly match: RegExp;
}

const t = (fp32: number, tf32: number, bf16: number, fp8: number | null) => ({ fp32, tf32, bf16, fp16: bf16, fp8 });

const A100 = t(19.5, 156, 312, null);
const H100_SXM = t(67, 494.7, 989.4, 1978.9);
const H100_PCIE = t(51, 378, 756.5, 1513);
const H100_NVL = t(60, 417.5, 835.5, 1670.5);

/** Ordered: first match wins, so the specific spellings come before the general ones. */
export const GPU_PEAKS: readonly Entry[] = [
  { match: /A100.*(PCIE|PCIe).*40|A100.*40GB.*PCIe/i, name: "A100 40GB PCIe", tflops: A100, memoryBandwidthGBps: 1555, source: "[A100]" },
  { match: /A100.*(PCIE|PCIe)|A100.*80GB.*PCIe/i, name: "A100 80GB PCIe", tflops: A100, memoryBandwidthGBps: 1935, source: "[A100]" },
  { match: /A100.*40GB|A100-SXM4-40/i, name: "A100 40GB SXM", tflops: A100, memoryBandwidthGBps: 1555, source: "[A100]" },
  { match: /A100/i, name: "A100 80GB SXM", tflops: A100, memoryBandwidthGBps: 2039, source: "[A100]" },
  { match: /A800.*40GB/i, name: "A800 40GB PCIe", tflops: A100, memoryBandwidthGBps: 1555, source: "[A800]" },
  { match: /A800.*PCIe/i, name: "A800 80GB PCIe", tflops: A100, memoryBandwidthGBps: 1935, source: "[A800]" },
  { match: /A800/i, name: "A800 80GB SXM", tflops: A100, memoryBandwidthGBps: 2039, source: "[A800]" },
  { match: /H100.*NVL/i, name: "H100 NVL", tflops: H100_NVL, memoryBandwidthGBps: 3900, source: "[H100]" },
  { match: /H100.*PCIe/i, name: "H100 PCIe", tflops: H100_PCIE, memoryBandwidthGBps: 2000, source: "[H100]" },
  { match: /H100/i, name: "H100 SXM", tflops: H100_SXM, memoryBandwidthGBps: 3350, source: "[H100]" },
  { match: /H200.*NVL/i, name: "H200 NVL", tflops: H100_NVL, memoryBandwidthGBps: 4800, source: "[H200]" },
  { match: /H200/i, name: "H200 SXM", tflops: H100_SXM, memoryBandwidthGBps: 4800, source: "[H200]" },
  { match: /B200/i, name: "B200", tflops: t(75, 1100, 2250, 4500), memoryBandwidthGBps: 7700, source: "[B200]" },
  { match: /L40S/i, name: "L40S", tflops: t(91.6, 183, 362.05, 733), memoryBandwidthGBps: 864, source: "[L40S]" },
  { match: /RTX 4090(?!\s*(Ti|D))/i, name: "GeForce RTX 4090", tflops: t(82.6, 82.6, 165.2, 330.3), memoryBandwidthGBps: 1008, source: "[AD102]" },
  { match: /RTX 3090(?!\s*Ti)/i, name: "GeForce RTX 3090", tflops: t(35.6, 35.6, 71, null), memoryBandwidthGBps: 936, source: "[GA102]" },
  { match: /MI250X/i, name: "Instinct MI250X", tflops: { fp32: 47.9, tf32: null, bf16: 383, fp16: 383, fp8: null }, memoryBandwidthGBps: 3276.8, source: "[MI250X]" },
  { match: /MI250/i, name: "Instinct MI250", tflops: { fp32: 45.3, tf32: null, bf16: 362.1, fp16: 362.1, fp8: null }, memoryBandwidthGBps: 3276.8, source: "[MI250]" },
  { match: /MI325X/i, name: "Instinct MI325X", tflops: t(163.4, 653.7, 1307.4, 2614.9), memoryBandwidthGBps: 6000, source: "[MI325X]" },
  { match: /MI355X/i, name: "Instinct MI355X", tflops: { fp32: 157.3, tf32: null, bf16: 2516.6, fp16: 2516.6, fp8: 5033.2 }, memoryBandwidthGBps: 8000, source: "[MI355X]" },
  { match: /MI300X/i, name: "Instinct MI300X", tflops: t(163.4, 653.7, 1307.4, 2614.9), memoryBandwidthGBps: 5300, source: "[MI300X]" },
];

/** The table entry whose pattern matches the device name, or null. */
export function lookupPeaks(deviceName: string): GpuPeaks | null {
  const e = GPU_PEAKS.find((x) => x.match.test(deviceName));
  if (!e) return null;
  return { name: e.name, tflops: e.tflops, memoryBandwidthGBps: e.memoryBandwidthGBps, source: e.source };
}
