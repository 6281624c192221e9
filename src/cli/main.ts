#!/usr/bin/env node
/**
 * llmprof command line. Exit codes: 0 ok, 1 check failed, 2 bad usage or
 * unreadable input. Errors print one line; --debug adds the stack trace.
 */
import { Command, CommanderError } from "commander";
import { LlmprofError } from "../errors.js";
import { VERSION } from "../version.js";
import { registerAnalyzeCommand } from "./analyze.js";
import { registerInfoCommand } from "./info.js";
import { registerBatchCommand } from "./batch.js";
import { registerDiffCommand } from "./diff.js";
import { registerCheckCommand } from "./check.js";
import { registerCompareCommand } from "./compare.js";
import { registerQueryCommand } from "./query.js";

const debug = process.argv.includes("--debug");

function fail(e: unknown): never {
  if (e instanceof LlmprofError) {
    process.stderr.write(`llmprof: error: ${e.message}\n`);
  } else if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : 2);
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`llmprof: internal error: ${msg.split("\n")[0]} (please report it; --debug shows the stack)\n`);
  }
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const program = new Command();
  program
    .name("llmprof")
    .description("Where the time goes in LLM training and inference profiles")
    .version(VERSION)
    .option("--debug", "show stack traces on errors")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError("(run llmprof --help for usage)");
  registerAnalyzeCommand(program);
  registerInfoCommand(program);
  registerBatchCommand(program);
  registerDiffCommand(program);
  registerCheckCommand(program);
  registerCompareCommand(program);
  registerQueryCommand(program);
  for (const c of program.commands) c.exitOverride();
  await program.parseAsync(process.argv);
}

process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
// a closed pipe (llmprof ... | head) is not an error
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
});
main().catch(fail);
