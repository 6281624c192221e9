/**
 * Top-level metadata of a Kineto trace (deviceProperties, distributedInfo,
 * profiler options, versions), given as the raw JSON text of each value.
 */
import type { TraceBuilder } from "../src/model/builder.js";
import type { DeviceInfo } from "../src/model/tables.js";

const OPTION_KEYS = ["with_stack", "record_shapes", "with_flops", "profile_memory", "with_modules"];
const VERSION_KEYS: Record<string, string> = {
  schemaVersion: "kinetoSchema",
  cuda_runtime_version: "cudaRuntime",
  cuda_driver_version: "cudaDriver",
  cupti_version: "cupti",
  pytorch_version: "pytorch",
  torch_version: "pytorch",
  roctracer_version: "roctracer",
};

export function readTopLevelMeta(raw: Record<string, string>, builder: TraceBuilder, _baseMicros: number): void {
  const meta = builder.meta;
  const parse = (key: string): unknown => {
    const text = raw[key];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      builder.diag("bad-metadata", key);
      return undefined;
    }
  };
  for (const key of OPTION_KEYS) {
    const v = parse(key);
    if (v !== undefined) meta.options[camel(key)] = v === true || v === 1 || v === "1" || v === "true";
  }
  for (const [key, name] of Object.entries(VERSION_KEYS)) {
    const v = parse(key);
    if (typeof v === "number" || typeof v === "string") meta.versions[name] = formatVersion(name, v);
  }
  const traceName = parse("traceName");
  if (typeof traceName === "string") meta.traceName = traceName;
  const base = raw["baseTimeNanoseconds"];
  if (base !== undefined && /^\d{1,25}$/.test(base)) meta.versions["baseTimeNanoseconds"] = base;

  const devices = parse("deviceProperties");
  if (Array.isArray(devices)) {
    for (const d of devices) {
      const dev = toDevice(d);
      if (dev) meta.devices.push(dev);
    }
  }
  const dist = parse("distributedInfo");
  if (dist && typeof dist === "object" && !Array.isArray(dist)) {
    const info = dist as Record<string, unknown>;
    meta.distributed = info;
    if (typeof info["rank"] === "number") meta.rank = info["rank"];
    if (typeof info["world_size"] === "number") meta.worldSize = info["world_size"];
    if (typeof info["nccl_version"] === "string") meta.versions["nccl"] = info["nccl_version"];
  }
}

function toDevice(d: unknown): DeviceInfo | null {
  if (!d || typeof d !== "object") return null;
  const o = d as Record<string, unknown>;
  if (typeof o["id"] !== "number") return null;
  const dev: { -readonly [K in keyof DeviceInfo]: DeviceInfo[K] } = {
    id: o["id"],
    name: typeof o["name"] === "string" ? o["name"] : `device ${o["id"]}`,
  };
  if (typeof o["totalGlobalMem"] === "number") dev.totalMemoryBytes = o["totalGlobalMem"];
  if (typeof o["computeMajor"] === "number" && typeof o["computeMinor"] === "number") {
    dev.computeCapability = `${o["computeMajor"]}.${o["computeMinor"]}`;
  }
  if (typeof o["numSms"] === "number") dev.smCount = o["numSms"];
  return dev;
}

/** CUDA versions are encoded as 1000*major + 10*minor (13000 -> 13.0). */
function formatVersion(name: string, v: number | string): string {
  if (typeof v === "string") return v;
  if ((name === "cudaRuntime" || name === "cudaDriver") && v >= 1000) return `${Math.floor(v / 1000)}.${(v % 1000) / 10}`;
  return String(v);
}

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}
