#!/bin/sh
# Writes summary.json of every trace fixture into DIR (for before/after comparisons of
# parser or analysis changes that must not change a figure):
#   tools/compare-summaries.sh DIR          then, after the change:
#   tools/compare-summaries.sh DIR2 && diff -r DIR DIR2
set -e
out=${1:?usage: tools/compare-summaries.sh DIR}
mkdir -p "$out"
root=$(dirname "$0")/..
for f in $(cd "$root" && find fixtures -name '*.json.gz' -o -name '*.sqlite.gz' -o -name '*.xplane.pb*' | sort); do
  name=$(echo "$f" | tr '/' '_')
  node "$root/dist/bundle/main.js" analyze "$root/$f" -f json > "$out/$name.summary.json" 2>/dev/null || echo "failed: $f" >&2
done
echo "$(ls "$out" | wc -l) summaries in $out"
