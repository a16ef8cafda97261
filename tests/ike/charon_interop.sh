#!/bin/sh
# IKEv1 interop with strongSwan's charon in two network namespaces that
# this script creates and removes. charon runs with kernel-libipsec, so
# its ESP stays in user space and is UDP-encapsulated tunnel mode only
# ("encap = yes" forces the encapsulation without a NAT). Our side is
# charon_peer, the library on real UDP sockets.
#
#   tests/ike/charon_interop.sh PEER_BINARY charon-initiates|we-initiate \
#     [psk|cert]
#
# psk (the default) authenticates main mode with a pre-shared key. cert
# uses RSA signatures over throwaway certificates from a CA made here,
# each carrying its side's outer address as a subjectAltName. cert-frag
# (charon-initiates only) is cert with a second CA that charon trusts.
# The extra CERTREQ makes charon's MM5 larger than its fragment size of
# 1280 bytes, so the test also checks that charon sent it as IKE
# fragments (payload 132). With cert-untrusted, a CA that our side does not trust issues
# charon's certificate, and the test passes only when our side rejects
# it and no SA comes up. psk-fakenat (charon-initiates only) is psk
# without charon's forced encapsulation: our responder's fake_client_nat
# alone must make charon believe that it is behind a NAT, and not us,
# so that it floats to 4500 and puts ESP in UDP. psk-aggressive
# (charon-initiates only) is psk in aggressive mode, with our responder's
# aggressive_responder on. cert-ecdsa and cert-ecdsa384 are cert with
# ECDSA keys on P-256 or P-384 for both CAs and both leaves, so main mode
# uses authentication method 9 or 10 (RFC 4754). charon's log must show
# that it verified our ECDSA signature with our certificate's key.
# cert-ecdsa-untrusted is cert-untrusted with the P-256 certificates of
# cert-ecdsa. The ECDSA modes need charon's openssl plugin.
#
# Passes when both sides report the IKE and ESP SAs (charon through
# swanctl --list-sas), a ping from charon's inner address crosses the
# tunnel to our side and back, and charon's side replies to our own echo
# request. Each ESP packet is thus decrypted once on each side.
# Needs root. A missing package fails the test with a message.
set -eu
peer_bin=$1
mode=$2
auth=${3:-psk}
case "$mode" in
charon-initiates | we-initiate) ;;
*)
  echo "charon_interop.sh: unknown mode '$mode' (expected charon-initiates or we-initiate)" >&2
  exit 2
  ;;
esac
case "$auth" in
psk | psk-fakenat | psk-aggressive | cert | cert-frag | cert-untrusted) ;;
cert-ecdsa | cert-ecdsa384 | cert-ecdsa-untrusted) ;;
*)
  echo "charon_interop.sh: unknown authentication '$auth' (expected psk, psk-fakenat, psk-aggressive, cert, cert-frag, cert-untrusted, cert-ecdsa, cert-ecdsa384 or cert-ecdsa-untrusted)" >&2
  exit 2
  ;;
esac
if [ "$auth" = cert-frag ] && [ "$mode" != charon-initiates ]; then
  echo "charon_interop.sh: cert-frag needs charon-initiates, because only charon's MM5 carries the CERTREQs" >&2
  exit 2
fi
# fake_client_nat and aggressive_responder are responder settings, so
# charon must initiate.
fakenat=no
aggressive=no
case "$auth" in
psk-fakenat | psk-aggressive)
  if [ "$mode" != charon-initiates ]; then
    echo "charon_interop.sh: $auth needs charon-initiates, because it tests settings of our responder" >&2
    exit 2
  fi
  [ "$auth" = psk-fakenat ] && fakenat=yes
  [ "$auth" = psk-aggressive ] && aggressive=yes
  ;;
esac
# The key type of both CAs and both leaves, and the digest that the CAs
# sign with. With ECDSA, charon_key is how charon's log describes our
# certificate's key when it checks the chain.
untrusted=no
case "$auth" in
cert-untrusted | cert-ecdsa-untrusted) untrusted=yes ;;
esac
key_args=rsa:2048
cert_digest=-sha256
charon_key=""
case "$auth" in
cert-ecdsa | cert-ecdsa-untrusted)
  key_args="ec -pkeyopt ec_paramgen_curve:P-256"
  charon_key="256 bit ECDSA"
  ;;
