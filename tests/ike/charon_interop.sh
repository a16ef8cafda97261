#!/bin/sh
# IKEv1 interop with strongSwan's charon in two network namespaces that
# this script creates and removes. charon runs with kernel-libipsec, so
# its ESP stays in user space and is UDP-encapsulated tunnel mode only
# ("encap = yes" forces the encapsulation without a NAT). Our side is
# charon_peer, the library on real UDP sockets.
#
#   tests/ike/charon_interop.sh PEER_BINARY charon-initiates|we-initiate
#
# Passes when both sides report the IKE and ESP SAs (charon through
# swanctl --list-sas), a ping from charon's inner address crosses the
# tunnel to our side and back, and charon's side replies to our own echo
# request. Each ESP packet is thus decrypted once on each side.
# Needs root. A missing package fails the test with a message.
set -eu
peer_bin=$1
mode=$2
case "$mode" in
charon-initiates | we-initiate) ;;
*)
  echo "charon_interop.sh: unknown mode '$mode' (expected charon-initiates or we-initiate)" >&2
  exit 2
  ;;
esac

charon=/usr/lib/ipsec/charon
libipsec_plugin=/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so
fail() {
  echo "charon_interop.sh: $*" >&2
  exit 1
}
[ "$(id -u)" -eq 0 ] || fail "needs root to create network namespaces"
[ -x "$charon" ] || fail "$charon not found; scripts/install-deps.sh installs strongswan-charon"
command -v swanctl >/dev/null 2>&1 ||
  fail "swanctl not found; scripts/install-deps.sh installs strongswan-swanctl"
[ -f "$libipsec_plugin" ] ||
  fail "kernel-libipsec plugin not found; scripts/install-deps.sh installs libcharon-extra-plugins"
command -v ping >/dev/null 2>&1 || fail "ping not found; scripts/install-deps.sh installs iputils-ping"

# Outer addresses on a veth pair, inner (tunnelled) addresses on lo.
charon_outer=198.51.100.1
our_outer=198.51.100.2
charon_inner=203.0.113.1
our_inner=203.0.113.2
psk="charon interop key $$"
ns_charon=ikech-c-$$
ns_ours=ikech-o-$$
work=$(mktemp -d /tmp/l2tpsec-charon-XXXXXX)
vici="$work/charon.vici"
charon_pid=""
peer_pid=""

