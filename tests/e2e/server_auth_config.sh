#!/bin/sh
# l2tpsec-server --check-config on the authenticator chain: each broken
# [auth], [radius] or [pam] setting is reported with its line number and
# what to do, and the RADIUS secret never appears in the output.
#
#   server_auth_config.sh PATH-TO-l2tpsec-server
set -eu
server=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="output=$work/out"

# Writes the common sections, then the lines given on stdin.
write_config() {
  {
    printf '[server]\nlisten = 127.0.0.1\n[ipsec]\npsk = config-test-psk\n'
    printf '[pool]\nrange = 192.0.2.10-192.0.2.20\nlocal_address = 192.0.2.1\n'
    cat
  } >"$work/server.ini"
}

# Runs --check-config, which must fail, and checks one expected line.
expect_error() { # PATTERN
  if "$server" -c "$work/server.ini" --check-config >"$work/out" 2>&1; then
    fail "--check-config accepted a configuration with: $1"
  fi
  grep -q -- "$1" "$work/out" || fail "expected '$1'"
}

expect_valid() {
  "$server" -c "$work/server.ini" --check-config >"$work/out" 2>&1 ||
    fail "--check-config rejected a valid configuration"
}

# Lines 1-7 are the common sections, so [auth] starts at line 8.
write_config <<'INI'
[auth]
chain = local, ldap
[user alice]
password = pw-long-enough
INI
expect_error "server.ini:9: invalid item 'ldap': expected local, radius or pam"

write_config <<'INI'
[auth]
chain = radius
[radius]
server = 192.0.2.10
INI
expect_error "server.ini:11: missing secret in \[radius\]: set secret ="

write_config <<'INI'
[auth]
chain = radius
INI
expect_error "server.ini:9: missing server in \[radius\]"
expect_error "missing secret in \[radius\]"

write_config <<'INI'
[auth]
chain = radius
[radius]
server = 192.0.2.10, 192.0.2.300
secret = sEcReT-never-printed
INI
expect_error "server.ini:11: invalid RADIUS server '192.0.2.300': expected a numeric"

write_config <<'INI'
[auth]
chain = radius
[radius]
server = 192.0.2.10
secret = sEcReT-never-printed-sEcReT-never-printed-sEcReT-never-printed-sEcReT-never-printed-sEcReT-never-printed-sEcReT-never-printed-sEcReT-never-printed
timeout = 5
retry_interval = 10
dae_port = 3799
colour = blue
INI
expect_error "server.ini:12: invalid secret of 146 bytes: expected 1 to 128"
expect_error "retry_interval (10 s) is longer than timeout (5 s)"
expect_error "dae_port is set but dae_listen is not"
expect_error "server.ini:16: unknown key 'colour' in \[radius\]"
if grep -q "sEcReT" "$work/out"; then fail "the RADIUS secret was printed"; fi

write_config <<'INI'
[auth]
chain = pam
[pam]
service = no-such-service-for-l2tpsec
INI
expect_error "server.ini:9: PAM service 'no-such-service-for-l2tpsec' not found: create /etc/pam.d/"

write_config <<'INI'
[auth]
chain = pam
[pam]
service = ../passwd
INI
expect_error "server.ini:11: invalid PAM service '../passwd'"

write_config <<'INI'
[auth]
chain = pam
methods = pap, mschapv2
[pam]
service = login
INI
expect_error "server.ini:10: the chain has only pam, which checks PAP passwords only: set methods = pap"

write_config <<'INI'
[auth]
chain = radius
methods = pap, eap
[radius]
server = 192.0.2.10
secret = sEcReT-never-printed
INI
expect_error "server.ini:10: invalid methods item 'eap'"

write_config <<'INI'
[auth]
chain = radius
[radius]
server = 192.0.2.10
secret = sEcReT-never-printed
[pool pool-a]
range = 192.0.2.50-192.0.2.40
[pool pool-b]
size = 4
INI
expect_error "server.ini:14: invalid range '192.0.2.50-192.0.2.40' in \[pool pool-a\]"
expect_error "server.ini:16: unknown key 'size' in \[pool pool-b\]: expected range"
expect_error "server.ini:16: missing range in \[pool pool-b\]"

write_config <<'INI'
[auth]
chain = radius, pam, local
methods = pap, mschapv2
[user alice]
password = pw-long-enough
[radius]
server = 192.0.2.10, 2001:db8::10
secret = sEcReT-never-printed
timeout = 30
interim_interval = 600
dae_listen = 192.0.2.1
dae_port = 3799
require_event_timestamp = yes
[pam]
service = login
check_account = no
INI
expect_valid

# The lockout keys: 0 turns the lockout off; a time of 0 is invalid.
write_config <<'INI'
[auth]
lockout_failures = 0
lockout_window = 60
lockout_time = 120
[user alice]
password = pw-long-enough
INI
expect_valid
write_config <<'INI'
[auth]
lockout_failures = many
lockout_time = 0
[user alice]
password = pw-long-enough
INI
expect_error "server.ini:9: invalid number 'many'"
expect_error "server.ini:10: invalid number '0': expected 1 to 86400"

# Booleans in [radius] and [pam] take the same words as in [server].
write_config <<'INI'
[auth]
chain = radius
[radius]
server = 192.0.2.10
secret = sEcReT-never-printed
require_event_timestamp = on
require_message_authenticator = 1
[pam]
check_account = off
INI
expect_valid
write_config <<'INI'
[auth]
chain = radius
[radius]
server = 192.0.2.10
secret = sEcReT-never-printed
require_event_timestamp = maybe
INI
expect_error "server.ini:13: invalid boolean 'maybe': expected yes or no"

echo "server_auth_config: all checks passed"
