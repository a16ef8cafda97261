#!/bin/sh
# Builds libl2tpsec against mbedTLS 3.6 and runs the crypto tests.
#
# Debian 12 ships mbedTLS 2.28 only. This script fetches Debian 13's
# mbedTLS 3.6 packages with apt-get download, using a private apt
# configuration under build-mbedtls3/apt so the system's sources and
# installed packages stay untouched, unpacks them with dpkg-deb into
# build-mbedtls3/mbedtls, and points CMake at that prefix. Debian 13's
# libraries need glibc 2.33 or newer, which Debian 12 has.
#
#   scripts/check-mbedtls3.sh [ctest arguments]   default: -L crypto
set -eu
cd "$(dirname "$0")/.."

dir=build-mbedtls3
suite=trixie
version=3.6
apt_dir=$PWD/$dir/apt
root=$PWD/$dir/mbedtls

fetch() {
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
    "$apt_dir/parts" "$apt_dir/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
    "http://deb.debian.org/debian $suite main" >"$apt_dir/sources.list"
  set -- -o Dir::Etc::sourcelist="$apt_dir/sources.list" \
    -o Dir::Etc::sourceparts="$apt_dir/parts" \
    -o Dir::State::lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" \
    -o APT::Sandbox::User=root
  apt-get "$@" -qq update
  candidate=$(apt-cache "$@" policy libmbedtls-dev |
    sed -n 's/^ *Candidate: *//p')
  case "$candidate" in
  "$version".*) ;;
  *)
    echo "check-mbedtls3: $suite offers libmbedtls-dev '$candidate', not $version.x" >&2
    exit 1
    ;;
  esac
  (cd "$apt_dir/debs" && apt-get "$@" -qq download \
    "libmbedtls-dev=$candidate" "libmbedcrypto16=$candidate" \
    "libmbedx509-7=$candidate" "libmbedtls21=$candidate")
  rm -rf "$root"
  for deb in "$apt_dir"/debs/*.deb; do
    dpkg-deb -x "$deb" "$root"
  done
}

if [ ! -f "$root/usr/include/mbedtls/build_info.h" ]; then
  fetch
fi

log=$dir/configure.log
cmake -S . -B "$dir" -DCMAKE_PREFIX_PATH="$root/usr" -DL2TPSEC_BENCH=OFF \
  -DL2TPSEC_EXAMPLES=OFF >"$log" || { cat "$log"; exit 1; }
grep -q "mbedTLS $version" "$log" || {
  echo "check-mbedtls3: CMake did not pick mbedTLS $version:" >&2
  grep -i mbedtls "$log" >&2
  exit 1
}
cmake --build "$dir" -j "$(nproc)"
if [ $# -eq 0 ]; then
  set -- -L crypto
fi
ctest --test-dir "$dir" --output-on-failure "$@"
