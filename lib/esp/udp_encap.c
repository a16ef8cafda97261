/* UDP encapsulation of ESP (RFC 3948). */
#include "esp/esp_internal.h"
#include "l2tpsec/errors.h"

#define UDP_HEADER_LEN 8
#define ISAKMP_HEADER_LEN 28
#define NON_ESP_MARKER_LEN 4

enum l2tpsec_esp_udp_kind l2tpsec_esp_udp_classify(const uint8_t *payload,
                                                   size_t len) {
  if (payload == NULL || len == 0)
    return L2TPSEC_ESP_UDP_INVALID;
  if (len == 1)
    return payload[0] == L2TPSEC_ESP_NAT_KEEPALIVE ? L2TPSEC_ESP_UDP_KEEPALIVE
                                                   : L2TPSEC_ESP_UDP_INVALID;
  if (len < NON_ESP_MARKER_LEN)
    return L2TPSEC_ESP_UDP_INVALID;

  /* Section 2.2: a zero SPI field is the non-ESP marker. */
  if (l2tpsec__get32(payload) == 0)
    return len >= NON_ESP_MARKER_LEN + ISAKMP_HEADER_LEN
               ? L2TPSEC_ESP_UDP_IKE
               : L2TPSEC_ESP_UDP_INVALID;
  return len >= ESP_HEADER_LEN ? L2TPSEC_ESP_UDP_ESP : L2TPSEC_ESP_UDP_INVALID;
}

size_t l2tpsec_esp_nat_keepalive(uint8_t *out, size_t cap) {
  if (out == NULL || cap == 0)
    return 0;
  out[0] = L2TPSEC_ESP_NAT_KEEPALIVE;
  return 1;
}

int l2tpsec_esp_udp_encap(l2tpsec_pkt *pkt, uint16_t src_port,
                          uint16_t dst_port) {
  uint8_t *h;

  if (pkt == NULL || pkt->len > 65535 - UDP_HEADER_LEN)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  h = l2tpsec_pkt_push(pkt, UDP_HEADER_LEN);
  if (h == NULL)
    return L2TPSEC_ERR_NOBUFS;
  l2tpsec__put16(h, src_port);
  l2tpsec__put16(h + 2, dst_port);
  l2tpsec__put16(h + 4, (uint16_t)pkt->len);
  l2tpsec__put16(h + 6, 0);
  return 0;
}
