#!/bin/sh
# ctest driver for the interop matrix: runs one group of cells against
# our own programs in a single guest boot and checks every cell.
#
#   tests/interop/test-matrix.sh GROUP.group L2TPSEC-SERVER L2TPSEC-CLIENT
#
# Each cell's NAME is its file name without ".env". A group file
# (scenarios/matrix/*.group) sets, as shell variables:
#   NET            nat or direct (see run-guest.sh)
#   SERVER         "ours" (default): l2tpsec-server on the host side;
#                  "none": the cells run their own server in the guest
#                  (ROLE=server) and l2tpsec-client connects to it
#   SERVER_PRESET  the server's [ipsec] proposals: strict, compatible or
#                  legacy
#   SERVER_PSK     the server's pre-shared key
#   SERVER_CERTS   yes: make-test-certs.sh writes a CA, a server and a
#                  client certificate; our server gets the server's and
#                  the CA, the guest the client's (for IPSEC_AUTH=cert)
#   CELLS          cell names, run in this order: scenarios/matrix/NAME.env
#
# Besides the guest's variables (README.md), a cell may set these for
# the host side:
#   SERVER_PASSWORD, SERVER_TOTP_SECRET  what our server stores for
#                  PPP_USER when it differs from what the client sends
#   SERVER_EXPECT_LOG  an extended regular expression that must match a
#                  line of our server's log
#   CHECKS         checks of the cell's result line (check_result.py)
#   CLIENT_NAT     yes: in a ROLE=server cell with NET=direct,
#                  l2tpsec-client runs in a second namespace behind a
#                  masquerading NAT
#   SERVER_CLEANUP_LOG  with KILL_GUEST=yes: an extended regular
#                  expression that our server's log must match within
#                  CLEANUP_SECONDS (default 240) of the guest's death
#
# The driver creates a network namespace, starts l2tpsec-server in it
# (NAT mode: on 127.0.0.1, which the guest reaches as 192.0.2.2; direct
# mode: on 198.51.100.1 with raw ESP), boots the guest in the same
# namespace, stops the server by PID and prints one line per cell. It
# fails when any cell fails.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
matrix=$here/scenarios/matrix

# Called back by run-guest.sh --on-ready for a ROLE=server cell:
#   test-matrix.sh --host-client NETNS WORKDIR L2TPSEC-CLIENT CELL-NAME \
#       TOTP-TIME
if [ "${1:-}" = --host-client ]; then
  . "$here/matrix-client.sh"
  shift
  run_host_client "$@"
  exit $?
fi

group_file=$1
server_bin=$2
client_bin=$3
[ -f "$group_file" ] || group_file=$matrix/$1
[ -f "$group_file" ] || { echo "test-matrix: group '$1' not found" >&2; exit 2; }
NET=nat SERVER=ours SERVER_PRESET=compatible SERVER_PSK=""
SERVER_CERTS=no CELLS=""
. "$group_file"
group=$(basename "$group_file" .group)

[ "$(id -u)" -eq 0 ] || { echo "test-matrix: needs root (network namespaces); run the suite as root" >&2; exit 1; }
for tool in ip iptables /usr/bin/python3 oathtool; do
  command -v "$tool" >/dev/null 2>&1 ||
    { echo "test-matrix: '$tool' not found; run scripts/install-deps.sh as root" >&2; exit 1; }
done

netns=l2tpsec-matrix-$$
work=$(mktemp -d /tmp/l2tpsec-matrix.XXXXXX)
server_pid=""
capture_pid=""

