/*
 * Path-MTU helpers for the inner IP packets of the tunnel, pure functions
 * over a buffer: TCP MSS clamping on SYNs, the ICMP error that reports a
 * too-big packet, and IPv4 fragmentation when the sender allows it.
 */
#ifndef L2TPSEC_UV_MTU_H
#define L2TPSEC_UV_MTU_H

#include <stddef.h>
#include <stdint.h>

/* What to do with an inner packet bound for a link with a given MTU. */
enum l2tpsec__mtu_action {
  L2TPSEC__MTU_FITS = 0,  /* send as it is */
  L2TPSEC__MTU_TOO_BIG,   /* drop and answer with l2tpsec__icmp_too_big */
  L2TPSEC__MTU_FRAGMENT,  /* IPv4 with DF clear: l2tpsec__ipv4_fragment */
  L2TPSEC__MTU_MALFORMED, /* not a valid IPv4 or IPv6 packet: drop */
};

/* Decides how a packet of `len` bytes fits an MTU of `mtu` bytes. */
enum l2tpsec__mtu_action l2tpsec__mtu_check(const uint8_t *pkt, size_t len,
                                            size_t mtu);

/*
 * Lowers the MSS option of a TCP segment with SYN set, in an IPv4 or IPv6
 * packet, to at most `mss` and recomputes the TCP checksum. Fragments
 * after the first and packets without TCP are left alone. Returns 1 when
 * the option was lowered, 0 when nothing changed, L2TPSEC_ERR_MALFORMED
 * or L2TPSEC_ERR_TRUNCATED when the headers are inconsistent.
 */
int l2tpsec__tcp_clamp_mss(uint8_t *pkt, size_t len, uint16_t mss);

/*
 * Writes into `out` the ICMP error telling the sender of `pkt` to send
 * at most `mtu` bytes: ICMPv4 Destination Unreachable, Fragmentation
 * Needed with the next-hop MTU (RFC 792, RFC 1191 section 4) quoting up
 * to 576 bytes in all (RFC 1812 section 4.3.2.3), or ICMPv6 Packet Too
 * Big (RFC 4443 section 3.2) quoting up to 1280 bytes in all. `from` is
 * the source address of the error (4 or 16 bytes, the family of `pkt`).
 * Returns the length written; 0 when RFC 1122 section 3.2.2 and RFC 4443
 * section 2.4 forbid an error here (the packet is an ICMP error, a later
 * fragment, or from an unspecified or multicast source);
 * L2TPSEC_ERR_MALFORMED; L2TPSEC_ERR_NOBUFS when `cap` is too small.
 */
int l2tpsec__icmp_too_big(const uint8_t *pkt, size_t len, uint16_t mtu,
                          const uint8_t *from, uint8_t *out, size_t cap);

/*
 * Writes the IPv4 fragment of `pkt` that starts at payload byte `*offset`
 * and fits `mtu`, then advances `*offset` (RFC 791 section 3.2). Call it
 * until `*offset` reaches the payload length (it returns 0 then). Returns
 * the fragment's length, L2TPSEC_ERR_MALFORMED for a packet that is not
 * IPv4 or has DF set, L2TPSEC_ERR_INVALID_ARGUMENT when `mtu` leaves no
 * room for 8 payload bytes, L2TPSEC_ERR_NOBUFS when `cap` < `mtu`.
 */
int l2tpsec__ipv4_fragment(const uint8_t *pkt, size_t len, size_t mtu,
                           size_t *offset, uint8_t *out, size_t cap);

/* Where the transport header of an IPv4 or IPv6 packet lies. */
typedef struct l2tpsec__ip_info {
  int version;        /* 4 or 6 */
  size_t total_len;   /* from the IP header; never more than the buffer */
  size_t l4_offset;   /* first byte after the IP and extension headers */
  uint8_t protocol;   /* IPPROTO_* of the transport header */
  int later_fragment; /* 1 for a fragment other than the first */
  int dont_fragment;  /* IPv4 DF bit; always 1 for IPv6 */
} l2tpsec__ip_info;

/*
 * Parses the IP header and, for IPv6, the hop-by-hop, routing,
 * destination-options and fragment headers. Returns 0,
 * L2TPSEC_ERR_TRUNCATED or L2TPSEC_ERR_MALFORMED.
 */
int l2tpsec__ip_parse(const uint8_t *pkt, size_t len, l2tpsec__ip_info *info);

/*
 * Returns the unfolded sum of the pseudo-header of RFC 793 section 3.1 or
 * RFC 8200 section 8.1 for the addresses of `pkt`, to pass as the `sum`
 * of l2tpsec__inet_checksum over the transport header and payload.
 */
uint32_t l2tpsec__pseudo_header_sum(const uint8_t *pkt, int version,
                                    uint8_t protocol, size_t l4_len);

/* Returns the Internet checksum (RFC 1071) of `len` bytes plus `sum`. */
uint16_t l2tpsec__inet_checksum(const uint8_t *data, size_t len, uint32_t sum);

/*
 * Fills the checksum field of the UDP datagram `udp` (header and
 * payload, `len` bytes) sent from `src` to `dst` over IPv6, where UDP
 * must carry one (RFC 8200 section 8.1). A computed 0 goes out as 0xffff
 * (RFC 768).
 */
void l2tpsec__udp6_set_checksum(uint8_t *udp, size_t len, const uint8_t src[16],
                                const uint8_t dst[16]);

#endif
