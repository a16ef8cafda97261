/*
 * TCP MSS clamping: the tunnel's inner MTU is smaller than the Ethernet
 * MTU the endpoints assume, and ICMP errors are often filtered, so the
 * MSS announced in SYNs is lowered to what fits (RFC 879 section 3
 * defines the option; RFC 6691 how it relates to the MTU).
 */
#include <netinet/in.h>

#include "l2tpsec/errors.h"
#include "uv/mtu.h"

#define TCP_FLAG_SYN 0x02
#define TCP_OPT_END 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2

/* Returns the offset of the MSS option's value, or 0 when absent. */
static size_t find_mss_option(const uint8_t *tcp, size_t hlen) {
  size_t off = 20;

  while (off < hlen) {
    uint8_t kind = tcp[off];

    if (kind == TCP_OPT_END)
      return 0;
    if (kind == TCP_OPT_NOP) {
      off++;
      continue;
    }
    if (off + 1 >= hlen || tcp[off + 1] < 2 || off + tcp[off + 1] > hlen)
      return 0;
    if (kind == TCP_OPT_MSS && tcp[off + 1] == 4)
      return off + 2;
    off += tcp[off + 1];
  }
  return 0;
}

static uint16_t swap16(uint16_t v) {
  return (uint16_t)(v << 8 | v >> 8);
}

/*
 * Adjusts the TCP checksum for one 16-bit value that changed at `off`
 * bytes into the segment (RFC 1624 equation 3). An incremental update
 * keeps a segment that arrived corrupted detectably corrupted. At an odd
 * offset the value straddles two checksum words, which in ones'
 * complement arithmetic is the same as adding it byte-swapped.
 */
static void adjust_checksum(uint8_t *tcp, size_t off, uint16_t old_value,
                            uint16_t new_value) {
  uint16_t check = (uint16_t)(tcp[16] << 8 | tcp[17]);
  uint32_t sum;

  if (off & 1) {
    old_value = swap16(old_value);
    new_value = swap16(new_value);
  }
  sum = (uint16_t)~check + (uint32_t)(uint16_t)~old_value + new_value;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  check = (uint16_t)~sum;
  tcp[16] = (uint8_t)(check >> 8);
  tcp[17] = (uint8_t)check;
}

int l2tpsec__tcp_clamp_mss(uint8_t *pkt, size_t len, uint16_t mss) {
  l2tpsec__ip_info info;
  uint8_t *tcp;
  size_t hlen, opt;
  uint16_t old_mss;
  int rv;

  rv = l2tpsec__ip_parse(pkt, len, &info);
  if (rv != 0)
    return rv;
  if (info.protocol != IPPROTO_TCP || info.later_fragment)
    return 0;
  if (info.total_len - info.l4_offset < 20)
    return L2TPSEC_ERR_TRUNCATED;

  tcp = pkt + info.l4_offset;
  hlen = (size_t)(tcp[12] >> 4) * 4;
  if (hlen < 20 || info.l4_offset + hlen > info.total_len)
    return L2TPSEC_ERR_MALFORMED;
  if (!(tcp[13] & TCP_FLAG_SYN))
    return 0;

  opt = find_mss_option(tcp, hlen);
  if (opt == 0)
    return 0;
  old_mss = (uint16_t)(tcp[opt] << 8 | tcp[opt + 1]);
  if (old_mss <= mss)
    return 0;

  tcp[opt] = (uint8_t)(mss >> 8);
  tcp[opt + 1] = (uint8_t)mss;
  adjust_checksum(tcp, opt, old_mss, mss);
  return 1;
}
