#!/bin/sh
# Runs every fuzz harness for SECONDS each (default 20) as a smoke test.
# Fails when a harness finds a crash, leak or sanitizer report.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-20}
found=0
for src in fuzz/fuzz_*.c; do
  [ -e "$src" ] || continue
  target=$(basename "$src" .c | sed 's/^fuzz_//')
  found=$((found + 1))
  echo "fuzz smoke: $target for ${seconds}s"
  fuzz/run.sh "$target" "$seconds" -close_fd_mask=1 >"/tmp/fuzz-smoke-$target.log" 2>&1 || {
    echo "fuzz smoke: $target FAILED; last lines of its log:" >&2
    tail -40 "/tmp/fuzz-smoke-$target.log" >&2
    exit 1
  }
  grep -E '^stat::number_of_executed_units' "/tmp/fuzz-smoke-$target.log" || true
done
echo "fuzz smoke: $found harnesses passed"
