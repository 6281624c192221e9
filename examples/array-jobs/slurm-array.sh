#!/bin/bash
# llmprof over a trace archive as a Slurm job array: task k of 16 analyses
# shard k (a stable hash of each trace's path), writing only its own part
# (results/traces/shard=k-of-16/, errors/, runs/, manifests/). A failed or
# re-queued task re-runs exactly its own shard; unchanged traces are kept.
#
#   sbatch --export=ARCHIVE=/archive/nightly,RESULTS=/archive/llmprof-results examples/array-jobs/slurm-array.sh
#   llmprof query /archive/llmprof-results "SELECT shard, count(*) FROM traces GROUP BY ALL"
#
# llmprof must be on PATH on the compute nodes (npm install -g llmprof, or a module).
#SBATCH --job-name=llmprof-archive
#SBATCH --array=1-16
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=02:00:00
#SBATCH --output=llmprof-%A_%a.log
set -euo pipefail

archive="${ARCHIVE:-/archive/nightly}"
results="${RESULTS:-/archive/llmprof-results}"

# --shard auto is the default under a job array: SLURM_ARRAY_TASK_ID with
# SLURM_ARRAY_TASK_COUNT/_MIN/_MAX give the shard, so nothing is spelled out here.
status=0
llmprof batch "$archive" --out "$results" --jobs "${SLURM_CPUS_PER_TASK:-1}" || status=$?

# exit code 1: some traces failed (listed in results/errors/); not a task failure
if [ "$status" -gt 1 ]; then
  exit "$status"
fi