cleanup() {
  [ -z "$capture_pid" ] || kill "$capture_pid" 2>/dev/null || true
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    sleep 1
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  ip netns delete "$netns" 2>/dev/null || true
  ip netns delete "${netns}c" 2>/dev/null || true
  if [ -n "${L2TPSEC_MATRIX_KEEP:-}" ]; then
    mkdir -p "$L2TPSEC_MATRIX_KEEP"
    cp -r "$work"/. "$L2TPSEC_MATRIX_KEEP/"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Prints variable NAME of cell file FILE (empty when unset).
cell_var() {
  (
    . "$1"
    eval "printf '%s' \"\${$2:-}\""
  )
}

# One [user] section per cell user; a user named by two cells keeps the
# first cell's secrets.
write_users() {
  seen=" "
  for cell in $CELLS; do
    f=$matrix/$cell.env
    user=$(cell_var "$f" PPP_USER)
    case "$seen" in *" $user "*) continue ;; esac
    seen="$seen$user "
    password=$(cell_var "$f" SERVER_PASSWORD)
    [ -n "$password" ] || password=$(cell_var "$f" PPP_PASSWORD)
    totp=$(cell_var "$f" SERVER_TOTP_SECRET)
    [ -n "$totp" ] || totp=$(cell_var "$f" TOTP_SECRET)
    printf '[user %s]\npassword = %s\ntotp_secret = %s\n' \
      "$user" "$password" "$totp"
  done
}

write_server_config() {
  if [ "$NET" = nat ]; then
    listen=127.0.0.1 raw_esp=no
  else
    listen=198.51.100.1 raw_esp=yes
  fi
  cat <<EOF
[server]
listen = $listen
raw_esp = $raw_esp
control_socket = $work/control.sock
[ipsec]
psk = $SERVER_PSK
proposals = $SERVER_PRESET
EOF
  if [ "$SERVER_CERTS" = yes ]; then
    printf 'certificate = %s\nprivate_key = %s\nca = %s\n' \
      "$work/certs/server.pem" "$work/certs/server.key" "$work/certs/ca.pem"
  fi
  cat <<EOF
[pool]
range = 198.18.0.10-198.18.0.20
local_address = 198.18.0.1
dns = 198.18.0.53
[tun]
name = l2tpsec-mx0
[auth]
require_code = yes
[log]
level = info
EOF
  write_users
}

setup_namespace() {
  ip netns add "$netns"
  ip -n "$netns" link set lo up
  # The server binds 198.51.100.1 before run-guest.sh adds the tap device
  # that carries the same address, so it first goes on lo.
  [ "$NET" = nat ] || ip -n "$netns" addr add 198.51.100.1/32 dev lo
  any_cell_sets CLIENT_NAT yes && setup_client_nat
  return 0
}

# Returns 0 when a cell of the group sets variable NAME to VALUE.
any_cell_sets() {
  for cell in $CELLS; do
    [ "$(cell_var "$matrix/$cell.env" "$1")" = "$2" ] && return 0
  done
  return 1
}

# With L2TPSEC_MATRIX_PCAP=yes, dumpcap records every interface of the
# test's namespace (the tap device included) into WORK/namespace.pcap,
# which L2TPSEC_MATRIX_KEEP keeps.
start_capture() {
  [ "${L2TPSEC_MATRIX_PCAP:-no}" = yes ] || return 0
  ip netns exec "$netns" dumpcap -q -i any -w "$work/namespace.pcap" \
    >"$work/dumpcap.log" 2>&1 &
  capture_pid=$!
}

# A namespace NETNSc for l2tpsec-client, 203.0.113.2 behind 203.0.113.1
# in the test's namespace, which masquerades what leaves through the tap
# device, as a home router would.
setup_client_nat() {
  ip netns add "${netns}c"
  ip -n "${netns}c" link set lo up
  ip link add mx$$n netns "$netns" type veth peer name mx$$c netns "${netns}c"
  ip -n "$netns" addr add 203.0.113.1/24 dev mx$$n
  ip -n "$netns" link set mx$$n up
  ip -n "${netns}c" addr add 203.0.113.2/24 dev mx$$c
  ip -n "${netns}c" link set mx$$c up
  ip -n "${netns}c" route add default via 203.0.113.1
  ip netns exec "$netns" sysctl -q -w net.ipv4.ip_forward=1
  ip netns exec "$netns" iptables -t nat -A POSTROUTING -o l2tpsec-tap \
    -j MASQUERADE
}

