/* IPv4 fragmentation of an inner packet whose sender left DF clear. */
#include <string.h>

#include "l2tpsec/errors.h"
#include "uv/mtu.h"

static void put16(uint8_t *p, size_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/*
 * Every fragment repeats the whole header, options included. RFC 791
 * lets later fragments drop options without the copy flag; keeping them
 * is also valid and simpler.
 */
int l2tpsec__ipv4_fragment(const uint8_t *pkt, size_t len, size_t mtu,
                           size_t *offset, uint8_t *out, size_t cap) {
  l2tpsec__ip_info info;
  size_t payload, chunk, orig_off;
  int more;

  if (l2tpsec__ip_parse(pkt, len, &info) != 0 || info.version != 4 ||
      info.dont_fragment)
    return L2TPSEC_ERR_MALFORMED;
  if (mtu > 0xffff)
    mtu = 0xffff;
  if (mtu < info.l4_offset + 8)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (cap < mtu)
    return L2TPSEC_ERR_NOBUFS;

  payload = info.total_len - info.l4_offset;
  if (*offset >= payload)
    return 0;
  chunk = payload - *offset;
  if (info.l4_offset + chunk > mtu)
    chunk = (mtu - info.l4_offset) & ~(size_t)7; /* RFC 791: 8-byte units */

  /* A packet that is itself a fragment keeps its offset and MF bit. */
  orig_off = (size_t)((pkt[6] & 0x1f) << 8 | pkt[7]) * 8;
  more = *offset + chunk < payload || (pkt[6] & 0x20);

  memcpy(out, pkt, info.l4_offset);
  memcpy(out + info.l4_offset, pkt + info.l4_offset + *offset, chunk);
  put16(out + 2, info.l4_offset + chunk);
  put16(out + 6, (more ? 0x2000 : 0) | ((orig_off + *offset) / 8));
  out[10] = 0;
  out[11] = 0;
  put16(out + 10, l2tpsec__inet_checksum(out, info.l4_offset, 0));

  *offset += chunk;
  return (int)(info.l4_offset + chunk);
}
