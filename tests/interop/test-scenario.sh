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
certs=$(mktemp -d /tmp/l2tpsec-interop-certs.XXXXXX)
trap 'rm -rf "$out" "$certs"' EXIT

# Certificate scenarios get a fresh CA, server and client certificate.
file_args=""
if grep -q '^IPSEC_AUTH=cert' "$here/scenarios/$scenario"; then
  "$here/make-test-certs.sh" "$certs"
  for f in ca.pem server.pem server.key client.pem client.key; do
    file_args="$file_args --file $certs/$f"
  done
fi

status=0
# shellcheck disable=SC2086
"$here/run-guest.sh" --net "$net" --timeout "${L2TPSEC_INTEROP_TIMEOUT:-300}" \
  $file_args "$here/scenarios/$scenario" >"$out" || status=$?
cat "$out"
[ "$status" -eq 0 ] || exit "$status"
/usr/bin/python3 "$here/check_result.py" "$out" "$@"
