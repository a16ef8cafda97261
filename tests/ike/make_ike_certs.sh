#!/bin/sh
# Writes throwaway certificates and keys for the certificate handshake
# tests into DIR with openssl. Nothing here is a secret.
#   ca           RSA-2048 root that both sides trust
#   other_ca     an RSA-2048 root that no test side trusts
#   server_rsa   RSA-2048, DNS:vpn.example.com, IP:198.51.100.1
#   client_rsa   RSA-2048, email:bob@example.com (no address)
#   server_ec    P-256, DNS:vpn.example.com
#   client_ec    P-256, email:alice@example.com, IP:192.0.2.10
#   server_ec384, client_ec384   P-384 with the same names
#   client_other P-256 as client_ec, but issued by other_ca
#   client_expired  P-256 as client_ec, its notAfter a day before now
#   wrong_ec     a P-256 key that belongs to no certificate
#   inter        RSA-2048 intermediate CA issued by ca
#   client_chain RSA-2048, email:carol@example.com, issued by inter;
#                client_chain_full.pem holds it followed by inter
# Each NAME has NAME.pem and NAME.key; valid from now for 30 days.
set -eu
dir=${1:?usage: make_ike_certs.sh DIR}
cd "$dir"

quiet() { "$@" >/dev/null 2>&1 || { echo "make_ike_certs: failed: $*" >&2; exit 1; }; }

root() {
  quiet openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$1.key" \
    -out "$1.pem" -days 30 -subj "/O=l2tpsec test/CN=$1" \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign
}

# leaf NAME ISSUER DAYS SAN KEY-ARGS...
leaf() {
  name=$1 issuer=$2 days=$3 san=$4
  shift 4
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nsubjectAltName=%s\n' \
    "$san" >"$name.ext"
  quiet openssl req -new -newkey "$@" -nodes -keyout "$name.key" \
    -out "$name.csr" -subj "/O=l2tpsec test/CN=$name"
  quiet openssl x509 -req -in "$name.csr" -CA "$issuer.pem" \
    -CAkey "$issuer.key" -CAcreateserial -days "$days" -sha256 \
    -extfile "$name.ext" -out "$name.pem"
}

p256="ec -pkeyopt ec_paramgen_curve:P-256"
p384="ec -pkeyopt ec_paramgen_curve:P-384"
root ca
root other_ca
leaf server_rsa ca 30 "DNS:vpn.example.com,IP:198.51.100.1" rsa:2048
leaf client_rsa ca 30 "email:bob@example.com" rsa:2048
# shellcheck disable=SC2086
leaf server_ec ca 30 "DNS:vpn.example.com" $p256
# shellcheck disable=SC2086
leaf client_ec ca 30 "email:alice@example.com,IP:192.0.2.10" $p256
# shellcheck disable=SC2086
leaf server_ec384 ca 30 "DNS:vpn.example.com" $p384
# shellcheck disable=SC2086
leaf client_ec384 ca 30 "email:alice@example.com,IP:192.0.2.10" $p384
# shellcheck disable=SC2086
leaf client_other other_ca 30 "email:alice@example.com,IP:192.0.2.10" $p256
# A negative day count puts notAfter before now: an expired certificate.
# shellcheck disable=SC2086
leaf client_expired ca -1 "email:alice@example.com,IP:192.0.2.10" $p256
leaf inter ca 30 "DNS:inter.example.com" rsa:2048
sed -i 's/CA:FALSE/critical,CA:TRUE/; s/digitalSignature/keyCertSign/' inter.ext
quiet openssl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -days 30 -sha256 -extfile inter.ext -out inter.pem
leaf client_chain inter 30 "email:carol@example.com" rsa:2048
cat client_chain.pem inter.pem >client_chain_full.pem
quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
  -out wrong_ec.key
rm -f ./*.csr ./*.ext ./*.srl
