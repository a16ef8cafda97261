# Runs one scenario (a "cell") inside the guest and prints one result
# line, "L2TPSEC-RESULT {json}", on the serial console. main.sh starts it
# once per cell in a private mount namespace with its own /run, so the
# cell's bind mounts and daemon files vanish when it exits:
#   sh cell.sh CELL.env
#
# ROLE in the cell selects what runs:
#   probe     network check only: ping and a UDP echo to the host
#   selftest  probe, then a strongSwan + xl2tpd + pppd server in the guest
#             and the same stack as client in a network namespace of the
#             guest, connected over a veth pair
#   client    probe, then the guest's client against SERVER_ADDR (the
#             host side: our server on loopback or in the test namespace)
#   server    probe, then strongSwan + xl2tpd + pppd as the server on the
#             guest's own address, for a client on the host side; prints
#             L2TPSEC-READY when it accepts connections and holds until a
#             PPP session came and went or HOLD_SECONDS passed
# With KILL_GUEST=yes the cell powers the guest off right after its
# result line instead of stopping its daemons.

cd /run/scenario || exit 1
. ./lib.sh
. ./l2tp-ipsec.sh
. ./libreswan.sh
. ./server-role.sh
. ./net.env
. "./$1"
LOGS=/tmp/logs/$NAME

# Checks that the host side answers: ICMP echo (when the mode forwards
# it) and a UDP datagram echoed by the runner's responder on ECHO_PORT.
probe_host() {
  if [ "${PING_HOST:-yes}" = yes ]; then
    got=$(ping -n -c 2 -W 3 "$HOST_ADDR" 2>/dev/null |
      awk '/received/ { print $4 }')
    result_str host_ping "${got:-0}/2"
    [ "${got:-0}" -gt 0 ] || fail host_ping "no ping reply from $HOST_ADDR"
  fi
  token="l2tpsec-probe-$(now_ms)"
  reply=$(echo "$token" | timeout 10 nc -u -w 3 "$HOST_ADDR" "$ECHO_PORT")
  if [ "$reply" = "$token" ]; then
    result_str host_udp ok
  else
    result_str host_udp fail
    fail host_udp "no UDP echo from $HOST_ADDR:$ECHO_PORT"
  fi
}

# Sets the guest's clock to the host's, which the runner's UDP responder
# sends for "l2tpsec-time", and records how far off it was, so that a
# TOTP code computed here matches one computed on the host even if the
# emulated clock drifts (it was 9 s behind in the second cell of one
# boot at a load average of 22).
sync_clock() {
  before=$(date +%s)
  host_time=$(echo l2tpsec-time | timeout 10 nc -u -w 3 "$HOST_ADDR" "$ECHO_PORT")
  case "$host_time" in
  [0-9]*)
    date -u -s "@$host_time" >/dev/null
    result_num clock_offset_s $((host_time - before))
    ;;
  *) log "the host sent no time; TOTP codes may not match" ;;
  esac
}

record_versions() {
  result_str kernel "$(uname -r)"
  result_str strongswan "$(dpkg-query -W -f='${Version}' strongswan-charon)"
  result_str xl2tpd "$(dpkg-query -W -f='${Version}' xl2tpd)"
  result_str ppp "$(dpkg-query -W -f='${Version}' ppp)"
  result_str ipsec_stack "${IPSEC_STACK:-strongswan}"
}

run_selftest() {
  setup_side server server 203.0.113.1 203.0.113.1 ||
    { fail server "charon or xl2tpd did not start on the server side"; return; }
  iperf3 -s -D >/dev/null 2>&1
  make_side_namespace l2tpsec-client ||
    { fail namespace "the client namespace did not come up"; return; }
  setup_side client client 203.0.113.1 203.0.113.2 ||
    { fail client "the IPsec daemon or xl2tpd did not start on the client side"; return; }
  SECRET_HOOK=set_server_secret
  connect_client 203.0.113.1 && measure_tunnel
}

run_client() {
  setup_side client client "$SERVER_ADDR" "$GUEST_ADDR" ||
    { fail client "the IPsec daemon or xl2tpd did not start"; return; }
  connect_client "$SERVER_ADDR" && measure_tunnel || return
  [ "${REPLAY_CODE:-no}" = yes ] || return 0
  reconnect_same_password
}

# A scenario with EXPECT_FAILED_STEP passes only when it failed at that
# step (for example "ppp" for a wrong password); any other outcome fails.
check_expected_failure() {
  [ -n "${EXPECT_FAILED_STEP:-}" ] || return 0
  result_str expected_failed_step "$EXPECT_FAILED_STEP"
  if [ "$result_failed_step" = "$EXPECT_FAILED_STEP" ]; then
    result_status=pass
  else
    result_status=fail
    log "expected a failure at $EXPECT_FAILED_STEP, got '$result_failed_step'"
  fi
}

main() {
  boot_ms=$(now_ms)
  result_str scenario "$NAME"
  result_str role "$ROLE"
  result_num boot_ms "$boot_ms"
  record_versions
  probe_host
  sync_clock
  case "$ROLE" in
  probe) ;;
  selftest) run_selftest ;;
  client) run_client ;;
  server) run_server ;;
  *) fail scenario "unknown ROLE '$ROLE' (expected probe, selftest, client or server)" ;;
  esac
  result_num scenario_ms $(($(now_ms) - boot_ms))
  if [ "$result_status" != pass ] || [ "${DUMP_LOGS:-no}" = yes ]; then
    dump_side_logs
  fi
  check_expected_failure
  print_result
  [ "${KILL_GUEST:-no}" = yes ] && power_off_now
  stop_daemons
}

# Powers the guest off at once (KILL_GUEST=yes), with the session up and
# no daemon stopped, as when the client's machine fails. The server must
# then detect the dead peer. Only the last cell of a boot can do this.
power_off_now() {
  printf '\nL2TPSEC-DONE\n'
  echo o >/proc/sysrq-trigger
  sleep 30
}

main
