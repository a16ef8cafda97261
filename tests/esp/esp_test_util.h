/* Helpers for the ESP tests: SA pairs with fixed keys, packets. */
#ifndef ESP_TEST_UTIL_H
#define ESP_TEST_UTIL_H

#include "l2tpsec/esp.h"

struct esp_suite {
  const char *name;
  enum l2tpsec_esp_encr encr;
  size_t encr_key_len;
  enum l2tpsec_esp_integ integ;
  size_t integ_key_len;
  bool legacy;
};

/* Every suite the layer implements, legacy ones last. */
extern const struct esp_suite esp_suites[];
extern const size_t esp_suite_count;

/* Event counts that esp_test_callbacks records. */
struct esp_events {
  int soft;
  int hard;
  int icv96;
};

extern const l2tpsec_esp_callbacks esp_test_callbacks;

/* Fills s for one direction of a suite, with keys derived from seed. */
void esp_test_settings(l2tpsec_esp_sa_settings *s, const struct esp_suite *su,
                       enum l2tpsec_esp_direction dir, uint8_t seed);

/* A packet over storage with 128 bytes of headroom. */
struct esp_test_pkt {
  l2tpsec_pkt pkt;
  uint8_t storage[20000];
};

void esp_test_pkt_fill(struct esp_test_pkt *p, const uint8_t *data, size_t len);

/* A UDP datagram of len bytes (header included) with a pattern. */
void esp_test_udp(uint8_t *out, size_t len);

#endif
