# SoftEther VPN Server as the comparison VPN of bench/path.sh, which
# sources this file and runs softether_measure in a subshell. It uses
# that script's variables ($srv, $cli, $work, $client_bin) and functions
# (measure, wait_for). bench/interop.sh uses se_start alone, with $srv
# and $work set before it sources this file.
#
# SoftEther runs only inside the server namespace, which has no route
# out, because it contacts Internet services (dynamic DNS, VPN Azure,
# NAT traversal) by default. Debian's build keeps its state under the
# fixed paths below. It runs in a private mount namespace where those
# paths are bind mounts of directories under $work, so the host's copies
# stay untouched.
#
# The virtual hub is bridged to a TAP device in the server namespace,
# which carries 192.0.2.1 and where iperf3 listens. SecureNAT serves
# only DHCP (L2TP clients of SoftEther get their IPCP address from it);
# its NAT is off, so no packet goes through SoftEther's user-space
# TCP/IP stack.

se_dirs="/var/lib/softether /var/log/softether /run/softether"
se_psk=bench-path-pre-shared-key

# Shell lines that bind SoftEther's state paths to directories under
# $work/softether, for a private mount namespace.
se_binds="for d in $se_dirs; do
      mkdir -p \"\$d\" \"$work/softether\$d\"
      mount --bind \"$work/softether\$d\" \"\$d\"
    done"

# Runs a command in the server namespace with SoftEther's state paths
# bound to directories under $work/softether.
se_exec() {
  ip netns exec "$srv" unshare -m sh -c "
    set -e
    $se_binds
    exec \"\$@\"" se_exec "$@"
}

se_cmd() {
  se_exec vpncmd localhost:5555 /SERVER /CMD "$@" >>"$work/softether-vpncmd.log"
}

se_hub_cmd() {
  se_exec vpncmd localhost:5555 /SERVER /ADMINHUB:DEFAULT /CMD "$@" \
    >>"$work/softether-vpncmd.log"
}

se_configure() {
  se_cmd IPsecEnable /L2TP:yes /L2TPRAW:no /ETHERIP:no /PSK:$se_psk \
    /DEFAULTHUB:DEFAULT
  se_cmd VpnAzureSetEnable no
  se_cmd BridgeCreate DEFAULT /DEVICE:sebr /TAP:yes
  se_hub_cmd UserCreate bench /GROUP:none /REALNAME:none /NOTE:none
  se_hub_cmd UserPasswordSet bench /PASSWORD:bench-password
  se_hub_cmd SecureNatEnable
  se_hub_cmd NatDisable
  se_hub_cmd SecureNatHostSet /MAC:none /IP:192.0.2.2 /MASK:255.255.255.0
  se_hub_cmd DhcpSet /START:192.0.2.10 /END:192.0.2.250 /MASK:255.255.255.0 \
    /EXPIRE:7200 /GW:none /DNS:none /DNS2:none /DOMAIN:none /LOG:no
}

# Waits up to 20 s until the administration port accepts vpncmd.
se_wait_ready() {
  for _ in $(seq 100); do
    se_exec vpncmd localhost:5555 /SERVER /CMD ServerInfoGet \
      >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# Starts vpnserver in the server namespace, behind the command words
# given as arguments (e.g. "taskset -c 0"), writes the PID to kill to
# $work/softether.pid, and configures it. Returns 1 when the
# administration port did not open.
se_start() {
  # vpnserver forks, so it runs in a PID namespace of its own: when the
  # caller kills the unshare process by its PID (SIGKILL), the kernel
  # kills the namespace's first process and every process in it.
  ip netns exec "$srv" unshare -m -p -f --kill-child sh -c "
    set -e
    $se_binds
    exec $* /usr/libexec/softether/vpnserver/vpnserver execsvc" \
    >"$work/softether-server.log" 2>&1 &
  echo $! >"$work/softether.pid"
  se_wait_ready || {
    echo "SoftEther did not open its administration port:" \
      "$(cat "$work/softether-server.log")" >&2
    return 1
  }
  se_configure
  ip -n "$srv" addr add 192.0.2.1/24 dev tap_sebr
  ip -n "$srv" link set tap_sebr up
}

# Stops what se_start started. unshare ignores SIGTERM while it waits,
# and SIGKILL takes down its PID namespace with every SoftEther process.
se_stop() {
  [ -f "$work/softether.pid" ] || return 0
  kill -KILL "$(cat "$work/softether.pid")" 2>/dev/null || true
  rm -f "$work/softether.pid"
  sleep 0.5
}

softether_measure() {
  set -e
  se_start taskset -c 0 || return 1

  ip netns exec "$cli" taskset -c 1 "$client_bin" --server 198.51.100.1 \
    --local 198.51.100.2 --psk $se_psk --user bench \
    --password bench-password --esp-proposals aes128-sha1 --tun bpcli0 \
    --route 192.0.2.1 >"$work/softether-client.log" 2>&1 &
  se_client=$!
  if wait_for "$work/softether-client.log" "connected: address"; then
    measure softether-aes128-sha1 192.0.2.1 "$(cat "$work/softether.pid")" \
      "$se_client"
  else
    echo "bench/path.sh: our client did not connect to SoftEther:" >&2
    sed 's/^/  client: /' "$work/softether-client.log" >&2
  fi
  kill -INT "$se_client" 2>/dev/null || true
  wait "$se_client" 2>/dev/null || true
  [ "$setups" -gt 0 ] && softether_setups
  return 0
}

# Setups per second against SoftEther with the same bench_sessions
# clients as against our server (the setups phases only), for the
# setups/s ratio. The CPU time is that of every SoftEther process.
softether_setups() {
  se_pids=$(descendants "$(cat "$work/softether.pid")" | tr '\n' ',')
  ip netns exec "$cli" taskset -c 1 \
    "$root/build-bench-path-mbedtls/bench/bench_sessions" \
    --server 198.51.100.1 --first-local 198.18.0.1 \
    --server-pid "${se_pids%,}" --psk $se_psk --user bench \
    --password bench-password --sequential "$setups" \
    --parallel "$setups" --hold 0 >"$work/softether-sessions.jsonl" \
    2>"$work/softether-sessions.log" ||
    echo "bench/path.sh: bench_sessions against SoftEther reported" \
      "failures: $(tail -3 "$work/softether-sessions.log")" >&2
}
