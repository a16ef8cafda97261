/* IPv4 and IPv6 header walking, and the Internet checksum. */
#include <netinet/in.h>
#include <string.h>

#include "l2tpsec/errors.h"

#include "uv/mtu.h"

static uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static int parse_ipv4(const uint8_t *pkt, size_t len, l2tpsec__ip_info *info) {
  size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
  uint16_t frag;

  if (len < 20)
    return L2TPSEC_ERR_TRUNCATED;
  frag = get16(pkt + 6);
  info->total_len = get16(pkt + 2);
  if (ihl < 20 || info->total_len < ihl)
    return L2TPSEC_ERR_MALFORMED;
  if (info->total_len > len)
    return L2TPSEC_ERR_TRUNCATED;

  info->version = 4;
  info->l4_offset = ihl;
  info->protocol = pkt[9];
  info->later_fragment = (frag & 0x1fff) != 0;
  info->dont_fragment = (frag & 0x4000) != 0;
  return 0;
}

/* Walks the extension headers that may precede the transport header. */
static int skip_ipv6_extensions(const uint8_t *pkt, l2tpsec__ip_info *info) {
  size_t off = 40;
  uint8_t next = pkt[6];

  for (;;) {
    size_t hlen;

    if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
        next != IPPROTO_DSTOPTS && next != IPPROTO_FRAGMENT)
      break;
    if (off + 8 > info->total_len)
      return L2TPSEC_ERR_TRUNCATED;
    hlen = next == IPPROTO_FRAGMENT ? 8 : ((size_t)pkt[off + 1] + 1) * 8;
    if (next == IPPROTO_FRAGMENT && (get16(pkt + off + 2) & 0xfff8) != 0)
      info->later_fragment = 1;
    next = pkt[off];
    off += hlen;
  }
  if (off > info->total_len)
    return L2TPSEC_ERR_TRUNCATED;
  info->l4_offset = off;
  info->protocol = next;
  return 0;
}

static int parse_ipv6(const uint8_t *pkt, size_t len, l2tpsec__ip_info *info) {
  if (len < 40)
    return L2TPSEC_ERR_TRUNCATED;
  info->total_len = 40 + (size_t)get16(pkt + 4);
  if (info->total_len > len)
    return L2TPSEC_ERR_TRUNCATED;

  info->version = 6;
  info->later_fragment = 0;
  info->dont_fragment = 1;
  return skip_ipv6_extensions(pkt, info);
}

int l2tpsec__ip_parse(const uint8_t *pkt, size_t len, l2tpsec__ip_info *info) {
  if (len < 1)
    return L2TPSEC_ERR_TRUNCATED;
  switch (pkt[0] >> 4) {
  case 4:
    return parse_ipv4(pkt, len, info);
  case 6:
    return parse_ipv6(pkt, len, info);
  default:
    return L2TPSEC_ERR_MALFORMED;
  }
}

uint16_t l2tpsec__inet_checksum(const uint8_t *data, size_t len, uint32_t sum) {
  uint64_t acc = sum;

  for (size_t i = 0; i + 1 < len; i += 2)
    acc += get16(data + i);
  if (len & 1)
    acc += (uint32_t)data[len - 1] << 8;
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (uint16_t)~acc;
}

uint32_t l2tpsec__pseudo_header_sum(const uint8_t *pkt, int version,
                                    uint8_t protocol, size_t l4_len) {
  const uint8_t *addrs = version == 4 ? pkt + 12 : pkt + 8;
  size_t addrs_len = version == 4 ? 8 : 32;
  uint32_t sum =
      protocol + (uint32_t)(l4_len & 0xffff) + (uint32_t)(l4_len >> 16);

  for (size_t i = 0; i < addrs_len; i += 2)
    sum += get16(addrs + i);
  return sum;
}

void l2tpsec__udp6_set_checksum(uint8_t *udp, size_t len, const uint8_t src[16],
                                const uint8_t dst[16]) {
  uint8_t header[40] = {0x60};
  uint16_t checksum;

  memcpy(header + 8, src, 16);
  memcpy(header + 24, dst, 16);
  udp[6] = 0;
  udp[7] = 0;
  checksum = l2tpsec__inet_checksum(
      udp, len, l2tpsec__pseudo_header_sum(header, 6, 17, len));
  if (checksum == 0)
    checksum = 0xffff;
  udp[6] = (uint8_t)(checksum >> 8);
  udp[7] = (uint8_t)checksum;
}

enum l2tpsec__mtu_action l2tpsec__mtu_check(const uint8_t *pkt, size_t len,
                                            size_t mtu) {
  l2tpsec__ip_info info;

  if (l2tpsec__ip_parse(pkt, len, &info) != 0)
    return L2TPSEC__MTU_MALFORMED;
  if (info.total_len <= mtu)
    return L2TPSEC__MTU_FITS;
  return info.dont_fragment ? L2TPSEC__MTU_TOO_BIG : L2TPSEC__MTU_FRAGMENT;
}
