#!/bin/sh
# l2tpsec-client against l2tpsec-server through network namespaces this
# script creates: directly over a veth pair (raw ESP), and through a
# third namespace that masquerades like a home router (ESP in UDP after
# NAT-T). Each time the client logs in with password + TOTP code from
# oathtool, pings the server's end of the link and disconnects.
#
#   client_server.sh PATH-TO-l2tpsec-server PATH-TO-l2tpsec-client
set -eu
server=$1
client=$2
. "$(dirname "$0")/../common/netns.sh"
srv=$(netns_name srv)
cli=$(netns_name cli)
nat=$(netns_name nat)
work=$(mktemp -d)
spid=""
cpid=""
secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
# A TOTP code works once, so the second login is another user.
secret2=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ

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
for tool in oathtool iptables ping; do
  command -v $tool >/dev/null || fail "$tool is missing; scripts/install-deps.sh installs it"
done

netns_add "$srv" "$cli" "$nat"

cat >"$work/server.ini" <<INI
[server]
listen = 198.51.100.1
control_socket = $work/control.sock
[ipsec]
psk = e2e-test-pre-shared-key
[pool]
range = 192.0.2.10-192.0.2.20
local_address = 192.0.2.1
dns = 192.0.2.53
[tun]
name = e2esrv0
[auth]
require_code = yes
[user alice]
password = alice-password
totp_secret = $secret
[user bob]
password = bob-password
totp_secret = $secret2
[log]
level = info
INI

# Server: 198.51.100.1 on two links, one to the client, one to the NAT.
netns_veth "$srv" e2e$$s1 198.51.100.1/25 "$cli" e2e$$c1 198.51.100.2/25

ip netns exec "$srv" "$server" -c "$work/server.ini" >"$work/server.log" 2>&1 &
spid=$!
wait_for "$work/server.log" "ready;"

# Connects from namespace $1 with local address $2 (none: the client
# learns it) as user $3 with password $4 and TOTP secret $5, pings,
# disconnects.
connect_and_ping() {
  : >"$work/client.log"
  # shellcheck disable=SC2046
  ip netns exec "$1" "$client" --server 198.51.100.1 \
    $([ "$2" = none ] || echo --local "$2") \
    --psk e2e-test-pre-shared-key --user "$3" --password "$4" \
    --otp-command "oathtool --totp -b $5" --tun e2ecli0 \
    >"$work/client.log" 2>&1 &
  cpid=$!
  wait_for "$work/client.log" "connected: address 192.0.2.1[0-9]"
  # Other local users can read /proc/PID/cmdline: the client blanks its
  # secret arguments once it has copied them.
  args=$(tr '\0' ' ' <"/proc/$cpid/cmdline")
  case "$args" in
  *"$4"* | *e2e-test-pre-shared-key* | *"$5"*)
    fail "the client's command line still shows a secret: $args" ;;
  esac
  ip netns exec "$1" ping -c 3 -W 2 192.0.2.1 >"$work/ping.log" ||
    fail "no ping through the tunnel from $1: $(cat "$work/ping.log")"
  ip netns exec "$srv" "$server" -c "$work/server.ini" --status >"$work/status"
  grep -q "$3 " "$work/status" || fail "--status lists no $3: $(cat "$work/status")"
  kill -INT "$cpid"
  wait "$cpid" || fail "the client exited with status $?"
  cpid=""
  wait_for "$work/server.log" "ended"
}

# 1. Directly: no NAT, so ESP runs as raw IP protocol 50. Without
# --local the client must still hash its real address into NAT-D.
connect_and_ping "$cli" none alice alice-password $secret
grep -q "ESP SA pair .* installed: transform" "$work/server.log" ||
  fail "the server logged no ESP SA"
! grep -q "UDP-encapsulated" "$work/server.log" ||
  fail "without --local and without a NAT the SA was UDP-encapsulated"
# Log lines name algorithms, reasons and result codes instead of numbers.
grep -q "ESP SA pair .* installed: transform aes[0-9a-z-]*$" "$work/server.log" ||
  fail "the ESP SA line does not name the algorithms"
grep -q "IKE SA [0-9]* closed: deleted" "$work/server.log" ||
  fail "the IKE SA end does not name its reason"
# The client's StopCCN carries result 1. The server may free the tunnel
# on the client's IKE DELETE first ("transport closed"), so the named
# code is checked on the client's side of the same tunnel.
grep -q "result 1 (general request to clear the tunnel), error 0 (no error)" \
  "$work/client.log" || fail "the tunnel end does not name its result code"
! grep -q "(reason [0-9]\|: \?$" "$work/server.log" ||
  fail "a log line has a numeric reason or an empty one after a colon"

# 2. Through a masquerading NAT: IKE floats to 4500, ESP goes in UDP.
netns_veth "$srv" e2e$$s2 198.51.100.129/25 "$nat" e2e$$n1 198.51.100.130/25
netns_veth "$nat" e2e$$n2 203.0.113.1/24 "$cli" e2e$$c2 203.0.113.2/24
ip -n "$cli" link set e2e$$c1 down
ip -n "$cli" route add 198.51.100.0/25 via 203.0.113.1
ip -n "$nat" route add 198.51.100.0/25 via 198.51.100.129
ip netns exec "$nat" sysctl -q -w net.ipv4.ip_forward=1
ip netns exec "$nat" iptables -t nat -A POSTROUTING -o e2e$$n1 -j MASQUERADE
connect_and_ping "$cli" 203.0.113.2 bob bob-password $secret2
grep -q "UDP-encapsulated" "$work/server.log" ||
  fail "behind the NAT the SA was not UDP-encapsulated"

# 3. A wrong password: the client's log names the user and the server,
# and the client deletes its IKE SA instead of leaving it to DPD.
: >"$work/client.log"
deleted_before=$(grep -c "IKE SA [0-9]* closed: deleted" "$work/server.log" || true)
ip netns exec "$cli" timeout 60 "$client" --server 198.51.100.1 \
  --psk e2e-test-pre-shared-key --user alice --password wrong \
  --otp-command "echo 000000" --tun e2ecli0 >"$work/client.log" 2>&1 &&
  fail "the client exited 0 after a wrong password"
grep -q "authentication as 'alice' to 198.51.100.1 by" "$work/client.log" ||
  fail "the client's auth failure line does not name the server"
sleep 1
deleted_after=$(grep -c "IKE SA [0-9]* closed: deleted" "$work/server.log" || true)
[ "$deleted_after" -gt "$deleted_before" ] ||
  fail "after the rejected login the client left its IKE SA on the server"

kill -TERM "$spid"
wait "$spid" || fail "the server exited with status $?"
spid=""
echo "client_server: all checks passed"