cleanup() {
  [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null || true
  [ -n "$charon_pid" ] && kill "$charon_pid" 2>/dev/null || true
  [ -n "$peer_pid" ] && wait "$peer_pid" 2>/dev/null || true
  [ -n "$charon_pid" ] && wait "$charon_pid" 2>/dev/null || true
  ip netns del "$ns_charon" 2>/dev/null || true
  ip netns del "$ns_ours" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

show_logs() {
  echo "---- charon log (tail) ----" >&2
  tail -n 60 "$work/charon.log" >&2 2>/dev/null || true
  echo "---- charon_peer output ----" >&2
  cat "$work/peer.out" "$work/peer.err" >&2 2>/dev/null || true
}

die() {
  echo "charon_interop.sh ($mode): $*" >&2
  show_logs
  exit 1
}

make_namespaces() {
  ip netns add "$ns_charon"
  ip netns add "$ns_ours"
  ip link add "ikech-c$$" type veth peer name "ikech-o$$"
  ip link set "ikech-c$$" netns "$ns_charon"
  ip link set "ikech-o$$" netns "$ns_ours"
  ip -n "$ns_charon" addr add "$charon_outer/24" dev "ikech-c$$"
  ip -n "$ns_ours" addr add "$our_outer/24" dev "ikech-o$$"
  for ns in "$ns_charon" "$ns_ours"; do
    ip -n "$ns" link set lo up
  done
  ip -n "$ns_charon" link set "ikech-c$$" up
  ip -n "$ns_ours" link set "ikech-o$$" up
  ip -n "$ns_charon" addr add "$charon_inner/32" dev lo
  # Replies to the tunnel leave through charon's ipsec0 device, which
  # strict reverse-path filtering could reject.
  ip netns exec "$ns_charon" sysctl -qw net.ipv4.conf.all.rp_filter=0
}

write_charon_config() {
  cat >"$work/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce aes sha1 sha2 hmac gmp kdf kernel-libipsec kernel-netlink socket-default vici
  install_routes = yes
  retransmit_tries = 3
  plugins {
    vici {
      socket = unix://$vici
    }
  }
  filelog {
    main {
      path = $work/charon.log
      default = 1
      ike = 2
      knl = 2
      cfg = 2
      esp = 2
    }
  }
}
EOF
  cat >"$work/swanctl.conf" <<EOF
connections {
  l2tpsec {
    version = 1
    local_addrs = $charon_outer
    remote_addrs = $our_outer
    encap = yes
    proposals = aes256-sha256-modp2048
    local {
      auth = psk
      id = $charon_outer
    }
    remote {
      auth = psk
      id = $our_outer
    }
    children {
      inner {
        mode = tunnel
        local_ts = $charon_inner/32
        remote_ts = $our_inner/32
        esp_proposals = aes256-sha256
      }
    }
  }
}
secrets {
  ike-l2tpsec {
    id-charon = $charon_outer
    id-ours = $our_outer
    secret = "$psk"
  }
}
EOF
}

# charon writes /var/run/charon.pid, a fixed path: a private tmpfs on
# /run in its own mount namespace keeps the host's /run untouched.
start_charon() {
  ip netns exec "$ns_charon" unshare --mount sh -c \
    'mount -t tmpfs tmpfs /run && exec env STRONGSWAN_CONF="$1" "$2"' \
    sh "$work/strongswan.conf" "$charon" >"$work/charon.stdout" 2>&1 &
  charon_pid=$!
  for _ in $(seq 1 100); do
    [ -S "$vici" ] && break
    kill -0 "$charon_pid" 2>/dev/null || die "charon exited at start"
    sleep 0.1
  done
  [ -S "$vici" ] || die "charon's vici socket $vici did not appear within 10 s"
  swanctl --load-all --noprompt --file "$work/swanctl.conf" \
    --uri "unix://$vici" >"$work/swanctl-load.out" 2>&1 ||
    die "swanctl --load-all failed: $(cat "$work/swanctl-load.out")"
}

start_peer() {
  ip netns exec "$ns_ours" "$peer_bin" --local "$our_outer" \
    --remote "$charon_outer" --inner-local "$our_inner" \
    --inner-remote "$charon_inner" --psk "$psk" --ping --seconds 90 "$@" \
    >"$work/peer.out" 2>"$work/peer.err" &
  peer_pid=$!
  for _ in $(seq 1 50); do
    grep -q "^event listening" "$work/peer.out" 2>/dev/null && return 0
    sleep 0.1
  done
  die "charon_peer did not start"
}

# Waits up to $2 seconds for a line matching $1 in our peer's output.
wait_peer_event() {
  for _ in $(seq 1 $(($2 * 10))); do
    grep -q "$1" "$work/peer.out" 2>/dev/null && return 0
    sleep 0.1
  done
  die "charon_peer did not report '$1' within $2 s"
}

check_charon_sas() {
  swanctl --list-sas --uri "unix://$vici" >"$work/sas.out" 2>&1 ||
    die "swanctl --list-sas failed: $(cat "$work/sas.out")"
  grep -q "l2tpsec: #[0-9]*, ESTABLISHED, IKEv1" "$work/sas.out" ||
    die "charon reports no established IKEv1 SA: $(cat "$work/sas.out")"
  grep -q "inner: #[0-9]*, reqid [0-9]*, INSTALLED, TUNNEL-in-UDP" \
    "$work/sas.out" ||
    die "charon reports no installed UDP-encapsulated tunnel: $(cat "$work/sas.out")"
}

make_namespaces
write_charon_config
start_charon
if [ "$mode" = charon-initiates ]; then
  start_peer
  swanctl --initiate --child inner --timeout 30 --uri "unix://$vici" \
    >"$work/initiate.out" 2>&1 ||
    die "swanctl --initiate failed: $(cat "$work/initiate.out")"
else
  start_peer --initiate
fi
wait_peer_event "^event ike_sa_up" 30
wait_peer_event "^event child_sa_up" 30
check_charon_sas

# charon's side to ours and back: ping from charon's inner address.
ip netns exec "$ns_charon" ping -c 3 -W 5 -I "$charon_inner" "$our_inner" \
  >"$work/ping.out" 2>&1 || die "ping through the tunnel failed: $(cat "$work/ping.out")"
wait_peer_event "^event echo_request_in" 5
wait_peer_event "^event echo_reply_out" 5
# Ours to charon's side and back: charon_peer's own echo request.
wait_peer_event "^event echo_reply_in" 15

kill "$peer_pid"
wait "$peer_pid" || true
peer_pid=""
grep -q "^esp_errors=0$" "$work/peer.out" ||
  die "charon_peer dropped ESP packets"
echo "charon_interop.sh ($mode): SAs established on both sides; ESP decrypted both ways"
grep "^event child_sa_up\|^esp_\|^echo_" "$work/peer.out"
grep "ESTABLISHED\|INSTALLED\|bytes_i" "$work/sas.out" || true
