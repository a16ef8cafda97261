#!/bin/sh
# Throughput of the whole data path (TUN -> PPP -> L2TP -> ESP -> IP and
# back) between l2tpsec-client and l2tpsec-server, measured with iperf3
# in two network namespaces this script creates. The namespaces share a
# veth pair (198.51.100.1 and .2) and have no default route, so no
# packet can leave the machine.
#
#   bench/path.sh [SECONDS] [--no-softether] [--plot FILE.png]
#                 [--setups N] [--sessions N]
#
# Every figure comes with its ratios to two anchors of the same run. The
# first is iperf3 over the bare veth pair between the same namespaces,
# with no VPN, measured first and last. The second is the null VPN loop
# (bench/null_vpn.c: TUN read, the same backend and ESP suite, one UDP
# datagram, one packet per system call) between the same namespaces,
# once per backend and suite. Our VPN runs once per crypto backend
# (mbedtls, openssl) and ESP suite (AES-128-GCM, AES-128-CBC with
# HMAC-SHA1). SoftEther VPN Server (Debian softether-vpnserver) runs as
# a second VPN in the same server namespace when it is installed; see
# bench/softether.sh. Each VPN run also records the CPU time of both VPN
# ends per MB received. The output is one JSON object per line, then a
# table (bench/table.py), and with --plot a PNG (bench/path_plot.py).
#
# After the throughput runs, bench_sessions measures connection setups
# per second (--setups N connects one after another, then N at once) and
# the server's VmRSS with --sessions N sessions held up (default 30 and
# 1000; --sessions 0 skips it), against l2tpsec-server built with
# mbedTLS, which does the Diffie-Hellman work in both builds. Its anchor
# is bench_ike from the same build and run: the CPU time of one complete
# in-memory IKE handshake (both roles) and the heap bytes per IKE SA.
# The clients offer our server bench_ike's proposal,
# aes128-sha256-modp2048, and SoftEther the client's default list.
#
# The server side (VPN server and iperf3 server) is pinned to CPU 0 and
# the client side to CPU 1, so each side has one core at most.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=5
softether=auto
plot=""
setups=30
sessions=1000
while [ $# -gt 0 ]; do
  case "$1" in
  --no-softether) softether=no ;;
  --plot)
    shift
    plot=$1
    ;;
  --setups)
    shift
    setups=$1
    ;;
  --sessions)
    shift
    sessions=$1
    ;;
  [0-9]*) seconds=$1 ;;
  *)
    echo "bench/path.sh: unknown argument '$1' (expected SECONDS," \
      "--no-softether, --plot FILE, --setups N or --sessions N)" >&2
    exit 2
    ;;
  esac
  shift
done

fail() {
  echo "bench/path.sh: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces"
command -v iperf3 >/dev/null ||
  fail "iperf3 not found; run scripts/install-deps.sh"

# One build per crypto backend of the data path.
for backend in mbedtls openssl; do
  cmake -S . -B build-bench-path-$backend -DCMAKE_BUILD_TYPE=Release \
    -DL2TPSEC_TESTS=OFF -DL2TPSEC_EXAMPLES=ON -DL2TPSEC_BENCH=ON \
    -DL2TPSEC_CRYPTO_BACKEND=$backend >/dev/null
  cmake --build build-bench-path-$backend -j 2 \
    --target l2tpsec-server l2tpsec-client null_vpn bench_sessions \
    bench_ike >/dev/null
done
# The client that connects to SoftEther.
client_bin=$root/build-bench-path-mbedtls/examples/client/l2tpsec-client

srv=bp$$srv
cli=bp$$cli
work=$(mktemp -d /tmp/l2tpsec-path-XXXXXX)
pids=""

stop_softether() {
  if [ -f "$work/softether.pid" ]; then
    # unshare ignores SIGTERM while it waits; SIGKILL takes down its
    # PID namespace and with it every SoftEther process.
    kill -KILL "$(cat "$work/softether.pid")" 2>/dev/null || true
    rm -f "$work/softether.pid"
    sleep 0.5
  fi
}

cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  stop_softether
  ip netns del "$srv" 2>/dev/null || true
  ip netns del "$cli" 2>/dev/null || true
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap "exit 1" INT TERM

# Waits up to 20 s for PATTERN in FILE.
wait_for() {
  for _ in $(seq 200); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

ip netns add "$srv"
ip netns add "$cli"
ip -n "$srv" link set lo up
ip -n "$cli" link set lo up
ip link add bp$$s netns "$srv" type veth peer name bp$$c netns "$cli"
ip -n "$srv" addr add 198.51.100.1/24 dev bp$$s
ip -n "$cli" addr add 198.51.100.2/24 dev bp$$c
ip -n "$srv" link set bp$$s up
ip -n "$cli" link set bp$$c up

ip netns exec "$srv" taskset -c 0 iperf3 -s >/dev/null 2>&1 &
pids="$pids $!"
sleep 0.5

# Prints PIDS and the PIDs of all their descendants.
descendants() {
  ps -e -o pid= -o ppid= | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { parent[$1] = $2 }
    END {
      for (changed = 1; changed;) {
        changed = 0
        for (p in parent)
          if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 }
      }
      for (p in keep) print p
    }'
}

# Prints the CPU time, user plus system in clock ticks, that PIDS and
# their descendants have used so far.
cpu_ticks() {
  total=0
  for p in $(descendants "$@"); do
    t=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) || continue
    total=$((total + t))
  done
  echo "$total"
}

