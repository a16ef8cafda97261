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
prefix=ikc
. "$(dirname "$0")/netns_pair.sh"
secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

for tool in oathtool openssl ping; do
  command -v $tool >/dev/null || fail "$tool is missing; scripts/install-deps.sh installs it"
done

sh "$src/tests/ike/make_ike_certs.sh" "$work"
make_namespaces

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
ping_then_stop
echo "cert_client_server: all checks passed"
