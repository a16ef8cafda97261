# Configures and drives strongSwan + xl2tpd + pppd inside the guest, as
# the L2TP/IPsec client (LAC) or server (LNS). Sourced by main.sh.
#
# A "side" is where one end runs: the guest's own namespaces (SIDE_PID
# empty) or the network and mount namespaces of process SIDE_PID, which
# has its own /run so two charon and xl2tpd instances do not collide.
# Config files are written under CONF (one folder per side) and
# bind-mounted over /etc inside the side.

SIDE_PID=""
LOGS=/tmp/logs
PPP_LOCAL=198.18.0.1
PPP_POOL=198.18.0.10-198.18.0.20
# xl2tpd 1.3.18 logs one of these when a call ends.
ended='pppd exited|Terminating pppd|call_close|Connection closed'

side() {
  if [ -n "$SIDE_PID" ]; then
    nsenter -t "$SIDE_PID" -m -n -- "$@"
  else
    "$@"
  fi
}

# Creates network namespace NAME joined to the guest by a veth pair
# (203.0.113.1 here, 203.0.113.2 there) and a process holding a mount
# namespace with a private /run; sets SIDE_PID to that process.
make_side_namespace() {
  ip netns add "$1"
  ip link add veth-srv type veth peer name veth-cli netns "$1"
  ip addr add 203.0.113.1/24 dev veth-srv
  ip link set veth-srv up
  ip -n "$1" addr add 203.0.113.2/24 dev veth-cli
  ip -n "$1" link set veth-cli up
  ip -n "$1" link set lo up
  # The tmpfs hides /run/scenario, so it is moved aside and back.
  ip netns exec "$1" unshare -m --propagation private sh -c '
    mkdir -p /mnt/scenario
    mount --bind /run/scenario /mnt/scenario
    mount -t tmpfs tmpfs /run
    mkdir -p /run/scenario /run/xl2tpd /run/lock
    mount --move /mnt/scenario /run/scenario
    touch /run/side-ready
    exec sleep 100000' &
  SIDE_PID=$!
  wait_until 10 "side test -f /run/side-ready"
}

ike_auth_lines() {
  if [ "$IPSEC_AUTH" = cert ]; then
    echo "  authby=pubkey"
    echo "  leftcert=$1.pem"
    echo "  rightid=%any"
  else
    echo "  authby=secret"
  fi
}

# Writes ipsec.conf, ipsec.secrets and ipsec.d for ROLE (client or
# server) into folder DIR. SERVER is the server's IP address.
write_strongswan_conf() {
  role=$1 dir=$2 server=$3
  mkdir -p "$dir/ipsec.d/certs" "$dir/ipsec.d/private" "$dir/ipsec.d/cacerts"
  {
    echo "config setup"
    echo "  uniqueids=no"
    echo "conn l2tp"
    echo "  keyexchange=ikev1"
    echo "  type=transport"
    echo "  ike=$IKE_PROPOSALS"
    echo "  esp=$ESP_PROPOSALS"
    echo "  ikelifetime=${IKE_LIFETIME:-8h}"
    echo "  lifetime=${SA_LIFETIME:-1h}"
    # strongSwan's default margin (9 min) exceeds short test lifetimes.
    [ -z "${REKEY_MARGIN:-}" ] || echo "  margintime=$REKEY_MARGIN"
    echo "  dpdaction=clear"
    echo "  dpddelay=30s"
    ike_auth_lines "$role"
    if [ "$role" = client ]; then
      echo "  left=%defaultroute"
      echo "  leftprotoport=17/1701"
      echo "  right=$server"
      echo "  rightprotoport=17/1701"
      # A server behind NAT names its private address as its ID (ours
      # sends 127.0.0.1 in NAT mode), so the client accepts any ID.
      # SERVER_ID sets the ID to accept, e.g. %any for SoftEther VPN
      # Server 5.01, which sends 0.0.0.0.
      if [ -n "${SERVER_ID:-}" ]; then
        echo "  rightid=$SERVER_ID"
      elif [ "$ROLE" = client ] && [ "$NET_MODE" = nat ] &&
        [ "$IPSEC_AUTH" = psk ]; then
        echo "  rightid=%any"
      fi
    else
      echo "  left=$server"
      echo "  leftprotoport=17/1701"
      echo "  right=%any"
      echo "  rightprotoport=17/%any"
    fi
    echo "  auto=add"
  } >"$dir/ipsec.conf"
  if [ "$IPSEC_AUTH" = cert ]; then
    cp "/run/scenario/files/ca.pem" "$dir/ipsec.d/cacerts/"
    cp "/run/scenario/files/$role.pem" "$dir/ipsec.d/certs/"
    cp "/run/scenario/files/$role.key" "$dir/ipsec.d/private/"
    echo ": RSA $role.key" >"$dir/ipsec.secrets"
  else
    psk=$PSK
    # A selftest may give the server another PSK to check the failure.
    [ "$role" = server ] && psk=${SERVER_PSK:-$PSK}
    printf ': PSK "%s"\n' "$psk" >"$dir/ipsec.secrets"
  fi
  chmod 600 "$dir/ipsec.secrets"
}

