#!/bin/sh
# The example server against an administrator's mistakes and a hostile
# sender. --check-config must reject a careless file, and --status must
# count malformed L2TP and unknown SPIs. SCCRQs from one address beyond
# a small limit get no reply. An unknown SPI is logged once.
# Plain L2TP is announced at start and in --status. SIGHUP reports every
# error of a broken file and every key that needs a restart. The server
# runs in a network namespace this script creates and deletes, and all
# traffic stays in it.
#
#   server_attack.sh PATH-TO-l2tpsec-server
set -eu
server=$1
. "$(dirname "$0")/../common/netns.sh"
ns=$(netns_name atk)
work=$(mktemp -d)
pid=""
py=/usr/bin/python3

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="server=$work/out"

cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$work"
}
netns_on_exit cleanup

[ "$(id -u)" -eq 0 ] || fail "needs root for a network namespace and a TUN device; run the suite as root (sudo scripts/test.sh)"
[ -x $py ] || fail "$py is missing; scripts/install-deps.sh installs python3"

in_ns() {
  ip netns exec "$ns" "$@"
}

netns_add "$ns"
ip -n "$ns" addr add 198.51.100.1/32 dev lo

# ---- --check-config: mistakes that used to pass ----
cat >"$work/careless.ini" <<'INI'
[server]
listen = 198.51.100.1 203.0.113.77
[ipsec]
psk = a-long-enough-key
[pool]
range = 192.0.2.10-192.0.2.20
local_address = 192.0.2.15
[user alice]
password = p
[user bob]
password = long-enough-password
[user alice]
password = another-password
INI
if in_ns "$server" -c "$work/careless.ini" --check-config 2>"$work/errors"; then
  fail "--check-config accepted a careless file"
fi
for expected in \
  "careless.ini:2: listen address 203.0.113.77 is not assigned to any interface" \
  "careless.ini:7: local_address 192.0.2.15 is inside the pool range 192.0.2.10-192.0.2.20" \
  "careless.ini:9: password of user alice is 1 character" \
  "careless.ini:12: duplicate section \[user alice\]; the first is at line 8" \
  "4 error(s)"; do
  grep -q "$expected" "$work/errors" ||
    fail "missing error: $expected; got: $(cat "$work/errors")"
done

# ---- A running server with plain L2TP allowed ----
cat >"$work/server.ini" <<INI
[server]
listen = 198.51.100.1
allow_plain_l2tp = yes
l2tp_port = 1701
control_socket = $work/control.sock
[ipsec]
psk = e2e-attack-pre-shared-key
[pool]
range = 192.0.2.10-192.0.2.20
local_address = 192.0.2.1
[tun]
name = e2eatk0
mtu = 1400
[user alice]
password = long-enough-password
[log]
level = info
INI
ip netns exec "$ns" "$server" -c "$work/server.ini" >"$work/out" 2>&1 &
pid=$!
wait_for "$work/out" "ready;" 5
grep -q "plain L2TP without IPsec on UDP port 1701" "$work/out" ||
  fail "the start-up log does not say that plain L2TP is allowed"
in_ns "$server" -c "$work/server.ini" --status >"$work/status" ||
  fail "--status failed"
grep -q "plain L2TP 1701 without IPsec" "$work/status" ||
  fail "--status does not show plain L2TP: $(cat "$work/status")"

# One malformed L2TP datagram (its length field claims 255 bytes), one
# ESP-in-UDP packet for an SPI the server never gave out, and one IKE
# datagram with a wrong length.
in_ns $py - <<'PY' || fail "could not send the hostile datagrams"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes([0xC8, 0x02, 0x00, 0xFF]) + bytes(8), ("198.51.100.1", 1701))
s.sendto(bytes.fromhex("5ca1ab1e00000001") + bytes(40), ("198.51.100.1", 4500))
# An IKE header whose length field (1000) differs from the datagram's 28.
s.sendto(bytes.fromhex("0102030405060708" "0000000000000000" "01100200"
                       "00000000" "000003e8"), ("198.51.100.1", 500))
