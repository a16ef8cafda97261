/* Capture reader for tests; see pcap_read.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_read.h"

static uint32_t rd32(const uint8_t *p, int swap) {
  uint32_t v;

  memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

static uint16_t be16(const uint8_t *p) {
  return (uint16_t)((p[0] << 8) | p[1]);
}

/* Extracts the UDP payload of one IPv4 packet, if it is one. */
static void add_ipv4(pcap_file *f, const uint8_t *p, size_t len) {
  if (len < 20 || (p[0] >> 4) != 4 || f->n >= PCAP_MAX_DATAGRAMS)
    return;

  size_t ihl = (size_t)(p[0] & 0x0f) * 4;
  uint16_t frag = be16(p + 6) & 0x1fff;
  if (p[9] != 17 || ihl < 20 || len < ihl + 8 || frag != 0)
    return;

  const uint8_t *udp = p + ihl;
  size_t avail = len - ihl - 8;
  size_t udp_len = be16(udp + 4);
  size_t payload = udp_len >= 8 && udp_len - 8 < avail ? udp_len - 8 : avail;

  pcap_datagram *d = &f->dg[f->n++];
  memset(d, 0, sizeof(*d));
  d->src.family = d->dst.family = 4;
  memcpy(d->src.addr, p + 12, 4);
  memcpy(d->dst.addr, p + 16, 4);
  d->src.port = be16(udp);
  d->dst.port = be16(udp + 2);
  d->data = udp + 8;
  d->len = payload;
}

/* Strips the link-layer header for link type `link`. */
static void add_frame(pcap_file *f, uint32_t link, const uint8_t *p,
                      size_t len) {
  if (link == 1 && len >= 14 && be16(p + 12) == 0x0800)
    add_ipv4(f, p + 14, len - 14);
  else if (link == 0 && len >= 4)
    add_ipv4(f, p + 4, len - 4);
  else if (link == 101 || link == 228)
    add_ipv4(f, p, len);
}

static void read_classic(pcap_file *f) {
  int swap = rd32(f->buf, 0) == 0xd4c3b2a1;
  uint32_t link = rd32(f->buf + 20, swap);
  size_t off = 24;

  while (off + 16 <= f->buf_len) {
    size_t incl = rd32(f->buf + off + 8, swap);
    if (incl > f->buf_len - off - 16)
      break;
    add_frame(f, link, f->buf + off + 16, incl);
    off += 16 + incl;
  }
}

static void read_pcapng(pcap_file *f) {
  size_t off = 0;
  uint32_t link = 1;

  while (off + 12 <= f->buf_len) {
    uint32_t type = rd32(f->buf + off, 0);
    size_t blen = rd32(f->buf + off + 4, 0);
    if (blen < 12 || blen > f->buf_len - off)
      break;
    /* Interface description block; the corpus files are little-endian. */
    if (type == 1 && blen >= 16)
      link = (uint32_t)(f->buf[off + 8] | (f->buf[off + 9] << 8));
    if (type == 6 && blen >= 32) {
      size_t cap = rd32(f->buf + off + 20, 0);
      if (cap <= blen - 32)
        add_frame(f, link, f->buf + off + 28, cap);
    }
    off += blen;
  }
}

int pcap_load(pcap_file *f, const char *relative_path) {
  char path[512];
  FILE *fp;
  long size;

  memset(f, 0, sizeof(*f));
  snprintf(path, sizeof(path), "%s/%s", L2TPSEC_CAPTURES_DIR, relative_path);
  fp = fopen(path, "rb");
  if (fp == NULL) {
    fprintf(stderr,
            "capture %s not found: the tests need ../shared/captures "
            "next to the repository\n",
            path);
    return -1;
  }
  fseek(fp, 0, SEEK_END);
  size = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  f->buf = malloc((size_t)size);
  f->buf_len = fread(f->buf, 1, (size_t)size, fp);
  fclose(fp);

  if (f->buf_len >= 24 && rd32(f->buf, 0) == 0x0a0d0d0a)
    read_pcapng(f);
  else if (f->buf_len >= 24)
    read_classic(f);
  return 0;
}

void pcap_free(pcap_file *f) {
  free(f->buf);
  f->buf = NULL;
}
