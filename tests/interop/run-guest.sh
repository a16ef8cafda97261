#!/bin/sh
# Boots the interop guest once, runs one or more scenarios ("cells") in
# it in the order given, and prints one JSON line per cell on stdout, for
# example
#   {"accel":"tcg","net":"nat","wall_s":41,"guest":{"status":"pass",...}}
# Exits 0 when every cell reported status "pass", 1 otherwise (including
# timeouts and boot failures). The guest is always killed at the end.
#
#   tests/interop/run-guest.sh [options] SCENARIO.env [SCENARIO.env...]
#     --net nat|direct   nat: qemu user networking, guest 192.0.2.15, host
#                        192.0.2.2 (= this host's 127.0.0.1); direct: a tap
#                        device in a network namespace, guest 198.51.100.2,
#                        host side 198.51.100.1 (default: nat)
#     --netns NAME       run in this existing namespace, where the caller
#                        runs its server: with --net direct the tap device
#                        goes there instead of into a namespace the runner
#                        creates; with --net nat qemu runs there, so the
#                        guest's 192.0.2.2 is that namespace's loopback
#     --bridge BR        with --net direct and --netns: plug the tap device
#                        into the caller's bridge BR (which carries the
#                        host side's address) instead of giving it
#                        198.51.100.1, so several guests share one link;
#                        the guest's MAC address then ends in the last
#                        byte of its address
#     --guest-addr ADDR  the guest's address in direct mode (default
#                        198.51.100.2)
#     --file PATH        copy PATH into the guest's files/ folder
#                        (certificates); may be repeated
#     --timeout SECONDS  limit for the whole boot and scenario (default 600)
#     --log FILE         keep the serial console log in FILE
#     --on-ready CMD     run CMD (a shell command) each time a ROLE=server
#                        cell prints "L2TPSEC-READY NAME TOTP-TIME", with
#                        NAME and TOTP-TIME (the Unix time whose TOTP code
#                        the cell's server expects) as its arguments; its
#                        exit status is added to that cell's line as
#                        "host_status"
#
# L2TPSEC_INTEROP_DUMP_LOGS=yes makes the guest print its daemons' whole
# logs (charon, xl2tpd) on the console after each cell, not only after a
# failed one; --log keeps them.
#
# The accelerator is KVM when a bounded probe boot shows that KVM can run
# the guest kernel, else TCG; L2TPSEC_INTEROP_ACCEL=kvm|tcg skips the probe.
set -eu
. "$(dirname "$0")/common.sh"

net=nat
netns=""
in_netns=""
files=""
bridge=""
direct_guest_addr=198.51.100.2
tap=l2tpsec-tap
mac_option=""
timeout=600
log_keep=""
on_ready=""
scenarios=""
while [ $# -gt 0 ]; do
  case "$1" in
  --net) net=$2; shift ;;
  --netns) netns=$2; shift ;;
  --bridge) bridge=$2; shift ;;
  --guest-addr) direct_guest_addr=$2; shift ;;
  --file) files="$files $2"; shift ;;
  --timeout) timeout=$2; shift ;;
  --log) log_keep=$2; shift ;;
  --on-ready) on_ready=$2; shift ;;
  -*) die "unknown option '$1' (see the header of run-guest.sh)" ;;
  *) scenarios="$scenarios $1" ;;
  esac
  shift
done
[ -n "$scenarios" ] || die "no scenario file given (see the header of run-guest.sh)"
for scenario in $scenarios; do
  [ -f "$scenario" ] || die "scenario file '$scenario' not found"
done
case "$net" in
nat | direct) ;;
*) die "invalid --net '$net' (expected nat or direct)" ;;
esac
if [ -n "$bridge" ] && { [ "$net" != direct ] || [ -z "$netns" ]; }; then
  die "--bridge needs --net direct and --netns"
fi

require_root run-guest.sh
require_tools qemu-system-x86_64 ip tar timeout /usr/bin/python3

work=$(mktemp -d /tmp/l2tpsec-interop.XXXXXX)
qemu_pid=""
echo_pid=""
made_netns=""