PY
wait_for "$work/out" "SPI 0x5ca1ab1e" 5
sleep 0.5
in_ns "$server" -c "$work/server.ini" --status >"$work/status"
grep -q "L2TP malformed 1" "$work/status" ||
  fail "--status does not count the malformed L2TP datagram: $(cat "$work/status")"
grep -q "unknown SPI 1, replayed 0, integrity failed 0" "$work/status" ||
  fail "--status does not count the unknown SPI apart: $(cat "$work/status")"
grep -q "IKE dropped: malformed 1," "$work/status" ||
  fail "--status does not count the malformed IKE header: $(cat "$work/status")"
[ "$(grep -c "5ca1ab1e\|did not decrypt" "$work/out")" -eq 1 ] ||
  fail "the unknown SPI was not logged exactly once"

# ---- A flood of SCCRQs from one address ----
# An SCCRP is larger than the SCCRQ that asks for it, so a forged source
# would turn the server into an amplifier. From one address, 20 SCCRQs on
# 20 ports get 5 replies (the per-address limit); the rest are counted.
ip -n "$ns" addr add 198.51.100.2/32 dev lo
in_ns $py - >"$work/flood" <<'PY' || fail "could not send the SCCRQ flood"
import socket, struct, time

def avp(attr, value):
    return struct.pack("!HHH", 0x8000 | (6 + len(value)), 0, attr) + value

def sccrq(tunnel_id):
    avps = (avp(0, struct.pack("!H", 1)) + avp(2, bytes([1, 0])) +
            avp(3, struct.pack("!I", 3)) + avp(7, b"flood") +
            avp(9, struct.pack("!H", tunnel_id)))
    return struct.pack("!HHHHHH", 0xC802, 12 + len(avps), 0, 0, 0, 0) + avps

socks = []
for i in range(20):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.51.100.2", 0))
    s.setblocking(False)
    s.sendto(sccrq(100 + i), ("198.51.100.1", 1701))
    socks.append(s)
time.sleep(2)
replies = 0
for s in socks:
    try:
        s.recv(2048)
        replies += 1
    except BlockingIOError:
        pass
print("replies", replies)
PY
grep -q "^replies 5$" "$work/flood" ||
  fail "expected 5 SCCRP replies to 20 SCCRQs from one address: $(cat "$work/flood")"
wait_for "$work/out" "dropped a plain L2TP tunnel request from 198.51.100.2" 5
[ "$(grep -c "dropped a plain L2TP tunnel request" "$work/out")" -eq 1 ] ||
  fail "the dropped tunnel requests were not logged exactly once"
in_ns "$server" -c "$work/server.ini" --status >"$work/status"
grep -q "per-address limit 15" "$work/status" ||
  fail "--status does not count the dropped requests: $(cat "$work/status")"

# ---- SIGHUP: every error of a broken file, every restart-only key ----
cp "$work/server.ini" "$work/good.ini"
cat >>"$work/server.ini" <<'INI'
colour = blue
[tun]
mtu = 9
INI
kill -HUP "$pid"
wait_for "$work/out" "reload of $work/server.ini failed: 3 error(s)" 5
grep -q "server.ini:18: unknown key 'colour' in \[log\]" "$work/out" ||
  fail "the reload did not report the first error"
grep -q "server.ini:20: duplicate key 'mtu' in \[tun\]: line 13" "$work/out" ||
  fail "the reload did not report the repeated mtu"
grep -q "server.ini:20: invalid number '9'" "$work/out" ||
  fail "the reload did not report the invalid mtu"

sed -e 's/^mtu = 1400/mtu = 1300/' -e 's/^range = .*/range = 192.0.2.30-192.0.2.40/' \
  "$work/good.ini" >"$work/server.ini"
kill -HUP "$pid"
wait_for "$work/out" "reloaded users and TOTP secrets" 5
grep -q "mtu in \[tun\] changed; it takes effect after a restart" "$work/out" ||
  fail "the reload did not report the changed mtu"
grep -q "range in \[pool\] changed; it takes effect after a restart" "$work/out" ||
  fail "the reload did not report the changed pool range"

kill -TERM "$pid"
wait "$pid" || fail "the server exited with status $?"
pid=""
echo "server_attack: all checks passed"
