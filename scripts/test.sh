#!/bin/sh
# Installs what is missing, builds libl2tpsec and runs the whole test
# suite with ctest. This is the README's test command and what CI runs.
#
#   scripts/test.sh              normal build in build/
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
#   scripts/test.sh --backend openssl   OpenSSL data-path backend
#
# Extra ctest arguments go after "--", e.g. scripts/test.sh -- -L esp
set -eu
cd "$(dirname "$0")/.."

dir=build
cmake_args=""
while [ $# -gt 0 ]; do
  case "$1" in
  --sanitize)
    dir=build-asan
    cmake_args="$cmake_args -DL2TPSEC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"
    ;;
  --backend)
    shift
    dir="$dir-$1"
    cmake_args="$cmake_args -DL2TPSEC_CRYPTO_BACKEND=$1"
    ;;
  --)
    shift
    break
    ;;
  *)
    echo "test.sh: unknown option '$1' (expected --sanitize, --backend NAME or --)" >&2
    exit 2
    ;;
  esac
  shift
done

scripts/install-deps.sh
# shellcheck disable=SC2086
cmake -S . -B "$dir" -DL2TPSEC_BENCH=ON $cmake_args >/dev/null
cmake --build "$dir" -j "$(nproc)"
# ASan's leak checker must see every test; halt_on_error makes a finding
# fail the test instead of only printing.
status=0
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" "$@" ||
  status=$?

# ctest shows a passing test's output only in its log, so the interop
# harness's accelerator, image build time and per-group guest times are
# repeated here.
grep -hE '^(interop: (accelerator|image|building)|group .*: guest run took)' \
  "$dir/Testing/Temporary/LastTest.log" 2>/dev/null | sort -u || true
exit "$status"
