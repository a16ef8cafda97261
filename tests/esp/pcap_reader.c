/* Classic pcap reader for the ESP capture tests. */
#include <stdio.h>
#include <string.h>

#include "pcap_reader.h"

#define LINKTYPE_ETHERNET 1

/* The top four bits of the link type field describe the FCS, not the type. */

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static size_t be16(const uint8_t *p) {
  return (size_t)p[0] << 8 | p[1];
}

/* Takes the ESP bytes out of one Ethernet frame; false to skip it. */
static bool parse_frame(const uint8_t *f, size_t caplen,
                        struct esp_frame *out) {
  const uint8_t *ip = f + 14;
  size_t avail, ihl, total;

  if (caplen < 14 + 20 || be16(f + 12) != 0x0800 || ip[0] >> 4 != 4)
    return false;
  avail = caplen - 14;
  ihl = (size_t)(ip[0] & 0x0f) * 4;
  total = be16(ip + 2);
  if (ihl < 20 || ihl > avail)
    return false;
  out->truncated = total > avail;
  if (total < avail && total >= ihl)
    avail = total;
  out->src = be32(ip + 12);
  out->dst = be32(ip + 16);

  const uint8_t *l4 = ip + ihl;
  size_t l4len = avail - ihl;

  out->udp = ip[9] == 17;
  if (out->udp) {
    if (l4len < 8 || (be16(l4 + 2) != 4500 && be16(l4) != 4500))
      return false;
    out->truncated = out->truncated || be16(l4 + 4) > l4len;
    l4 += 8;
    l4len -= 8;
  } else if (ip[9] != 50) {
    return false;
  }
  if (l4len > sizeof(out->data))
    l4len = sizeof(out->data);
  memcpy(out->data, l4, l4len);
  out->len = l4len;
  return true;
}

long pcap_read_esp(const char *path, struct esp_frame *frames, size_t cap) {
  static uint8_t buf[70000];
  uint8_t hdr[24], rec[16];
  FILE *f = fopen(path, "rb");
  size_t n = 0;

  if (f == NULL)
    return -1;
  if (fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr) || le32(hdr) != 0xa1b2c3d4 ||
      (le32(hdr + 20) & 0x0fffffff) != LINKTYPE_ETHERNET) {
    fclose(f);
    return -1;
  }
  while (n < cap && fread(rec, 1, sizeof(rec), f) == sizeof(rec)) {
    size_t caplen = le32(rec + 8);

    if (caplen > sizeof(buf) || fread(buf, 1, caplen, f) != caplen)
      break;
    if (parse_frame(buf, caplen, &frames[n]))
      n++;
  }
  fclose(f);
  return (long)n;
}
