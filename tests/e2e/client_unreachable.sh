#!/bin/sh
# l2tpsec-client against an address where no server replies: it must
# print each IKE retry as it happens, then give up with an error that
# says what to check and exit with status 1. The client runs in a network
# namespace this script creates, where no host has 192.0.2.1.
#
#   client_unreachable.sh PATH-TO-l2tpsec-client
set -eu
client=$1
. "$(dirname "$0")/../common/netns.sh"
ns=$(netns_name unr)
work=$(mktemp -d)
cpid=""

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="client=$work/client.log"

cleanup() {
  [ -n "$cpid" ] && kill "$cpid" 2>/dev/null
  rm -rf "$work"
}
netns_on_exit cleanup

[ "$(id -u)" -eq 0 ] || fail "needs root for a network namespace; run the suite as root (sudo scripts/test.sh)"

netns_add "$ns"
# The far end of the veth pair has no address, so nothing answers the
# ARP requests for 192.0.2.1 and every packet to it is dropped.
ip -n "$ns" link add unr0 type veth peer name unr1
ip -n "$ns" addr add 192.0.2.2/24 dev unr0
ip -n "$ns" link set unr0 up
ip -n "$ns" link set unr1 up

ip netns exec "$ns" "$client" --server 192.0.2.1 --user alice \
  --password long-enough-password --psk a-long-enough-key \
  >"$work/client.log" 2>&1 &
cpid=$!

# The first retries come after 1 s and 2 s more (doubling from 1 s).
wait_for "$work/client.log" \
  "no answer from 192.0.2.1:500 to IKE main mode message 1, retry 1 of 5 now, next wait 2 s" 5
wait_for "$work/client.log" \
  "no answer from 192.0.2.1:500 to IKE main mode message 1, retry 2 of 5 now, next wait 4 s" 5

# Retries wait 1 + 2 + 4 + 8 + 16 s, then 32 s for the last answer.
status=0
for _ in $(seq 90); do
  kill -0 "$cpid" 2>/dev/null || break
  sleep 1
done
kill -0 "$cpid" 2>/dev/null && fail "the client still runs after 90 s"
wait "$cpid" || status=$?
cpid=""
[ "$status" -eq 1 ] || fail "exit status $status, expected 1"
grep -q "retry 5 of 5 now" "$work/client.log" || fail "no fifth retry line"
grep -q "after 5 retries in .* s; giving up. Check the server address" \
  "$work/client.log" || fail "no final IKE error"
grep -q "disconnected: the server did not answer IKE (check its address" \
  "$work/client.log" || fail "no final client error"
echo "client_unreachable: all checks passed"
