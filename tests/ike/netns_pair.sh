# Sourced by the tests that run l2tpsec-server and l2tpsec-client in two
# network namespaces joined by a veth pair: the server's namespace $srv
# with 198.51.100.1, the client's $cli with 198.51.100.2. Set $prefix (a
# short name unique to the test, which starts the veth interface names)
# before sourcing. Provides $work, a temporary directory;
# make_namespaces; ping_then_stop; and fail and wait_for from
# tests/common/e2e.sh, where fail prints server.log and client.log from
# $work. The PIDs of the server and the client go in $spid and $cpid.
# tests/common/netns.sh names the namespaces and deletes them at exit.
. "$(dirname "$0")/../common/netns.sh"
srv=$(netns_name srv)
cli=$(netns_name cli)
work=$(mktemp -d)
spid=""
cpid=""

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="server=$work/server.log client=$work/client.log"

cleanup() {
  [ -n "$cpid" ] && kill "$cpid" 2>/dev/null
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  sleep 0.2
  rm -rf "$work"
}
netns_on_exit cleanup

[ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces; run the suite as root (sudo scripts/test.sh)"

make_namespaces() {
  netns_add "$srv" "$cli"
  netns_veth "$srv" "$prefix$$s" 198.51.100.1/24 \
    "$cli" "$prefix$$c" 198.51.100.2/24
}

# Pings the server's end of the PPP link (192.0.2.1) from the client's
# namespace, then stops the client and the server, which must both exit
# with status 0.
ping_then_stop() {
  ip netns exec "$cli" ping -c 3 -W 2 192.0.2.1 >"$work/ping.log" ||
    fail "no ping through the tunnel: $(cat "$work/ping.log")"

  kill -INT "$cpid"
  wait "$cpid" || fail "the client exited with status $?"
  cpid=""
  kill -TERM "$spid"
  wait "$spid" || fail "the server exited with status $?"
  spid=""
}
