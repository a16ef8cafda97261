#!/bin/sh
# l2tpsec-server --check-config on the [ike] section: every key with a
# valid value passes, and each invalid value or unknown key is reported
# as FILE:LINE with the line it is on. Needs no root.
#
#   server_ike_config.sh PATH-TO-l2tpsec-server SOURCE-DIR
set -eu
server=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="output=$work/errors"

# config NAME LINES...: the sample with an [ike] section of LINES at its
# end, so that LINES start at line $base + 1.
config() {
  name=$1
  shift
  # The sample's own [ike] keys go, because a key set twice is an error.
  sed -e 's/^listen = .*/listen = 127.0.0.1/' \
    -e '/^fake_client_nat = /d' -e '/^aggressive_responder = /d' \
    "$src/examples/server/server.ini" >"$work/$name.ini"
  echo "[ike]" >>"$work/$name.ini"
  base=$(wc -l <"$work/$name.ini")
  for line in "$@"; do
    echo "$line" >>"$work/$name.ini"
  done
}

# expect_error NAME LINE TEXT: --check-config rejects NAME.ini with TEXT
# reported at LINE lines into the added section.
expect_error() {
  if "$server" -c "$work/$1.ini" --check-config >/dev/null 2>"$work/errors"; then
    fail "$1.ini was accepted"
  fi
  line=$((base + $2))
  grep -q "$1.ini:$line: .*$3" "$work/errors" ||
    fail "$1.ini: missing error '$3' at line $line"
}

config good "fake_client_nat = yes" "aggressive_responder = yes" \
  "ike_lifetime = 3600" "esp_lifetime = 1200" "rekey_margin = 120" \
  "psk_id = vpn.example.com"
"$server" -c "$work/good.ini" --check-config >"$work/errors" 2>&1 ||
  fail "a complete [ike] section was rejected"
grep -q "configuration is valid" "$work/errors" || fail "no 'valid' message"
for id in 203.0.113.7 2001:db8::7 gw@example.com; do
  config good_id "fake_client_nat = auto" "psk_id = $id"
  "$server" -c "$work/good_id.ini" --check-config >"$work/errors" 2>&1 ||
    fail "psk_id = $id was rejected"
done

config bad_fake "fake_client_nat = sometimes"
expect_error bad_fake 1 "invalid fake_client_nat 'sometimes': expected auto"
config bad_aggressive "esp_lifetime = 600" "aggressive_responder = maybe"
expect_error bad_aggressive 2 "invalid aggressive_responder 'maybe'"
config short_life "ike_lifetime = 59"
expect_error short_life 1 "invalid ike_lifetime '59': expected 60 to 86400 seconds"
config long_life "esp_lifetime = 86401"
expect_error long_life 1 "invalid esp_lifetime '86401'"
config negative_margin "rekey_margin = -5"
expect_error negative_margin 1 "invalid rekey_margin '-5'"
config zero_margin "rekey_margin = 0"
expect_error zero_margin 1 "invalid rekey_margin '0': expected 1 to 43200"
config bad_id "psk_id = has space.example.com"
expect_error bad_id 1 "invalid psk_id 'has space.example.com'"
config two_at "psk_id = a@b@example.com"
expect_error two_at 1 "invalid psk_id"
config unknown "lifetime = 3600"
expect_error unknown 1 "unknown key 'lifetime' in \[ike\]; expected one of: fake_client_nat"

# Every error of a file at once, each with its line.
config many "fake_client_nat = x" "ike_lifetime = 1" "psk_id = @"
expect_error many 1 "invalid fake_client_nat"
expect_error many 2 "invalid ike_lifetime"
expect_error many 3 "invalid psk_id"
echo "PASS"
