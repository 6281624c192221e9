/**
 * Args written on every GPU activity: the source's own fields (device, stream,
 * correlation, launch geometry, collective parameters, under the Kineto names so
 * the file re-reads as a Kineto trace) and llmprof's attribution under `llmprof`:
 * category and the rule that decided it, phase, recompute, operator, module path, step.
 */
import { CpuKind, GpuKind } from "../src/model/tables.js";
import { PHASE_NAMES, NoModule } from "../src/analysis/attribution.js";
import { CATEGORIES } from "../src/analysis/categories.js";
import type { AnalysisContext } from "../src/analysis/context.js";
import { upperBound } from "../src/model/search.js";

const NO_MODULE: Record<number, string> = {
  [NoModule.ForwardOutside]: "(forward, outside any module)",
  [NoModule.BackwardUnlinked]: "(backward, no forward op linked)",
  [NoModule.BackwardOutside]: "(backward of an op outside any module)",
  [NoModule.Optimizer]: "(optimizer)",
  [NoModule.BeforeTrace]: "(no launch record)",
  [NoModule.Other]: "(other)",
};

export function kernelAttributionArgs(ctx: AnalysisContext): (g: number) => Record<string, unknown> {
  const { model, attribution, categories, steps } = ctx;
  const { gpu, cpu, strings, collectives } = model;
  const ruleOf = categoryRuleFinder(ctx);
  const moduleName = (m: number) => strings.get(cpu.name[m]!).replace(/^nn\.Module: /, "");
  const pathCache = new Map<number, string>();
  const modulePath = (m: number): string => {
    let p = pathCache.get(m);
    if (p === undefined) {
      // the enclosing module of a module span is the module of its parent slice
      const parentSlice = cpu.parent[m]!;
      const up = parentSlice >= 0 ? attribution.moduleOfSlice[parentSlice]! : -1;
      p = up >= 0 && up !== m ? `${modulePath(up)}/${moduleName(m)}` : moduleName(m);
      pathCache.set(m, p);
    }
    return p;
  };
  // step windows tile time in order: the last one starting at or before t, if t is inside it
  const list = steps.steps;
  const stepOf = (t: number): number | null => {
    const k = upperBound(list.length, (i) => list[i]!.startNs, t) - 1;
    return k >= 0 && t < list[k]!.endNs ? list[k]!.number : null;
  };
  return (g) => {
    const args: Record<string, unknown> = { device: gpu.device[g], stream: gpu.stream[g] };
    if (!Number.isNaN(gpu.correlation[g]!)) args["correlation"] = gpu.correlation[g];
    if (!Number.isNaN(gpu.externalId[g]!)) args["External id"] = gpu.externalId[g];
    if (gpu.kind[g] === GpuKind.Kernel) {
      if (gpu.grid[3 * g]! > 0) args["grid"] = [gpu.grid[3 * g], gpu.grid[3 * g + 1], gpu.grid[3 * g + 2]];
      if (gpu.block[3 * g]! > 0) args["block"] = [gpu.block[3 * g], gpu.block[3 * g + 1], gpu.block[3 * g + 2]];
      if (gpu.registers[g]! >= 0) args["registers per thread"] = gpu.registers[g];
      if (gpu.sharedMemory[g]! >= 0) args["shared memory"] = gpu.sharedMemory[g];
    }
    if (!Number.isNaN(gpu.bytes[g]!)) args["bytes"] = gpu.bytes[g];
    const c = gpu.collective[g]!;
    if (c >= 0) {
      const str = (i: number) => (i >= 0 ? strings.get(i) : null);
      args["Collective name"] = str(collectives.name[c]!);
      args["dtype"] = str(collectives.dtype[c]!);
      args["In msg nelems"] = collectives.inNelems[c];
      args["Out msg nelems"] = collectives.outNelems[c];
      if (collectives.groupSize[c]! >= 0) args["Group size"] = collectives.groupSize[c];
    }
    const op = attribution.op[g]!;
    const m = attribution.module[g]!;
    args["llmprof"] = {
      category: CATEGORIES[categories[g]!],
      categoryRule: ruleOf(g),
      phase: PHASE_NAMES[attribution.phase[g]!],
      recompute: attribution.recompute[g] === 1,
      operator: op >= 0 && cpu.kind[op] === CpuKind.Op ? strings.get(cpu.name[op]!) : null,
      module: m >= 0 ? modulePath(m) : (NO_MODULE[m] ?? null),
      step: stepOf(gpu.start[g]!),
    };
    return args;
  };
}

/** Which rule gave an activity its category: the source the Categorizer recorded for it. */
function categoryRuleFinder(ctx: AnalysisContext): (g: number) => string {
  const { sources, sourceLabels } = ctx.categorySources;
  return (g) => sourceLabels[sources[g]!] ?? "none";
}