# Runs the three iperf3 measurements towards ADDRESS and stores each
# report as $work/NAME-{tcp,udp1300,udp64}.json. With PIDS (the VPN's
# processes), it also stores the CPU time they used during each run, in
# clock ticks, and the ticks per second, as NAME-CASE.cpu.
measure() { # NAME ADDRESS [PIDS...]
  name=$1
  address=$2
  shift 2
  for case in tcp udp1300 udp64; do
    case $case in
    tcp) options="" ;;
    udp1300) options="-u -b 0 -l 1300" ;;
    udp64) options="-u -b 0 -l 64" ;;
    esac
    cut -d' ' -f1-3 /proc/loadavg >"$work/$name-$case.load"
    before=$(cpu_ticks "$@")
    # shellcheck disable=SC2086
    ip netns exec "$cli" taskset -c 1 iperf3 -c "$address" -t "$seconds" \
      -J $options >"$work/$name-$case.json" || true
    after=$(cpu_ticks "$@")
    if [ $# -gt 0 ]; then
      echo "$((after - before)) $(getconf CLK_TCK)" >"$work/$name-$case.cpu"
    fi
  done
}

measure anchor 198.51.100.1

cat >"$work/server.ini" <<INI
[server]
listen = 198.51.100.1
control_socket = $work/control.sock
[ipsec]
psk = bench-path-pre-shared-key
[pool]
range = 192.0.2.10-192.0.2.20
local_address = 192.0.2.1
[tun]
name = bpsrv0
[auth]
require_code = no
[user bench]
password = bench-password
[log]
level = notice
INI

# Connects our client built with crypto BACKEND to our server, with ESP
# proposal ESP, and measures as l2tpsec.BACKEND-ESP.
measure_ours() { # BACKEND ESP
  build=$root/build-bench-path-$1/examples
  name=l2tpsec.$1-$2
  ip netns exec "$srv" taskset -c 0 "$build/server/l2tpsec-server" \
    -c "$work/server.ini" \
    >"$work/$name-server.log" 2>&1 &
  spid=$!
  wait_for "$work/$name-server.log" "ready;" ||
    fail "l2tpsec-server did not start: $(cat "$work/$name-server.log")"
  ip netns exec "$cli" taskset -c 1 "$build/client/l2tpsec-client" --server 198.51.100.1 \
    --local 198.51.100.2 --psk bench-path-pre-shared-key --user bench \
    --password bench-password --esp-proposals "$2" --tun bpcli0 \
    >"$work/$name-client.log" 2>&1 &
  cpid=$!
  if wait_for "$work/$name-client.log" "connected: address"; then
    measure "$name" 192.0.2.1 "$spid" "$cpid"
  else
    echo "bench/path.sh: $name: the client did not connect:" \
      "$(cat "$work/$name-client.log")" >&2
  fi
  kill -INT "$cpid" 2>/dev/null || true
  wait "$cpid" 2>/dev/null || true
  kill -TERM "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
}

