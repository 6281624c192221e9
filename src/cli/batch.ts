/**
 * `llmprof batch <dir|glob|file>... [--inputs-from FILE|-] --out results/ [--jobs N] [--shard k/n|auto|none] [--shards N] [--reports] [--force]`
 * Exit codes: 0 every trace analysed (or kept), 1 at least one trace failed
 * (listed in errors.parquet/csv), 2 bad usage.
 */
import type { Command } from "commander";
import { LlmprofError } from "../errors.js";
import { readListing } from "../batch/inputs-from.js";
import { resolveShard } from "../batch/scheduler.js";
import { BatchProgressBar, duration } from "../batch/progress-bar.js";
import { addAnalysisFlags, analysisOptionsFromFlags, boundsFromFlags, type AnalysisFlags } from "./analysis-flags.js";

interface BatchFlags extends AnalysisFlags {
  out: string;
  jobs?: string;
  shard?: string;
  shards?: string;
  inputsFrom?: string;
  merge?: boolean;
  reports?: boolean;
  force?: boolean;
}

export function registerBatchCommand(program: Command): void {
  const command = program
    .command("batch")
    .description("analyse every trace under directories or globs into one table (Parquet + CSV) and an HTML index")
    .argument("[inputs...]", "directories (searched recursively), glob patterns or trace files")
    .option("--inputs-from <file>", "also analyse the paths listed in FILE, one a line ('-': standard input)")
    .requiredOption("--out <dir>", "output directory (traces.parquet/csv, errors.parquet/csv, index.html, reports/)")
    .option("-j, --jobs <n>", "worker threads (default: the number of cores)")
    .option(
      "--shard <k/n|auto|none>",
      "analyse only shard k of n (a stable hash of each trace's relative path), written as the part traces/shard=k-of-n/; auto (the default when set): from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX; none: every trace",
    )
    .option("--shards <n>", "the array's size where the scheduler does not say it (a Kubernetes Indexed Job's completions)")
    .option("--merge", "analyse nothing: write <out>/index.html over every shard's parts already in --out (after an array job)")
    .option("--reports", "also write each trace's report.html under <out>/reports/ and link it from the index")
    .option("--force", "re-analyse every trace (default: keep the rows of unchanged traces; pass it after changing the options below) and overwrite files that are not llmprof outputs");
  addAnalysisFlags(command).action(async (inputs: string[], flags: BatchFlags) => {
    const analysis = analysisOptionsFromFlags(flags);
    const { top, limits } = boundsFromFlags(flags);
    const jobs = flags.jobs === undefined ? undefined : Number(flags.jobs);
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 1024)) throw new LlmprofError(null, `--jobs: expected a whole number from 1 to 1024, got "${flags.jobs}"`);
    if (flags.merge) {
      if (inputs.length > 0 || flags.inputsFrom !== undefined) throw new LlmprofError(null, "--merge reads only the parts in --out: give no inputs");
      const { mergeIndex } = await import("../batch/merge.js");
      const m = await mergeIndex(flags.out);
      const missing = Array.from({ length: m.shardCount }, (_, i) => i + 1).filter((k) => !m.present.includes(k));
      process.stderr.write(
        `merged ${m.present.length} of ${m.shardCount} shards${missing.length ? ` (missing: ${missing.join(", ")})` : ""}: ${m.rows} rows, ${m.errors} failed traces, ${m.runs} runs\n`,
      );
      process.stderr.write(`wrote ${flags.out.replace(/\/+$/, "")}/${m.output}\n`);
      return;
    }
    if (inputs.includes("-")) throw new LlmprofError("-", "batch reads a listing from standard input with --inputs-from -, not a trace (analyze - does)");
    if (inputs.length === 0 && flags.inputsFrom === undefined) throw new LlmprofError(null, "batch: give directories, globs or trace files, or --inputs-from FILE");
    const { shard, source, detail } = resolveShard(flags.shard, flags.shards, process.env);
    const listed = flags.inputsFrom === undefined ? undefined : await readListing(flags.inputsFrom);
    const bar = new BatchProgressBar();
    // the batch machinery (Parquet writer and reader) loads only for this command (issue 18: start-up)
    const { runBatch } = await import("../batch/run.js");
    const result = await runBatch({
      inputs,
      listed,
      outDir: flags.out,
      jobs,
      shard,
      shardSource: source,
      force: flags.force,
      reports: flags.reports,
      analysis,
      limits,
      top,
      onProgress: (p) => bar.update(p),
    });
    bar.done();
    const secs = result.elapsedMs / 1000;
    const shardNote = shard ? ` (shard ${shard.index}/${shard.count}${detail ? ` from ${detail}` : ""})` : "";
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
