#!/bin/sh
# ctest's interop_image step: builds the guest image unless the cache
# has one for the current recipe, prints how long its build took (in this
# run or when it was cached), and picks the accelerator.
#
#   tests/interop/prepare-image.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)

image=$("$here/build-image.sh")
seconds=$(sed -n 's/^build_seconds=//p' "$image/info")
built=$(sed -n 's/^built=//p' "$image/info")
echo "interop: image $image, built in ${seconds:-?} s at ${built:-?}" >&2
"$here/probe-accel.sh" "$image" >/dev/null
