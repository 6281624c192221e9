/** `llmprof info <trace>`: what a trace holds and which analyses it supports. */
import type { Command } from "commander";
import { loadTraces } from "../../parsers/registry.js";
import { describeTrace } from "../analysis/info.js";
import { renderInfo } from "../../reports/info.js";

export function registerInfoCommand(program: Command): void {
  program
    .command("info")
    .description("print format, versions, devices, ranks, steps, event counts and supported analyses")
    .argument("<traces...>", "trace files or directories")
    .option("--json", "print JSON instead of text")
    .action(async (traces: string[], flags: { json?: boolean }) => {
      const models = await loadTraces(traces);
      const infos = models.map((m) => describeTrace(m));
      process.stdout.write(flags.json ? `${JSON.stringify(infos, null, 2)}\n` : infos.map(renderInfo).join("\n"));
    });
}
