#!/bin/sh
# Builds the libFuzzer harnesses (clang, ASan+UBSan, null crypto) in
# build-fuzz/ and runs one of them.
#
#   fuzz/run.sh TARGET SECONDS [libFuzzer options...]
#
# The corpus grows in fuzz/corpus/TARGET/. Seeds that fuzz/seeds.sh
# extracts from the shared captures are read from a temporary folder and
# never copied into the repository. Crashes land in fuzz/crashes/TARGET/.
set -eu
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: fuzz/run.sh TARGET SECONDS [libFuzzer options...]" >&2
  echo "targets: $(ls fuzz/fuzz_*.c 2>/dev/null | sed 's|fuzz/fuzz_||; s|\.c||' | tr '\n' ' ')" >&2
  exit 2
fi
target=$1
seconds=$2
shift 2

if [ ! -f "fuzz/fuzz_$target.c" ]; then
  echo "fuzz/run.sh: no harness fuzz/fuzz_$target.c" >&2
  exit 2
fi

scripts/install-deps.sh --build
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DL2TPSEC_FUZZ=ON \
  -DL2TPSEC_FUZZ_NULL_CRYPTO=ON -DL2TPSEC_TESTS=OFF -DL2TPSEC_BENCH=OFF \
  -DL2TPSEC_EXAMPLES=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "fuzz_$target" >/dev/null

corpus=fuzz/corpus/$target
crashes=fuzz/crashes/$target
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$corpus" "$crashes"
fuzz/seeds.sh "$target" "$seeds"

"build-fuzz/fuzz/fuzz_$target" -max_total_time="$seconds" \
  -artifact_prefix="$crashes/" -print_final_stats=1 "$@" "$corpus" "$seeds"
