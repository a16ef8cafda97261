/*
 * Hostile input: every flipped bit of an ESP packet is rejected and
 * counted; every truncation is rejected without reading past the end
 * (the sanitizer build proves the latter: each truncated copy lives in
 * its own exactly sized heap buffer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "esp_test_util.h"
#include "l2tpsec/errors.h"

static void new_pair(const struct esp_suite *su, l2tpsec_esp_sa **out,
                     l2tpsec_esp_sa **in) {
  l2tpsec_esp_sa_settings s;

  esp_test_settings(&s, su, L2TPSEC_ESP_OUTBOUND, 9);
  assert_int_equal(l2tpsec_esp_sa_new(out, &s, NULL, NULL), 0);
  s.direction = L2TPSEC_ESP_INBOUND;
  s.replay_window = 4096;
  assert_int_equal(l2tpsec_esp_sa_new(in, &s, NULL, NULL), 0);
}

static size_t make_packet(l2tpsec_esp_sa *out, uint8_t *esp, size_t cap) {
  struct esp_test_pkt p;
  uint8_t udp[61];

  esp_test_udp(udp, sizeof(udp));
  esp_test_pkt_fill(&p, udp, sizeof(udp));
  assert_int_equal(l2tpsec_esp_encrypt(out, &p.pkt, 17, 0), 0);
  assert_true(p.pkt.len <= cap);
  memcpy(esp, p.pkt.data, p.pkt.len);
  return p.pkt.len;
}

static uint64_t rejected_total(const l2tpsec_esp_sa *in) {
  l2tpsec_esp_sa_stats st;

  l2tpsec_esp_sa_stats_get(in, &st);
  return st.replay_drops + st.icv_failures + st.padding_errors + st.malformed +
         st.next_header_errors;
}

/* Flips each bit of a fresh packet in turn; none may be accepted. */
static void every_bit_flip_rejected(void **state) {
  for (size_t i = 0; i < esp_suite_count; i++) {
    l2tpsec_esp_sa *out, *in;
    uint8_t esp[256];
    size_t len;

    new_pair(&esp_suites[i], &out, &in);
    for (size_t bit = 0;; bit++) {
      struct esp_test_pkt p;
      uint8_t nh;
      uint64_t before = rejected_total(in);
      int rv;

      len = make_packet(out, esp, sizeof(esp));
      if (bit >= len * 8)
        break;
      esp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      esp_test_pkt_fill(&p, esp, len);
      rv = l2tpsec_esp_decrypt(in, &p.pkt, 0, &nh);
      if (rv == 0)
        fail_msg("suite %s: flipped bit %zu of %zu accepted",
                 esp_suites[i].name, bit, len * 8);
      assert_int_equal(rejected_total(in), before + 1);
    }
    l2tpsec_esp_sa_del(out);
    l2tpsec_esp_sa_del(in);
  }
}

static void every_truncation_rejected(void **state) {
  for (size_t i = 0; i < esp_suite_count; i++) {
    l2tpsec_esp_sa *out, *in;
    uint8_t esp[256];
    size_t len;

    new_pair(&esp_suites[i], &out, &in);
    len = make_packet(out, esp, sizeof(esp));
    for (size_t cut = 0; cut < len; cut++) {
      l2tpsec_pkt pkt;
      uint8_t *copy = malloc(cut > 0 ? cut : 1);
      uint8_t nh;

      memcpy(copy, esp, cut);
      assert_int_equal(l2tpsec_pkt_init(&pkt, copy, cut, 0), 0);
      pkt.len = cut;
      if (l2tpsec_esp_decrypt(in, &pkt, 0, &nh) == 0)
        fail_msg("suite %s: packet cut to %zu of %zu bytes accepted",
                 esp_suites[i].name, cut, len);
      free(copy);
    }
    l2tpsec_esp_sa_del(out);
    l2tpsec_esp_sa_del(in);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_bit_flip_rejected),
      cmocka_unit_test(every_truncation_rejected),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
