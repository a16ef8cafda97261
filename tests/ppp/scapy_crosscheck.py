#!/usr/bin/python3
"""Cross-check our PPP encoding with scapy's independent implementation.

Frames built by scapy (LCP, PAP, CHAP, IPCP, Echo) are fed to our server
through ppp_scapy_peer; every frame our server sends is decoded by scapy
and its fields compared with what we expect. Run by ctest as
    scapy_crosscheck.py PATH/TO/ppp_scapy_peer
"""
import hashlib
import subprocess
import sys

try:
    from scapy.layers.ppp import (
        HDLC, PPP, PPP_CHAP, PPP_CHAP_ChallengeResponse, PPP_IPCP,
        PPP_IPCP_Option_DNS1, PPP_IPCP_Option_IPAddress, PPP_LCP_ACCM_Option,
        PPP_LCP_Configure, PPP_LCP_Echo, PPP_LCP_MRU_Option,
        PPP_LCP_Magic_Number_Option, PPP_LCP_Option, PPP_PAP_Request,
        PPP_PAP_Response)
except ImportError:
    sys.exit("scapy is missing: install python3-scapy "
             "(scripts/install-deps.sh) and run with /usr/bin/python3")

CHECKS = 0


def check(condition, what):
    global CHECKS
    CHECKS += 1
    if not condition:
        sys.exit("scapy cross-check failed: " + what)


