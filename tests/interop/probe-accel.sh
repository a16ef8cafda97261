#!/bin/sh
# Prints the qemu accelerator the interop guest should use, "kvm" or "tcg",
# and says on stderr why.
#
#   tests/interop/probe-accel.sh IMAGE_DIR
#
# /dev/kvm existing is not enough: on some paravirtual hypervisors a stock
# Debian kernel hangs early in boot under KVM. So this boots the image
# under KVM once, with a time limit (L2TPSEC_INTEROP_KVM_PROBE_SECONDS,
# default 30; a working KVM reaches init in a few seconds), and uses KVM
# only when the guest's init printed its first line. The verdict is cached
# beside the image, keyed by the host kernel and the qemu version.
# L2TPSEC_INTEROP_ACCEL=kvm|tcg skips the probe.
set -eu
. "$(dirname "$0")/common.sh"

image=${1:?usage: probe-accel.sh IMAGE_DIR}
limit=${L2TPSEC_INTEROP_KVM_PROBE_SECONDS:-30}

say() {
  echo "interop: accelerator $1 ($2)" >&2
  echo "$1"
}

case "${L2TPSEC_INTEROP_ACCEL:-}" in
kvm | tcg)
  say "$L2TPSEC_INTEROP_ACCEL" "set by L2TPSEC_INTEROP_ACCEL"
  exit 0
  ;;
"") ;;
*) die "invalid L2TPSEC_INTEROP_ACCEL '$L2TPSEC_INTEROP_ACCEL' (expected kvm or tcg)" ;;
esac

if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
  say tcg "/dev/kvm is missing or not accessible"
  exit 0
fi

host_id=$( (uname -r; qemu-system-x86_64 --version | head -n 1) |
  sha256sum | cut -c1-12)
verdict_file="$image/accel-$host_id"
if [ -f "$verdict_file" ]; then
  read -r accel reason <"$verdict_file"
  say "$accel" "cached probe result: $reason"
  exit 0
fi

console=$(mktemp /tmp/l2tpsec-kvm-probe.XXXXXX)
qemu-system-x86_64 -accel kvm -m 512 -smp 1 -nodefaults -no-user-config \
  -display none -no-reboot \
  -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
  -append "root=/dev/vda ro console=ttyS0 init=/sbin/l2tpsec-init panic=-1 quiet" \
  -drive "file=$image/rootfs.img,if=virtio,format=raw,snapshot=on" \
  -chardev "file,id=console,path=$console" -serial chardev:console \
  >/dev/null 2>&1 &
pid=$!

started=$(date +%s)
booted=0
while [ $(($(date +%s) - started)) -lt "$limit" ]; do
  if grep -q 'l2tpsec-init: kernel' "$console"; then
    booted=1
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
elapsed=$(($(date +%s) - started))
kill "$pid" 2>/dev/null || true
sleep 1
kill -9 "$pid" 2>/dev/null || true
rm -f "$console"

if [ "$booted" -eq 1 ]; then
  echo "kvm KVM probe reached init in ${elapsed} s" >"$verdict_file"
else
  echo "tcg KVM probe did not reach init (qemu ran ${elapsed} s)" >"$verdict_file"
fi
read -r accel reason <"$verdict_file"
say "$accel" "$reason"
