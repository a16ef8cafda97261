#!/bin/sh
# l2tpsec-client against l2tpsec-server in network namespaces, with the
# server's [auth] chain deciding through a real backend each time:
#   1. radius: FreeRADIUS (tests/auth/freeradius-conf.sh) checks alice's
#      password followed by her TOTP code over PAP, and its Framed-Pool
#      and Framed-IP-Address choose her address; Start, Interim-Update
#      and Stop land in its detail file with the session's counters.
#   2. radius: bob logs in with MS-CHAPv2 (FreeRADIUS's mschap module),
#      and a Disconnect-Request from radclient ends his session.
#   3. pam: pam_google_authenticator with forward_pass checks carol's
#      password followed by her code.
#
#   client_server_auth.sh PATH-TO-l2tpsec-server PATH-TO-l2tpsec-client \
#                         SOURCE-DIR
set -eu
server=$1
client=$2
source_dir=$3
. "$(dirname "$0")/../common/netns.sh"
srv=$(netns_name srv)
cli=$(netns_name cli)
work=$(mktemp -d)
radius_pid=""
spid=""
cpid=""
pam_service=l2tpsec-e2e-$$
totp=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
radius_secret=e2e-radius-Secret-9f2c
auth_port=18120
dae_port=37990

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="server=$work/server.log client=$work/client.log radclient=$work/radclient.log detail=$work/radius/acct/detail"

# Stops a process this script started; its exit status does not matter.
stop_pid() { # PID
  if [ -n "$1" ] && kill "$1" 2>/dev/null; then
    wait "$1" 2>/dev/null || true
  fi
}

cleanup() {
  stop_pid "$cpid"
  stop_pid "$spid"
  stop_pid "$radius_pid"
  rm -f "/etc/pam.d/$pam_service"
  rm -rf "$work"
}
netns_on_exit cleanup

[ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces and /etc/pam.d; run the suite as root (sudo scripts/test.sh)"
for tool in oathtool freeradius radclient ping; do
  command -v $tool >/dev/null || fail "$tool is missing; scripts/install-deps.sh installs it"
done
pam_module=$(find /lib /usr/lib -name pam_google_authenticator.so 2>/dev/null | head -n 1)
[ -n "$pam_module" ] || fail "pam_google_authenticator.so is missing; scripts/install-deps.sh installs libpam-google-authenticator"

# Prints the detail-file record whose Acct-Status-Type is $1.
record() {
  awk -v RS= -v type="Acct-Status-Type = $1" 'index($0, type)' \
    "$work/radius/acct/detail" 2>/dev/null
}

wait_record() { # TYPE
  for _ in $(seq 150); do
    [ -n "$(record "$1")" ] && return 0
    sleep 0.1
  done
  fail "FreeRADIUS recorded no accounting $1"
}

# Prints the value of attribute $2 in the last record of type $1.
record_value() {
  record "$1" | sed -n "s/^[[:space:]]*$2 = //p" | tail -n 1
}

netns_add "$srv" "$cli"
netns_veth "$srv" e2ea$$s 198.51.100.1/24 "$cli" e2ea$$c 198.51.100.2/24

# FreeRADIUS on the server namespace's loopback.
sh "$source_dir/tests/auth/freeradius-conf.sh" "$work/radius" $auth_port \
  "$radius_secret" $totp >/dev/null
ip netns exec "$srv" freeradius -f -d "$work/radius" -n radiusd &
radius_pid=$!
wait_for "$work/radius/log/radius.log" "Ready to process"

# Writes server.ini with the given [auth] lines and starts the server.
start_server() { # CHAIN METHODS
  cat >"$work/server.ini" <<INI
[server]
listen = 198.51.100.1
control_socket = $work/control.sock
[ipsec]
psk = e2e-test-pre-shared-key
[pool]
range = 192.0.2.13-192.0.2.20
local_address = 192.0.2.1
# FreeRADIUS gives alice Framed-Pool "pool-a".
[pool pool-a]
range = 192.0.2.10-192.0.2.12
[tun]
name = e2easrv0
[auth]
chain = $1
methods = $2
[radius]
server = 127.0.0.1
secret = $radius_secret
auth_port = $auth_port
acct_port = $((auth_port + 1))
interim_interval = 2
nas_identifier = l2tpsec-e2e
dae_listen = 127.0.0.1
dae_port = $dae_port
[pam]
service = $pam_service
[log]
level = info
INI
  ip netns exec "$srv" "$server" -c "$work/server.ini" --check-config \
    >"$work/server.log" 2>&1 ||
    fail "--check-config rejected the test configuration"
  ip netns exec "$srv" "$server" -c "$work/server.ini" >"$work/server.log" 2>&1 &
  spid=$!
  wait_for "$work/server.log" "ready;"
}

stop_server() {
  kill -TERM "$spid"
  wait "$spid" || fail "the server exited with status $?"
  spid=""
}

# Connects as $1 with password $2 and, when $3 is set, the code of TOTP
# secret $3; waits for the address.
connect() { # USER PASSWORD [TOTP-SECRET]
  : >"$work/client.log"
  if [ -n "${3:-}" ]; then
    set -- "$1" "$2" --otp-command "oathtool --totp -b $3"
  else
    set -- "$1" "$2"
  fi
  ip netns exec "$cli" "$client" --server 198.51.100.1 --local 198.51.100.2 \
    --psk e2e-test-pre-shared-key --user "$1" --password "$2" \
    ${3:+"$3"} ${4:+"$4"} --tun e2eacli0 >"$work/client.log" 2>&1 &
  cpid=$!
  wait_for "$work/client.log" "connected: address 192.0.2.1[0-9]"
}

disconnect() {
  kill -INT "$cpid"
  wait "$cpid" || fail "the client exited with status $?"
  cpid=""
}

ping_server() {
  ip netns exec "$cli" ping -c 3 -W 2 192.0.2.1 >"$work/ping.log" ||
    fail "no ping through the tunnel: $(cat "$work/ping.log")"
}

# ---- 1. FreeRADIUS + TOTP over PAP, with accounting ----
start_server radius pap
connect alice 'Secr3t!' $totp
grep -q "connected: address 192.0.2.10," "$work/client.log" ||
  fail "alice did not get her Framed-IP-Address 192.0.2.10"
# This server assigns no DNS server, so the client must not print one.
grep -q "DNS none assigned" "$work/client.log" ||
  fail "the client printed a DNS server none assigned: $(cat "$work/client.log")"
ping_server
wait_record Start
[ "$(record_value Start Framed-IP-Address)" = 192.0.2.10 ] ||
  fail "Start has no Framed-IP-Address 192.0.2.10"
[ "$(record_value Start Class)" = 0x636c732d616c696365 ] ||
  fail "Start does not echo the Class cls-alice"
[ "$(record_value Start NAS-Identifier)" = '"l2tpsec-e2e"' ] ||
  fail "Start has no NAS-Identifier l2tpsec-e2e"
# The interval runs from the server's start, so an early Interim-Update
# may predate the pings; a later one must count them.
for _ in $(seq 100); do
  [ "$(record_value Interim-Update Acct-Input-Packets)" -ge 3 ] 2>/dev/null &&
    break
  sleep 0.1
done
[ "$(record_value Interim-Update Acct-Input-Packets)" -ge 3 ] ||
  fail "no Interim-Update counts the 3 pings"
disconnect
wait_record Stop
session=$(record_value Start Acct-Session-Id)
[ "$(record_value Stop Acct-Session-Id)" = "$session" ] ||
  fail "Stop has another Acct-Session-Id than Start ($session)"
[ "$(record_value Stop Acct-Terminate-Cause)" = User-Request ] ||
  fail "Stop of a client's own disconnect is not User-Request"
[ "$(record_value Stop Acct-Input-Packets)" -ge 3 ] ||
  fail "Stop counts fewer input packets than the 3 pings"
[ "$(record_value Stop Acct-Output-Packets)" -ge 3 ] ||
  fail "Stop counts fewer output packets than the 3 replies"
[ "$(record_value Stop Acct-Input-Octets)" -ge 252 ] ||
  fail "Stop counts fewer input octets than 3 pings of 84 bytes"
[ "$(record_value Stop Class)" = 0x636c732d616c696365 ] ||
  fail "Stop does not echo the Class cls-alice"
[ -n "$(record_value Stop Acct-Session-Time)" ] ||
  fail "Stop has no Acct-Session-Time"
if grep -q "$radius_secret" "$work/server.log"; then
  fail "the RADIUS secret reached the server's log"
fi
stop_server

# ---- 2. MS-CHAPv2 through FreeRADIUS, ended by a Disconnect-Request ----
start_server radius mschapv2
connect bob chap-pass
grep -q "authenticated with MS-CHAPv2" "$work/server.log" ||
  fail "bob was not authenticated with MS-CHAPv2"
ip netns exec "$srv" sh -c "echo 'User-Name=bob,Message-Authenticator=0x00' |
  radclient -x -r 1 -t 3 127.0.0.1:$dae_port disconnect '$radius_secret'" \
  >"$work/radclient.log" 2>&1 || fail "radclient failed"
grep -q "Received Disconnect-ACK" "$work/radclient.log" ||
  fail "the Disconnect-Request was not acknowledged"
wait_for "$work/server.log" "ended"
wait_for "$work/client.log" "disconnected"
for _ in $(seq 50); do
  [ "$(record_value Stop User-Name)" = '"bob"' ] && break
  sleep 0.1
done
[ "$(record_value Stop User-Name)" = '"bob"' ] || fail "no Stop for bob"
[ "$(record_value Stop Acct-Terminate-Cause)" = Admin-Reset ] ||
  fail "Stop after a Disconnect-Request is not Admin-Reset"
stop_pid "$cpid"
cpid=""

# A server shutting down sends Stop (NAS-Request) for the sessions up.
connect bob chap-pass
stop_server
[ "$(record_value Stop User-Name)" = '"bob"' ] || fail "no second Stop for bob"
[ "$(record_value Stop Acct-Terminate-Cause)" = NAS-Request ] ||
  fail "Stop at server shutdown is not NAS-Request"
stop_pid "$cpid"
cpid=""

# ---- 3. PAM with pam_google_authenticator's forward_pass ----
mkdir -m 700 "$work/pam"
printf '%s\n" TOTP_AUTH\n" WINDOW_SIZE 3\n' $totp >"$work/pam/carol"
chmod 600 "$work/pam/carol"
cat >"$work/pam/check-password.sh" <<'SH'
#!/bin/sh
# pam_exec gives the password, NUL-terminated, on standard input.
[ "$(tr -d '\000')" = 'Secr3t!' ]
SH
chmod 700 "$work/pam/check-password.sh"
cat >"/etc/pam.d/$pam_service" <<PAM
auth required $pam_module secret=$work/pam/\${USER} user=root forward_pass
auth required pam_exec.so expose_authtok quiet $work/pam/check-password.sh
account required pam_permit.so
PAM
start_server pam pap
ip netns exec "$cli" "$client" --server 198.51.100.1 --local 198.51.100.2 \
  --psk e2e-test-pre-shared-key --user carol --password 'Wrong!' \
  --otp-command "oathtool --totp -b $totp" --tun e2eacli0 \
  >"$work/client.log" 2>&1 &
cpid=$!
wait_for "$work/server.log" "user 'carol' rejected with PAP"
stop_pid "$cpid"
cpid=""
connect carol 'Secr3t!' $totp
ping_server
grep -q "user 'carol' authenticated with PAP" "$work/server.log" ||
  fail "PAM did not authenticate carol with PAP"
disconnect
stop_server
echo "client_server_auth: all checks passed"
