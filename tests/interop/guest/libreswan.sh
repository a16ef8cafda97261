# Runs Libreswan's pluto as the IPsec half of the client side
# (IPSEC_STACK=libreswan). Sourced by main.sh after l2tp-ipsec.sh.
#
# The image unpacks Libreswan under /opt/libreswan because its Debian
# package conflicts with strongSwan's, so the side bind-mounts Libreswan's
# tools over /usr/sbin/ipsec and /usr/libexec/ipsec. Only the client side
# does this, and in the selftest it has its own mount namespace.

LIBRESWAN=/opt/libreswan

# Writes Libreswan 4.x ipsec.conf and ipsec.secrets into DIR for a client
# at address LOCAL talking to SERVER. Proposals use Libreswan's syntax
# (LIBRESWAN_IKE, LIBRESWAN_ESP), e.g. "aes256-sha1;modp2048".
write_libreswan_conf() {
  dir=$1 local_addr=$2 server=$3
  mkdir -p "$dir"
  cat >"$dir/ipsec.conf" <<EOF
config setup
  logfile=$LOGS/client-pluto.log
  # Debian's Libreswan 4.10 rejects IKEv1 connections without this.
  ikev1-policy=accept
conn l2tp
  ikev2=no
  type=transport
  authby=secret
  left=$local_addr
  leftprotoport=17/1701
  right=$server
  rightprotoport=17/1701
  ike=$LIBRESWAN_IKE
  phase2alg=$LIBRESWAN_ESP
  # The in-guest server's ESP list has no DH group, and with PFS on
  # Libreswan adds one to quick mode, which the server then rejects.
  pfs=no
  auto=add
EOF
  # A server behind NAT sends its private address as its ID: ours sends
  # 127.0.0.1 in NAT mode. Libreswan 4.10's IKEv1 initiator rejected that
  # ID with rightid=%any, so the client names it, as NetworkManager-l2tp's
  # "Remote ID" field does for such a server. The selftest's server in
  # the guest sends its own address, which is Libreswan's default.
  if [ "$ROLE" = client ] && [ "$NET_MODE" = nat ]; then
    echo "  rightid=127.0.0.1" >>"$dir/ipsec.conf"
  fi
  printf '%%any %%any : PSK "%s"\n' "$PSK" >"$dir/ipsec.secrets"
  chmod 600 "$dir/ipsec.secrets"
}

# Mounts Libreswan's tools and config, creates its NSS database and
# starts pluto; returns 1 when pluto is not ready within 30 s.
start_libreswan() {
  dir=$1
  mkdir -p /usr/libexec/ipsec
  side mount --bind "$LIBRESWAN/usr/libexec/ipsec" /usr/libexec/ipsec
  side mount --bind "$LIBRESWAN/usr/sbin/ipsec" /usr/sbin/ipsec
  side mount --bind "$dir/ipsec.conf" /etc/ipsec.conf
  side mount --bind "$dir/ipsec.secrets" /etc/ipsec.secrets
  side mkdir -p /run/pluto /var/lib/ipsec/nss
  side ipsec initnss >"$LOGS/client-initnss.log" 2>&1 || return 1
  side /usr/libexec/ipsec/pluto --config /etc/ipsec.conf \
    >"$LOGS/client-pluto-start.log" 2>&1 || return 1
  wait_until 30 "side ipsec whack --status" || return 1
  side ipsec auto --add l2tp >>"$LOGS/client-pluto-start.log" 2>&1
}

# Brings up the IKE and IPsec SAs with pluto; output goes to LOG.
libreswan_up() {
  side timeout "${CONNECT_TIMEOUT:-90}" ipsec auto --up l2tp >"$1" 2>&1 &&
    grep -q "IPsec SA established" "$1"
}