cert-ecdsa384)
  key_args="ec -pkeyopt ec_paramgen_curve:P-384"
  cert_digest=-sha384
  charon_key="384 bit ECDSA"
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
# strongSwan's gmp plugin does RSA only: ECDSA needs the openssl plugin.
openssl_plugin=/usr/lib/ipsec/plugins/libstrongswan-openssl.so
charon_plugins=""
if [ -n "$charon_key" ]; then
  [ -f "$openssl_plugin" ] ||
    fail "openssl plugin not found; scripts/install-deps.sh installs libstrongswan-standard-plugins"
  charon_plugins=" openssl"
fi
command -v ping >/dev/null 2>&1 || fail "ping not found; scripts/install-deps.sh installs iputils-ping"
command -v openssl >/dev/null 2>&1 || fail "openssl not found; scripts/install-deps.sh installs it"

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
swanctl_dir="$work/swanctl"
pki="$work/pki"
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
  echo "charon_interop.sh ($mode, $auth): $*" >&2
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

# Writes a self-signed CA $1 with a $key_args key into $pki ($1.pem,
# $1.key).
make_ca() {
  # shellcheck disable=SC2086
  openssl req -x509 -new -newkey $key_args -nodes -days 2 $cert_digest \
    -keyout "$pki/$1.key" -out "$pki/$1.pem" -subj "/O=l2tpsec test/CN=$1" \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1 ||
    die "openssl could not create the test CA $1"
}

# Writes a leaf $1 with a $key_args key, issued by CA $2, with the
# address $3 as its subjectAltName.
make_leaf() {
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nsubjectAltName=IP:%s\n' \
    "$3" >"$pki/$1.ext"
  # shellcheck disable=SC2086
  openssl req -new -newkey $key_args -nodes -keyout "$pki/$1.key" \
    -out "$pki/$1.csr" -subj "/O=l2tpsec test/CN=$1" >/dev/null 2>&1 &&
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.pem" \
      -CAkey "$pki/$2.key" -CAcreateserial -days 2 "$cert_digest" \
      -extfile "$pki/$1.ext" -out "$pki/$1.pem" >/dev/null 2>&1 ||
    die "openssl could not create the $1 certificate"
}

# Our side trusts only "ca", and so does charon except with cert-frag.
# With cert-untrusted and cert-ecdsa-untrusted, charon's own certificate
# comes from "other_ca".
make_certs() {
  charon_issuer=ca
  [ "$untrusted" = yes ] && charon_issuer=other_ca
  mkdir -p "$pki" "$swanctl_dir/x509" "$swanctl_dir/x509ca" \
    "$swanctl_dir/private"
  make_ca ca
  make_ca other_ca
  make_leaf charon "$charon_issuer" "$charon_outer"
  make_leaf ours ca "$our_outer"
  cp "$pki/charon.pem" "$swanctl_dir/x509/"
  cp "$pki/ca.pem" "$swanctl_dir/x509ca/"
  cp "$pki/charon.key" "$swanctl_dir/private/"
  if [ "$auth" = cert-frag ]; then
    cp "$pki/other_ca.pem" "$swanctl_dir/x509ca/"
  fi
}

# The swanctl.conf lines of one side's authentication.
auth_lines() {
  if [ "$auth" = psk ] || [ "$fakenat" = yes ] || [ "$aggressive" = yes ]; then
    echo "auth = psk"
  else
    echo "auth = pubkey"
    [ "$1" = local ] && echo "certs = charon.pem"
  fi
}

write_charon_config() {
  mkdir -p "$swanctl_dir"
  cat >"$work/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce aes sha1 sha2 hmac gmp kdf pem pkcs1 pkcs8 x509 pubkey constraints kernel-libipsec kernel-netlink socket-default vici$charon_plugins
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
      flush_line = yes
      default = 1
      ike = 2
      knl = 2
      cfg = 2
      esp = 2
    }
  }
}
EOF
  cat >"$swanctl_dir/swanctl.conf" <<EOF
