#!/usr/bin/env bash
# run-fuzzer.sh FUZZER CORPUS SECONDS: fuzzes from the seed corpus for SECONDS. New inputs and any
# crash go to a scratch directory; a crash is printed in hex and fails the test, so it can be
# added to fuzz/corpus/<name>/ as a regression.
set -u
fuzzer=$1 corpus=$2 seconds=$3
[ -d "$corpus" ] && [ -n "$(ls -A "$corpus")" ] || { echo "no seed corpus at $corpus"; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/new"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix="$scratch/" "$scratch/new" "$corpus" 2>&1 | tail -n 40
rc=${PIPESTATUS[0]}
for f in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-*; do
  [ -e "$f" ] || continue
  echo "== $(basename "$f") ($(stat -c %s "$f") bytes):"
  od -An -tx1 "$f" | head -n 20
done
exit "$rc"