# Writes xl2tpd.conf and the pppd options for ROLE into DIR.
write_xl2tpd_conf() {
  role=$1 dir=$2 server=$3
  if [ "$role" = client ]; then
    cat >"$dir/xl2tpd.conf" <<EOF
[lac l2tpsec]
lns = $server
pppoptfile = $dir/options.pppd
length bit = yes
autodial = no
EOF
  else
    cat >"$dir/xl2tpd.conf" <<EOF
[lns default]
ip range = $PPP_POOL
local ip = $PPP_LOCAL
require authentication = yes
name = l2tpsec-server
pppoptfile = $dir/options.pppd
length bit = yes
EOF
  fi
  {
    echo "noccp"
    echo "mtu 1280"
    echo "mru 1280"
    echo "nodefaultroute"
    echo "lcp-echo-interval 30"
    echo "lcp-echo-failure 4"
    # No syslog daemon runs in the guest, so pppd's authentication and
    # IPCP messages would be lost without a file.
    echo "logfile $LOGS/$role-pppd.log"
    if [ "$role" = server ]; then
      echo "auth"
      echo "name l2tpsec-server"
      echo "require-$PPP_AUTH"
    else
      echo "noauth"
      echo "ipcp-accept-local"
      echo "ipcp-accept-remote"
      ppp_refuse_others
      echo "name $PPP_USER"
      echo "user $PPP_USER"
    fi
    printf '%s\n' $PPP_OPTIONS
  } >"$dir/options.pppd"
}

# Lets the client offer only the scenario's PPP auth method.
ppp_refuse_others() {
  for method in pap chap mschap mschap-v2 eap; do
    [ "$method" = "$PPP_AUTH" ] || echo "refuse-$method"
  done
}

# Mounts the side's strongSwan files over /etc, starts charon and waits
# until starter has loaded conn l2tp: under heavy load "ipsec up" once
# ran before that and failed at once.
start_charon() {
  dir=$1
  side mount --bind "$dir/ipsec.conf" /etc/ipsec.conf
  side mount --bind "$dir/ipsec.secrets" /etc/ipsec.secrets
  side mount --bind "$dir/ipsec.d" /etc/ipsec.d
  side mount --bind "$dir/strongswan.conf" /etc/strongswan.conf
  side ipsec start >/dev/null 2>&1 || return 1
  wait_until 30 "side ipsec statusall | grep -q '^ *l2tp:'"
}

