#!/bin/sh
# l2tpsec-server without a raw ESP socket against l2tpsec-client, over a
# veth pair between two network namespaces this script creates, with no
# NAT in between. fake_client_nat = auto must turn on, so the client
# believes it is behind a NAT and puts ESP in UDP 4500, which is all the
# server can receive. The [ike] settings also name the server's PSK ID
# and turn the aggressive mode responder on, which must log a warning.
#
#   server_fake_nat.sh PATH-TO-l2tpsec-server PATH-TO-l2tpsec-client
set -eu
server=$1
client=$2
prefix=ikf
. "$(dirname "$0")/netns_pair.sh"
command -v ping >/dev/null || fail "ping is missing; scripts/install-deps.sh installs iputils-ping"

make_namespaces

cat >"$work/server.ini" <<INI
[server]
listen = 198.51.100.1
raw_esp = no
control_socket = $work/control.sock
[ipsec]
psk = fake nat test key $$
[ike]
fake_client_nat = auto
aggressive_responder = yes
psk_id = vpn.example.com
[pool]
range = 192.0.2.10-192.0.2.20
local_address = 192.0.2.1
[tun]
name = ikfsrv0
[user alice]
password = alice-password
[log]
level = info
INI

ip netns exec "$srv" "$server" -c "$work/server.ini" >"$work/server.log" 2>&1 &
spid=$!
wait_for "$work/server.log" "ready;"
grep -q "fake_client_nat on (no raw ESP socket" "$work/server.log" ||
  fail "the server did not warn that fake_client_nat is on"
grep -q "aggressive mode responder enabled" "$work/server.log" ||
  fail "the server did not warn that the aggressive mode responder is on"

ip netns exec "$cli" "$client" --server 198.51.100.1 --local 198.51.100.2 \
  --psk "fake nat test key $$" --user alice --password alice-password \
  --tun ikfcli0 -v >"$work/client.log" 2>&1 &
cpid=$!
wait_for "$work/client.log" "connected: address 192.0.2.1[0-9]"
grep -q "the peer authenticated as vpn.example.com" "$work/client.log" ||
  fail "the client did not see the server's psk_id"
grep -q "IKE SA .* established .*NAT detected" "$work/client.log" ||
  fail "the client did not believe it is behind a NAT"
ping_then_stop
echo "server_fake_nat: all checks passed"
