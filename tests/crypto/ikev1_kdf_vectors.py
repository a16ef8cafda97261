#!/usr/bin/python3
"""Compute the expected values in test_ikev1_kdf.c with Python's hmac.

The formulas follow RFC 2409 section 5 (SKEYID and its derivatives),
section 5.5 (KEYMAT) and Appendix B (encryption key expansion). The
inputs are fixed byte patterns shared with the C test. Run it with
/usr/bin/python3 and paste the output into the test when the inputs
change.
"""
import hashlib
import hmac


def prf(alg, key, *parts):
    return hmac.new(key, b"".join(parts), alg).digest()


def pattern(length, start):
    return bytes((start + 3 * i) & 0xFF for i in range(length))


PSK = b"l2tpsec test psk"
NI = pattern(16, 0x10)
NR = pattern(20, 0x80)
GXY = pattern(128, 0x01)
GQM = pattern(256, 0x40)
CKY_I = bytes.fromhex("0011223344556677")
CKY_R = bytes.fromhex("8899aabbccddeeff")
SPI = bytes.fromhex("c0ffee01")
ESP = b"\x03"


def skeyids(alg, skeyid):
    d = prf(alg, skeyid, GXY, CKY_I, CKY_R, b"\x00")
    a = prf(alg, skeyid, d, GXY, CKY_I, CKY_R, b"\x01")
    e = prf(alg, skeyid, a, GXY, CKY_I, CKY_R, b"\x02")
    return d, a, e


def enc_key(alg, skeyid_e, length):
    if len(skeyid_e) >= length:
        return skeyid_e[:length]
    out = b""
    block = b"\x00"
    while len(out) < length:
        block = prf(alg, skeyid_e, block)
        out += block
    return out[:length]


def keymat(alg, skeyid_d, gqm, length):
    seed = gqm + ESP + SPI + NI + NR
    out = b""
    block = b""
    while len(out) < length:
        block = prf(alg, skeyid_d, block, seed)
        out += block
    return out[:length]


for alg in ("md5", "sha1", "sha256", "sha384", "sha512"):
    skeyid = prf(alg, PSK, NI, NR)
    d, a, e = skeyids(alg, skeyid)
    print(alg, "skeyid_psk", skeyid.hex())
    print(alg, "skeyid_sig", prf(alg, NI + NR, GXY).hex())
    print(alg, "skeyid_d", d.hex())
    print(alg, "skeyid_a", a.hex())
    print(alg, "skeyid_e", e.hex())
    print(alg, "enc_key_32", enc_key(alg, e, 32).hex())
    print(alg, "keymat_56", keymat(alg, d, b"", 56).hex())
    print(alg, "keymat_56_pfs", keymat(alg, d, GQM, 56).hex())
