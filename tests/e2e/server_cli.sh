#!/bin/sh
# The example server as an administrator meets it: --check-config with
# line numbers, the first-run configuration with its secrets and QR code,
# --status over the control socket, SIGHUP and SIGTERM. The server runs in
# a network namespace this script creates and deletes.
#
#   server_cli.sh PATH-TO-l2tpsec-server SOURCE-DIR PATH-TO-l2tpsec-client
set -eu
server=$1
src=$2
client=$3
. "$(dirname "$0")/../common/netns.sh"
ns=$(netns_name cli)
work=$(mktemp -d)
pid=""
cpid=""

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="server=$work/out client=$work/client"

# Each kill may find its process gone already; under set -e that must
# not end the clean-up before the server is stopped.
cleanup() {
  [ -z "$cpid" ] || kill "$cpid" 2>/dev/null || true
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
netns_on_exit cleanup

[ "$(id -u)" -eq 0 ] || fail "needs root for a network namespace and a TUN device; run the suite as root (sudo scripts/test.sh)"
command -v oathtool >/dev/null || fail "oathtool is missing; scripts/install-deps.sh installs it"

# Runs --check-config on FILE in $work, which must fail and print every
# EXPECTED text.
expect_rejected() {
  file=$1
  shift
  if ip netns exec "$ns" "$server" -c "$work/$file" --check-config \
    2>"$work/errors"; then
    fail "--check-config accepted $file"
  fi
  for expected in "$@"; do
    grep -q "$expected" "$work/errors" || fail "missing error: $expected"
  done
}

netns_add "$ns"

# --check-config accepts the sample and reports each error with its line.
# The sample listens on 192.0.2.1, which must exist where it is checked.
ip -n "$ns" addr add 192.0.2.1/32 dev lo
ip netns exec "$ns" "$server" -c "$src/examples/server/server.ini" \
  --check-config >"$work/check" ||
  fail "the sample configuration does not validate"
grep -q "configuration is valid" "$work/check" || fail "no 'valid' message"

cat >"$work/bad.ini" <<'INI'
[server]
listen = 192.0.2.1 example.org
[ipsec]
psk = a-long-enough-key
[pool]
range = 192.0.2.50-192.0.2.10
local_address = 192.0.2.1
[tun]
colour = blue
[auth]
require_code = maybe
[user alice]
password = x
INI
expect_rejected bad.ini \
  "bad.ini:2: invalid item 'example.org'" \
  "bad.ini:6: range '192.0.2.50-192.0.2.10' is reversed" \
  "bad.ini:9: unknown key 'colour' in \[tun\]" \
  "bad.ini:11: invalid boolean 'maybe'" \
  "bad.ini:13: password of user alice is 1 character long" \
  "5 error(s)"

# A range larger than a pool can be: --check-config must report it
# rather than leave it to the start.
cat >"$work/huge.ini" <<'INI'
[server]
listen = 192.0.2.1
[ipsec]
psk = a-long-enough-key
[pool]
range = 10.0.0.0/8
local_address = 10.0.0.1
[user alice]
password = alice-password
INI
expect_rejected huge.ini \
  "huge.ini:6: range '10.0.0.0/8' holds 16777216 addresses, but a pool holds at most 1048576" \
  "1 error(s)"

# Lines libinih accepts without a word: a key given twice (the last value
# would win) and a secret cut short at " ;". Each error names its lines,
# and none shows the secret.
cat >"$work/repeat.ini" <<'INI'
[server]
listen = 192.0.2.1
[ipsec]
psk = a-long-enough-key ;part-of-the-key
[pool]
range = 198.51.100.10-198.51.100.20
range = 198.51.100.30
local_address = 198.51.100.1
[tun]
mtu = 1400
mtu = 1300
[user alice]
password = long-enough-password
password = another-password
INI
expect_rejected repeat.ini \
  "repeat.ini:4: psk in \[ipsec\] has a ';' after a blank" \
  "repeat.ini:11: duplicate key 'mtu' in \[tun\]: line 10 sets it too" \
  "repeat.ini:14: duplicate key 'password' in \[user alice\]: line 13" \
  "3 error(s)"
if grep -q "part-of-the-key\|another-password" "$work/errors"; then
  fail "an error shows a secret"
fi

# Clashing keys, a pool of 0.0.0.0/0 and a two-line PSK file: one error
# each, and no "missing psk" beside the bad psk_file.
printf 'first-line\nsecond-line\n' >"$work/psk2"
cat >"$work/clash.ini" <<INI
[server]
listen = 192.0.2.1
ike_port = 4500
natt_port = 4500
[ipsec]
psk_file = $work/psk2
psk = a-long-enough-key
[pool]
range = 0.0.0.0/0
local_address = 192.0.2.1
[user alice]
password = alice-password
[server]
max_plain_peers = 0
INI
expect_rejected clash.ini \
  "clash.ini:4: ike_port and natt_port are both 4500" \
  "clash.ini:6: psk_file '$work/psk2' has more than one line" \
  "clash.ini:7: psk and psk_file are both set" \
  "clash.ini:9: range '0.0.0.0/0' starts at 0.0.0.0" \
  "clash.ini:14: invalid number '0': expected 1 to 65535" \
  "5 error(s)"
! grep -q "missing psk" "$work/errors" || fail "a bad psk_file also said missing psk"

# Secrets readable by other users: valid, with a warning for each file.
echo a-long-enough-key >"$work/psk1"
chmod 644 "$work/psk1"
sed -e "s|^psk_file = .*|psk_file = $work/psk1|" -e '/^psk = /d' \
  -e 's/^ike_port = .*/ike_port = 500/' -e 's/^natt_port = .*/natt_port = 4500/' \
  -e 's|^range = .*|range = 192.0.2.10-192.0.2.20|' \
  -e 's/^max_plain_peers = .*/max_plain_peers = 8/' "$work/clash.ini" \
  >"$work/open.ini"
chmod 644 "$work/open.ini"
ip netns exec "$ns" "$server" -c "$work/open.ini" --check-config \
  >/dev/null 2>"$work/errors" || fail "open.ini does not validate: $(cat "$work/errors")"
grep -q "$work/psk1: warning: the PSK file is readable by other users" \
  "$work/errors" || fail "no warning about the PSK file's mode"
grep -q "open.ini: warning: this configuration holds secrets" "$work/errors" ||
  fail "no warning about the configuration's mode"
chmod 600 "$work/psk1" "$work/open.ini"
ip netns exec "$ns" "$server" -c "$work/open.ini" --check-config \
  >/dev/null 2>"$work/errors" || fail "open.ini does not validate"
! grep -q warning "$work/errors" || fail "warned about files of mode 600"

ip -n "$ns" addr del 192.0.2.1/32 dev lo

# First run: loopback only, fresh secrets, a usable TOTP secret.
ip netns exec "$ns" "$server" --control-socket "$work/first.sock" \
  >"$work/out" 2>&1 &
pid=$!
wait_for "$work/out" "ready;" 5
grep -q "listens on 127.0.0.1 only" "$work/out" || fail "no loopback notice"
grep -q "To accept clients from other hosts" "$work/out" ||
  fail "no hint on listening publicly"
psk=$(sed -n 's/^  Pre-shared key:  //p' "$work/out")
[ ${#psk} -eq 20 ] || fail "PSK '$psk' is not 20 characters"
secret=$(sed -n 's/^  TOTP secret:     \([A-Z2-7]*\) .*/\1/p' "$work/out")
grep -q "otpauth://totp/l2tpsec:demo?secret=$secret&issuer=l2tpsec" \
  "$work/out" || fail "the otpauth URI does not carry the TOTP secret"
oathtool --totp -b "$secret" >/dev/null ||
  fail "oathtool rejects the printed TOTP secret"
grep -q "▀" "$work/out" || fail "no QR code"

# The printed client command logs in as printed, given the password.
password=$(sed -n 's/^  Password:        \([^ ]*\) followed.*/\1/p' "$work/out")
hint=$(sed -n '/l2tpsec-client --server/,/--otp-command/p' "$work/out" |
  tr -d '\\\n')
eval "set -- $hint"
[ "$1" = build/examples/client/l2tpsec-client ] ||
  fail "the printed client command starts with '$1'"
shift
ip netns exec "$ns" "$client" "$@" --password "$password" --tun e2ecli0 \
  >"$work/client" 2>&1 &
cpid=$!
for _ in $(seq 200); do
  grep -q "connected: address 192.0.2.10" "$work/client" && break
  sleep 0.1
done
grep -q "connected: address 192.0.2.10" "$work/client" ||
  fail "the printed client command did not connect within 20 s"
kill -INT "$cpid"
wait "$cpid" || true
cpid=""

ip netns exec "$ns" "$server" --control-socket "$work/first.sock" --status \
  >"$work/status" ||
  fail "--status failed"
grep -q "Listening on: 127.0.0.1 (IKE 500, NAT-T 4500); TUN l2tpsec0" \
  "$work/status" || fail "unexpected status: $(cat "$work/status")"
ip -n "$ns" addr show l2tpsec0 | grep -q "inet 192.0.2.1/24" ||
  fail "TUN l2tpsec0 lacks 192.0.2.1/24"

# A second instance: refused before it prints fresh secrets.
if ip netns exec "$ns" "$server" --control-socket "$work/first.sock" \
  >"$work/second" 2>&1; then
  fail "a second first-run server started"
fi
grep -q "another l2tpsec-server is running" "$work/second" ||
  fail "the second server did not name the running one: $(cat "$work/second")"
! grep -q "Pre-shared key" "$work/second" ||
  fail "the second server printed fresh secrets"

kill -HUP "$pid"
wait_for "$work/out" "has no file to reload" 5
kill -TERM "$pid"
wait "$pid" || fail "the server exited with status $?"
pid=""
grep -q "stopped" "$work/out" || fail "no 'stopped' line"
[ ! -e "$work/first.sock" ] || fail "the control socket was left"

# A configuration file: reload keeps running, a broken reload says where.
sed -e 's/^listen = .*/listen = 127.0.0.1/' \
  -e "s|^control_socket = .*|control_socket = $work/control.sock|" \
  -e 's/^name = l2tpsec0/name = e2etun1/' \
  "$src/examples/server/server.ini" >"$work/good.ini"
# Empty the log here: the child truncates it only once it runs.
: >"$work/out"
ip netns exec "$ns" "$server" -c "$work/good.ini" >"$work/out" 2>&1 &
pid=$!
wait_for "$work/out" "ready;" 5
kill -HUP "$pid"
wait_for "$work/out" "reloaded users and TOTP secrets from $work/good.ini" 5
echo "bogus = 1" >>"$work/good.ini"
line=$(wc -l <"$work/good.ini")
kill -HUP "$pid"
wait_for "$work/out" "good.ini:$line: unknown key 'bogus' in \[log\]" 5
# --status needs only control_socket, not a file without errors.
ip netns exec "$ns" "$server" -c "$work/good.ini" --status \
  >"$work/status" 2>&1 ||
  fail "--status failed on a file with an error elsewhere: $(cat "$work/status")"
grep -q "Listening on: 127.0.0.1" "$work/status" ||
  fail "unexpected status: $(cat "$work/status")"
ip netns exec "$ns" "$server" -c "$work/missing.ini" --status \
  2>"$work/status" && fail "--status succeeded without a configuration file"
grep -q "name it with --control-socket PATH" "$work/status" ||
  fail "--status did not say what to do: $(cat "$work/status")"
kill -TERM "$pid"
wait "$pid" || fail "the server exited with status $?"
pid=""
echo "server_cli: all checks passed"
