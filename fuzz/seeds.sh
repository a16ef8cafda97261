#!/bin/sh
# Writes fuzz seeds for TARGET into DIR, taken from the packet captures in
# ../shared/captures (when that folder exists) with tshark: one file per
# UDP payload or PPP frame. Prints nothing when there is nothing to add.
#
#   fuzz/seeds.sh TARGET DIR
set -eu
cd "$(dirname "$0")/.."
target=$1
out=$2
captures=../shared/captures
[ -d "$captures" ] || exit 0
command -v tshark >/dev/null 2>&1 || exit 0

# Extracts field $2 (hex bytes) of every packet in pcap $1 matching
# display filter $3 into one seed file each.
extract() {
  n=0
  tshark -r "$1" -Y "$3" -T fields -e "$2" 2>/dev/null | while read -r hex; do
    [ -n "$hex" ] || continue
    n=$((n + 1))
    printf '%s' "$hex" | tr -d ':' | xxd -r -p >"$out/$(basename "$1").$n"
  done
}

case "$target" in
ike)
  for f in "$captures"/ike/*.pcap* "$captures"/ike/*/*.pcap "$captures"/mixed/*; do
    extract "$f" udp.payload "udp"
  done
  ;;
esp)
  for f in "$captures"/esp/*.pcap; do
    extract "$f" esp "esp"
  done
  ;;
l2tp)
  for f in "$captures"/l2tp/*.pcap; do
    extract "$f" udp.payload "udp"
  done
  ;;
ppp)
  for f in "$captures"/ppp/*.pcap; do
    extract "$f" frame.raw ""
  done
  ;;
esac
