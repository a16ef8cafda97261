#!/bin/sh
# l2tpsec-client against l2tpsec-server with a 60 s ESP lifetime, so that
# both rekey the ESP SA pair while a ping runs through the tunnel every
# 200 ms for 80 s. Each side installs a rekey's inbound SA when its QM2
# goes out and holds back a rekey's outbound SA until the peer sends on
# the new pair, so no ping may be lost.
#
#   client_server_rekey.sh PATH-TO-l2tpsec-server PATH-TO-l2tpsec-client
set -eu
server=$1
client=$2
. "$(dirname "$0")/../common/netns.sh"
. "$(dirname "$0")/../common/e2e.sh"
srv=$(netns_name srv)
cli=$(netns_name cli)
work=$(mktemp -d)
spid=""
cpid=""
secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
fail_logs="server=$work/server.log client=$work/client.log"

cleanup() {
  [ -n "$cpid" ] && kill "$cpid" 2>/dev/null
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  sleep 0.2
  rm -rf "$work"
}
netns_on_exit cleanup

[ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces; run the suite as root (sudo scripts/test.sh)"
for tool in oathtool ping; do
  command -v $tool >/dev/null || fail "$tool is missing; scripts/install-deps.sh installs it"
done

netns_add "$srv" "$cli"
netns_veth "$srv" e2r$$s 198.51.100.1/24 "$cli" e2r$$c 198.51.100.2/24

cat >"$work/server.ini" <<INI
[server]
listen = 198.51.100.1
control_socket = $work/control.sock
[ipsec]
psk = e2e-rekey-pre-shared-key
[ike]
esp_lifetime = 60
[pool]
range = 192.0.2.10-192.0.2.20
local_address = 192.0.2.1
[tun]
name = e2rsrv0
[auth]
require_code = yes
[user alice]
password = alice-password
totp_secret = $secret
[log]
level = info
INI

ip netns exec "$srv" "$server" -c "$work/server.ini" >"$work/server.log" 2>&1 &
spid=$!
wait_for "$work/server.log" "ready;"

ip netns exec "$cli" "$client" --server 198.51.100.1 \
  --psk e2e-rekey-pre-shared-key --user alice --password alice-password \
  --otp-command "oathtool --totp -b $secret" --tun e2rcli0 --verbose \
  >"$work/client.log" 2>&1 &
cpid=$!
wait_for "$work/client.log" "connected: address 192.0.2.1[0-9]"

ip netns exec "$cli" ping -n -i 0.2 -c 400 -W 2 192.0.2.1 >"$work/ping.log" 2>&1 ||
  true
received=$(awk '/received/ { print $4 }' "$work/ping.log")
[ "${received:-0}" -eq 400 ] ||
  fail "$((400 - ${received:-0})) of 400 pings lost across the rekeys: $(tail -3 "$work/ping.log")"

pairs=$(grep -c "ESP SA pair .* installed: transform" "$work/server.log" || true)
[ "$pairs" -ge 2 ] || fail "no rekey in 80 s: the server installed $pairs ESP SA pair(s)"
grep -q "outbound ESP SA .* now in use" "$work/server.log" "$work/client.log" ||
  fail "neither side logged that a held outbound SA went into use"

kill -INT "$cpid"
wait "$cpid" || fail "the client exited with status $?"
cpid=""
kill -TERM "$spid"
wait "$spid" || fail "the server exited with status $?"
spid=""
echo "client_server_rekey: $pairs ESP SA pairs, 400 of 400 pings answered"
