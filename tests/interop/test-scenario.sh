#!/bin/sh
# ctest driver: boots the guest with one scenario and checks its result.
#
#   tests/interop/test-scenario.sh NET SCENARIO.env [CHECK...]
#
# NET is nat or direct; each CHECK is passed to check_result.py (for
# example "ping=3/3" or "ppp_up_ms>0"). Fails when the guest reports a
# failure, times out, or any check does not hold.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
net=$1
scenario=$2
shift 2

out=$(mktemp /tmp/l2tpsec-interop-result.XXXXXX)
trap 'rm -f "$out"' EXIT
status=0
"$here/run-guest.sh" --net "$net" --timeout "${L2TPSEC_INTEROP_TIMEOUT:-300}" \
  "$here/scenarios/$scenario" >"$out" || status=$?
cat "$out"
[ "$status" -eq 0 ] || exit "$status"
/usr/bin/python3 "$here/check_result.py" "$out" "$@"
