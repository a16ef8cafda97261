# The two qemu guests of bench/interop.sh, which sources this file and
# sets $root, $work, $ns, $bridge, $runs and $se_psk. Both guests are
# started by tests/interop/run-guest.sh in the background, so a signal
# to bench/interop.sh reaches its trap at once; their runners' PIDs are
# in $guest_runner_pids.

run_guest=tests/interop/run-guest.sh
ike_proposals=aes256-sha1-modp2048!
esp_proposals=aes256-sha1!

# Limits in seconds. A connection under TCG took 15 to 60 s in the
# interop matrix, plus about 20 s to start and stop the client's daemons.
cell_seconds=180
client_seconds=$(((runs * 3 + 1) * cell_seconds + 300))
server_hold_seconds=$((client_seconds + 120))
server_boot_seconds=600

# Writes the variables that a client and a server cell share: the PSK,
# the proposals and the PPP login, all as SoftEther is configured by
# bench/softether.sh.
write_common_cell() {
  cat <<EOF
IPSEC_AUTH=psk
PSK=$se_psk
IKE_PROPOSALS=$ike_proposals
ESP_PROPOSALS=$esp_proposals
PPP_AUTH=mschap-v2
PPP_USER=bench
PPP_PASSWORD=bench-password
CONNECT_TIMEOUT=60
EOF
}

# The server guest serves until $runs sessions have ended. Its own
# report is not needed, and it may not see the last session end for a
# while (the client stops its IKE daemon before xl2tpd), so cleanup
# stops it as soon as the client guest is done.
start_server_guest() {
  mkdir -p "$work/cells"
  {
    echo "NAME=strongswan-server"
    echo "ROLE=server"
    echo "SESSIONS=$runs"
    echo "HOLD_SECONDS=$server_hold_seconds"
    write_common_cell
  } >"$work/cells/strongswan-server.env"
  "$run_guest" --net direct --netns "$ns" --bridge "$bridge" \
    --guest-addr 198.51.100.3 --log "$work/server-console.log" \
    --timeout $((server_hold_seconds + server_boot_seconds)) \
    --on-ready "echo >$work/server-guest-ready" \
    "$work/cells/strongswan-server.env" \
    >"$work/server-guest.results" 2>"$work/server-guest.log" &
  server_runner_pid=$!
  guest_runner_pids="$guest_runner_pids $server_runner_pid"
}

wait_server_guest_ready() {
  waited=0
  while [ ! -f "$work/server-guest-ready" ]; do
    kill -0 "$server_runner_pid" 2>/dev/null ||
      fail "the strongSwan server guest stopped before it was ready:" \
        "$(tail -n 30 "$work/server-guest.log")"
    [ "$waited" -lt "$server_boot_seconds" ] ||
      fail "the strongSwan server guest was not ready within" \
        "$server_boot_seconds s"
    sleep 1
    waited=$((waited + 1))
  done
}

# Prints the address of SERVER (ours, softether or strongswan).
server_address() {
  case "$1" in
  ours) echo 198.51.100.1 ;;
  strongswan) echo 198.51.100.3 ;;
  softether) echo 198.51.100.4 ;;
  esac
}

# Writes the cell NAME.env of a connection to SERVER and prints its path.
write_client_cell() {
  cell=$work/cells/$1.env
  {
    echo "NAME=$1"
    echo "ROLE=client"
    echo "SERVER_ADDR=$(server_address "$2")"
    echo "PING_COUNT=1"
    # SoftEther sends 0.0.0.0 as its IKE ID; the others their address.
    [ "$2" != softether ] || echo "SERVER_ID=%any"
    write_common_cell
  } >"$cell"
  echo "$cell"
}

# Writes the client's cells, SERVER-RUN.env, in the order they run, and
# prints their paths. The first cell, warmup-0, connects to our server
# and is not counted. Without it, the first connection of a boot (always
# to our server) took 1 to 3 s longer in IKE than the later ones. The
# cause is probably the guest kernel setting up its ESP algorithms for
# the first SA, but that is not verified.
write_client_cells() {
  write_client_cell warmup-0 ours
  for run in $(seq "$runs"); do
    for server in ours softether strongswan; do
      write_client_cell "$server-$run" "$server"
    done
  done
}

# Boots the client guest and waits until it ran every cell; its result
# lines go to $work/client.results. A failed cell does not stop the
# benchmark: the report names it.
run_client_guest() {
  # shellcheck disable=SC2046
  "$run_guest" --net direct --netns "$ns" --bridge "$bridge" \
    --guest-addr 198.51.100.2 --log "$work/client-console.log" \
    --timeout "$client_seconds" $(write_client_cells) \
    >"$work/client.results" 2>"$work/client-guest.log" &
  client_runner_pid=$!
  guest_runner_pids="$guest_runner_pids $client_runner_pid"
  wait "$client_runner_pid" || echo "bench/interop.sh: at least one" \
    "connection failed; see the report below" >&2
}

# Prints PID and its descendants' PIDs.
process_tree() {
  echo "$1"
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    process_tree "$child"
  done
}

# Stops each guest runner that still runs with SIGTERM, which makes it
# kill its qemu and remove its tap device. A runner that still runs 15 s
# later is killed by PID with all it started, qemu included.
stop_guest_runners() {
  for pid in $guest_runner_pids; do
    kill -0 "$pid" 2>/dev/null || continue
    tree=$(process_tree "$pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 15); do
      kill -0 "$pid" 2>/dev/null || continue 2
      sleep 1
    done
    for left in $tree; do
      kill -9 "$left" 2>/dev/null || true
    done
  done
}
