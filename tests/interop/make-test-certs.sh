#!/bin/sh
# Writes a throwaway CA and a server and a client certificate with their
# RSA keys into DIR (ca.pem, server.pem, server.key, client.pem,
# client.key), valid for 2 days, for the certificate scenarios.
#
#   tests/interop/make-test-certs.sh DIR
set -eu
dir=${1:?usage: make-test-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
  -subj "/CN=l2tpsec interop test CA" -keyout ca.key -out ca.pem 2>/dev/null
for name in server client; do
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$name.interop.test" \
    -keyout "$name.key" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key \
    -CAcreateserial -days 2 -out "$name.pem" 2>/dev/null
done
rm -f ./*.csr ca.srl
