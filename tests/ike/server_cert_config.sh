#!/bin/sh
# l2tpsec-server --check-config with certificate keys in [ipsec]: a
# complete set validates, and each broken one is reported with the file
# and what to do. Needs no root: the server only reads its files.
#
#   server_cert_config.sh PATH-TO-l2tpsec-server SOURCE-DIR
set -eu
server=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="output=$work/errors"

command -v openssl >/dev/null || fail "openssl is missing; scripts/install-deps.sh installs it"
sh "$src/tests/ike/make_ike_certs.sh" "$work"

# config NAME [ipsec] LINES...: the sample with its PSK replaced.
config() {
  name=$1
  shift
  sed -e '/^psk = /d' -e 's/^listen = .*/listen = 127.0.0.1/' \
    "$src/examples/server/server.ini" >"$work/$name.ini"
  for line in "$@"; do
    sed -i "s|^\[ipsec\]|[ipsec]\n$line|" "$work/$name.ini"
  done
}

# expect_error NAME TEXT: --check-config rejects NAME.ini saying TEXT.
expect_error() {
  if "$server" -c "$work/$1.ini" --check-config >/dev/null 2>"$work/errors"; then
    fail "$1.ini was accepted"
  fi
  grep -q "$2" "$work/errors" || fail "$1.ini: missing error '$2'"
}

config good "certificate = $work/server_ec.pem" \
  "private_key = $work/server_ec.key" "ca = $work/ca.pem" \
  "id = vpn.example.com"
"$server" -c "$work/good.ini" --check-config >"$work/errors" 2>&1 ||
  fail "a complete certificate configuration was rejected"
grep -q "configuration is valid" "$work/errors" || fail "no 'valid' message"

# The client reads only the first line of a PSK file, so the server
# must not take a second line into its key.
printf 'first-line-key-1234\nsecond-line\n' >"$work/psk2.txt"
config psk_two_lines "psk_file = $work/psk2.txt"
expect_error psk_two_lines "has more than one line"

config no_key "certificate = $work/server_ec.pem" "ca = $work/ca.pem"
expect_error no_key "needs private_key in \[ipsec\]"

config no_ca "certificate = $work/server_ec.pem" \
  "private_key = $work/server_ec.key"
expect_error no_ca "needs ca in \[ipsec\]"

config wrong_key "certificate = $work/server_ec.pem" \
  "private_key = $work/wrong_ec.key" "ca = $work/ca.pem"
expect_error wrong_key "private_key '$work/wrong_ec.key'.*does not belong to the certificate"

config bad_ca "certificate = $work/server_ec.pem" \
  "private_key = $work/server_ec.key" "ca = $work/server_ec.key"
expect_error bad_ca "CA certificates do not parse"

config bad_id "certificate = $work/server_ec.pem" \
  "private_key = $work/server_ec.key" "ca = $work/ca.pem" \
  "id = other.example.com"
expect_error bad_id "\"other.example.com\" is not a subjectAltName"

config missing "certificate = $work/absent.pem"
expect_error missing "cannot read '$work/absent.pem'"
echo "PASS"
