/* Capture corpus reader for tests; see capture.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_MAGIC_SWAPPED 0xd4c3b2a1u
#define PCAPNG_SECTION 0x0a0d0d0au

enum { LINK_NULL = 0, LINK_ETHERNET = 1, LINK_RAW = 101, LINK_IPV4 = 228 };

static uint32_t rd32(const uint8_t *p, bool swap) {
  uint32_t v;

  memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static size_t be16(const uint8_t *p) {
  return (size_t)p[0] << 8 | p[1];
}

static capture_packet *next_slot(capture *c) {
  if (c->n == c->cap) {
    size_t cap = c->cap == 0 ? 64 : c->cap * 2;
    capture_packet *p = realloc(c->pkt, cap * sizeof(*p));

    if (p == NULL)
      abort();
    c->pkt = p;
    c->cap = cap;
  }
  return &c->pkt[c->n++];
}

/* Indexes one IPv4 packet of len captured bytes; anything else is skipped. */
static void add_ipv4(capture *c, const uint8_t *ip, size_t len) {
  if (len < 20 || ip[0] >> 4 != 4)
    return;

  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  size_t total = be16(ip + 2);

  if (ihl < 20 || ihl > len)
    return;

  capture_packet *p = next_slot(c);

  p->src = be32(ip + 12);
  p->dst = be32(ip + 16);
  p->proto = ip[9];
  p->fragment = (be16(ip + 6) & 0x1fff) != 0;
  p->truncated = total > len;
  if (total >= ihl && total < len)
    len = total;
  p->l4 = ip + ihl;
  p->l4_len = len - ihl;
}

/* Strips the link-layer header of link type `link`. */
static void add_frame(capture *c, uint32_t link, const uint8_t *f, size_t len) {
  if (link == LINK_ETHERNET && len >= 14 && be16(f + 12) == 0x0800)
    add_ipv4(c, f + 14, len - 14);
  else if (link == LINK_NULL && len >= 4)
    add_ipv4(c, f + 4, len - 4);
  else if (link == LINK_RAW || link == LINK_IPV4)
    add_ipv4(c, f, len);
}

static void read_classic(capture *c) {
  bool swap = rd32(c->buf, false) == PCAP_MAGIC_SWAPPED;
  /* The top four bits of the link type field describe the FCS. */
  uint32_t link = rd32(c->buf + 20, swap) & 0x0fffffff;
  size_t off = 24;

  while (off + 16 <= c->buf_len) {
    size_t incl = rd32(c->buf + off + 8, swap);

    if (incl > c->buf_len - off - 16)
      break;
    add_frame(c, link, c->buf + off + 16, incl);
    off += 16 + incl;
  }
}

/* Reads enhanced packet blocks; the corpus files are little-endian. */
static void read_pcapng(capture *c) {
  uint32_t link = LINK_ETHERNET;
  size_t off = 0;

  while (off + 12 <= c->buf_len) {
    uint32_t type = rd32(c->buf + off, false);
    size_t blen = rd32(c->buf + off + 4, false);

    if (blen < 12 || blen > c->buf_len - off)
      break;
    if (type == 1 && blen >= 16)
      link = (uint32_t)(c->buf[off + 8] | c->buf[off + 9] << 8);
    if (type == 6 && blen >= 32) {
      size_t incl = rd32(c->buf + off + 20, false);

      if (incl <= blen - 32)
        add_frame(c, link, c->buf + off + 28, incl);
    }
    off += blen;
  }
}

static int read_whole_file(capture *c, const char *path) {
  FILE *fp = fopen(path, "rb");
  long size;

  if (fp == NULL)
    return -1;
  if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
      fseek(fp, 0, SEEK_SET) != 0) {
    fclose(fp);
    return -1;
  }
  c->buf = malloc(size > 0 ? (size_t)size : 1);
  if (c->buf == NULL)
    abort();
  c->buf_len = fread(c->buf, 1, (size_t)size, fp);
  fclose(fp);
  return 0;
}

int capture_load(capture *c, const char *path) {
  memset(c, 0, sizeof(*c));
  if (read_whole_file(c, path) != 0) {
    fprintf(stderr,
            "capture %s cannot be read: the tests need ../shared/captures "
            "next to the repository\n",
            path);
    return -1;
  }

  uint32_t magic = c->buf_len >= 24 ? rd32(c->buf, false) : 0;

  if (magic == PCAPNG_SECTION) {
    read_pcapng(c);
  } else if (magic == PCAP_MAGIC || magic == PCAP_MAGIC_SWAPPED) {
    read_classic(c);
  } else {
    fprintf(stderr, "capture %s is neither pcap nor pcapng\n", path);
    capture_free(c);
    return -1;
  }
  return 0;
}

void capture_free(capture *c) {
  free(c->buf);
  free(c->pkt);
  memset(c, 0, sizeof(*c));
}
