#!/bin/sh
# Sends the first main mode message of each native client's proposal list
# with ike-scan to ike_responder on a loopback port, and checks the
# transform the responder chose, per preset.
#
#   tests/ike/ike_scan.sh RESPONDER_BINARY
#
# Each responder binds a free loopback port, so parallel runs of the
# suite do not meet each other.
set -eu
responder=$1
failures=0
out_file=$(mktemp)
psk_file=$(mktemp)
words_file=$(mktemp)
trap 'rm -f "$out_file" "$psk_file" "$words_file"' EXIT

if ! command -v ike-scan >/dev/null 2>&1; then
  echo "ike_scan.sh: ike-scan is not installed; run scripts/install-deps.sh" >&2
  exit 1
fi

# Transform lists in ike-scan's (attribute=value) syntax: 1 = cipher
# (5 3DES, 7 AES), 14 = key length, 2 = hash (1 MD5, 2 SHA1, 4 SHA256),
# 3 = authentication (1 PSK), 4 = DH group.
windows="(1=7,14=256,2=2,3=1,4=20) (1=7,14=128,2=2,3=1,4=19)
 (1=7,14=256,2=2,3=1,4=14) (1=5,2=2,3=1,4=14) (1=5,2=2,3=1,4=2)"
apple=""
for g in 14 5 2; do
  for b in 256 128; do
    for h in 4 2; do
      apple="$apple (1=7,14=$b,2=$h,3=1,4=$g)"
    done
  done
done
apple="$apple (1=5,2=2,3=1,4=2) (1=5,2=1,3=1,4=2)"
android="(1=7,14=256,2=2,3=1,4=2) (1=7,14=256,2=1,3=1,4=2)
 (1=7,14=128,2=2,3=1,4=2) (1=7,14=128,2=1,3=1,4=2) (1=5,2=2,3=1,4=2)
 (1=5,2=1,3=1,4=2)"
networkmanager="(1=7,14=256,2=2,3=1,4=20) (1=7,14=128,2=2,3=1,4=19)
 (1=7,14=256,2=2,3=1,4=14) (1=5,2=2,3=1,4=14) $apple"

# check NAME "PRESET [aggressive]" EXPECTED TRANSFORMS [ike-scan options]
check() {
  name=$1 preset=$2 expected=$3 list=$4
  shift 4
  # Empty the file here, not in the background job, so the loop below
  # never reads the previous responder's port.
  : >"$out_file"
  # shellcheck disable=SC2086
  "$responder" 0 30 $preset >>"$out_file" 2>/dev/null &
  pid=$!
  port=""
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$(sed -n 's/^port=//p' "$out_file")
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "FAILED: ike_responder did not start" >&2
    exit 1
  fi
  args=""
  for t in $list; do args="$args --trans=$t"; done
  # shellcheck disable=SC2086
  # Generous timeouts: sanitizer builds on a loaded machine are slow.
  out=$(ike-scan --sport=0 --dport="$port" --retry=2 --timeout=2000 \
    $args "$@" 127.0.0.1 2>&1 || true)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if printf '%s\n' "$out" | grep -q -- "$expected"; then
    echo "ok: $name with $preset: $expected"
  else
    echo "FAILED: $name with $preset: expected \"$expected\", got:" >&2
    printf '%s\n' "$out" >&2
    failures=$((failures + 1))
  fi
}

check windows compatible "Enc=AES KeyLength=256 Hash=SHA1 Auth=PSK Group=20:ecp384" "$windows"
check windows strict "NO-PROPOSAL-CHOSEN" "$windows"
check apple compatible "Enc=AES KeyLength=256 Hash=SHA2-256 Auth=PSK Group=14:modp2048" "$apple"
check apple strict "Enc=AES KeyLength=256 Hash=SHA2-256 Auth=PSK Group=14:modp2048" "$apple"
check android compatible "NO-PROPOSAL-CHOSEN" "$android"
check android legacy "Enc=AES KeyLength=256 Hash=SHA1 Auth=PSK Group=2:modp1024" "$android"
check networkmanager compatible "Enc=AES KeyLength=256 Hash=SHA1 Auth=PSK Group=20:ecp384" "$networkmanager"
check aggressive compatible "0 returned handshake; 0 returned notify" "$windows" -A --id=client@example.com

# With the opt-in responder on, AM1 gets an AM2. psk-crack
# (from the ike-scan package) then finds the responder's pre-shared key
# from its HASH_R with a two-word list: an independent check of HASH_R,
# and the reason the responder is off by default.
: >"$psk_file"
check aggressive "compatible aggressive" \
  "Aggressive Mode Handshake returned .*Enc=AES KeyLength=256 Hash=SHA1 Auth=PSK Group=14:modp2048" \
  "(1=7,14=256,2=2,3=1,4=14)" -A --id=client@example.com --dhgroup=14 \
  --pskcrack="$psk_file"
printf 'wrong-guess\nike-scan-test\n' >"$words_file"
if psk-crack -d "$words_file" "$psk_file" 2>&1 | grep -q 'key "ike-scan-test" matches'; then
  echo "ok: psk-crack recovers the key from our HASH_R"
else
  echo "FAILED: psk-crack did not match HASH_R of our aggressive mode answer" >&2
  failures=$((failures + 1))
fi

[ "$failures" -eq 0 ] || exit 1
