#!/bin/sh
# Boots the interop guest with one scenario and prints its result as one
# JSON line on stdout, for example
#   {"accel":"tcg","net":"nat","wall_s":41,"guest":{"status":"pass",...}}
# Exits 0 when the guest reported status "pass", 1 otherwise (including
# timeouts and boot failures). The guest is always killed at the end.
#
#   tests/interop/run-guest.sh [options] SCENARIO.env
#     --net nat|direct   nat: qemu user networking, guest 192.0.2.15, host
#                        192.0.2.2 (= this host's 127.0.0.1); direct: a tap
#                        device in a network namespace, guest 198.51.100.2,
#                        host side 198.51.100.1 (default: nat)
#     --netns NAME       with --net direct: use this existing namespace
#                        (where the caller runs its server) instead of
#                        creating and deleting one
#     --file PATH        copy PATH into the guest's files/ folder
#                        (certificates); may be repeated
#     --timeout SECONDS  limit for the whole boot and scenario (default 600)
#     --log FILE         keep the serial console log in FILE
#
# The accelerator is KVM when a bounded probe boot shows that KVM can run
# the guest kernel, else TCG; L2TPSEC_INTEROP_ACCEL=kvm|tcg skips the probe.
set -eu
. "$(dirname "$0")/common.sh"

net=nat
netns=""
in_netns=""
files=""
timeout=600
log_keep=""
scenario=""
while [ $# -gt 0 ]; do
  case "$1" in
  --net) net=$2; shift ;;
  --netns) netns=$2; shift ;;
  --file) files="$files $2"; shift ;;
  --timeout) timeout=$2; shift ;;
  --log) log_keep=$2; shift ;;
  -*) die "unknown option '$1' (see the header of run-guest.sh)" ;;
  *) scenario=$1 ;;
  esac
  shift
done
[ -f "$scenario" ] || die "scenario file '$scenario' not found"
case "$net" in
nat | direct) ;;
*) die "invalid --net '$net' (expected nat or direct)" ;;
esac

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
    ip -n "$netns" link delete l2tpsec-tap 2>/dev/null || true
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
    return
  fi
  guest_addr=198.51.100.2 host_addr=198.51.100.1 echo_addr=198.51.100.1
  if [ -z "$netns" ]; then
    netns="l2tpsec-interop-$$"
    ip netns add "$netns"
    made_netns=$netns
    ip -n "$netns" link set lo up
  fi
  # "ip netns exec" execs the command, so $! below is its own PID.
  in_netns="ip netns exec $netns"
  ip -n "$netns" tuntap add dev l2tpsec-tap mode tap
  ip -n "$netns" addr add 198.51.100.1/24 dev l2tpsec-tap
  ip -n "$netns" link set l2tpsec-tap up
  netdev="tap,id=n0,ifname=l2tpsec-tap,script=no,downscript=no"
}

# Starts a UDP echo responder on a free port, so the guest can prove it
# reaches the host side. It stops by itself after the run's timeout, and
# it is started directly (not through a shell function) so $! is its PID.
start_echo() {
  $in_netns /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
print(s.getsockname()[1], flush=True)
s.settimeout(float(sys.argv[2]))
try:
    while True:
        data, peer = s.recvfrom(2048)
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
  mkdir -p "$work/disk/files"
  cp "$interop_dir"/guest/*.sh "$work/disk/"
  cp "$scenario" "$work/disk/scenario.env"
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
  } >"$work/disk/net.env"
  tar -cf "$work/scenario.tar" -C "$work/disk" .
}

start_guest() {
  $in_netns qemu-system-x86_64 -accel "$accel" -m 512 -smp 1 \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 init=/sbin/l2tpsec-init panic=-1 quiet" \
    -drive "file=$image/rootfs.img,if=virtio,format=raw,snapshot=on" \
    -drive "file=$work/scenario.tar,if=virtio,format=raw,readonly=on" \
    -netdev "$netdev" -device virtio-net-pci,netdev=n0 \
    -chardev "file,id=console,path=$work/console.log" \
    -serial chardev:console >"$work/qemu.log" 2>&1 &
  qemu_pid=$!
}

# Waits for the result line, the guest's exit or the deadline.
wait_for_result() {
  deadline=$(($(date +%s) + timeout))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if grep -q '^L2TPSEC-RESULT ' "$work/console.log" 2>/dev/null; then
      return 0
    fi
    kill -0 "$qemu_pid" 2>/dev/null || return 1
    sleep 1
  done
  return 2
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
if [ "$status" -eq 2 ]; then
  report_failure "timed out after $timeout s (accelerator $accel)"
  exit 1
elif [ "$status" -ne 0 ]; then
  report_failure "the guest stopped without a result"
  exit 1
fi

guest=$(grep '^L2TPSEC-RESULT ' "$work/console.log" | head -n 1 |
  sed 's/^L2TPSEC-RESULT //' | tr -d '\r')
echo "{\"accel\":\"$accel\",\"net\":\"$net\",\"wall_s\":$wall,\"guest\":$guest}"
case "$guest" in
'{"status":"pass"'*) exit 0 ;;
*)
  report_failure "the scenario failed"
  exit 1
  ;;
esac
