/** Every "modules unavailable" message names the recipe of the format at hand. */
import { describe, expect, it } from "vitest";
import { analyzeModels } from "../../src/analysis/analyze.js";
import { describeTrace } from "../../src/analysis/info.js";
import { loadTraces } from "../../parsers/registry.js";
import { fixture } from "../helpers/paths.js";

const cases: [string, RegExp, RegExp][] = [
  ["llama-tiny-train-nostack.json.gz", /with_stack=True/, /named_scope|range_push/],
  ["nsys/nsys-tiny-train.sqlite.gz", /range_push.*register_forward_pre_hook|emit_nvtx/, /with_stack|named_scope/],
  ["jax/vm.xplane.pb", /jax\.named_scope/, /with_stack|range_push/],
  ["jax/vm.trace.json.gz", /jax\.named_scope/, /with_stack|range_push/],
];

describe("module recipes per input format", () => {
  for (const [file, says, not] of cases) {
    it(`${file}: the modules section and info name the right recipe`, async () => {
      const [model] = await loadTraces([fixture(file)]);
      const s = analyzeModels([model!]);
      if (s.modules.available) throw new Error("expected no module spans");
      expect(s.modules.reason).toMatch(says);
      expect(s.modules.reason).not.toMatch(not);
      const cap = describeTrace(model!).capabilities.find((c) => c.analysis === "modules");
      expect(JSON.stringify(cap)).toMatch(says);
    });
  }
});
