/** `llmprof info <trace>`: what a trace holds and which analyses it supports. */
import type { Command } from "commander";
import { loadTraces } from "../../parsers/registry.js";
import { describeTrace } from "../analysis/info.js";
import { renderInfo } from "../../reports/info.js";
import { analysisOptionsFromFlags } from "./analysis-flags.js";

export function registerInfoCommand(program: Command): void {
  program
    .command("info")
    .description("print format, versions, devices, ranks, steps, event counts and supported analyses")
    .argument("<traces...>", "trace files or directories")
    .option("--json", "print JSON instead of text")
    .option("--config <file>", "YAML/JSON config: extra kernel category rules (they decide which kernels count as communication)")
    .action(async (traces: string[], flags: { json?: boolean; config?: string }) => {
      const options = analysisOptionsFromFlags({ ...(flags.config !== undefined ? { config: flags.config } : {}) });
      const models = await loadTraces(traces);
      const infos = models.map((m) => describeTrace(m, options));
      process.stdout.write(flags.json ? `${JSON.stringify(infos, null, 2)}\n` : infos.map(renderInfo).join("\n"));
    });
}
