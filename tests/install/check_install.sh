#!/bin/sh
# Installs the build in BUILD_DIR into a temporary prefix, then builds
# consumer.c outside the tree four ways (pkg-config and find_package,
# each against the shared and the static library) and runs each program.
#
#   check_install.sh BUILD_DIR [CONSUMER_FLAGS]
#
# CONSUMER_FLAGS go to every compile and link of the consumer, e.g. the
# sanitizer flags the library itself was built with.
set -eu
build=$(cd "$1" && pwd)
flags=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/l2tpsec-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

step() { echo "check_install: $*"; }
fail() { echo "check_install: FAILED: $*" >&2; exit 1; }

step "cmake --install into $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" ||
  fail "cmake --install; see the output above"
libdir=$(dirname "$(find "$prefix" -name libl2tpsec.a | head -n 1)")
[ -f "$libdir/libl2tpsec.a" ] || fail "no libl2tpsec.a under $prefix"
cp "$here/consumer.c" "$work/"

# Fails when the program links libl2tpsec.so although it should not,
# or the other way round.
check_needed() {
  if readelf -d "$1" | grep -q 'NEEDED.*libl2tpsec\.so'; then
    [ "$2" = shared ] || fail "$1 needs libl2tpsec.so but was linked static"
  else
    [ "$2" = static ] || fail "$1 does not need libl2tpsec.so"
  fi
}

run_consumer() {
  out=$(LD_LIBRARY_PATH="$libdir" "$1") || fail "$1 exited non-zero"
  echo "$out" | grep -q "libl2tpsec" || fail "$1 printed '$out'"
  step "$(basename "$1"): $out"
}

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cflags=$(pkg-config --cflags l2tpsec) || fail "pkg-config --cflags l2tpsec"
libs=$(pkg-config --libs l2tpsec) || fail "pkg-config --libs l2tpsec"
static_libs=$(pkg-config --static --libs l2tpsec) ||
  fail "pkg-config --static --libs l2tpsec"

step "pkg-config, shared: cc consumer.c $cflags $libs"
# shellcheck disable=SC2086
cc $flags -o "$work/pc_shared" "$work/consumer.c" $cflags $libs
check_needed "$work/pc_shared" shared
run_consumer "$work/pc_shared"

# -Bstatic makes the first -ll2tpsec pick libl2tpsec.a; --as-needed then
# drops the shared copy named again by --static --libs.
step "pkg-config, static: cc consumer.c $cflags $static_libs"
# shellcheck disable=SC2086
cc $flags -o "$work/pc_static" "$work/consumer.c" $cflags -L"$libdir" \
  -Wl,--as-needed -Wl,-Bstatic -ll2tpsec -Wl,-Bdynamic $static_libs
check_needed "$work/pc_static" static
run_consumer "$work/pc_static"

step "find_package(l2tpsec)"
cp "$here/CMakeLists.consumer.txt" "$work/CMakeLists.txt"
cmake -S "$work" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "configure"; }
cmake --build "$work/build" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; fail "build"; }
check_needed "$work/build/consumer_shared" shared
check_needed "$work/build/consumer_static" static
run_consumer "$work/build/consumer_shared"
run_consumer "$work/build/consumer_static"
echo "check_install: 4 consumers built and ran"
