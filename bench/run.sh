#!/bin/sh
# Builds the benchmarks in release mode (build-bench/) and runs them all.
# Prints every figure as one JSON line, then a human-readable table.
#
#   bench/run.sh [SECONDS]   time per measurement (default 0.5)
#
# Each figure is printed beside an anchor measured in the same run (for the
# ciphers: `openssl speed` for the same algorithm and size), so compare
# ratios between machines, not absolute numbers.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-0.5}

command -v openssl >/dev/null ||
  { echo "bench/run.sh: openssl not found; run scripts/install-deps.sh" >&2; exit 1; }

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DL2TPSEC_BENCH=ON \
  -DL2TPSEC_TESTS=OFF -DL2TPSEC_EXAMPLES=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" >/dev/null

results=$(mktemp /tmp/l2tpsec-bench-XXXXXX)
trap 'rm -f "$results"' EXIT
echo "{\"bench\":\"host\",\"cpu\":\"$(grep -m1 'model name' /proc/cpuinfo |
  sed 's/.*: //')\",\"openssl\":\"$(openssl version)\"}" | tee "$results"
for program in build-bench/bench/bench_*; do
  [ -x "$program" ] || continue
  "$program" "$seconds" | tee -a "$results"
done

# bench_esp once more on the OpenSSL data-path backend, so every ESP
# figure has a row per crypto backend.
cmake -S . -B build-bench-openssl -DCMAKE_BUILD_TYPE=Release \
  -DL2TPSEC_BENCH=ON -DL2TPSEC_TESTS=OFF -DL2TPSEC_EXAMPLES=OFF \
  -DL2TPSEC_CRYPTO_BACKEND=openssl >/dev/null
cmake --build build-bench-openssl -j "$(nproc)" --target bench_esp >/dev/null
build-bench-openssl/bench/bench_esp "$seconds" | tee -a "$results"

echo
/usr/bin/python3 "$(dirname "$0")/table.py" <"$results"
