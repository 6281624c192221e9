#!/bin/bash
# Batch at scale (README "Scale"): N traces made by replicating small fixtures
# into a dated archive under a temporary directory, then `llmprof batch` with
# --jobs 1 and --jobs 2; prints traces/s, MB/s and peak RSS of each run.
#   npm run build && bash bench/batch-scale.sh [N=1000] [TMP=/tmp]
set -euo pipefail
n="${1:-1000}"
base="$(mktemp -d "${2:-/tmp}/llmprof-scale-XXXXXX")"
trap 'rm -rf "$base"' EXIT
here="$(cd "$(dirname "$0")/.." && pwd)"
fixtures=(llama-tiny-train-nostack.json.gz l2-train-gpu-bound-bs8.json.gz llama-tiny-train.json.gz)
models=(llama-a llama-b llama-c llama-d)
for ((i = 0; i < n; i++)); do
  day=$(printf "2025-05-%02d" $((i % 28 + 1)))
  model=${models[$((i % ${#models[@]}))]}
  f=${fixtures[$((i % ${#fixtures[@]}))]}
  mkdir -p "$base/archive/$model/$day"
  cp "$here/fixtures/$f" "$base/archive/$model/$day/trace-$(printf %04d "$i")-$f"
done
bytes=$(du -sb "$base/archive" | cut -f1)
echo "traces=$n bytes=$bytes load=$(cut -d' ' -f1-3 /proc/loadavg)"
for jobs in 1 2; do
  /usr/bin/time -f "%e %M" -o "$base/time-$jobs" node "$here/dist/bundle/main.js" batch "$base/archive" --out "$base/out-$jobs" --jobs "$jobs" 2> "$base/log-$jobs" || true
  read -r secs rss_kb < "$base/time-$jobs"
  rows=$(grep -o '[0-9]* rows' "$base/log-$jobs" | head -1)
  awk -v n="$n" -v b="$bytes" -v s="$secs" -v r="$rss_kb" -v j="$jobs" -v rows="$rows" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    'BEGIN { printf "jobs=%d wall=%.1fs traces/s=%.2f MB/s=%.2f peakRSS=%.0fMB (%s; load after %s)\n", j, s, n / s, b / 1e6 / s, r / 1024, rows, load }'
done
