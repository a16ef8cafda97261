# ROLE=server: strongSwan + xl2tpd + pppd as the L2TP/IPsec server on the
# guest's own address, for a client on the host side (l2tpsec-client in
# the reverse-direction cells). Sourced by cell.sh.

# Writes the PPP secret once, before the cell is ready: PPP_PASSWORD
# followed by the TOTP code for the guest's Unix time now (totp_time).
# The READY line passes that time to the host, whose client computes its
# code for it: under TCG the guest's clock fell 3 to 4 s behind the
# host's within a minute of being set, so codes computed at the same
# moment differed early in each 30 s step. The code of this throwaway
# test user goes into the result as server_code.
write_server_secret() {
  totp_time=$(date +%s)
  secret=$(ppp_password "$totp_time") || return 1
  set_server_secret "$secret"
  result_str server_code "${secret#"$PPP_PASSWORD"}"
  result_num totp_time "$totp_time"
}

# Makes pppd run an ip-up and an ip-down script from DIR that append
# "up|down MS LOCAL PEER" (MS from now_ms) to SESSION_EVENTS. pppd runs
# them when IPCP opens and closes, so a session is seen however short it
# is. Polling ppp0 missed a whole session of a few seconds at a high
# load, when one round of the loop took longer than that.
add_session_hooks() {
  dir=$1
  : >"$SESSION_EVENTS"
  for event in up down; do
    # pppd runs the scripts with an empty environment, so the paths are
    # written in: $4 is the local and $5 the peer address.
    cat >"$dir/ip-$event" <<HOOK
#!/bin/sh
. /run/scenario/lib.sh
echo "$event \$(now_ms) \$4 \$5" >>"$SESSION_EVENTS"
HOOK
    chmod 755 "$dir/ip-$event"
    echo "ip-$event-script $dir/ip-$event" >>"$dir/options.pppd"
  done
}

ike_established() {
  ipsec status 2>/dev/null | grep -q ESTABLISHED
}

# Records the IKE up time in milliseconds from L2TPSEC-READY. The poll
# misses an IKE SA that comes and goes between two rounds of the loop.
watch_ike() {
  if [ -z "${ike_seen:-}" ] && ike_established; then
    ike_seen=$(now_ms)
    result_num ike_up_ms $((ike_seen - ready))
    record_sa
  fi
}

# Records the first session's PPP up time (milliseconds from
# L2TPSEC-READY) and addresses, and counts in sessions_ended and
# sessions_up the sessions that ended and those still up, from the
# events of the pppd scripts.
read_session_events() {
  first_up=$(grep -m 1 '^up ' "$SESSION_EVENTS")
  if [ -z "${ppp_seen:-}" ] && [ -n "$first_up" ]; then
    # shellcheck disable=SC2086
    set -- $first_up
    ppp_seen=$2
    result_num ppp_up_ms $((ppp_seen - ready))
    result_str address "$3"
    result_str peer_address "$4"
  fi
  sessions_ended=$(grep -c '^down ' "$SESSION_EVENTS")
  sessions_up=$(($(grep -c '^up ' "$SESSION_EVENTS") - sessions_ended))
}

# With DUMP_LOGS=yes, records the kernel's SA and policy events (adds,
# deletes, ACQUIREs) with timestamps, to show when the SAs were usable.
start_xfrm_monitor() {
  [ "${DUMP_LOGS:-no}" = yes ] || return 0
  # The key lines are left out: keys never reach the console.
  ip -ts xfrm monitor 2>&1 |
    grep --line-buffered -Ev '^[[:space:]]*(enc|auth|auth-trunc|aead) ' \
      >"$LOGS/server-xfrm.log" &
  xfrm_monitor_pid=$!
}

# Records how the sessions ended: when the last one went down, or that
# one was still up after HOLD_SECONDS.
record_session_end() {
  result_num sessions "$sessions_ended"
  if [ -z "${ppp_seen:-}" ]; then
    fail ppp "no client brought a PPP session up within ${HOLD_SECONDS:-120} s"
  elif [ "$sessions_up" -gt 0 ]; then
    result_str session_end "still up after ${HOLD_SECONDS:-120} s"
  else
    down_ms=$(awk '$1 == "down" { ms = $2 } END { print ms }' "$SESSION_EVENTS")
    result_num session_end_ms $((down_ms - ready))
  fi
}

# Accepts connections until SESSIONS PPP sessions (default 1) have come
# and gone, or for HOLD_SECONDS (default 120). Prints
# "L2TPSEC-READY NAME TOTP-TIME" when it accepts them, where TOTP-TIME
# is the Unix time whose TOTP code ends the PPP secret.
run_server() {
  SESSION_EVENTS=$LOGS/server-ppp-events.log
  setup_side server server "$GUEST_ADDR" "$GUEST_ADDR" ||
    { fail server "charon or xl2tpd did not start"; return; }
  add_session_hooks /run/scenario/server
  write_server_secret ||
    { fail totp "oathtool could not compute the TOTP code"; return; }
  start_xfrm_monitor
  ready=$(now_ms)
  echo "L2TPSEC-READY $NAME $totp_time"
  limit=$((ready + ${HOLD_SECONDS:-120} * 1000))
  sessions_ended=0
  sessions_up=0
  while [ "$(now_ms)" -lt "$limit" ]; do
    watch_ike
    read_session_events
    [ "$sessions_ended" -ge "${SESSIONS:-1}" ] && break
    sleep 1
  done
  record_session_end
  [ -z "${xfrm_monitor_pid:-}" ] || kill "$xfrm_monitor_pid" 2>/dev/null
}
