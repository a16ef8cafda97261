# Sourced by the tests that run l2tpsec-server and l2tpsec-client in two
# network namespaces joined by a veth pair: the server's namespace $srv
# with 198.51.100.1, the client's $cli with 198.51.100.2. Set $prefix (a
# short name unique to the test) before sourcing. Provides $work, a
# temporary directory; fail, which prints server.log and client.log from
# it; wait_for FILE PATTERN; make_namespaces; and ping_then_stop. The
# PIDs of the server and the client go in $spid and $cpid.
srv=$prefix$$srv
cli=$prefix$$cli
work=$(mktemp -d)
spid=""
cpid=""

fail() {
  echo "FAIL: $*" >&2
  for f in server client; do
    [ -f "$work/$f.log" ] && sed "s/^/  $f: /" "$work/$f.log" >&2
  done
  exit 1
}

cleanup() {
  [ -n "$cpid" ] && kill "$cpid" 2>/dev/null
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  sleep 0.2
  for n in "$srv" "$cli"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 1" INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces; run the suite as root (sudo scripts/test.sh)"

wait_for() { # FILE PATTERN
  for _ in $(seq 150); do
    grep -q "$2" "$1" && return 0
    sleep 0.1
  done
  fail "never saw '$2' in $1"
}

make_namespaces() {
  for n in "$srv" "$cli"; do
    ip netns add "$n"
    ip -n "$n" link set lo up
  done
  ip link add "$prefix$$s" netns "$srv" type veth peer name "$prefix$$c" \
    netns "$cli"
  ip -n "$srv" addr add 198.51.100.1/24 dev "$prefix$$s"
  ip -n "$srv" link set "$prefix$$s" up
  ip -n "$cli" addr add 198.51.100.2/24 dev "$prefix$$c"
  ip -n "$cli" link set "$prefix$$c" up
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
