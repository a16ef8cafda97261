#!/bin/sh
# Installs the packages that building and testing libl2tpsec need, from
# Debian's (or Ubuntu's) archive. Idempotent: prints nothing and touches
# nothing when everything is present.
#
#   scripts/install-deps.sh          build and test dependencies
#   scripts/install-deps.sh --build  only what building the library needs
set -eu

build_pkgs="cmake make gcc clang libclang-rt-14-dev pkg-config
  libmbedtls-dev libuv1-dev libcmocka-dev libssl-dev openssl
  libinih-dev libqrencode-dev
  libcrypt-dev"

test_pkgs="python3 python3-scapy tshark xxd xl2tpd ike-scan oathtool
  iproute2 iptables procps psmisc"
# test_crypto_pk writes a certificate's subject DER with it.
test_pkgs="$test_pkgs python3-cryptography"
# RADIUS and PAM authenticators: real servers and modules for the tests.
build_pkgs="$build_pkgs libpam0g-dev"
test_pkgs="$test_pkgs freeradius freeradius-utils libpam-google-authenticator"
# The client/server end-to-end test pings through the tunnel.
test_pkgs="$test_pkgs iputils-ping"
# The interop tests boot a Debian guest that they build with debootstrap.
test_pkgs="$test_pkgs qemu-system-x86 debootstrap e2fsprogs util-linux"
# bench/path.sh measures with iperf3, compares with SoftEther VPN Server
# and plots with matplotlib.
test_pkgs="$test_pkgs iperf3 softether-vpnserver softether-vpncmd"
test_pkgs="$test_pkgs python3-matplotlib"
# The charon interop test runs strongSwan's IKEv1 daemon with ESP in user
# space (kernel-libipsec, in libcharon-extra-plugins) in a namespace.
test_pkgs="$test_pkgs strongswan-charon strongswan-swanctl libcharon-extra-plugins"
# Its ECDSA modes need the openssl plugin, because gmp does RSA only.
test_pkgs="$test_pkgs libstrongswan-standard-plugins"

pkgs=$build_pkgs
if [ "${1:-}" != "--build" ]; then
  pkgs="$pkgs $test_pkgs"
fi

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "install-deps: missing packages:$missing; run this script as root" >&2
    exit 1
  fi
else
  SUDO=
fi

echo "install-deps: installing$missing"
# Some test packages (xl2tpd, strongSwan, FreeRADIUS) start a daemon from
# their maintainer scripts. The tests start their own daemons on private
# ports, so a policy-rc.d file stops the package scripts from doing it.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  made_policy=1
fi
cleanup() {
  if [ "$made_policy" -eq 1 ]; then $SUDO rm -f "$policy"; fi
}
trap cleanup EXIT

$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
