/** The devices line of the terminal and Markdown headers: ranges of ids with one name, unnamed devices said so. */
import { describe, expect, it } from "vitest";
import { deviceList } from "../../reports/format.js";
import { renderTerminal } from "../../reports/terminal.js";
import { parseKineto } from "../../parsers/kineto.js";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { fixture, sharedTrace } from "../helpers/paths.js";
import { loadTraces } from "../../parsers/registry.js";
import { readRaw } from "../helpers/raw.js";

describe("deviceList", () => {
  it("folds consecutive ids with one name", () => {
    const h = "NVIDIA H100 80GB HBM3";
    expect(deviceList([0, 1, 2, 3].map((id) => ({ id, name: h })))).toBe(`0-3: ${h}`);
    expect(
      deviceList([
        { id: 0, name: h },
        { id: 2, name: h },
        { id: 1, name: "B" },
      ]),
    ).toBe(`0: ${h}; 1: B; 2: ${h}`);
    expect(deviceList([{ id: 5, name: h }])).toBe(`5: ${h}`);
  });

  it("says when the trace records no names, and which one lacks it", () => {
    expect(deviceList([0, 1, 2, 4].map((id) => ({ id, name: "" })))).toBe("0-2, 4 (names not recorded)");
    expect(
      deviceList([
        { id: 0, name: "A" },
        { id: 1, name: " " },
      ]),
    ).toBe("0: A; 1: (name not recorded)");
  });

  it("the MI300 vLLM trace (8 devices, no names in deviceProperties) prints one short line", async () => {
    const raw = readRaw(fixture("external/mi300-vllm-decode-hipgraph.json.gz"));
    const props = raw["deviceProperties"] as { id: number; name?: string }[];
    expect(props.map((p) => p.name ?? "").every((n) => n === "")).toBe(true);
    const ids = props.map((p) => p.id).sort((a, b) => a - b);
    const text = renderTerminal(analyzeModels([await parseKineto(fixture("external/mi300-vllm-decode-hipgraph.json.gz"))]));
    expect(text).toContain(`devices: ${ids[0]}-${ids[ids.length - 1]} (names not recorded)\n`);
  });

  const jax = sharedTrace("external/tracelens/mi300-jax-conv.xplane.pb");
  it.skipIf(!jax)("XPlane planes without gpu_device_name (JAX on MI300, shared): the plane name is not taken for the device's", async () => {
    const [model] = await loadTraces([jax!]);
    expect(model!.meta.devices.map((d) => d.name)).toEqual(model!.meta.devices.map(() => ""));
    expect(renderTerminal(analyzeModels([model!]))).toContain(`devices: 0-7 (names not recorded)\n`);
  });
});