start_server() {
  [ "$SERVER_CERTS" = yes ] && "$here/make-test-certs.sh" "$work/certs"
  write_server_config >"$work/server.ini"
  ip netns exec "$netns" "$server_bin" -c "$work/server.ini" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do
    grep -q "ready;" "$work/server.log" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "test-matrix: l2tpsec-server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

run_guest() {
  set --
  for cell in $CELLS; do
    set -- "$@" "$matrix/$cell.env"
  done
  if [ "$SERVER_CERTS" = yes ]; then
    for file in ca.pem client.pem client.key; do
      set -- --file "$work/certs/$file" "$@"
    done
  fi
  if [ "$SERVER" = none ]; then
    set -- --on-ready "$here/test-matrix.sh --host-client $netns $work $client_bin" "$@"
  fi
  "$here/run-guest.sh" --net "$NET" --netns "$netns" --log "$work/console.log" \
    --timeout "${L2TPSEC_INTEROP_TIMEOUT:-900}" "$@" >"$work/results" ||
    true
}

# Waits for the SERVER_CLEANUP_LOG line of each cell that has one, and
# writes the seconds it took (or "timeout") to cleanup.NAME.
wait_for_cleanup() {
  for cell in $CELLS; do
    f=$matrix/$cell.env
    expect=$(cell_var "$f" SERVER_CLEANUP_LOG)
    [ -n "$expect" ] || continue
    limit=$(cell_var "$f" CLEANUP_SECONDS)
    waited=0
    echo timeout >"$work/cleanup.$cell"
    while [ "$waited" -lt "${limit:-240}" ]; do
      if grep -Eq "$expect" "$work/server.log"; then
        echo "$waited" >"$work/cleanup.$cell"
        break
      fi
      sleep 1
      waited=$((waited + 1))
    done
  done
}

# Checks cell NAME: its result line, and our server's log. Prints one
# line and returns 1 when the cell failed.
check_cell() {
  cell=$1
  f=$matrix/$cell.env
  name=$(cell_var "$f" NAME)
  label=$NET
  [ "$(cell_var "$f" CLIENT_NAT)" = yes ] && label="$NET, client behind NAT"
  grep "\"scenario\":\"$name\"" "$work/results" >"$work/cell.json" || true
  if [ ! -s "$work/cell.json" ]; then
    echo "cell $name ($label): FAIL: no result line"
    return 1
  fi
  cat "$work/cell.json"
  errors=""
  # shellcheck disable=SC2046
  eval "set -- $(cell_var "$f" CHECKS)"
  /usr/bin/python3 "$here/check_result.py" "$work/cell.json" \
    "status=pass" "$@" 2>"$work/check.err" ||
    errors=$(tr '\n' ';' <"$work/check.err")
  expect=$(cell_var "$f" SERVER_EXPECT_LOG)
  if [ -n "$expect" ] && ! grep -Eq "$expect" "$work/server.log"; then
    errors="$errors no server log line matches '$expect';"
  fi
  if [ -f "$work/cleanup.$cell" ]; then
    cleanup_s=$(cat "$work/cleanup.$cell")
    if [ "$cleanup_s" = timeout ]; then
      errors="$errors our server did not log the cleanup after the guest died;"
    else
      echo "cell $name ($label): our server cleaned up $cleanup_s s after the guest died"
    fi
  fi
  if [ -n "$errors" ]; then
    echo "cell $name ($label): FAIL: $errors"
    return 1
  fi
  echo "cell $name ($label): pass"
}

setup_namespace
start_capture
: >"$work/server.log"
[ "$SERVER" = none ] || start_server
started=$(date +%s)
run_guest
wait_for_cleanup
[ "$SERVER" = none ] || stop_server
echo "group $group: guest run took $(($(date +%s) - started)) s"

failed=0
for cell in $CELLS; do
  check_cell "$cell" || failed=$((failed + 1))
done
if [ "$failed" -gt 0 ]; then
  echo "group $group: $failed cell(s) failed; our server's log:"
  sed 's/^/  server: /' "$work/server.log"
  echo "last guest console lines:"
  tail -n 60 "$work/console.log" 2>/dev/null | sed 's/^/  guest: /'
  exit 1
fi
echo "group $group: all cells passed"
