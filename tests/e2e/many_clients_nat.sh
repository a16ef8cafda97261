#!/bin/sh
# Twenty l2tpsec-clients behind one masquerading NAT connect to one
# l2tpsec-server at the same time. They share the NAT's outer address and
# the inner L2TP port 1701, and differ only in their NAT-mapped ports and
# SPIs. Every client must get its own address and ping through, and one
# client leaving must not disturb the others.
#
#   many_clients_nat.sh PATH-TO-l2tpsec-server PATH-TO-l2tpsec-client
#
# The clients sit on a bridge in the NAT namespace, and the bridge gets a
# fixed MAC address. Without one, a Linux bridge takes the lowest MAC of
# its ports, so its address changes each time a client's port joins.
# Clients that resolved the gateway earlier then send to an old address,
# and the NAT namespace drops some of those frames: a lost first ping, or
# a NAT-T flow that conntrack never translates. The test then fails at
# random although the server is fine.
set -eu
server=$1
client=$2
count=20
tag=e2e$$
. "$(dirname "$0")/../common/netns.sh"
srv=$(netns_name srv)
nat=$(netns_name nat)
work=$(mktemp -d)
spid=""
secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="server=$work/server.log"
fail_log_lines=60

cleanup() {
  for f in "$work"/pid.*; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  sleep 0.3
  rm -rf "$work"
}
netns_on_exit cleanup

[ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces; run the suite as root (sudo scripts/test.sh)"
for tool in oathtool iptables ping; do
  command -v $tool >/dev/null || fail "$tool is missing; scripts/install-deps.sh installs it"
done

netns_add "$srv" "$nat"
netns_veth "$srv" ${tag}s 198.51.100.1/24 "$nat" ${tag}n 198.51.100.2/24
ip -n "$nat" link add ${tag}br address 02:00:5e:00:53:01 type bridge
ip -n "$nat" addr add 203.0.113.1/24 dev ${tag}br
ip -n "$nat" link set ${tag}br up
ip netns exec "$nat" sysctl -q -w net.ipv4.ip_forward=1
ip netns exec "$nat" iptables -t nat -A POSTROUTING -o ${tag}n -j MASQUERADE

{
  printf '[server]\nlisten = 198.51.100.1\ncontrol_socket = %s/control.sock\n' "$work"
  printf '[ipsec]\npsk = e2e-many-clients-key\n'
  printf '[pool]\nrange = 192.0.2.10-192.0.2.60\nlocal_address = 192.0.2.1\n'
  printf '[tun]\nname = %ss0\n[auth]\nrequire_code = yes\n' "$tag"
  printf 'chap_secrets = %s/chap-secrets\noath_users = %s/users.oath\n' \
    "$work" "$work"
} >"$work/server.ini"
# The users live where administrators keep them: pppd's chap-secrets and
# pam_oath's users.oath (the TOTP key in hex, which is $secret in base32).
for i in $(seq $count); do
  printf 'u%s * pw%s *\n' "$i" "$i" >>"$work/chap-secrets"
  printf 'HOTP/T30 u%s - 48656c6c6f21deadbeef48656c6c6f21deadbeef\n' "$i" \
    >>"$work/users.oath"
done
ip netns exec "$srv" "$server" -c "$work/server.ini" >"$work/server.log" 2>&1 &
spid=$!
wait_for "$work/server.log" "ready;" 10

# All client namespaces first, then all clients at once.
for i in $(seq $count); do
  ns=$(netns_name c$i)
  netns_add "$ns"
  ip link add ${tag}c$i netns "$ns" type veth peer name ${tag}p$i netns "$nat"
  ip -n "$nat" link set ${tag}p$i master ${tag}br up
  ip -n "$ns" addr add 203.0.113.$((10 + i))/24 dev ${tag}c$i
  ip -n "$ns" link set ${tag}c$i up
  ip -n "$ns" route add default via 203.0.113.1
done
for i in $(seq $count); do
  ip netns exec "$(netns_name c$i)" "$client" --server 198.51.100.1 \
    --local 203.0.113.$((10 + i)) --psk e2e-many-clients-key --user u$i \
    --password pw$i --otp-command "oathtool --totp -b $secret" \
    --tun ${tag}t >"$work/client.$i" 2>&1 &
  echo $! >"$work/pid.$i"
  fail_logs="$fail_logs client$i=$work/client.$i"
done

# Generous limits: twenty handshakes share two cores with other tests.
for i in $(seq $count); do
  wait_for "$work/client.$i" "connected: address" 60
done
addresses=$(cat "$work"/client.* | sed -n 's/^connected: address \([0-9.]*\),.*/\1/p' | sort -u | wc -l)
[ "$addresses" -eq $count ] || fail "$addresses distinct addresses for $count clients"

for i in $(seq $count); do
  ip netns exec "$(netns_name c$i)" ping -c 2 -W 5 192.0.2.1 >/dev/null ||
    fail "client $i cannot ping through its tunnel: $(cat "$work/client.$i")"
done
ip netns exec "$srv" "$server" -c "$work/server.ini" --status >"$work/status"
grep -q "Connections ($count up" "$work/status" ||
  fail "--status does not list $count sessions: $(cat "$work/status")"
[ "$(grep -c 'ESP in UDP' "$work/status")" -eq $count ] ||
  fail "not every session runs ESP in UDP behind the NAT: $(cat "$work/status")"
ports=$(sed -n 's/.* from 198\.51\.100\.2:\([0-9]*\) (ESP in UDP).*/\1/p' "$work/status" | sort -u | wc -l)
[ "$ports" -eq $count ] || fail "$ports distinct NAT ports for $count sessions"

# Disconnecting one client leaves the others working.
kill -INT "$(cat "$work/pid.1")"
wait "$(cat "$work/pid.1")" || fail "client 1 exited with an error"
rm "$work/pid.1"
for i in $(seq 2 $count); do
  ip netns exec "$(netns_name c$i)" ping -c 2 -W 5 192.0.2.1 >/dev/null ||
    fail "client $i lost its tunnel when client 1 left"
done
for _ in $(seq 100); do
  ip netns exec "$srv" "$server" -c "$work/server.ini" --status >"$work/status"
  grep -q "Connections ($((count - 1)) up" "$work/status" && break
  sleep 0.1
done
grep -q "Connections ($((count - 1)) up" "$work/status" ||
  fail "--status does not list $((count - 1)) sessions after one left: $(cat "$work/status")"
echo "many_clients_nat: $count clients behind one NAT passed"
