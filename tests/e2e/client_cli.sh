#!/bin/sh
# l2tpsec-client's option errors: each names the option at fault and
# what it expects, before the client opens anything (no root needed).
#
#   client_cli.sh PATH-TO-l2tpsec-client
set -eu
client=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT

. "$(dirname "$0")/../common/e2e.sh"
fail_logs="client=$out"

# Runs the client with the given options and standard input from
# /dev/null; it must exit 2 and print PATTERN.
expect_error() { # PATTERN OPTION...
  pattern=$1
  shift
  status=0
  "$client" "$@" </dev/null >"$out" 2>&1 || status=$?
  [ "$status" -eq 2 ] || fail "'$*' exited $status, not 2"
  grep -q -- "$pattern" "$out" || fail "'$*' did not say '$pattern'"
}

base="--server 198.51.100.1 --psk k"
# shellcheck disable=SC2086
expect_error "invalid --route 'banana'" $base --user a --route banana
# shellcheck disable=SC2086
expect_error "invalid --route '10.0.0.0/40'" $base --user a \
  --route 10.0.0.0/40
# shellcheck disable=SC2086
expect_error "invalid --route '10.0.0.0/'" $base --user a --route 10.0.0.0/
# shellcheck disable=SC2086
expect_error "missing --user NAME" $base
expect_error "missing --server ADDRESS" --user a --psk k
# shellcheck disable=SC2086
expect_error "'abcdefghijklmnopq' is too long: at most 15" $base --user a \
  --tun abcdefghijklmnopq
# shellcheck disable=SC2086
expect_error "the PPP password is needed: give --password" $base --user a
"$client" --help | grep -q "gone after 3 unanswered probes" ||
  fail "--help does not describe --keepalive"
echo "client_cli: all checks passed"