# Runs the null VPN loop built with crypto BACKEND and ESP suite SUITE,
# one instance per namespace with the same inner addresses as our VPN,
# and measures it as nullvpn.BACKEND-SUITE.
measure_null() { # BACKEND SUITE
  null=$root/build-bench-path-$1/bench/null_vpn
  name=nullvpn.$1-$2
  ip netns exec "$srv" taskset -c 0 "$null" --tun bpsrv0 \
    --address 192.0.2.1 --peer-address 192.0.2.10 \
    --local 198.51.100.1:4789 --remote 198.51.100.2:4789 --suite "$2" \
    --side 0 >"$work/$name-server.log" 2>&1 &
  spid=$!
  ip netns exec "$cli" taskset -c 1 "$null" --tun bpcli0 \
    --address 192.0.2.10 --peer-address 192.0.2.1 \
    --local 198.51.100.2:4789 --remote 198.51.100.1:4789 --suite "$2" \
    --side 1 >"$work/$name-client.log" 2>&1 &
  cpid=$!
  if wait_for "$work/$name-server.log" "ready:" &&
    wait_for "$work/$name-client.log" "ready:"; then
    measure "$name" 192.0.2.1 "$spid" "$cpid"
  else
    echo "bench/path.sh: $name did not start:" \
      "$(cat "$work/$name-server.log" "$work/$name-client.log")" >&2
  fi
  kill -TERM "$spid" "$cpid" 2>/dev/null || true
  wait "$spid" "$cpid" 2>/dev/null || true
}

for backend in mbedtls openssl; do
  for suite in aes128gcm16 aes128-sha1; do
    measure_null $backend $suite
    measure_ours $backend $suite
  done
done

# Each bench_sessions client sends from its own address (198.18.0.1 and
# up), added in the client namespace. The server side routes them
# through the client's veth address, so neither side needs a neighbour
# entry per client.
add_client_addresses() {
  /usr/bin/python3 -c "
import ipaddress, sys
first = ipaddress.ip_address('198.18.0.1')
for i in range(int(sys.argv[1])):
    print(f'address add {first + i}/32 dev bp$$c')" \
    "$((2 * setups + sessions))" | ip -n "$cli" -batch -
  ip -n "$srv" route add 198.18.0.0/15 via 198.51.100.2
}

# The bench_sessions clients' addresses, for SoftEther and our server.
if [ "$setups" -gt 0 ]; then
  add_client_addresses
fi

if [ "$softether" != no ]; then
  if command -v vpnserver >/dev/null && command -v vpncmd >/dev/null; then
    . bench/softether.sh
    (softether_measure) ||
      echo "bench/path.sh: the SoftEther comparison failed (see above)" >&2
    # It holds ports 500 and 4500, which our server needs next.
    stop_softether
  elif [ "$softether" = auto ]; then
    echo "bench/path.sh: softether-vpnserver and softether-vpncmd are not" \
      "installed; skipping the SoftEther comparison" >&2
  fi
fi

# The anchor again, because other load on the machine changes during a
# run; the ratios use the mean of both anchor measurements.
measure anchorend 198.51.100.1

# Setups per second and memory per session against our server, with a
# pool large enough for every client of the run.
measure_sessions() {
  build=$root/build-bench-path-mbedtls
  sed -e 's/^range = .*/range = 198.19.0.10-198.19.31.250/' \
    -e 's/^local_address = .*/local_address = 198.19.0.1/' \
    "$work/server.ini" >"$work/sessions-server.ini"
  cut -d' ' -f1-3 /proc/loadavg >"$work/sessions.load"
  ip netns exec "$srv" taskset -c 0 "$build/examples/server/l2tpsec-server" \
    -c "$work/sessions-server.ini" >"$work/sessions-server.log" 2>&1 &
  spid=$!
  wait_for "$work/sessions-server.log" "ready;" ||
    fail "l2tpsec-server did not start: $(cat "$work/sessions-server.log")"
  ip netns exec "$cli" taskset -c 1 "$build/bench/bench_sessions" \
    --server 198.51.100.1 --first-local 198.18.0.1 --server-pid "$spid" \
    --psk bench-path-pre-shared-key --user bench --password bench-password \
    --sequential "$setups" --parallel "$setups" --hold "$sessions" \
    --ike-proposals aes128-sha256-modp2048 \
    >"$work/sessions.jsonl" 2>"$work/sessions.log" ||
    echo "bench/path.sh: bench_sessions reported failures:" \
      "$(tail -5 "$work/sessions.log")" >&2
  kill -TERM "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  # The anchor, on the server's core.
  taskset -c 0 "$build/bench/bench_ike" 1 >"$work/ike.jsonl" ||
    echo "bench/path.sh: bench_ike failed" >&2
}

if [ "$setups" -gt 0 ]; then
  measure_sessions
fi

results=$work/results.jsonl
/usr/bin/python3 bench/path_report.py "$work" "$(nproc)" >"$results"
cat "$results"
echo
/usr/bin/python3 bench/table.py <"$results"
if [ -n "$plot" ]; then
  /usr/bin/python3 bench/path_plot.py "$results" "$plot"
fi
