#!/bin/sh
# A session's life between l2tpsec-client and l2tpsec-server in network
# namespaces this script creates, over a direct link (raw ESP):
#   1. a bulk TCP transfer through the tunnel arrives intact;
#   2. SIGINT makes the client send StopCCN and IKE DELETE, and the
#      server frees the session, its SAs and its address at once;
#   3. a frozen client (SIGSTOP) is found by LCP echo and freed;
#   4. a server restart mid-session: the server's shutdown tells the
#      client, which reports it at once, and connecting again works;
#   5. a frozen client is found by IKE dead peer detection and freed.
#
#   client_lifecycle.sh PATH-TO-l2tpsec-server PATH-TO-l2tpsec-client
set -eu
server=$1
client=$2
. "$(dirname "$0")/../common/netns.sh"
srv=$(netns_name srv)
cli=$(netns_name cli)
work=$(mktemp -d)
spid=""
cpid=""
py=/usr/bin/python3
secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="server=$work/server.log client=$work/client.log"

cleanup() {
  [ -n "$cpid" ] && kill -CONT "$cpid" 2>/dev/null && kill "$cpid" 2>/dev/null
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  sleep 0.2
  rm -rf "$work"
}
netns_on_exit cleanup

[ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces; run the suite as root (sudo scripts/test.sh)"
for tool in oathtool ping sha256sum; do
  command -v $tool >/dev/null || fail "$tool is missing; scripts/install-deps.sh installs it"
done
[ -x $py ] || fail "$py is missing; scripts/install-deps.sh installs python3"

status() {
  ip netns exec "$srv" "$server" -c "$work/server.ini" --status >"$work/status" 2>&1 ||
    fail "--status failed: $(cat "$work/status")"
}

# Polls --status for at most $1 tenths of a second until it shows no
# session, lease or SA.
wait_all_freed() {
  for _ in $(seq "$1"); do
    status
    grep -q "Connections (0 up, 0 addresses leased, 0 SA pairs" "$work/status" &&
      return 0
    sleep 0.1
  done
  fail "the server still holds the session after $(($1 / 10)) s: $(cat "$work/status")"
}

netns_add "$srv" "$cli"
netns_veth "$srv" e2e$$s 198.51.100.1/24 "$cli" e2e$$c 198.51.100.2/24

# Server configuration; $1 and $2 are the LCP echo interval and DPD delay.
write_config() {
  cat >"$work/server.ini" <<INI
[server]
listen = 198.51.100.1
control_socket = $work/control.sock
lcp_echo_interval = $1
lcp_echo_failure = 3
dpd_delay = $2
dpd_timeout = 6
[ipsec]
psk = e2e-lifecycle-pre-shared-key
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
totp_secret = $secret
[user carol]
password = carol-password
totp_secret = $secret
[log]
level = info
INI
}

start_server() {
  : >"$work/server.log"
  ip netns exec "$srv" "$server" -c "$work/server.ini" >>"$work/server.log" 2>&1 &
  spid=$!
  wait_for "$work/server.log" "ready;" 10
}

# Starts the client as user $1 with password $2, and further options, and
# waits for its address.
connect() {
  user=$1
  password=$2
  shift 2
  : >"$work/client.log"
  ip netns exec "$cli" "$client" --server 198.51.100.1 --local 198.51.100.2 \
    --psk e2e-lifecycle-pre-shared-key --user "$user" --password "$password" \
    --otp-command "oathtool --totp -b $secret" --tun e2ecli0 --keepalive 2 \
    "$@" >"$work/client.log" 2>&1 &
  cpid=$!
  wait_for "$work/client.log" "connected: address 192.0.2.1[0-9]" 30
}

# Freezes the client and expects the server to free everything within
# the configured keepalive limit (3 x 2 s, or 2 s + 6 s) and a margin.
freeze_client() {
  kill -STOP "$cpid"
  wait_all_freed 300
  kill -KILL "$cpid"
  wait "$cpid" 2>/dev/null || true
  cpid=""
}

# LCP echo every 2 s; DPD off for now.
write_config 2 0
start_server

# ---- 1. A bulk TCP transfer with a checksum at both ends ----
echo "nameserver 203.0.113.53" >"$work/resolv.conf"
connect alice alice-password --resolv-conf "$work/resolv.conf"
grep -q "^nameserver 192.0.2.53$" "$work/resolv.conf" ||
  fail "--resolv-conf did not get the assigned DNS server: $(cat "$work/resolv.conf")"
head -c 8000000 /dev/urandom >"$work/bulk"
ip netns exec "$srv" $py - "$work/received.sha256" <<'PY' &
import hashlib, socket, sys
listener = socket.create_server(("192.0.2.1", 5001))
listener.settimeout(60)
conn, _ = listener.accept()
conn.settimeout(60)
digest = hashlib.sha256()
while True:
    chunk = conn.recv(65536)
    if not chunk:
        break
    digest.update(chunk)
open(sys.argv[1], "w").write(digest.hexdigest() + "\n")
PY
sink=$!
sleep 0.5
ip netns exec "$cli" $py - "$work/bulk" <<'PY' || fail "the TCP transfer through the tunnel failed"
import socket, sys
with socket.create_connection(("192.0.2.1", 5001), timeout=60) as s:
    s.sendall(open(sys.argv[1], "rb").read())
PY
wait "$sink" || fail "the TCP receiver in the server namespace failed"
sent=$(sha256sum "$work/bulk" | cut -d' ' -f1)
[ "$(cat "$work/received.sha256")" = "$sent" ] ||
  fail "the bulk transfer arrived corrupted"
status
bytes_in=$(sed -n 's/^  alice .* in [0-9]* pkts \([0-9]*\) B .*/\1/p' "$work/status")
[ "${bytes_in:-0}" -ge 8000000 ] ||
  fail "--status counts ${bytes_in:-no} bytes in for 8 MB sent: $(cat "$work/status")"
grep -q "algorithms: IKE aes[0-9]*-sha[0-9]*-modp[0-9]*, ESP aes[0-9]*" "$work/status" ||
  fail "--status does not show the session's algorithms: $(cat "$work/status")"

# ---- 2. SIGINT: StopCCN and IKE DELETE, freed at once ----
kill -INT "$cpid"
wait "$cpid" || fail "the client exited with status $?"
cpid=""
grep -q "sent IKE DELETE" "$work/client.log" || fail "the client sent no IKE DELETE"
[ "$(cat "$work/resolv.conf")" = "nameserver 203.0.113.53" ] ||
  fail "the client did not restore resolv.conf: $(cat "$work/resolv.conf")"
wait_all_freed 20
wait_for "$work/server.log" "IKE SA [0-9]* deleted by the peer" 2
grep -q "ESP SA pair .* removed" "$work/server.log" ||
  fail "the server did not log the removed ESP SA pair"

# ---- 3. A frozen client, found by LCP echo ----
connect bob bob-password
freeze_client
grep -q "user 'bob' ended: no answer to LCP echo" "$work/server.log" ||
  fail "the server did not log the LCP echo failure of bob"

# ---- 4. Server restart mid-session ----
# The server tells the client before it exits, so the client reports the
# end within 2.5 s, before its keepalive limit (3 x 2 s) could.
connect carol carol-password
kill -TERM "$spid"
wait_for "$work/client.log" "disconnected:" 2.5
wait "$spid" || fail "the server exited with status $?"
spid=""
grep -q "shutdown: connection [0-9]* from 198.51.100.2:500: sent LCP Terminate-Request and StopCCN for 1 tunnel(s), IKE DELETE for IKE SA [1-9]" \
  "$work/server.log" || fail "the server did not log the shutdown of carol's connection"
wait "$cpid" && fail "the client exited with status 0 after losing the server"
write_config 0 2
start_server
cpid=""
connect carol carol-password
ip netns exec "$cli" ping -c 2 -W 5 192.0.2.1 >"$work/ping.log" ||
  fail "no ping after reconnecting: $(cat "$work/ping.log")"

# ---- 5. A frozen client, found by IKE dead peer detection ----
freeze_client
grep -q "no R-U-THERE-ACK" "$work/server.log" ||
  fail "the server did not log the DPD timeout"

kill -TERM "$spid"
wait "$spid" || fail "the server exited with status $?"
spid=""
echo "client_lifecycle: all checks passed"