connections {
  l2tpsec {
    version = 1
    local_addrs = $charon_outer
    remote_addrs = $our_outer
    encap = $([ "$fakenat" = yes ] && echo no || echo yes)
    aggressive = $aggressive
    proposals = aes256-sha256-modp2048
    local {
      $(auth_lines local)
      id = $charon_outer
    }
    remote {
      $(auth_lines remote)
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
  SWANCTL_DIR="$swanctl_dir" swanctl --load-all --noprompt \
    --uri "unix://$vici" >"$work/swanctl-load.out" 2>&1 ||
    die "swanctl --load-all failed: $(cat "$work/swanctl-load.out")"
}

start_peer() {
  if [ "$fakenat" = yes ]; then
    set -- "$@" --psk "$psk" --fake-client-nat
  elif [ "$aggressive" = yes ]; then
    set -- "$@" --psk "$psk" --aggressive-responder
  elif [ "$auth" = psk ]; then
    set -- "$@" --psk "$psk"
  else
    set -- "$@" --cert "$pki/ours.pem" --key "$pki/ours.key" \
      --ca "$pki/ca.pem"
  fi
  ip netns exec "$ns_ours" "$peer_bin" --local "$our_outer" \
    --remote "$charon_outer" --inner-local "$our_inner" \
    --inner-remote "$charon_inner" --ping --seconds 90 "$@" \
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

# Checks that our side rejected charon's certificate: it counted the
# drop and reported no IKE SA, and charon installed no ESP SA.
expect_rejection() {
  sleep 10
  kill "$peer_pid"
  wait "$peer_pid" || true
  peer_pid=""
  grep -q "^event ike_sa_up" "$work/peer.out" &&
    die "charon_peer accepted a certificate from an untrusted CA"
  grep -q "^drop_cert=[1-9]" "$work/peer.out" ||
    die "charon_peer did not count the untrusted certificate as drop_cert"
  swanctl --list-sas --uri "unix://$vici" >"$work/sas.out" 2>&1 || true
  grep -q "INSTALLED" "$work/sas.out" &&
    die "charon installed an ESP SA: $(cat "$work/sas.out")"
  echo "charon_interop.sh ($mode, $auth): charon's certificate rejected"
  grep "^drop_cert=" "$work/peer.out"
}

make_namespaces
if [ "${auth#psk}" = "$auth" ]; then make_certs; fi
write_charon_config
start_charon
if [ "$mode" = charon-initiates ]; then
  start_peer
  if [ "$untrusted" = yes ]; then
    swanctl --initiate --child inner --timeout 20 --uri "unix://$vici" \
      >"$work/initiate.out" 2>&1 || true
  else
    swanctl --initiate --child inner --timeout 30 --uri "unix://$vici" \
      >"$work/initiate.out" 2>&1 ||
      die "swanctl --initiate failed: $(cat "$work/initiate.out")"
  fi
else
  start_peer --initiate
fi
if [ "$untrusted" = yes ]; then
  expect_rejection
  exit 0
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
if [ "$auth" = cert-frag ]; then
  grep -q "splitting IKE message" "$work/charon.log" ||
    die "charon did not send its MM5 as IKE fragments"
  grep "FRAG(\|reassembled" "$work/charon.log"
fi
# strongSwan 5.9.8 verifies an IKEv1 ECDSA signature with its scheme
# ECDSA_WITH_NULL: ECDSA over HASH_I or HASH_R as the digest, r || s.
if [ -n "$charon_key" ]; then
  grep -q "certificate \"O=l2tpsec test, CN=ours\" key: $charon_key" \
    "$work/charon.log" ||
    die "charon did not check our certificate as one with a $charon_key key"
  grep -q "authentication of '$our_outer' with ECDSA_WITH_NULL successful" \
    "$work/charon.log" ||
    die "charon did not report our ECDSA signature as verified"
  grep "CN=ours\" key:\|authentication of" "$work/charon.log"
fi
if [ "$aggressive" = yes ]; then
  grep -q "initiating Aggressive Mode" "$work/charon.log" ||
    die "charon did not use aggressive mode"
  grep "Aggressive Mode" "$work/charon.log"
fi
# strongSwan's NAT-D results: a NAT in front of charon only.
if [ "$fakenat" = yes ]; then
  grep -q "local host is behind NAT" "$work/charon.log" ||
    die "charon did not conclude that it is behind a NAT"
  grep -q "remote host is behind NAT" "$work/charon.log" &&
    die "charon concluded that our side is behind a NAT"
  grep "behind NAT" "$work/charon.log"
fi
echo "charon_interop.sh ($mode, $auth): SAs established on both sides; ESP decrypted both ways"
grep "^event child_sa_up\|^esp_\|^echo_" "$work/peer.out"
grep "ESTABLISHED\|INSTALLED\|bytes_i" "$work/sas.out" || true
