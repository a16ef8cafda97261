#!/usr/bin/python3
"""Encrypts and decrypts ESP packets with scapy, as an independent
implementation for the ESP known-answer tests.

Reads one request per line on stdin and writes one response per line:

  enc|dec CRYPT CRYPT_KEY ICV AUTH AUTH_KEY SPI SEQ MODE FAMILY NATT HEX

CRYPT and AUTH are scapy algorithm names, keys are hex ("-" for none),
ICV is the AEAD tag length in bytes (0 for the default), MODE is
transport or tunnel, FAMILY 4 or 6, NATT 1 for UDP encapsulation on
port 4500. For enc, HEX is the payload (transport: a UDP datagram;
tunnel: an inner IP packet) and the response is "ok" and the ESP packet
from the SPI to the ICV. For dec, HEX is such an ESP packet and the
response is "ok", the payload and its next header. Failures respond "err"
and the reason.
"""
import sys

from scapy.all import IP, IPv6, UDP, Raw, ESP, raw
from scapy.layers import ipsec
from scapy.layers.ipsec import SecurityAssociation

# The 96-bit HMAC-SHA2-256 of the pre-RFC 4868 drafts (Android 6 and 7).
ipsec.AUTH_ALGOS["SHA2-256-96"] = ipsec.AuthAlgo(
    "SHA2-256-96", mac=ipsec.HMAC, digestmod=ipsec.hashes.SHA256, icv_size=12)

# scapy 2.5.0's AES-GCM goes through cryptography's AEAD API, which always
# appends a 16-byte tag and ignores crypt_icv_size. This entry uses the
# stream API instead, which truncates the tag to 8 or 12 bytes as RFC 4106
# allows.
ipsec.CRYPT_ALGOS["AES-GCM-SHORT-TAG"] = ipsec.CryptAlgo(
    "AES-GCM-SHORT-TAG", cipher=ipsec.algorithms.AES, mode=ipsec.modes.GCM,
    salt_size=4, block_size=1, iv_size=8, icv_size=16,
    format_mode_iv=lambda sa, iv, **kw: sa.crypt_salt + iv)

ADDRS = {4: ("192.0.2.1", "198.51.100.2"), 6: ("2001:db8::1", "2001:db8::2")}


def make_sa(f):
    family = int(f["family"])
    outer = IP if family == 4 else IPv6
    src, dst = ADDRS[family]
    crypt = f["crypt"]
    if crypt == "AES-GCM" and f["icv"] not in ("0", "16"):
        crypt = "AES-GCM-SHORT-TAG"
    return SecurityAssociation(
        ESP, spi=int(f["spi"]), seq_num=int(f["seq"]),
        crypt_algo=crypt,
        crypt_key=None if f["ckey"] == "-" else bytes.fromhex(f["ckey"]),
        crypt_icv_size=int(f["icv"]) or None,
        auth_algo=None if f["auth"] == "NULL" else f["auth"],
        auth_key=None if f["akey"] == "-" else bytes.fromhex(f["akey"]),
        tunnel_header=outer(src=src, dst=dst) if f["mode"] == "tunnel" else None,
        nat_t_header=UDP(sport=4500, dport=4500) if f["natt"] == "1" else None)


def outer_header(f, proto):
    family = int(f["family"])
    src, dst = ADDRS[family]
    if family == 4:
        return IP(src=src, dst=dst, proto=proto)
    return IPv6(src=src, dst=dst, nh=proto)


def encrypt(f, data):
    sa = make_sa(f)
    if f["mode"] == "tunnel":
        inner = IP(data) if data[0] >> 4 == 4 else IPv6(data)
        packet = sa.encrypt(inner)
    else:
        packet = sa.encrypt(outer_header(f, 17) / Raw(load=data))
    return raw(packet[ESP]).hex()


def decrypt(f, data):
    sa = make_sa(f)
    # scapy 2.5.0 removes the UDP encapsulation header on decryption only
    # under IPv4, so IPv6 packets are handed over as plain ESP. The ESP
    # bytes are the same either way.
    if f["natt"] == "1" and f["family"] == "4":
        wire = outer_header(f, 17) / UDP(sport=4500, dport=4500) / Raw(data)
    else:
        wire = outer_header(f, 50) / Raw(data)
    wire = wire.__class__(raw(wire))
    plain = sa.decrypt(wire)
    if f["mode"] == "tunnel":
        return raw(plain).hex() + " 4"
    nh = plain.proto if int(f["family"]) == 4 else plain.nh
    return raw(plain.payload).hex() + " " + str(nh)


FIELDS = ["op", "crypt", "ckey", "icv", "auth", "akey", "spi", "seq",
          "mode", "family", "natt", "hex"]


def main():
    for line in sys.stdin:
        f = dict(zip(FIELDS, line.split()))
        try:
            data = bytes.fromhex(f["hex"])
            out = encrypt(f, data) if f["op"] == "enc" else decrypt(f, data)
            print("ok", out, flush=True)
        except Exception as e:  # one bad case must not hide the others
            print("err", type(e).__name__, str(e).replace("\n", " "),
                  flush=True)


main()