# Kills what this run started, by PID, and removes its namespace.
cleanup() {
  for pid in $qemu_pid $echo_pid; do
    kill "$pid" 2>/dev/null || true
  done
  sleep 1
  for pid in $qemu_pid $echo_pid; do
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ -n "$made_netns" ]; then
    ip netns delete "$made_netns" 2>/dev/null || true
  elif [ "$net" = direct ] && [ -n "$netns" ]; then
    ip -n "$netns" link delete "$tap" 2>/dev/null || true
  fi
  if [ -n "$log_keep" ] && [ -f "$work/console.log" ]; then
    cp "$work/console.log" "$log_keep"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

image=$("$interop_dir/build-image.sh")
accel=$("$interop_dir/probe-accel.sh" "$image")

setup_network() {
  if [ "$net" = nat ]; then
    guest_addr=192.0.2.15 host_addr=192.0.2.2 echo_addr=127.0.0.1
    netdev="user,id=n0,net=192.0.2.0/24,host=192.0.2.2,dhcpstart=192.0.2.15"
    [ -z "$netns" ] || in_netns="ip netns exec $netns"
    return
  fi
  guest_addr=$direct_guest_addr host_addr=198.51.100.1 echo_addr=198.51.100.1
  if [ -z "$netns" ]; then
    netns="l2tpsec-interop-$$"
    ip netns add "$netns"
    made_netns=$netns
    ip -n "$netns" link set lo up
  fi
  # "ip netns exec" execs the command, so $! below is its own PID.
  in_netns="ip netns exec $netns"
  [ -z "$bridge" ] || tap=l2tap$$
  ip -n "$netns" tuntap add dev "$tap" mode tap
  if [ -n "$bridge" ]; then
    ip -n "$netns" link set "$tap" master "$bridge"
    # Guests on one bridge need distinct MAC addresses; qemu's default
    # is the same for every guest.
    mac_option=,mac=$(printf '52:54:00:12:34:%02x' "${guest_addr##*.}")
  else
    ip -n "$netns" addr add 198.51.100.1/24 dev "$tap"
  fi
  ip -n "$netns" link set "$tap" up
  netdev="tap,id=n0,ifname=$tap,script=no,downscript=no"
}

# Starts a UDP echo responder on a free port, so the guest can prove it
# reaches the host side. It answers "l2tpsec-time" with the host's Unix
# time, which each guest cell sets its clock to. It stops by itself after the run's timeout, and
# it is started directly (not through a shell function) so $! is its PID.
start_echo() {
  $in_netns /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
print(s.getsockname()[1], flush=True)
s.settimeout(float(sys.argv[2]))
try:
    while True:
        data, peer = s.recvfrom(2048)
        if data.strip() == b"l2tpsec-time":
            data = b"%d\n" % int(time.time())
        s.sendto(data, peer)
except socket.timeout:
    pass
' "$echo_addr" "$timeout" >"$work/echo.port" 2>"$work/echo.log" &
  echo_pid=$!
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -s "$work/echo.port" ] && break
    sleep 0.2
  done
  echo_port=$(cat "$work/echo.port")
  [ -n "$echo_port" ] || die "the UDP echo responder did not start"
}

