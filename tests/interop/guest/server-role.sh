# ROLE=server: strongSwan + xl2tpd + pppd as the L2TP/IPsec server on the
# guest's own address, for a client on the host side (l2tpsec-client in
# the reverse-direction cells). Sourced by cell.sh.

# Writes the PPP secret the client must send: PPP_PASSWORD followed by
# the current TOTP code. pppd reads the file at each login, so the cell
# rewrites it every second while it waits. Each new code goes into the
# result's server_codes as "HH:MM:SS=CODE" (guest clock, UTC), to compare
# with the code in the client's log. The codes belong to a throwaway test
# user, so they may appear on the console.
refresh_server_secret() {
  secret=$(ppp_password) || return 1
  set_server_secret "$secret"
  code=${secret#"$PPP_PASSWORD"}
  [ "$code" != "${last_code:-}" ] || return 0
  last_code=$code
  server_codes="${server_codes:-}${server_codes:+ }$(date -u +%T)=$code"
}

ike_established() {
  ipsec status 2>/dev/null | grep -q ESTABLISHED
}

# Records the phase times in milliseconds from L2TPSEC-READY, and the
# client's address once ppp0 has one.
watch_session() {
  if [ -z "${ike_seen:-}" ] && ike_established; then
    ike_seen=$(now_ms)
    result_num ike_up_ms $((ike_seen - ready))
    record_sa
  fi
  peer=$(ppp_peer ppp0)
  if [ -z "${ppp_seen:-}" ] && [ -n "$peer" ]; then
    ppp_seen=$(now_ms)
    result_num ppp_up_ms $((ppp_seen - ready))
    result_str address "$(ppp_address ppp0)"
    result_str peer_address "$peer"
  fi
}

# Counts in sessions_ended each time ppp0 lost the peer it had.
count_session_end() {
  if [ -n "$peer" ]; then
    session_up=yes
  elif [ "$session_up" = yes ]; then
    session_up=no
    sessions_ended=$((sessions_ended + 1))
  fi
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

# Accepts connections until SESSIONS PPP sessions (default 1) have come
# and gone, or for HOLD_SECONDS (default 120). Sessions are seen by
# polling ppp0 once a second, so one shorter than that may be missed.
run_server() {
  setup_side server server "$GUEST_ADDR" "$GUEST_ADDR" ||
    { fail server "charon or xl2tpd did not start"; return; }
  refresh_server_secret ||
    { fail totp "oathtool could not compute the TOTP code"; return; }
  start_xfrm_monitor
  ready=$(now_ms)
  echo "L2TPSEC-READY $NAME"
  limit=$((ready + ${HOLD_SECONDS:-120} * 1000))
  peer=""
  sessions_ended=0
  session_up=no
  while [ "$(now_ms)" -lt "$limit" ]; do
    refresh_server_secret
    watch_session
    count_session_end
    [ "$sessions_ended" -ge "${SESSIONS:-1}" ] && break
    sleep 1
  done
  result_num sessions "$sessions_ended"
  result_str server_codes "${server_codes:-}"
  if [ -z "${ppp_seen:-}" ]; then
    fail ppp "no client brought a PPP session up within ${HOLD_SECONDS:-120} s"
  elif [ -n "$peer" ]; then
    result_str session_end "still up after ${HOLD_SECONDS:-120} s"
  else
    result_num session_end_ms $(($(now_ms) - ready))
  fi
  [ -z "${xfrm_monitor_pid:-}" ] || kill "$xfrm_monitor_pid" 2>/dev/null
}
