/* ESP packets out of the shared captures; see pcap_reader.h. */
#include <string.h>

#include "capture.h"
#include "pcap_reader.h"

#define NATT_PORT 4500

static size_t be16(const uint8_t *p) {
  return (size_t)p[0] << 8 | p[1];
}

/* Copies the ESP bytes of one packet into out; false to skip it. */
static bool take_esp(const capture_packet *p, struct esp_frame *out) {
  const uint8_t *esp = p->l4;
  size_t len = p->l4_len;

  out->udp = p->proto == 17;
  out->truncated = p->truncated;
  if (out->udp) {
    if (len < 8 || (be16(esp) != NATT_PORT && be16(esp + 2) != NATT_PORT))
      return false;
    out->truncated = out->truncated || be16(esp + 4) > len;
    esp += 8;
    len -= 8;
  } else if (p->proto != 50) {
    return false;
  }
  if (len > sizeof(out->data))
    len = sizeof(out->data);
  memcpy(out->data, esp, len);
  out->len = len;
  out->src = p->src;
  out->dst = p->dst;
  return true;
}

long pcap_read_esp(const char *path, struct esp_frame *frames, size_t cap) {
  capture c;
  size_t n = 0;

  if (capture_load(&c, path) != 0)
    return -1;
  for (size_t i = 0; i < c.n && n < cap; i++) {
    if (take_esp(&c.pkt[i], &frames[n]))
      n++;
  }
  capture_free(&c);
  return (long)n;
}