make_scenario_disk() {
  mkdir -p "$work/disk/files" "$work/disk/cells"
  cp "$interop_dir"/guest/*.sh "$work/disk/"
  : >"$work/disk/cells.list"
  for scenario in $scenarios; do
    cp "$scenario" "$work/disk/cells/"
    basename "$scenario" >>"$work/disk/cells.list"
  done
  for f in $files; do
    cp "$f" "$work/disk/files/"
  done
  {
    echo "NET_MODE=$net"
    echo "GUEST_ADDR=$guest_addr"
    echo "HOST_ADDR=$host_addr"
    echo "PREFIX_LEN=24"
    echo "ECHO_PORT=$echo_port"
    echo "SERVER_ADDR=$host_addr"
    echo "PING_HOST=yes"
    echo "DUMP_LOGS=${L2TPSEC_INTEROP_DUMP_LOGS:-no}"
  } >"$work/disk/net.env"
  tar -cf "$work/scenario.tar" -C "$work/disk" .
}

# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer
# check can time out and panic the guest ("IO-APIC + timer doesn't work").
start_guest() {
  $in_netns qemu-system-x86_64 -accel "$accel" -m 512 -smp 1 \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 init=/sbin/l2tpsec-init panic=-1 quiet no_timer_check" \
    -drive "file=$image/rootfs.img,if=virtio,format=raw,snapshot=on" \
    -drive "file=$work/scenario.tar,if=virtio,format=raw,readonly=on" \
    -netdev "$netdev" -device "virtio-net-pci,netdev=n0$mac_option" \
    -chardev "file,id=console,path=$work/console.log" \
    -serial chardev:console >"$work/qemu.log" 2>&1 &
  qemu_pid=$!
}

# Runs the --on-ready command for each READY line not handled yet and
# stores its exit status in host-status.NAME.
handle_ready_lines() {
  [ -n "$on_ready" ] || return 0
  # The serial console ends lines with CR LF. Requiring the CR skips a
  # line that the guest is still writing, whose time may be cut short.
  sed -n 's/^L2TPSEC-READY \([A-Za-z0-9_.-]*\) \([0-9]*\)\r$/\1 \2/p' \
    "$work/console.log" 2>/dev/null >"$work/ready-lines"
  while read -r name totp_time; do
    [ -f "$work/host-status.$name" ] && continue
    echo "interop: cell $name is ready; running the host side" >&2
    rc=0
    sh -c "$on_ready \"\$1\" \"\$2\"" on-ready "$name" "$totp_time" \
      </dev/null >&2 || rc=$?
    echo "$rc" >"$work/host-status.$name"
  done <"$work/ready-lines"
}

# Waits for the guest's end marker, the guest's exit or the deadline.
wait_for_result() {
  deadline=$(($(date +%s) + timeout))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if grep -q 'L2TPSEC-DONE' "$work/console.log" 2>/dev/null; then
      return 0
    fi
    handle_ready_lines
    kill -0 "$qemu_pid" 2>/dev/null || return 1
    sleep 1
  done
  return 2
}

# Prints one wrapper line per cell result; returns 1 unless all passed.
print_results() {
  all=0
  # Kernel messages on the serial console can still land in front of a
  # result, so the marker is found anywhere in a line.
  sed -n 's/.*L2TPSEC-RESULT //p' "$work/console.log" | tr -d '\r' \
    >"$work/results"
  while read -r guest; do
    host=""
    name=$(echo "$guest" | sed -n 's/.*"scenario":"\([^"]*\)".*/\1/p')
    if [ -f "$work/host-status.$name" ]; then
      host=",\"host_status\":$(cat "$work/host-status.$name")"
    fi
    echo "{\"accel\":\"$accel\",\"net\":\"$net\",\"wall_s\":$wall$host,\"guest\":$guest}"
    case "$guest" in
    '{"status":"pass"'*) ;;
    *) all=1 ;;
    esac
  done <"$work/results"
  cells=$(wc -l <"$work/disk/cells.list")
  if [ "$(wc -l <"$work/results")" -ne "$cells" ]; then
    echo "interop: $(wc -l <"$work/results") results for $cells cells" >&2
    all=1
  fi
  return "$all"
}

report_failure() {
  echo "interop: $1; last console lines:" >&2
  tail -n 40 "$work/console.log" >&2 2>/dev/null || true
  cat "$work/qemu.log" >&2 2>/dev/null || true
}

setup_network
start_echo
make_scenario_disk
started=$(date +%s)
start_guest
echo "interop: booting the guest with $accel, network $net" >&2
status=0
wait_for_result || status=$?
wall=$(($(date +%s) - started))
if [ "$status" -ne 0 ]; then
  print_results || true
  if [ "$status" -eq 2 ]; then
    report_failure "timed out after $timeout s (accelerator $accel)"
  else
    report_failure "the guest stopped before its last result"
  fi
  exit 1
fi
if ! print_results; then
  report_failure "a scenario failed"
  exit 1
fi
