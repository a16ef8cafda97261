#!/bin/sh
# Shows one whole connection on this machine: l2tpsec-server and
# l2tpsec-client run in two network namespaces that this script creates,
# joined by a veth link in 198.51.100.0/24. The client logs in with a
# password and a TOTP code from oathtool, pings the server's end of the
# tunnel, prints the server's --status and disconnects. Everything it
# made is removed at exit. Needs root.
#
#   scripts/demo.sh
set -eu
cd "$(dirname "$0")/.."
. tests/common/netns.sh
srv=$(netns_name srv)
cli=$(netns_name cli)
work=$(mktemp -d)
spid=""
cpid=""

. tests/common/e2e.sh
fail_logs="server=$work/server.log client=$work/client.log"

cleanup() {
  [ -n "$cpid" ] && kill "$cpid" 2>/dev/null
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  sleep 0.3
  rm -rf "$work"
}
netns_on_exit cleanup

random() { # ALPHABET LENGTH
  tr -dc "$1" </dev/urandom | head -c "$2"
}

build() {
  scripts/install-deps.sh --build
  cmake -S . -B build >/dev/null
  cmake --build build -j "$(nproc)" >/dev/null
}

make_namespaces() {
  netns_add "$srv" "$cli"
  netns_veth "$srv" l2demo$$a 198.51.100.1/24 "$cli" l2demo$$b 198.51.100.2/24
}

write_config() {
  cat >"$work/server.ini" <<INI
[server]
listen = 198.51.100.1
control_socket = $work/control.sock
[ipsec]
psk = $psk
[pool]
range = 192.0.2.10-192.0.2.20
local_address = 192.0.2.1
[tun]
name = l2demo0
[auth]
require_code = yes
[user demo]
password = $password
totp_secret = $totp
INI
}

start_server() {
  ip netns exec "$srv" build/examples/server/l2tpsec-server \
    -c "$work/server.ini" >"$work/server.log" 2>&1 &
  spid=$!
  wait_for "$work/server.log" "ready;" 10
}

start_client() {
  ip netns exec "$cli" build/examples/client/l2tpsec-client \
    --server 198.51.100.1 --local 198.51.100.2 --psk "$psk" --user demo \
    --password "$password" --otp-command "oathtool --totp -b $totp" \
    --tun l2democ0 >"$work/client.log" 2>&1 &
  cpid=$!
  wait_for "$work/client.log" "connected: address" 60
}

[ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces; run it as root or with sudo"
build
psk=$(random 'A-HJ-NP-Za-km-z2-9' 20)
password=$(random 'A-HJ-NP-Za-km-z2-9' 12)
totp=$(random 'A-Z2-7' 32)
make_namespaces
write_config
echo "server: 198.51.100.1 in namespace $srv, tunnel address 192.0.2.1"
start_server
echo "client: 198.51.100.2 in namespace $cli, user demo, code from oathtool"
start_client
grep "connected: address" "$work/client.log"

echo "ping through the tunnel:"
ip netns exec "$cli" ping -c 3 -W 2 192.0.2.1 || fail "no ping reply through the tunnel"
ip netns exec "$srv" build/examples/server/l2tpsec-server -c "$work/server.ini" --status

kill -INT "$cpid"
wait "$cpid" || true
cpid=""
echo "client disconnected; the server's log:"
sed 's/^/  /' "$work/server.log"
