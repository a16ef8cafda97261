#!/bin/sh
# Generates throw-away test certificates and keys into DIR with openssl:
#   root.pem        RSA-2048 root CA
#   inter.pem       RSA-2048 intermediate CA signed by root
#   leaf.pem        RSA-2048 leaf signed by inter, with SANs
#                   DNS:vpn.example.com, email:vpn@example.com,
#                   IP:192.0.2.10; leaf.key, leaf.der, leaf.key.der
#   other_root.pem  an unrelated RSA root
#   ec_root.pem     P-256 root CA; ec_leaf.pem and ec_leaf.key (P-256)
#   leaf_subject.der  the leaf's subject name in DER (python3-cryptography)
# Certificates are valid from now for 30 days. Nothing here is a secret.
set -eu
dir=$1
cd "$dir"

quiet() { "$@" >/dev/null 2>&1 || { echo "make_test_certs: failed: $*" >&2; exit 1; }; }

cat >ca.ext <<'X'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
X
cat >leaf.ext <<'X'
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
subjectAltName=DNS:vpn.example.com,email:vpn@example.com,IP:192.0.2.10
authorityKeyIdentifier=keyid
X

# self-signed root: NAME KEYTYPE-ARGS
root() {
  name=$1
  shift
  quiet openssl req -x509 -new -newkey "$@" -nodes -keyout "$name.key" \
    -out "$name.pem" -days 30 -subj "/O=l2tpsec test/CN=$name" \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign
}

# signed cert: NAME ISSUER EXTFILE KEYTYPE-ARGS
signed() {
  name=$1 issuer=$2 ext=$3
  shift 3
  quiet openssl req -new -newkey "$@" -nodes -keyout "$name.key" \
    -out "$name.csr" -subj "/O=l2tpsec test/CN=$name.example.com"
  quiet openssl x509 -req -in "$name.csr" -CA "$issuer.pem" \
    -CAkey "$issuer.key" -CAcreateserial -days 30 -sha256 \
    -extfile "$ext" -out "$name.pem"
}

root root rsa:2048
root other_root rsa:2048
signed inter root ca.ext rsa:2048
signed leaf inter leaf.ext rsa:2048
root ec_root ec -pkeyopt ec_paramgen_curve:P-256
signed ec_leaf ec_root leaf.ext ec -pkeyopt ec_paramgen_curve:P-256

quiet openssl x509 -in leaf.pem -outform DER -out leaf.der
quiet openssl pkey -in leaf.key -outform DER -out leaf.key.der
/usr/bin/python3 -c '
import sys
from cryptography import x509
cert = x509.load_pem_x509_certificate(open("leaf.pem", "rb").read())
open("leaf_subject.der", "wb").write(cert.subject.public_bytes())
' || { echo "make_test_certs: python3-cryptography is missing" >&2; exit 1; }
