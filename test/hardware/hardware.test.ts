import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { readNvidiaSmiXml, parseNvidiaSmiXml } from "../../parsers/nvidia-smi.js";
import { readPeaksFile } from "../../src/io/peaks-file.js";
import { lookupPeaks } from "../../src/analysis/gpu-peaks.js";
import { resolveHardware } from "../../src/analysis/hardware.js";
import { LlmprofError } from "../../src/errors.js";
import { expectCleanError, runCli } from "../helpers/cli.js";
import { fixture } from "../helpers/paths.js";

const SMI = fixture("hw/h100-nvidia-smi-q.xml");

describe("nvidia-smi -q -x", () => {
  it("reads the GPU model, memory and clocks of the real H100 log", () => {
    const [gpu, ...rest] = readNvidiaSmiXml(SMI);
    expect(rest).toEqual([]);
    // values as written in the XML: <product_name>, <fb_memory_usage><total>81559 MiB, <max_clocks><sm_clock>1980 MHz
    expect(gpu!.name).toBe("NVIDIA H100 80GB HBM3");
    expect(gpu!.architecture).toBe("Hopper");
    expect(gpu!.memoryTotalBytes).toBe(81559 * 2 ** 20);
    expect(gpu!.maxSmClockMHz).toBe(1980);
    expect(gpu!.maxMemClockMHz).toBe(2619);
    expect(gpu!.driverVersion).toBe("580.159.04");
  });

  it("rejects other XML and broken XML with a one-line error naming the file", () => {
    expect(() => parseNvidiaSmiXml("<html><body/></html>", "x.xml")).toThrow(/x\.xml: is not `nvidia-smi -q -x` output/);
    expect(() => parseNvidiaSmiXml("<nvidia_smi_log><driver_version>1</driver_version></nvidia_smi_log>", "y.xml")).toThrow(/y\.xml: nvidia-smi log lists no <gpu>/);
    expect(() => readNvidiaSmiXml("/nonexistent/smi.xml")).toThrow(LlmprofError);
  });
});

describe("peak table (datasheet figures, dense)", () => {
  it.each([
    ["NVIDIA H100 80GB HBM3", "H100 SXM", 989.4, 3350],
    ["NVIDIA H100 PCIe", "H100 PCIe", 756.5, 2000],
    ["NVIDIA H100 NVL", "H100 NVL", 835.5, 3900],
    ["NVIDIA H200", "H200 SXM", 989.4, 4800],
    ["NVIDIA A100-SXM4-80GB", "A100 80GB SXM", 312, 2039],
    ["NVIDIA A100-SXM4-40GB", "A100 40GB SXM", 312, 1555],
    ["NVIDIA A100-PCIE-40GB", "A100 40GB PCIe", 312, 1555],
    ["NVIDIA A100 80GB PCIe", "A100 80GB PCIe", 312, 1935],
    ["NVIDIA A800-SXM4-80GB", "A800 80GB SXM", 312, 2039],
    ["NVIDIA B200", "B200", 2250, 7700],
    ["NVIDIA L40S", "L40S", 362.05, 864],
    ["NVIDIA GeForce RTX 4090", "GeForce RTX 4090", 165.2, 1008],
    ["NVIDIA GeForce RTX 3090", "GeForce RTX 3090", 71, 936],
    ["AMD Instinct MI300X", "Instinct MI300X", 1307.4, 5300],
    ["AMD Instinct MI300X VF", "Instinct MI300X", 1307.4, 5300],
    ["AMD Instinct MI250X", "Instinct MI250X", 383, 3276.8],
    ["AMD Instinct MI250", "Instinct MI250", 362.1, 3276.8],
    ["AMD Instinct MI325X", "Instinct MI325X", 1307.4, 6000],
    ["AMD Instinct MI355X", "Instinct MI355X", 2516.6, 8000],
  ])("%s -> %s", (name, entry, bf16, bw) => {
    const p = lookupPeaks(name)!;
    expect(p.name).toBe(entry);
    expect(p.tflops.bf16).toBe(bf16);
    expect(p.memoryBandwidthGBps).toBe(bw);
  });

  it("does not guess for GPUs it does not list", () => {
    expect(lookupPeaks("NVIDIA GeForce RTX 3090 Ti")).toBeNull();
    expect(lookupPeaks("Tesla T4")).toBeNull();
    expect(lookupPeaks("NVIDIA A100-SXM4-80GB")!.tflops.fp8).toBeNull();
    expect(lookupPeaks("AMD Instinct MI250X")!.tflops.tf32).toBeNull();
  });
});

describe("resolving the hardware of a trace", () => {
  it("takes the name from the trace, nvidia-smi over it, the peaks file on top and --peak-tflops last", async () => {
    const model = await parseKineto(fixture("llama-tiny-train.json.gz"));
    const fromTrace = resolveHardware(model);
    expect(fromTrace.deviceName).toBe("NVIDIA H100 80GB HBM3"); // deviceProperties of the fixture
    expect(fromTrace.deviceNameSource).toBe("trace");
    expect(fromTrace.tflops.bf16).toBe(989.4);

    const gpuInfo = [{ name: "NVIDIA A100-SXM4-80GB", memoryTotalBytes: null, maxSmClockMHz: null }];
    const smi = resolveHardware(model, { gpuInfo });
    expect(smi.deviceNameSource).toBe("nvidia-smi");
    expect(smi.tflops.bf16).toBe(312);

    const dir = mkdtempSync(join(tmpdir(), "llmprof-peaks-"));
    const file = join(dir, "peaks.yaml");
    writeFileSync(file, "name: tuned\ntflops:\n  bf16: 800\nmemoryBandwidthGBps: 3000\n");
    const overrides = readPeaksFile(file);
    const o = resolveHardware(model, { overrides });
    expect(o.tflops.bf16).toBe(800);
    expect(o.tflops.fp8).toBe(1978.9); // untouched entries keep the table's
    expect(o.memoryBandwidthGBps).toBe(3000);
    expect(resolveHardware(model, { overrides, peakTflops: 500 }).tflops.bf16).toBe(500);
  });

  it("rejects bad peaks files with one line naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "llmprof-peaks-"));
    const bad = (text: string) => {
      const f = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(f, text);
      return f;
    };
    expect(() => readPeaksFile(bad("tflops: { bf17: 3 }"))).toThrow(/unknown dtype "bf17"/);
    expect(() => readPeaksFile(bad("tflops: { bf16: -3 }"))).toThrow(/tflops.bf16 must be a positive number/);
    expect(() => readPeaksFile(bad("peak: 3"))).toThrow(/unknown key "peak"/);
    expect(() => readPeaksFile(bad("[1, 2"))).toThrow(/not valid YAML\/JSON/);
  });

  it("CLI: bad --peak-tflops and a non-nvidia-smi --gpu-info fail cleanly", () => {
    const trace = fixture("llama-tiny-train-nostack.json.gz");
    const r1 = runCli(["analyze", trace, "--peak-tflops", "lots"]);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/--peak-tflops: expected a positive number/);
    expectCleanError(runCli(["analyze", trace, "--gpu-info", trace]), trace, /nvidia-smi/);
  });
});
