/*
 * The ICMP error for an inner packet that does not fit the tunnel, so
 * the sender's path-MTU discovery lowers its packet size.
 */
#include <netinet/in.h>
#include <string.h>

#include "l2tpsec/errors.h"
#include "uv/mtu.h"

#define ICMP4_DEST_UNREACH 3
#define ICMP4_FRAG_NEEDED 4
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP4_QUOTE_LIMIT 576  /* RFC 1812 section 4.3.2.3 */
#define ICMP6_QUOTE_LIMIT 1280 /* RFC 4443 section 2.4 (c) */

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* Returns whether an ICMP type is an error message (RFC 792, 4443). */
static int is_icmp_error(uint8_t protocol, uint8_t type) {
  if (protocol == IPPROTO_ICMP)
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
  return protocol == IPPROTO_ICMPV6 && type < 128;
}

static int source_forbids_error(const uint8_t *pkt, int version) {
  static const uint8_t zero[16];

  if (version == 4)
    return pkt[12] == 0 || pkt[12] >= 224; /* 0/8, multicast, class E */
  return memcmp(pkt + 8, zero, 16) == 0 || pkt[8] == 0xff;
}

/* Returns whether RFC 1122 3.2.2 / RFC 4443 2.4 (e) allow an error. */
static int may_send_error(const uint8_t *pkt, const l2tpsec__ip_info *info) {
  if (info->later_fragment || source_forbids_error(pkt, info->version))
    return 0;
  if ((info->protocol == IPPROTO_ICMP || info->protocol == IPPROTO_ICMPV6) &&
      info->l4_offset < info->total_len &&
      is_icmp_error(info->protocol, pkt[info->l4_offset]))
    return 0;
  return 1;
}

static size_t build_ipv4(const uint8_t *pkt, size_t quote, uint16_t mtu,
                         const uint8_t *from, uint8_t *out) {
  size_t total = 20 + 8 + quote;

  memset(out, 0, 28);
  out[0] = 0x45;
  put16(out + 2, (uint32_t)total);
  out[8] = 64;
  out[9] = IPPROTO_ICMP;
  memcpy(out + 12, from, 4);
  memcpy(out + 16, pkt + 12, 4);
  put16(out + 10, l2tpsec__inet_checksum(out, 20, 0));

  out[20] = ICMP4_DEST_UNREACH;
  out[21] = ICMP4_FRAG_NEEDED;
  put16(out + 26, mtu);
  memcpy(out + 28, pkt, quote);
  put16(out + 22, l2tpsec__inet_checksum(out + 20, 8 + quote, 0));
  return total;
}

static size_t build_ipv6(const uint8_t *pkt, size_t quote, uint16_t mtu,
                         const uint8_t *from, uint8_t *out) {
  size_t l4_len = 8 + quote;
  uint32_t sum;

  memset(out, 0, 48);
  out[0] = 0x60;
  put16(out + 4, (uint32_t)l4_len);
  out[6] = IPPROTO_ICMPV6;
  out[7] = 64;
  memcpy(out + 8, from, 16);
  memcpy(out + 24, pkt + 8, 16);

  out[40] = ICMP6_PACKET_TOO_BIG;
  put16(out + 46, mtu); /* low half of the 32-bit MTU field */
  memcpy(out + 48, pkt, quote);
  sum = l2tpsec__pseudo_header_sum(out, 6, IPPROTO_ICMPV6, l4_len);
  put16(out + 42, l2tpsec__inet_checksum(out + 40, l4_len, sum));
  return 40 + l4_len;
}

int l2tpsec__icmp_too_big(const uint8_t *pkt, size_t len, uint16_t mtu,
                          const uint8_t *from, uint8_t *out, size_t cap) {
  l2tpsec__ip_info info;
  size_t header, limit, quote;

  if (l2tpsec__ip_parse(pkt, len, &info) != 0)
    return L2TPSEC_ERR_MALFORMED;
  if (!may_send_error(pkt, &info))
    return 0;

  header = info.version == 4 ? 28 : 48;
  limit = info.version == 4 ? ICMP4_QUOTE_LIMIT : ICMP6_QUOTE_LIMIT;
  quote = info.total_len < limit - header ? info.total_len : limit - header;
  if (cap < header + quote)
    return L2TPSEC_ERR_NOBUFS;

  if (info.version == 4)
    return (int)build_ipv4(pkt, quote, mtu, from, out);
  return (int)build_ipv6(pkt, quote, mtu, from, out);
}