start_xl2tpd() {
  name=$1 dir=$2
  side mkdir -p /run/xl2tpd
  side mount --bind "$dir/xl2tpd.conf" /etc/xl2tpd/xl2tpd.conf
  side sh -c "exec xl2tpd -D -c /etc/xl2tpd/xl2tpd.conf \
    -p /run/xl2tpd.pid >$LOGS/$name-xl2tpd.log 2>&1" &
  wait_until 10 "side test -p /run/xl2tpd/l2tp-control"
}

# charon logs to a file because the guest runs no syslog daemon.
write_strongswan_logging() {
  cat >"$2/strongswan.conf" <<EOF
charon {
  load_modular = yes
  filelog {
    charon {
      path = $LOGS/$1-charon.log
      default = 1
      ike = 2
      time_format = %T
    }
  }
  plugins {
    include strongswan.d/charon/*.conf
  }
}
include strongswan.d/*.conf
EOF
}

# Configures and starts one side: ROLE (client or server), NAME (its
# folder and log prefix), SERVER (the server's address) and LOCAL (this
# side's address). The client runs Libreswan when IPSEC_STACK=libreswan.
setup_side() {
  role=$1 name=$2 server=$3 local_addr=$4
  dir=/run/scenario/$name
  mkdir -p "$dir" "$LOGS"
  write_xl2tpd_conf "$role" "$dir" "$server"
  if [ "$role" = client ] && [ "${IPSEC_STACK:-strongswan}" = libreswan ]; then
    write_libreswan_conf "$dir" "$local_addr" "$server"
    start_libreswan "$dir" || return 1
  else
    write_strongswan_conf "$role" "$dir" "$server"
    write_strongswan_logging "$name" "$dir"
    start_charon "$dir" || return 1
  fi
  start_xl2tpd "$name" "$dir"
}

# Brings up the client's IKE and IPsec SAs; the daemon's output goes to LOG.
ipsec_up() {
  if [ "${IPSEC_STACK:-strongswan}" = libreswan ]; then
    libreswan_up "$1"
    return
  fi
  side timeout "${CONNECT_TIMEOUT:-90}" ipsec up l2tp >"$1" 2>&1 &&
    grep -q "established successfully" "$1"
}

# Sets the in-guest server's PPP secret for PPP_USER to the password the
# client sends (password + code), or to SERVER_PPP_PASSWORD + the same
# code when a selftest checks a wrong password.
set_server_secret() {
  secret=$1
  if [ -n "${SERVER_PPP_PASSWORD:-}" ]; then
    secret="$SERVER_PPP_PASSWORD${1#"$PPP_PASSWORD"}"
  fi
  printf '"%s" * "%s" *\n' "$PPP_USER" "$secret" >/etc/ppp/chap-secrets
  printf '"%s" * "%s" *\n' "$PPP_USER" "$secret" >/etc/ppp/pap-secrets
  chmod 600 /etc/ppp/chap-secrets /etc/ppp/pap-secrets
}

# Prints the password pppd sends: the password followed by the TOTP code
# for Unix time TIME (default: now) when the scenario has a TOTP secret.
ppp_password() {
  if [ -n "${TOTP_SECRET:-}" ]; then
    code=$(oathtool --totp -b "$TOTP_SECRET" --now "@${1:-$(date +%s)}") ||
      return 1
    echo "$PPP_PASSWORD$code"
  else
    echo "$PPP_PASSWORD"
  fi
}

ppp_address() {
  side ip -4 -o addr show dev "$1" 2>/dev/null |
    awk '{ print $4 }' | cut -d/ -f1
}

ppp_peer() {
  side ip -4 -o addr show dev "$1" 2>/dev/null |
    awk '{ for (i = 1; i < NF; i++) if ($i == "peer") print $(i + 1) }' |
    cut -d/ -f1
}

# Brings the client side up against SERVER and records the phase times
# (milliseconds from the start of IKE), the address, ping and throughput.
connect_client() {
  dir=/run/scenario/client
  start=$(now_ms)
  if ! ipsec_up "$LOGS/client-ipsec-up.log"; then
    fail ike "IKE/IPsec negotiation with $1 did not complete"
    return 1
  fi
  result_num ike_up_ms $(($(now_ms) - start))
  record_sa

  password=$(ppp_password) || {
    fail totp "oathtool could not compute the TOTP code"
    return 1
  }
  [ -z "${SECRET_HOOK:-}" ] || $SECRET_HOOK "$password"
  printf 'password "%s"\n' "$password" >>"$dir/options.pppd"
  side sh -c 'echo "c l2tpsec" >/run/xl2tpd/l2tp-control'

  if ! wait_until "${CONNECT_TIMEOUT:-90}" \
    "grep -q 'Call established' $LOGS/client-xl2tpd.log"; then
    fail l2tp "the L2TP tunnel and session did not come up"
    return 1
  fi
  result_num l2tp_up_ms $(($(now_ms) - start))

  # When authentication fails, pppd exits or xl2tpd closes the call at
  # once, so stop waiting then.
  xl2tpd_log=$LOGS/client-xl2tpd.log
  wait_until "${CONNECT_TIMEOUT:-90}" \
    "[ -n \"\$(ppp_peer ppp0)\" ] || grep -Eq '$ended' $xl2tpd_log"
  if [ -z "$(ppp_peer ppp0)" ]; then
    code=$(sed -n 's/.*pppd exited.* with code \([0-9]*\).*/\1/p' \
      "$xl2tpd_log" | head -n 1)
    result_num pppd_exit_code "$code"
    fail ppp "ppp0 got no IPv4 address (PPP authentication or IPCP failed)"
    return 1
  fi
  result_num ppp_up_ms $(($(now_ms) - start))
  result_str address "$(ppp_address ppp0)"
  result_str peer_address "$(ppp_peer ppp0)"
}

# Records the negotiated algorithms (names only, never keys) and whether
# ESP is sent in UDP (NAT-T) or as IP protocol 50.
record_sa() {
  if [ "${IPSEC_STACK:-strongswan}" = strongswan ]; then
    result_str ike_proposal "$(side ipsec statusall |
      sed -n 's/.*IKE proposal: //p' | head -n 1)"
  fi
  result_str esp_algorithms "$(side ip xfrm state |
    awk '$1 == "enc" || $1 == "auth-trunc" || $1 == "aead" { print $2 }' |
    sort -u | tr '\n' ' ' | sed 's/ $//')"
  if side ip xfrm state | grep -q 'encap type espinudp'; then
    result_str esp_encap udp
  else
    result_str esp_encap none
  fi
}