class Peer:
    """Our PPP server behind a pipe."""

    def __init__(self, helper, method):
        self.proc = subprocess.Popen([helper, method], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.lines = self._collect()

    def _collect(self):
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if line == "":
                sys.exit("ppp_scapy_peer exited early")
            line = line.rstrip("\n")
            if line == ".":
                return lines
            lines.append(line)

    def send(self, frame):
        self.proc.stdin.write("in " + bytes(frame).hex() + "\n")
        self.proc.stdin.flush()
        self.lines = self._collect()
        return self.lines

    def frames(self):
        return [HDLC(bytes.fromhex(l[4:])) for l in self.lines
                if l.startswith("out ")]

    def tagged(self, tag):
        return [l for l in self.lines if l.startswith(tag + " ")]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def lcp_frames(frames, code):
    return [f for f in frames
            if f.haslayer(PPP) and f[PPP].proto == 0xc021
            and bytes(f[PPP].payload)[0] == code]


def open_lcp(peer, auth_protocol, auth_data=b""):
    """Our server's Configure-Request as scapy reads it, then the LCP
    negotiation with options built by scapy."""
    first = peer.frames()
    check(len(first) == 1, "one Configure-Request at start")
    req = first[0]
    check(req.address == 0xff and req.control == 0x03, "FF 03 present")
    conf = req[PPP_LCP_Configure]
    check(conf.code == 1, "code 1")
    types = [o.type for o in conf.options]
    check(types == [1, 3, 5], "options MRU, auth, magic: %r" % types)
    check(conf.options[0].max_recv_unit == 1400, "MRU 1400")
    check(conf.options[1].auth_protocol == auth_protocol, "auth protocol")
    check(bytes(conf.options[1])[4:] == auth_data, "CHAP algorithm")
    check(conf.len == len(bytes(conf)), "length field")

    # A scapy-built request: ACCM, magic and MRU are acknowledged as sent.
    mine = PPP_LCP_Configure(code=1, id=0x21, options=[
        PPP_LCP_MRU_Option(max_recv_unit=1400),
        PPP_LCP_ACCM_Option(accm=0),
        PPP_LCP_Magic_Number_Option(magic_number=0x0badcafe)])
    peer.send(HDLC() / PPP(proto=0xc021) / mine)
    acks = lcp_frames(peer.frames(), 2)
    check(len(acks) == 1, "our Configure-Ack")
    ack = acks[0][PPP_LCP_Configure]
    check(ack.id == 0x21, "ack id")
    check(bytes(ack)[4:] == bytes(mine)[4:], "ack echoes the options")

    # Callback (13) is rejected, exactly that option.
    cb = PPP_LCP_Configure(code=1, id=0x22, options=[
        PPP_LCP_Option(type=13, data=b"\x06"),
        PPP_LCP_Magic_Number_Option(magic_number=0x0badcafe)])
    peer.send(HDLC() / PPP(proto=0xc021) / cb)
    rej = lcp_frames(peer.frames(), 4)[0][PPP_LCP_Configure]
    check(rej.id == 0x22 and len(rej.options) == 1, "one rejected option")
    check(rej.options[0].type == 13, "callback rejected")

    # Acknowledge our request, rebuilt field by field by scapy.
    peer.send(HDLC() / PPP(proto=0xc021) / mine)
    ours = PPP_LCP_Configure(code=2, id=conf.id, options=conf.options)
    peer.send(HDLC() / PPP(proto=0xc021) / ours)
    return conf


def ipcp_and_echo(peer, server_magic):
    ipcp = [f for f in peer.frames() if f[PPP].proto == 0x8021]
    check(len(ipcp) == 1, "our IPCP Configure-Request after auth")
    opts = ipcp[0][PPP_IPCP].options
    check(opts[0].type == 3 and opts[0].data == "198.51.100.1",
          "our IP-Address option")

    peer.send(HDLC() / PPP(proto=0x8021) / PPP_IPCP(code=1, id=4, options=[
        PPP_IPCP_Option_IPAddress(data="0.0.0.0"),
        PPP_IPCP_Option_DNS1(data="0.0.0.0")]))
    nak = peer.frames()[0][PPP_IPCP]
    check(nak.code == 3 and nak.id == 4, "IPCP Configure-Nak")
    check(nak.options[0].data == "198.51.100.10", "assigned address")
    check(nak.options[1].data == "198.51.100.53", "DNS server")

    peer.send(HDLC() / PPP(proto=0x8021) / PPP_IPCP(code=1, id=5,
                                                    options=nak.options))
    peer.send(HDLC() / PPP(proto=0x8021) / PPP_IPCP(
        code=2, id=ipcp[0][PPP_IPCP].id, options=opts))
    check(peer.tagged("up") == ["up 198.51.100.1 198.51.100.10"],
          "IPCP up with the assigned address")

    # Echo: our reply carries our magic, the id and the data.
    peer.send(HDLC() / PPP(proto=0xc021) / PPP_LCP_Echo(
        code=9, id=0x44, magic_number=0x0badcafe, data=b"ping"))
    rep = lcp_frames(peer.frames(), 10)[0][PPP_LCP_Echo]
    check(rep.id == 0x44 and rep.data == b"ping", "echo reply")
    check(rep.magic_number == server_magic, "our magic in the reply")

    # IP both ways, with and without FF 03 and with a compressed protocol.
    packet = bytes.fromhex("4500001c000000004011000000000000" "0000000000000000"
                           "00000000")
    peer.send(HDLC() / PPP(proto=0x0021) / packet)
    check(peer.tagged("deliver") == ["deliver " + packet.hex()], "IP in")
    peer.send(b"\x21" + packet)
    check(peer.tagged("deliver") == ["deliver " + packet.hex()],
          "IP with a one-byte protocol")
    peer.proc.stdin.write("ip " + packet.hex() + "\n")
    peer.proc.stdin.flush()
    peer.lines = peer._collect()
    out = peer.frames()[0]
    check(out[PPP].proto == 0x0021 and bytes(out[PPP].payload) == packet,
          "IP out as scapy decodes it")


def magic_of(conf):
    return [o for o in conf.options if o.type == 5][0].magic_number


def run_pap(helper):
    peer = Peer(helper, "pap")
    conf = open_lcp(peer, 0xc023)
    peer.send(HDLC() / PPP(proto=0xc023) / PPP_PAP_Request(
        id=9, username=b"alice", password=b"clientPass"))
    check(peer.tagged("auth") == [
        "auth PAP user=alice password=" + b"clientPass".hex() +
        " response= challenge= id=0"], "PAP fields as we parsed them")
    ack = [f for f in peer.frames() if f[PPP].proto == 0xc023][0]
    check(ack[PPP_PAP_Response].code == 2 and ack[PPP_PAP_Response].id == 9,
          "PAP Authenticate-Ack")
    check(ack[PPP_PAP_Response].message == b"Login ok", "PAP message")
    ipcp_and_echo(peer, magic_of(conf))
    peer.close()


def run_chap(helper):
    peer = Peer(helper, "chap")
    conf = open_lcp(peer, 0xc223, b"\x05")
    ch = [f for f in peer.frames() if f[PPP].proto == 0xc223][0]
    challenge = ch[PPP_CHAP_ChallengeResponse]
    check(challenge.code == 1 and challenge.value_size == 16, "challenge")
    check(challenge.optional_name == b"scapy-server", "challenge name")
    value = hashlib.md5(bytes([challenge.id]) + b"clientPass" +
                        challenge.value).digest()
    peer.send(HDLC() / PPP(proto=0xc223) / PPP_CHAP_ChallengeResponse(
        code=2, id=challenge.id, value=value, optional_name=b"alice"))
    check(peer.tagged("auth") == [
        "auth CHAP-MD5 user=alice password= response=" + value.hex() +
        " challenge=" + challenge.value.hex() + " id=%d" % challenge.id],
        "CHAP fields as we parsed them")
    ok = [f for f in peer.frames() if f[PPP].proto == 0xc223][0]
    check(ok[PPP_CHAP].code == 3 and ok[PPP_CHAP].id == challenge.id,
          "CHAP Success")
    ipcp_and_echo(peer, magic_of(conf))
    peer.close()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: scapy_crosscheck.py PATH/TO/ppp_scapy_peer")
    run_pap(sys.argv[1])
    run_chap(sys.argv[1])
    print("scapy cross-check: %d checks passed" % CHECKS)


if __name__ == "__main__":
    main()
