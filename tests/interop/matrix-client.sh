# The host side of a reverse-direction cell (sourced by test-matrix.sh):
# l2tpsec-client in the test's namespace connects to strongSwan + xl2tpd
# + pppd in the guest, pings the guest's end of the PPP link and
# disconnects. Its log goes to stderr, which run-guest.sh passes on.

# Waits up to SECONDS for PATTERN in FILE while PID runs.
wait_for_line() {
  end=$(($(date +%s) + $1))
  while [ "$(date +%s)" -lt "$end" ]; do
    grep -Eq "$3" "$2" && return 0
    kill -0 "$4" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

# Prints an --otp-command that computes the TOTP code for SECRET at Unix
# time TIME, the time the guest's server computed its code for, and also
# writes the code with the host's time (UTC) to stderr, which is the
# client's log. The guest's result has its code as server_code. Only the
# throwaway test users' codes are logged.
logged_totp_command() {
  printf '%s' "code=\$(oathtool --totp -b $1 --now @$2) &&" \
    ' echo "matrix: TOTP code $code computed at $(date -u +%T)" >&2 &&' \
    ' echo "$code"'
}

# run_host_client NETNS WORKDIR L2TPSEC-CLIENT CELL-NAME TOTP-TIME
run_host_client() {
  netns=$1 work=$2 client=$3 name=$4 totp_time=$5
  . "$here/scenarios/matrix/$name.env"
  if [ "${CLIENT_NAT:-no}" = yes ]; then
    netns=${netns}c server=198.51.100.2 local=203.0.113.2
  else
    # ROLE=server cells need NET=direct: the guest's server is reached
    # over the tap link, and CLIENT_NAT=yes adds the NAT.
    server=198.51.100.2 local=198.51.100.1
  fi
  log=$work/client-$name.log
  ip netns exec "$netns" "$client" --server "$server" --local "$local" \
    --psk "$PSK" --user "$PPP_USER" --password "$PPP_PASSWORD" \
    --otp-command "$(logged_totp_command "$TOTP_SECRET" "$totp_time")" \
    --tun l2tpsec-mxc0 -v >"$log" 2>&1 &
  pid=$!
  status=0
  if wait_for_line "${CONNECT_TIMEOUT:-90}" "$log" "connected: address" "$pid"; then
    # -w: the guest's pppd may still be configuring ppp0 when the client
    # reports the connection, so ping keeps trying for up to 30 s.
    ip netns exec "$netns" ping -n -c "${PING_COUNT:-3}" -w 30 198.18.0.1 \
      >"$work/ping-$name.log" 2>&1 || status=3
    cat "$work/ping-$name.log" >&2
  else
    echo "matrix: l2tpsec-client did not connect to $server" >&2
    status=2
  fi
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sed "s/^/matrix: client: /" "$log" >&2
  return "$status"
}
