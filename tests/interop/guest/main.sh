# Entry point inside the guest, started by /sbin/l2tpsec-init from the
# scenario archive that run-guest.sh builds: net.env (written by the
# runner), cells.list (one cell file name a line, in run order), cells/
# (the cells), these scripts and files/ (certificates).
#
# Configures eth0 once, then runs each cell with cell.sh in a private
# mount namespace, so one boot serves several cells. Each cell prints its
# own result line, and "L2TPSEC-DONE" after the last one tells the runner
# that no more results follow.

cd /run/scenario || exit 1
. ./lib.sh
. ./net.env

# pppd 2.4.9 with no local address looks its host name up, so /etc/hosts
# must hold the guest's own name (build-image.sh writes it). Without it
# every client PPP start asked a resolver. In direct mode no reply can
# come, and the client sent its first LCP request 11 s after the L2TP
# session was up. The line is added here when the name is missing, as
# in an image of an older recipe. The root disk is a snapshot, so the
# line is gone at power-off.
name_guest() {
  grep -q "[[:space:]]$(hostname)\$" /etc/hosts ||
    printf '127.0.1.1\t%s\n' "$(hostname)" >>/etc/hosts
}

# The tests use addresses only. An empty resolver list keeps any other
# lookup from leaving through qemu's user networking in NAT mode, where
# the guest's packets reach whatever the host can reach. The image has
# one already; this guards an image built by an older recipe.
forget_resolver() {
  printf '# no resolver: the interop tests use addresses only\n' \
    >/etc/resolv.conf
}

configure_network() {
  ip link set eth0 up || return 1
  ip addr add "$GUEST_ADDR/$PREFIX_LEN" dev eth0
  ip route add default via "$HOST_ADDR"
}

# Runs one cell with a private /run: the tmpfs hides /run/scenario, so
# the scenario folder is moved aside and back, as for the selftest's
# client namespace.
run_cell() {
  unshare -m --propagation private sh -c '
    mkdir -p /mnt/scenario
    mount --bind /run/scenario /mnt/scenario
    mount -t tmpfs tmpfs /run
    mkdir -p /run/scenario /run/xl2tpd /run/lock /run/pluto
    mount --move /mnt/scenario /run/scenario
    exec sh /run/scenario/cell.sh "$1"' cell "cells/$1"
}

load_modules
name_guest
forget_resolver
configure_network || log "eth0 could not be configured; every cell will fail"
while read -r cell; do
  [ -n "$cell" ] && run_cell "$cell" </dev/null
done <cells.list
printf '\nL2TPSEC-DONE\n'
