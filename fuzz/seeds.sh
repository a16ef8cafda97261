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
  # fuzz_esp reads [SA selector][2-byte length][ESP packet] records; a
  # selector of 0 points the packet at the harness's first SA. tshark 4.0
  # has no field with a frame's raw bytes, so a short Python reader takes
  # the ESP bytes after the IPv4 header, or after a UDP/4500 header.
  /usr/bin/python3 - "$out" "$captures"/esp/*.pcap <<'PY'
import os, struct, sys

out = sys.argv[1]
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        continue
    pos, n = 24, 0
    while pos + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, pos + 8)[0]
        frame = data[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        payload = ip[ihl:]
        if ip[9] == 17 and len(payload) >= 8:
            payload = payload[8:]
        elif ip[9] != 50:
            continue
        n += 1
        name = os.path.join(out, "%s.%d" % (os.path.basename(path), n))
        with open(name, "wb") as f:
            f.write(b"\x00" + struct.pack(">H", len(payload)) + payload)
PY
  ;;
l2tp)
  for f in "$captures"/l2tp/*.pcap; do
    extract "$f" udp.payload "udp"
  done
  ;;
ppp)
  # tshark has no field with the whole PPP frame, so the JSON dump's
  # frame bytes are cut at the offset where its "ppp" layer starts
  # (0 for DLT_PPP, after Ethernet and PPPoE or GRE otherwise).
  for f in "$captures"/ppp/*.pcap; do
    tshark -r "$f" -T json -x 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for i, pkt in enumerate(json.load(sys.stdin)):
    layers = pkt["_source"]["layers"]
    frame, ppp = layers.get("frame_raw"), layers.get("ppp_raw")
    if frame and ppp:
        with open("%s.%d" % (sys.argv[1], i + 1), "wb") as out:
            out.write(bytes.fromhex(frame[0])[ppp[1]:])
' "$out/$(basename "$f")"
  done
  ;;
esac
