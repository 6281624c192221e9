/**
 * `llmprof batch <dir|glob|file>... --out results/ [--jobs N] [--shard k/n] [--reports] [--force]`
 * Exit codes: 0 every trace analysed (or kept), 1 at least one trace failed
 * (listed in errors.parquet/csv), 2 bad usage.
 */
import type { Command } from "commander";
import { LlmprofError } from "../errors.js";
import { parseShard } from "../batch/naming.js";
import { BatchProgressBar, duration } from "../batch/progress-bar.js";
import { runBatch } from "../batch/run.js";
import { addAnalysisFlags, analysisOptionsFromFlags, type AnalysisFlags } from "./analysis-flags.js";

interface BatchFlags extends AnalysisFlags {
  out: string;
  jobs?: string;
  shard?: string;
  reports?: boolean;
  force?: boolean;
}

export function registerBatchCommand(program: Command): void {
  const command = program
    .command("batch")
    .description("analyse every trace under directories or globs into one table (Parquet + CSV) and an HTML index")
    .argument("<inputs...>", "directories (searched recursively), glob patterns or trace files")
    .requiredOption("--out <dir>", "output directory (traces.parquet/csv, errors.parquet/csv, index.html, reports/)")
    .option("-j, --jobs <n>", "worker threads (default: the number of cores)")
    .option("--shard <k/n>", "analyse only shard k of n (a stable hash of each trace's relative path); outputs are named traces-k-of-n.*")
    .option("--reports", "also write each trace's report.html under <out>/reports/ and link it from the index")
    .option("--force", "re-analyse every trace (default: keep the rows of unchanged traces; pass it after changing the options below) and overwrite files that are not llmprof outputs");
  addAnalysisFlags(command).action(async (inputs: string[], flags: BatchFlags) => {
      const analysis = analysisOptionsFromFlags(flags);
      const jobs = flags.jobs === undefined ? undefined : Number(flags.jobs);
      if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 1024)) throw new LlmprofError(null, `--jobs: expected a whole number from 1 to 1024, got "${flags.jobs}"`);
      const shard = flags.shard === undefined ? null : parseShard(flags.shard);
      const bar = new BatchProgressBar();
      const result = await runBatch({ inputs, outDir: flags.out, jobs, shard, force: flags.force, reports: flags.reports, analysis, onProgress: (p) => bar.update(p) });
      bar.done();
      const secs = result.elapsedMs / 1000;
      const shardNote = shard ? ` (shard ${shard.index}/${shard.count})` : "";
      process.stderr.write(
        `batch${shardNote}: ${result.traces} traces: ${result.analysed} analysed, ${result.skipped} unchanged (kept), ${result.failed} failed; ` +
          `${result.rows.length} rows in ${duration(secs)} (${result.mode === "threads" ? `${result.threads} worker thread${result.threads === 1 ? "" : "s"}` : "in-process"}, ` +
          `${(result.bytesAnalysed / 1e6).toFixed(1)} MB analysed)\n`,
      );
      process.stderr.write(`wrote ${result.outputs.map((o) => `${flags.out.replace(/\/+$/, "")}/${o}`).join(", ")}\n`);
      if (result.failed > 0) {
        process.stderr.write(`llmprof: ${result.failed} trace(s) failed; see errors in ${flags.out}\n`);
        process.exitCode = 1;
      }
    });
}
