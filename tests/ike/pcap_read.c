/* UDP datagrams out of the shared captures; see pcap_read.h. */
#include <stdio.h>
#include <string.h>

#include "pcap_read.h"

static uint16_t be16(const uint8_t *p) {
  return (uint16_t)((p[0] << 8) | p[1]);
}

static void put_ipv4(l2tpsec_ike_endpoint *ep, uint32_t addr, uint16_t port) {
  ep->family = 4;
  ep->addr[0] = (uint8_t)(addr >> 24);
  ep->addr[1] = (uint8_t)(addr >> 16);
  ep->addr[2] = (uint8_t)(addr >> 8);
  ep->addr[3] = (uint8_t)addr;
  ep->port = port;
}

/* Adds the UDP payload of p, clipped to the captured bytes. */
static void add_datagram(pcap_file *f, const capture_packet *p) {
  if (p->proto != 17 || p->fragment || p->l4_len < 8 ||
      f->n >= PCAP_MAX_DATAGRAMS)
    return;

  size_t avail = p->l4_len - 8;
  size_t udp_len = be16(p->l4 + 4);
  pcap_datagram *d = &f->dg[f->n++];

  memset(d, 0, sizeof(*d));
  put_ipv4(&d->src, p->src, be16(p->l4));
  put_ipv4(&d->dst, p->dst, be16(p->l4 + 2));
  d->data = p->l4 + 8;
  d->len = udp_len >= 8 && udp_len - 8 < avail ? udp_len - 8 : avail;
}

int pcap_load(pcap_file *f, const char *relative_path) {
  char path[512];

  memset(f, 0, sizeof(*f));
  snprintf(path, sizeof(path), "%s/%s", L2TPSEC_CAPTURES_DIR, relative_path);
  if (capture_load(&f->capture, path) != 0)
    return -1;
  for (size_t i = 0; i < f->capture.n; i++)
    add_datagram(f, &f->capture.pkt[i]);
  return 0;
}

void pcap_free(pcap_file *f) {
  capture_free(&f->capture);
}
