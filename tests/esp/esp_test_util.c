/* Helpers for the ESP tests. */
#include <string.h>

#include "esp_test_util.h"

const struct esp_suite esp_suites[] = {
    {"aes128-sha1", L2TPSEC_ESP_ENCR_AES_CBC, 16,
     L2TPSEC_ESP_INTEG_HMAC_SHA1_96, 20, false},
    {"aes192-sha256", L2TPSEC_ESP_ENCR_AES_CBC, 24,
     L2TPSEC_ESP_INTEG_HMAC_SHA256_128, 32, false},
    {"aes256-sha384", L2TPSEC_ESP_ENCR_AES_CBC, 32,
     L2TPSEC_ESP_INTEG_HMAC_SHA384_192, 48, false},
    {"aes256-sha512", L2TPSEC_ESP_ENCR_AES_CBC, 32,
     L2TPSEC_ESP_INTEG_HMAC_SHA512_256, 64, false},
    {"aes128-md5", L2TPSEC_ESP_ENCR_AES_CBC, 16, L2TPSEC_ESP_INTEG_HMAC_MD5_96,
     16, false},
    {"aes128gcm16", L2TPSEC_ESP_ENCR_AES_GCM_16, 20, L2TPSEC_ESP_INTEG_NONE, 0,
     false},
    {"aes256gcm12", L2TPSEC_ESP_ENCR_AES_GCM_12, 36, L2TPSEC_ESP_INTEG_NONE, 0,
     false},
    {"aes192gcm8", L2TPSEC_ESP_ENCR_AES_GCM_8, 28, L2TPSEC_ESP_INTEG_NONE, 0,
     false},
    {"3des-sha1", L2TPSEC_ESP_ENCR_3DES_CBC, 24, L2TPSEC_ESP_INTEG_HMAC_SHA1_96,
     20, true},
    {"null-sha256", L2TPSEC_ESP_ENCR_NULL, 0, L2TPSEC_ESP_INTEG_HMAC_SHA256_128,
     32, true},
};
const size_t esp_suite_count = sizeof(esp_suites) / sizeof(esp_suites[0]);

static void record_event(void *user_data, l2tpsec_esp_sa *sa,
                         enum l2tpsec_esp_event event) {
  struct esp_events *e = user_data;

  if (e == NULL)
    return;
  if (event == L2TPSEC_ESP_EVENT_SOFT_EXPIRED)
    e->soft++;
  else if (event == L2TPSEC_ESP_EVENT_HARD_EXPIRED)
    e->hard++;
  else if (event == L2TPSEC_ESP_EVENT_SHA256_ICV96_DETECTED)
    e->icv96++;
}

const l2tpsec_esp_callbacks esp_test_callbacks = {record_event};

static l2tpsec_rand_test_state rand_state;

void esp_test_settings(l2tpsec_esp_sa_settings *s, const struct esp_suite *su,
                       enum l2tpsec_esp_direction dir, uint8_t seed) {
  l2tpsec_esp_sa_settings_default(s);
  s->spi = 0x1000 + seed;
  s->direction = dir;
  s->encr = su->encr;
  s->encr_key_len = su->encr_key_len;
  s->integ = su->integ;
  s->integ_key_len = su->integ_key_len;
  s->allow_legacy = su->legacy;
  for (size_t i = 0; i < L2TPSEC_ESP_KEY_MAX; i++) {
    s->encr_key[i] = (uint8_t)(seed * 31 + i);
    s->integ_key[i] = (uint8_t)(seed * 17 + 3 * i + 1);
  }
  s->rand = l2tpsec_rand_test(&rand_state, seed);
}

void esp_test_pkt_fill(struct esp_test_pkt *p, const uint8_t *data,
                       size_t len) {
  l2tpsec_pkt_init(&p->pkt, p->storage, sizeof(p->storage), 128);
  memcpy(l2tpsec_pkt_put(&p->pkt, len), data, len);
}

void esp_test_udp(uint8_t *out, size_t len) {
  out[0] = 0x06;
  out[1] = 0xa5; /* 1701 */
  out[2] = 0x06;
  out[3] = 0xa5;
  out[4] = (uint8_t)(len >> 8);
  out[5] = (uint8_t)len;
  out[6] = 0x12;
  out[7] = 0x34;
  for (size_t i = 8; i < len; i++)
    out[i] = (uint8_t)(i * 7);
}
