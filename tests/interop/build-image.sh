#!/bin/sh
# Builds the Debian bookworm guest used by the interop tests and caches it
# in $L2TPSEC_INTEROP_CACHE/bookworm-<key> (default
# /var/cache/l2tpsec-interop), where <key> is a hash of this file without
# its comment lines, so changing the recipe rebuilds it.
# Prints the image directory on stdout. Does nothing when the image for the
# current recipe is already cached.
#
# The image contains the Linux L2TP/IPsec stack with Debian's own kernel
# (which has ESP, L2TP and PPP): strongSwan (charon via ipsec.conf),
# Libreswan (unpacked under /opt/libreswan because its package conflicts
# with strongSwan's), xl2tpd, pppd, iperf3, oathtool. It has no systemd:
# /sbin/l2tpsec-init is PID 1, mounts the kernel file systems, unpacks the
# scenario from the second disk (/dev/vdb, a tar archive written by
# run-guest.sh) and runs it, then powers the guest off.
#
#   tests/interop/build-image.sh           build if missing, print the dir
#   tests/interop/build-image.sh --force   rebuild even if cached
#
# Needs root, debootstrap, mkfs.ext4 and the Debian archive.
set -eu
. "$(dirname "$0")/common.sh"

suite=bookworm
# Depends are followed by debootstrap; Recommends are not, which keeps the
# image small. The libreswan line lists Libreswan's own Depends, because
# the package itself is unpacked by hand below.
packages="linux-image-amd64 initramfs-tools kmod udev
  iproute2 iputils-ping netcat-openbsd procps psmisc
  strongswan-starter strongswan-charon libstrongswan-standard-plugins
  xl2tpd ppp iperf3 oathtool openssl
  dns-root-data bind9-host libnss3-tools libaudit1 libcap-ng0 libcrypt1
  libcurl3-nss libevent-core-2.1-7 libevent-pthreads-2.1-7 libldap-2.5-0
  libldns3 libnspr4 libnss3 libpam0g libselinux1 libsystemd0 libunbound8
  iptables"

# Kernel module folders that a virtio guest running IPsec never loads;
# dropping them takes the image from about 900 MB to about 300 MB.
unused_modules="drivers/gpu drivers/media drivers/net/wireless
  drivers/net/ethernet drivers/infiniband drivers/staging drivers/scsi
  drivers/usb drivers/bluetooth drivers/iio drivers/hid drivers/input
  drivers/isdn drivers/mtd drivers/platform drivers/hwmon drivers/nfc
  drivers/net/can drivers/net/usb drivers/md sound net/wireless
  net/bluetooth net/mac80211 fs/nls fs/btrfs fs/xfs fs/ocfs2 fs/nfs
  fs/nfsd fs/ceph fs/smb fs/gfs2 fs/f2fs"

# Finds the Debian archive the way this host's apt reaches it, so the
# build uses the same mirror or proxy as apt-get.
find_mirror() {
  if [ -n "${L2TPSEC_INTEROP_MIRROR:-}" ]; then
    echo "$L2TPSEC_INTEROP_MIRROR"
    return
  fi
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }')
  if [ -z "$mirror" ]; then
    mirror=$(grep -hs '^deb ' /etc/apt/sources.list |
      awk '$2 !~ /security/ { print $2; exit }')
  fi
  [ -n "$mirror" ] ||
    die "no Debian mirror found in /etc/apt; set L2TPSEC_INTEROP_MIRROR"
  echo "$mirror"
}

write_init() {
  cat >"$1/sbin/l2tpsec-init" <<'INIT'
#!/bin/sh
# PID 1 of the interop guest. Mounts what the daemons need, unpacks the
# scenario archive from /dev/vdb into /run/scenario, runs its main.sh
# and powers off. Everything it prints goes to the serial console.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# Debian's initramfs has already moved /proc, /sys and /dev to the root.
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/lock /var/run
hostname l2tpsec-guest
ip link set lo up
echo "l2tpsec-init: kernel $(uname -r) up after $(cut -d' ' -f1 /proc/uptime) s"
mkdir -p /run/scenario
if tar -xf /dev/vdb -C /run/scenario 2>/dev/null &&
  [ -f /run/scenario/main.sh ]; then
  sh /run/scenario/main.sh
else
  echo "l2tpsec-init: no scenario archive on /dev/vdb"
fi
sync
echo "l2tpsec-init: powering off"
echo o >/proc/sysrq-trigger
sleep 10
INIT
  chmod 755 "$1/sbin/l2tpsec-init"
}

