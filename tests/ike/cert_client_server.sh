#!/bin/sh
# l2tpsec-client against l2tpsec-server authenticated with certificates
# (ECDSA P-256, issued at test time by make_ike_certs.sh) over a veth
# pair between two network namespaces this script creates. The client
# logs in with password + TOTP code, pings the server's end of the link
# and disconnects.
#
#   cert_client_server.sh PATH-TO-l2tpsec-server PATH-TO-l2tpsec-client SRC
set -eu
server=$1
client=$2
src=$3
srv=ikc$$srv
cli=ikc$$cli
work=$(mktemp -d)
spid=""
cpid=""
secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

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
for tool in oathtool openssl ping; do
  command -v $tool >/dev/null || fail "$tool is missing; scripts/install-deps.sh installs it"
done

wait_for() { # FILE PATTERN
  for _ in $(seq 150); do
    grep -q "$2" "$1" && return 0
    sleep 0.1
  done
  fail "never saw '$2' in $1"
}

sh "$src/tests/ike/make_ike_certs.sh" "$work"
for n in "$srv" "$cli"; do
  ip netns add "$n"
  ip -n "$n" link set lo up
done
ip link add ikc$$s netns "$srv" type veth peer name ikc$$c netns "$cli"
ip -n "$srv" addr add 198.51.100.1/24 dev ikc$$s
ip -n "$srv" link set ikc$$s up
ip -n "$cli" addr add 198.51.100.2/24 dev ikc$$c
ip -n "$cli" link set ikc$$c up

cat >"$work/server.ini" <<INI
[server]
listen = 198.51.100.1
control_socket = $work/control.sock
[ipsec]
certificate = $work/server_ec.pem
private_key = $work/server_ec.key
ca = $work/ca.pem
id = vpn.example.com
[pool]
range = 192.0.2.10-192.0.2.20
local_address = 192.0.2.1
[tun]
name = ikcsrv0
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

ip netns exec "$cli" "$client" --server 198.51.100.1 --local 198.51.100.2 \
  --cert "$work/client_ec.pem" --key "$work/client_ec.key" \
  --ca "$work/ca.pem" --id alice@example.com --remote-id vpn.example.com \
  --user alice --password alice-password --otp-command "oathtool --totp -b $secret" \
  --tun ikccli0 >"$work/client.log" 2>&1 &
cpid=$!
wait_for "$work/client.log" "connected: address 192.0.2.1[0-9]"
grep -q "IKE SA .* established" "$work/server.log" ||
  fail "the server logged no established IKE SA"
ip netns exec "$cli" ping -c 3 -W 2 192.0.2.1 >"$work/ping.log" ||
  fail "no ping through the tunnel: $(cat "$work/ping.log")"

kill -INT "$cpid"
wait "$cpid" || fail "the client exited with status $?"
cpid=""
kill -TERM "$spid"
wait "$spid" || fail "the server exited with status $?"
spid=""
echo "cert_client_server: all checks passed"