measure_tunnel() {
  peer=$(ppp_peer ppp0)
  count=${PING_COUNT:-3}
  # Bound to ppp0: without it a ping whose tunnel is down still reaches
  # the server's TUN address through the guest's default route.
  received=$(side ping -n -I ppp0 -c "$count" -W 3 "$peer" 2>/dev/null |
    awk '/received/ { print $4 }')
  result_str ping "${received:-0}/$count"
  [ "${received:-0}" -gt 0 ] || fail ping "no ping reply from $peer via ppp0"

  [ "${HOLD_SECONDS:-0}" -gt 0 ] && hold_ping "$peer" "$HOLD_SECONDS"

  seconds=${IPERF_SECONDS:-0}
  [ "$seconds" -gt 0 ] || return 0
  mbps=$(side timeout $((seconds + 20)) iperf3 -c "$peer" -t "$seconds" \
    -f m 2>/dev/null | awk '/receiver/ {
      for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }')
  [ -n "$mbps" ] || fail iperf "iperf3 through the tunnel to $peer failed"
  result_num throughput_mbps "$mbps"
}

# Dumps the last 25 lines of each daemon log, or all of them with
# DUMP_LOGS=yes.
dump_side_logs() {
  lines=25
  [ "${DUMP_LOGS:-no}" = yes ] && lines=100000
  for f in "$LOGS"/*.log; do
    dump_log "$(basename "$f" .log)" "$f" "$lines"
  done
  [ "${DUMP_LOGS:-no}" = yes ] || return 0
  # Why the kernel dropped ESP, if it did (XfrmInNoStates: no SA yet).
  side awk '$2 != 0 { print "guest: xfrm_stat: " $0 }' /proc/net/xfrm_stat
}

# Disconnects the L2TP tunnel and dials again with the same password,
# TOTP code included, that the first call sent. A server that remembers
# used codes rejects the second login at the PPP step.
reconnect_same_password() {
  xl2tpd_log=$LOGS/client-xl2tpd.log
  side sh -c 'echo "d l2tpsec" >/run/xl2tpd/l2tp-control'
  if ! wait_until 30 '[ -z "$(ppp_peer ppp0)" ]'; then
    fail disconnect "ppp0 was still up 30 s after the disconnect request"
    return 1
  fi
  calls=$(grep -c 'Call established' "$xl2tpd_log")
  ends=$(grep -Ec "$ended" "$xl2tpd_log")
  side sh -c 'echo "c l2tpsec" >/run/xl2tpd/l2tp-control'
  if ! wait_until "${CONNECT_TIMEOUT:-90}" \
    "[ \$(grep -c 'Call established' $xl2tpd_log) -gt $calls ]"; then
    fail l2tp "the second L2TP call did not come up"
    return 1
  fi
  wait_until "${CONNECT_TIMEOUT:-90}" \
    "[ -n \"\$(ppp_peer ppp0)\" ] ||
     [ \$(grep -Ec '$ended' $xl2tpd_log) -gt $ends ]"
  if [ -n "$(ppp_peer ppp0)" ]; then
    result_str second_login accepted
    return 0
  fi
  result_str second_login rejected
  fail ppp "the second login with the same password and code was rejected"
  return 1
}

# Stops what the cell started, so that the next cell in the same boot
# starts clean: the IKE daemon (which sends its deletes first), xl2tpd
# and pppd, then any SAs and policies left in the kernel.
stop_daemons() {
  if [ "${IPSEC_STACK:-strongswan}" = libreswan ] && [ "$ROLE" = client ]; then
    side ipsec whack --shutdown >/dev/null 2>&1
  else
    side ipsec stop >/dev/null 2>&1
  fi
  for pidfile in /run/xl2tpd.pid /run/ppp0.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  wait_until 10 '! ip link show ppp0'
  ip xfrm state flush
  ip xfrm policy flush
}

# Pings PEER once a second for SECONDS, like a user's traffic through the
# rekeys of short lifetimes, and records the replies lost and how many
# IKE and IPsec SAs the client's charon set up meanwhile.
hold_ping() {
  side ping -n -I ppp0 -D -O -i 1 -c "$2" -W 2 "$1" >"$LOGS/hold-ping.log" 2>&1
  counts=$(awk '/received/ { print $1, $4 }' "$LOGS/hold-ping.log")
  sent=${counts% *} got=${counts#* }
  result_str hold_ping "${got:-0}/${sent:-0}"
  result_num hold_lost $((${sent:-0} - ${got:-0}))
  # The UTC times of the unanswered pings (ping -O reports each one), to
  # set beside the SA events in our server's log.
  result_str hold_lost_at "$(awk -F'[][]' '/no answer yet/ {
      t = int($2) % 86400
      printf "%s%02d:%02d:%02d", sep, t / 3600, t % 3600 / 60, t % 60
      sep = " " }' "$LOGS/hold-ping.log")"
  charon_log=$LOGS/client-charon.log
  result_num ike_sas "$(grep -c 'IKE_SA l2tp\[[0-9]*\] established' "$charon_log")"
  result_num child_sas "$(grep -c 'CHILD_SA l2tp{[0-9]*} established' "$charon_log")"
}
