#!/bin/sh
# Runs libl2tpsec's L2TP layer against xl2tpd (the Debian package) over
# plain UDP on loopback, in both roles, with and without a tunnel secret
# and hidden AVPs. This kernel has no PPP, so xl2tpd's pppd exits once
# the session is up and xl2tpd then sends CDN: each case passes when both
# ends reached the established state and our side handled that CDN.
# Messages we sent are recorded to a pcap and decoded with tshark.
#
#   tests/l2tp/xl2tpd_interop.sh PATH/TO/l2tp_udp_peer
set -u
peer_bin=$1
for tool in xl2tpd tshark; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
    echo "FAIL: $tool is not installed; run scripts/install-deps.sh" >&2
    exit 1
  fi
done
xl2tpd=$(command -v xl2tpd || echo /usr/sbin/xl2tpd)

work=$(mktemp -d /tmp/l2tp-interop.XXXXXX)
# Two ports per case from a per-run base, so parallel runs do not meet.
base=$((20000 + ($$ % 5000) * 8))
failures=0
xl_pid=""
cleanup() {
  if [ -n "$xl_pid" ]; then kill "$xl_pid" 2>/dev/null; wait "$xl_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
echo "noauth" >"$work/ppp.options"

fail() {
  echo "FAIL: $case_name: $1" >&2
  echo "--- our endpoint:" >&2
  cat "$work/$case_name.out" "$work/$case_name.err" >&2
  echo "--- xl2tpd:" >&2
  grep -v '^xl2tpd.*"' "$work/$case_name.xl" >&2
  failures=$((failures + 1))
}

# write_conf ROLE PORT PEER_PORT SECRET: xl2tpd config for one case.
write_conf() {
  {
    printf '[global]\nport = %s\nlisten-addr = 127.0.0.1\n' "$2"
    printf 'access control = no\n\n'
    if [ "$1" = lac ]; then
      printf '[lac test]\nlns = 127.0.0.1:%s\nautodial = yes\n' "$3"
      printf 'redial = no\nhostname = xl2tpd-lac\n'
    else
      printf '[lns default]\nip range = 192.0.2.10-192.0.2.20\n'
      printf 'local ip = 192.0.2.1\nhostname = xl2tpd-lns\n'
      printf 'require authentication = no\n'
    fi
    printf 'pppoptfile = %s/ppp.options\n' "$work"
    if [ -n "$4" ]; then printf 'challenge = yes\nhidden bit = yes\n'; fi
  } >"$work/$case_name.conf"
  printf '* * %s\n' "${4:-unused}" >"$work/$case_name.secrets"
}

start_xl2tpd() {
  "$xl2tpd" -D -c "$work/$case_name.conf" -s "$work/$case_name.secrets" \
    -p "$work/$case_name.pid" -C "$work/$case_name.control" \
    >"$work/$case_name.xl" 2>&1 &
  xl_pid=$!
}

stop_xl2tpd() {
  kill "$xl_pid" 2>/dev/null
  wait "$xl_pid" 2>/dev/null
  xl_pid=""
}

# check_pcap TYPES: the message types we sent, in order, decode in
# tshark without malformed-packet or expert warnings.
check_pcap() {
  pcap="$work/$case_name.pcap"
  types=$(tshark -r "$pcap" -Y 'ip.src == 127.0.0.1 && l2tp.avp.message_type' \
    -T fields -e l2tp.avp.message_type 2>/dev/null | tr '\n' ' ')
  [ "$types" = "$1" ] || fail "tshark decoded our message types '$types', expected '$1'"
  bad=$(tshark -r "$pcap" -V 2>/dev/null | grep -ciE 'malformed|expert info \((warning|error)')
  [ "$bad" -eq 0 ] || fail "tshark reported $bad malformed or warning lines"
  # AVP values of our SCCRQ or SCCRP: host, vendor, our tunnel id, window.
  our_tunnel=$(sed -n 's/^TUNNEL_UP tunnel=\([0-9]*\).*/\1/p' "$work/$case_name.out")
  values=$(tshark -r "$pcap" -Y 'ip.src == 127.0.0.1 && l2tp.avp.host_name' \
    -T fields -e l2tp.avp.host_name -e l2tp.avp.vendor_name \
    -e l2tp.avp.assigned_tunnel_id -e l2tp.avp.receive_window_size \
    2>/dev/null | tr '\t' ' ')
  [ "$values" = "libl2tpsec-test libl2tpsec $our_tunnel 4" ] ||
    fail "tshark decoded our AVPs as '$values'"
  zlbs=$(tshark -r "$pcap" -Y 'ip.src == 127.0.0.1 && l2tp.type == 1 && !l2tp.avp.message_type' \
    2>/dev/null | wc -l)
  [ "$zlbs" -ge 1 ] || fail "tshark found none of our ZLB acknowledgements"
}

# Prints "ok" when the current case added no failure.
report() {
  [ "$failures" -eq "$case_failures" ] && echo "ok: $case_name"
}

# xl2tpd as LAC against our LNS.
run_lns_case() {
  case_name=$1
  case_failures=$failures
  secret=$2
  ours=$((base + 0))
  theirs=$((base + 1))
  base=$((base + 2))
  write_conf lac "$theirs" "$ours" "$secret"
  set -- --role lns --port "$ours" --pcap "$work/$case_name.pcap" --timeout 15
  [ -n "$secret" ] && set -- "$@" --secret "$secret" --hide
  "$peer_bin" "$@" >"$work/$case_name.out" 2>"$work/$case_name.err" &
  our_pid=$!
  sleep 0.3
  start_xl2tpd
  wait "$our_pid"
  rc=$?
  stop_xl2tpd
  [ "$rc" -eq 0 ] || fail "our LNS did not see tunnel, session and CDN (exit $rc)"
  grep -q "Connection established" "$work/$case_name.xl" || fail "xl2tpd did not establish the tunnel"
  grep -q "Call established" "$work/$case_name.xl" || fail "xl2tpd did not establish the call"
  check_pcap "2 11 "
  report
}

# Our LAC against xl2tpd as LNS.
run_lac_case() {
  case_name=$1
  case_failures=$failures
  secret=$2
  ours=$((base + 0))
  theirs=$((base + 1))
  base=$((base + 2))
  write_conf lns "$theirs" "$ours" "$secret"
  start_xl2tpd
  sleep 0.3
  set -- --role lac --port "$ours" --peer-port "$theirs" \
    --pcap "$work/$case_name.pcap" --timeout 15
  [ -n "$secret" ] && set -- "$@" --secret "$secret" --hide
  "$peer_bin" "$@" >"$work/$case_name.out" 2>"$work/$case_name.err"
  rc=$?
  stop_xl2tpd
  [ "$rc" -eq 0 ] || fail "our LAC did not see tunnel, session and CDN (exit $rc)"
  grep -q "Connection established" "$work/$case_name.xl" || fail "xl2tpd did not establish the tunnel"
  grep -q "Call established" "$work/$case_name.xl" || fail "xl2tpd did not establish the call"
  check_pcap "1 3 10 12 "
  report
}

# xl2tpd as LAC with another secret: no tunnel comes up on our side.
run_wrong_secret_case() {
  case_name=$1
  ours=$((base + 0))
  theirs=$((base + 1))
  base=$((base + 2))
  write_conf lac "$theirs" "$ours" "not-sesame"
  "$peer_bin" --role lns --port "$ours" --secret sesame --timeout 5 \
    >"$work/$case_name.out" 2>"$work/$case_name.err" &
  our_pid=$!
  sleep 0.3
  start_xl2tpd
  wait "$our_pid"
  stop_xl2tpd
  if grep -q "^TUNNEL_UP" "$work/$case_name.out"; then
    fail "tunnel came up with a wrong secret"
  elif ! grep -q "^TUNNEL_DOWN" "$work/$case_name.out"; then
    fail "no TUNNEL_DOWN reported for the refused tunnel"
  else
    echo "ok: $case_name"
  fi
}

# with_retry FUNCTION CASE [SECRET]: runs a case again on fresh ports
# when a port turned out to be taken by another program.
with_retry() {
  for attempt in 1 2 3; do
    before=$failures
    "$@" 2>"$work/retry.err"
    if [ "$failures" -ne "$before" ] && [ "$attempt" -lt 3 ] &&
      grep -qiE "address already in use|unable to bind" \
        "$work/$2.out" "$work/$2.err" "$work/$2.xl" 2>/dev/null; then
      echo "note: $2: a port was taken, retrying on other ports"
      failures=$before
      continue
    fi
    cat "$work/retry.err" >&2
    return
  done
}

with_retry run_lns_case lns_plain ""
with_retry run_lns_case lns_secret_hidden sesame
with_retry run_lac_case lac_plain ""
with_retry run_lac_case lac_secret_hidden sesame
with_retry run_wrong_secret_case lns_wrong_secret

if [ "$failures" -ne 0 ]; then
  echo "xl2tpd interop: $failures failed" >&2
  exit 1
fi
echo "xl2tpd interop: 5 passed, 0 failed"
