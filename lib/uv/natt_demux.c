/* RFC 3948 section 2 demultiplexing of UDP port 4500. */
#include "uv/natt_demux.h"

/* The SPI and sequence number of RFC 4303 section 2 come first in ESP. */
#define ESP_MIN_LEN 8
#define NON_ESP_MARKER_LEN 4

enum l2tpsec__natt_kind l2tpsec__natt_classify(const uint8_t *data, size_t len,
                                               size_t *offset) {
  *offset = 0;
  if (len == 1 && data[0] == 0xff)
    return L2TPSEC__NATT_KEEPALIVE;
  if (len < NON_ESP_MARKER_LEN)
    return L2TPSEC__NATT_INVALID;

  /* SPI 0 is reserved (RFC 4303 section 2.1), so four zero bytes are the
   * non-ESP marker. */
  if ((data[0] | data[1] | data[2] | data[3]) == 0) {
    if (len == NON_ESP_MARKER_LEN)
      return L2TPSEC__NATT_INVALID;
    *offset = NON_ESP_MARKER_LEN;
    return L2TPSEC__NATT_IKE;
  }
  return len >= ESP_MIN_LEN ? L2TPSEC__NATT_ESP : L2TPSEC__NATT_INVALID;
}
