#!/bin/sh
# Connect time of a real L2TP/IPsec client against three servers. The
# client is the Linux stack of tests/interop (strongSwan + xl2tpd + pppd
# in a qemu guest); the servers are
#   ours        l2tpsec-server, native, on the host side
#   softether   SoftEther VPN Server (Debian softether-vpnserver), native,
#               user-space IPsec, in a namespace of its own
#   strongswan  strongSwan + xl2tpd + pppd with kernel ESP, in a second
#               qemu guest (ROLE=server of tests/interop)
# Each run times one connection from the start of "ipsec up" in the
# client guest to ppp0 having its address, with the IKE, L2TP and PPP
# phases apart. The runs take turns (ours, softether, strongswan, then
# again), so a change of load hits all three alike. The output is one
# JSON line per connection, one per server with the medians and their
# ratio to ours, and a table.
#
#   bench/interop.sh [--runs N] [--keep DIR] [--log-level LEVEL]
#     --runs N           connections per server (default 3)
#     --keep DIR         write the logs (servers, guest consoles) and
#                        cells into DIR and keep them
#     --log-level LEVEL  our server's [log] level (default info; debug
#                        adds the PPP state changes, to see where the
#                        PPP phase spends its time)
#
# Everything runs in two network namespaces that this script creates,
# and neither has a route out. In the first, a bridge links our server
# (198.51.100.1), the client guest (.2) and the server guest (.3). A
# veth pair joins the bridge to the second namespace, where SoftEther
# runs (.4). Every wait has a limit. At the end every server and guest
# is stopped by its PID and both namespaces are deleted. Needs root and
# the packages of scripts/install-deps.sh.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
runs=3
keep=""
log_level=info

fail() {
  echo "bench/interop.sh: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
  --runs | --keep | --log-level)
    [ $# -ge 2 ] || fail "$1 needs a value"
    case "$1" in
    --runs) runs=$2 ;;
    --keep) keep=$2 ;;
    *) log_level=$2 ;;
    esac
    shift
    ;;
  *) fail "unknown argument '$1' (expected --runs, --keep or --log-level)" ;;
  esac
  shift
done

case "$runs" in
'' | *[!0-9]* | 0) fail "invalid --runs '$runs' (expected a whole number above 0)" ;;
esac
[ "$(id -u)" -eq 0 ] || fail "needs root (network namespaces, tap devices)"
for tool in cmake qemu-system-x86_64 debootstrap ip unshare /usr/bin/python3 \
  vpncmd /usr/libexec/softether/vpnserver/vpnserver; do
  command -v "$tool" >/dev/null 2>&1 ||
    fail "'$tool' not found; run scripts/install-deps.sh as root"
done

ns=l2tpsec-binterop-$$
se_ns=$ns-se
bridge=bi$$br
if [ -n "$keep" ]; then
  # Files left by an earlier run, such as the ready marker of its server
  # guest, would be taken for this run's.
  [ ! -e "$keep" ] || [ -z "$(ls -A "$keep")" ] ||
    fail "--keep folder '$keep' is not empty; name a new or empty folder"
  mkdir -p "$keep"
  work=$(cd "$keep" && pwd)
else
  work=$(mktemp -d /tmp/l2tpsec-binterop-XXXXXX)
fi
server_pid=""
guest_runner_pids=""

# shellcheck source=bench/softether.sh
srv=$se_ns
. "$root/bench/softether.sh"
. "$root/bench/interop_guests.sh"

cleanup() {
  stop_guest_runners
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    sleep 1
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  se_stop
  ip netns delete "$se_ns" 2>/dev/null || true
  ip netns delete "$ns" 2>/dev/null || true
  [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

build_server() {
  cmake -S . -B build-bench-interop -DCMAKE_BUILD_TYPE=Release \
    -DL2TPSEC_TESTS=OFF -DL2TPSEC_EXAMPLES=ON >/dev/null
  cmake --build build-bench-interop -j 2 --target l2tpsec-server >/dev/null
  server_bin=$root/build-bench-interop/examples/server/l2tpsec-server
}

# The bridge in $ns and the veth pair to SoftEther's namespace. Neither
# namespace has a default route.
setup_namespaces() {
  ip netns add "$ns"
  ip netns add "$se_ns"
  ip -n "$ns" link set lo up
  ip -n "$se_ns" link set lo up
  ip -n "$ns" link add "$bridge" type bridge
  ip -n "$ns" addr add 198.51.100.1/24 dev "$bridge"
  ip -n "$ns" link set "$bridge" up
  ip link add bi$$se0 netns "$ns" type veth peer name bi$$se1 netns "$se_ns"
  ip -n "$ns" link set bi$$se0 master "$bridge"
  ip -n "$ns" link set bi$$se0 up
  ip -n "$se_ns" addr add 198.51.100.4/24 dev bi$$se1
  ip -n "$se_ns" link set bi$$se1 up
}

# Writes our server's configuration: 198.51.100.1 with raw ESP, and the
# same PSK and user as the other two servers. The password has no code
# after it, because the other servers have no codes.
write_server_config() {
  cat <<EOF
[server]
listen = 198.51.100.1
raw_esp = yes
control_socket = $work/control.sock
[ipsec]
psk = $se_psk
proposals = compatible
[pool]
range = 198.18.0.10-198.18.0.20
local_address = 198.18.0.1
[tun]
name = bi$$tun
[auth]
require_code = no
[user bench]
password = bench-password
[log]
level = $log_level
EOF
}

start_our_server() {
  write_server_config >"$work/server.ini"
  ip netns exec "$ns" "$server_bin" -c "$work/server.ini" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q "ready;" "$work/server.log" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  fail "l2tpsec-server did not start within 20 s: $(cat "$work/server.log")"
}

# The image build (minutes, once) comes before any limit starts.
"$root/tests/interop/build-image.sh" >/dev/null
setup_namespaces
build_server
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
start_server_guest
start_our_server
se_start || fail "SoftEther VPN Server did not start; see the log above"
wait_server_guest_ready
run_client_guest
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 "$root/bench/interop_report.py" --runs "$runs" \
  --load-start "$load_start" --load-end "$load_end" \
  --cpu "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')" \
  <"$work/client.results"