# Unpacks Libreswan beside strongSwan; the scenario bind-mounts its files
# over /usr/sbin/ipsec and /etc/ipsec.* in a private mount namespace.
add_libreswan() {
  root=$1
  # The host is bookworm too, so its apt fetches the matching package.
  (cd "$root/tmp" && apt-get download -q libreswan >/dev/null 2>&1) ||
    die "apt-get download libreswan failed; run apt-get update first"
  deb=$(ls "$root"/tmp/libreswan_*.deb)
  mkdir -p "$root/opt/libreswan"
  dpkg-deb -x "$deb" "$root/opt/libreswan"
  dpkg-deb -f "$deb" Version >"$root/opt/libreswan/VERSION"
  rm -f "$deb"
  missing=$(chroot "$root" ldd /opt/libreswan/usr/libexec/ipsec/pluto |
    grep 'not found' || true)
  [ -z "$missing" ] || die "pluto misses libraries: $missing"
}

# Builds a small initramfs with only the drivers that find the virtio root.
slim_initramfs() {
  root=$1
  printf 'MODULES=list\nCOMPRESS=gzip\n' \
    >"$root/etc/initramfs-tools/conf.d/l2tpsec"
  printf 'virtio_pci\nvirtio_blk\next4\n' >>"$root/etc/initramfs-tools/modules"
  chroot "$root" update-initramfs -u -k all >/dev/null
}

trim_image() {
  root=$1
  kver=$(ls "$root/lib/modules")
  for dir in $unused_modules; do
    rm -rf "$root/lib/modules/$kver/kernel/$dir"
  done
  chroot "$root" depmod -a "$kver"
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* \
    "$root"/usr/share/locale/* "$root"/usr/share/info/* \
    "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages
}

configure_root() {
  root=$1
  echo "/dev/vda / ext4 rw,noatime 0 1" >"$root/etc/fstab"
  echo l2tpsec-guest >"$root/etc/hostname"
  # debootstrap copies the build host's resolv.conf and hosts; the image
  # must not carry them. The tests use addresses only.
  printf '# no resolver: the interop tests use addresses only\n' \
    >"$root/etc/resolv.conf"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tl2tpsec-guest\n' >"$root/etc/hosts"
  # pppd, xl2tpd and charon are started by the scenario, never by init
  # scripts, so the rc.d links only cost disk.
  rm -f "$root"/etc/rc?.d/S*
  write_init "$root"
}

make_rootfs() {
  root=$1
  out=$2
  used_mb=$(du -sm "$root" | cut -f1)
  size_mb=$((used_mb + used_mb / 3 + 64))
  mkfs.ext4 -q -F -L l2tpsec-root -d "$root" "$out" "${size_mb}M" >&2
}

build() {
  dest=$1
  work="$cache_dir/build.$$"
  rm -rf "$work"
  mkdir -p "$work"
  # set -e also applies inside the trap, hence the "|| true".
  trap 'umount "$work/root/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
  start=$(date +%s)
  mirror=$(find_mirror)
  echo "interop: building the $suite guest image from $mirror" >&2
  echo "interop: this takes several minutes; the result is cached in $dest" >&2

  debootstrap --variant=minbase --include="$(echo $packages | tr ' ' ,)" \
    "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    die "debootstrap failed; its last lines:
$(tail -n 20 "$work/debootstrap.log")"
  mount -t proc proc "$work/root/proc"
  add_libreswan "$work/root"
  slim_initramfs "$work/root"
  umount "$work/root/proc"
  configure_root "$work/root"

  kver=$(ls "$work/root/lib/modules")
  mkdir -p "$work/image"
  cp "$work/root/boot/vmlinuz-$kver" "$work/image/vmlinuz"
  cp "$work/root/boot/initrd.img-$kver" "$work/image/initrd.img"
  rm -f "$work"/root/boot/initrd.img-* "$work"/root/boot/vmlinuz-*
  trim_image "$work/root"
  make_rootfs "$work/root" "$work/image/rootfs.img"

  seconds=$(($(date +%s) - start))
  {
    echo "suite=$suite"
    echo "kernel=$kver"
    echo "build_seconds=$seconds"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    chroot "$work/root" dpkg-query -W -f='package ${Package} ${Version}\n' \
      linux-image-amd64 strongswan-charon xl2tpd ppp iperf3 oathtool
    echo "package libreswan $(cat "$work/root/opt/libreswan/VERSION")"
  } >"$work/image/info"
  mv "$work/image" "$dest"
  echo "interop: image built in ${seconds} s: $dest" >&2
  remove_stale_images "$dest"
}

# Images built from older recipes are never used again.
remove_stale_images() {
  for old in "$cache_dir"/bookworm-*; do
    [ "$old" = "$1" ] || rm -rf "$old"
  done
}

require_root build-image.sh
require_tools debootstrap mkfs.ext4 flock sha256sum
force=0
[ "${1:-}" = "--force" ] && force=1
dest=$(image_dir)
mkdir -p "$cache_dir"

# One build at a time: a second caller waits here and then finds the image.
exec 9>"$cache_dir/build.lock"
flock 9
if [ "$force" -eq 1 ]; then
  rm -rf "$dest"
fi
if [ ! -f "$dest/rootfs.img" ]; then
  build "$dest"
fi
echo "$dest"
