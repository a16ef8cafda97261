/* ESP SAs: round trips, settings, lifetimes and sequence exhaustion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esp/esp_internal.h"
#include "esp_test_util.h"
#include "l2tpsec/errors.h"

static l2tpsec_esp_sa *new_sa(l2tpsec_esp_sa_settings *s,
                              struct esp_events *ev) {
  l2tpsec_esp_sa *sa = NULL;

  assert_int_equal(l2tpsec_esp_sa_new(&sa, s, &esp_test_callbacks, ev), 0);
  return sa;
}

/* Creates the outbound and inbound SA of one suite with the same keys. */
static void new_pair(const struct esp_suite *su, enum l2tpsec_esp_mode mode,
                     enum l2tpsec_esp_family family, l2tpsec_esp_sa **out,
                     l2tpsec_esp_sa **in) {
  l2tpsec_esp_sa_settings s;

  esp_test_settings(&s, su, L2TPSEC_ESP_OUTBOUND, 7);
  s.mode = mode;
  s.family = family;
  *out = new_sa(&s, NULL);
  s.direction = L2TPSEC_ESP_INBOUND;
  *in = new_sa(&s, NULL);
}

/* An IPv4 packet of len bytes for tunnel mode. */
static void ipv4_packet(uint8_t *p, size_t len) {
  memset(p, 0, len);
  p[0] = 0x45;
  p[2] = (uint8_t)(len >> 8);
  p[3] = (uint8_t)len;
  p[8] = 64;
  p[9] = 17;
  for (size_t i = 20; i < len; i++)
    p[i] = (uint8_t)(i ^ 0x5a);
}

static void round_trip(l2tpsec_esp_sa *out, l2tpsec_esp_sa *in,
                       const uint8_t *payload, size_t len, uint8_t nh) {
  struct esp_test_pkt p;
  size_t head = 128;
  uint8_t got_nh = 0;

  esp_test_pkt_fill(&p, payload, len);
  assert_int_equal(l2tpsec_esp_encrypt(out, &p.pkt, nh, 0), 0);
  assert_int_equal(l2tpsec_pkt_headroom(&p.pkt),
                   head - l2tpsec_esp_sa_overhead_head(out));
  assert_int_equal((p.pkt.len - l2tpsec_esp_sa_overhead_head(out) -
                    l2tpsec_esp_sa_icv_len(out)) %
                       4,
                   0);
  assert_int_equal(l2tpsec__get32(p.pkt.data), l2tpsec_esp_sa_spi(out));

  assert_int_equal(l2tpsec_esp_decrypt(in, &p.pkt, 0, &got_nh), 0);
  assert_int_equal(got_nh, nh);
  assert_int_equal(p.pkt.len, len);
  assert_memory_equal(p.pkt.data, payload, len);
  assert_int_equal(l2tpsec_pkt_headroom(&p.pkt), head);
}

static void round_trip_every_suite(void **state) {
  static const size_t lens[] = {8, 9, 15, 16, 17, 100, 1400, 16384};
  uint8_t payload[16384];

  for (size_t i = 0; i < esp_suite_count; i++) {
    for (int m = 0; m < 2; m++) {
      for (int f = 0; f < 2; f++) {
        l2tpsec_esp_sa *out, *in;
        l2tpsec_esp_sa_stats st;

        new_pair(&esp_suites[i], m ? L2TPSEC_ESP_TUNNEL : L2TPSEC_ESP_TRANSPORT,
                 f ? L2TPSEC_ESP_IPV6 : L2TPSEC_ESP_IPV4, &out, &in);
        for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
          size_t len = lens[k] < 20 && m ? 20 : lens[k];

          if (m)
            ipv4_packet(payload, len);
          else
            esp_test_udp(payload, len);
          round_trip(out, in, payload, len, m ? 4 : 17);
        }
        l2tpsec_esp_sa_stats_get(in, &st);
        assert_int_equal(st.packets, 8);
        assert_int_equal(st.seq, 8);
        l2tpsec_esp_sa_stats_get(out, &st);
        assert_int_equal(st.packets, 8);
        assert_int_equal(st.seq, 8);
        l2tpsec_esp_sa_del(out);
        l2tpsec_esp_sa_del(in);
      }
    }
  }
}

static int try_new(l2tpsec_esp_sa_settings *s) {
  l2tpsec_esp_sa *sa = NULL;
  int rv = l2tpsec_esp_sa_new(&sa, s, NULL, NULL);

  l2tpsec_esp_sa_del(sa);
  return rv;
}

static void settings_rejected(void **state) {
  const struct esp_suite *aes = &esp_suites[0];
  const struct esp_suite *des = &esp_suites[8];
  const struct esp_suite *gcm = &esp_suites[5];
  l2tpsec_esp_sa_settings s;

  esp_test_settings(&s, aes, L2TPSEC_ESP_INBOUND, 1);
  assert_int_equal(try_new(&s), 0);
  s.spi = 255;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);

  esp_test_settings(&s, aes, L2TPSEC_ESP_INBOUND, 1);
  s.encr_key_len = 20;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);
  s.encr_key_len = 16;
  s.integ_key_len = 16;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);

  esp_test_settings(&s, aes, L2TPSEC_ESP_INBOUND, 1);
  s.replay_window = 63;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);
  s.replay_window = 4097;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);
  s.replay_window = 4096;
  assert_int_equal(try_new(&s), 0);

  esp_test_settings(&s, aes, L2TPSEC_ESP_INBOUND, 1);
  s.esn = true;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_UNSUPPORTED);

  esp_test_settings(&s, aes, L2TPSEC_ESP_INBOUND, 1);
  s.soft.packets = 10;
  s.hard.packets = 5;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);

  esp_test_settings(&s, des, L2TPSEC_ESP_INBOUND, 1);
  s.allow_legacy = false;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);

  esp_test_settings(&s, aes, L2TPSEC_ESP_INBOUND, 1);
  s.integ = L2TPSEC_ESP_INTEG_NONE;
  s.integ_key_len = 0;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);
  s.allow_legacy = true;
  assert_int_equal(try_new(&s), 0);

  esp_test_settings(&s, gcm, L2TPSEC_ESP_INBOUND, 1);
  s.integ = L2TPSEC_ESP_INTEG_HMAC_SHA1_96;
  s.integ_key_len = 20;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);

  esp_test_settings(&s, aes, L2TPSEC_ESP_INBOUND, 1);
  s.encr = L2TPSEC_ESP_ENCR_NULL;
  s.encr_key_len = 0;
  s.integ = L2TPSEC_ESP_INTEG_NONE;
  s.integ_key_len = 0;
  s.allow_legacy = true;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);

  esp_test_settings(&s, aes, L2TPSEC_ESP_INBOUND, 1);
  s.encr = (enum l2tpsec_esp_encr)99;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_UNSUPPORTED);
  assert_int_equal(l2tpsec_esp_sa_new(NULL, &s, NULL, NULL),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  l2tpsec_esp_sa_del(NULL);
}

static void encrypt_needs_room(void **state) {
  l2tpsec_esp_sa *out, *in;
  uint8_t storage[200], payload[100];
  l2tpsec_pkt pkt;

  new_pair(&esp_suites[0], L2TPSEC_ESP_TRANSPORT, L2TPSEC_ESP_IPV4, &out, &in);
  esp_test_udp(payload, sizeof(payload));

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 10);
  memcpy(l2tpsec_pkt_put(&pkt, 100), payload, 100);
  assert_int_equal(l2tpsec_esp_encrypt(out, &pkt, 17, 0), L2TPSEC_ERR_NOBUFS);
  assert_int_equal(pkt.len, 100);
  assert_memory_equal(pkt.data, payload, 100);

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 80);
  memcpy(l2tpsec_pkt_put(&pkt, 100), payload, 100);
  assert_int_equal(l2tpsec_esp_encrypt(out, &pkt, 17, 0), L2TPSEC_ERR_NOBUFS);
  assert_int_equal(pkt.len, 100);

  assert_int_equal(l2tpsec_esp_encrypt(in, &pkt, 17, 0),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  l2tpsec_esp_sa_del(out);
  l2tpsec_esp_sa_del(in);
}

static void encrypt_one(l2tpsec_esp_sa *out, struct esp_test_pkt *p, size_t len,
                        l2tpsec_tstamp now) {
  uint8_t payload[64];

  esp_test_udp(payload, len);
  esp_test_pkt_fill(p, payload, len);
  assert_int_equal(l2tpsec_esp_encrypt(out, &p->pkt, 17, now), 0);
}

static void lifetime_packets_and_bytes(void **state) {
  struct esp_events ev = {0};
  l2tpsec_esp_sa_settings s;
  struct esp_test_pkt p;
  l2tpsec_esp_sa *out;

  esp_test_settings(&s, &esp_suites[0], L2TPSEC_ESP_OUTBOUND, 2);
  s.soft.packets = 3;
  s.hard.packets = 5;
  s.soft.bytes = 1000;
  out = new_sa(&s, &ev);
  for (int i = 0; i < 2; i++)
    encrypt_one(out, &p, 20, 0);
  assert_int_equal(ev.soft, 0);
  encrypt_one(out, &p, 20, 0);
  assert_int_equal(ev.soft, 1);
  encrypt_one(out, &p, 20, 0);
  encrypt_one(out, &p, 20, 0);
  assert_int_equal(ev.soft, 1);
  assert_int_equal(ev.hard, 1);
  assert_true(l2tpsec_esp_sa_expired(out));
  esp_test_pkt_fill(&p, (const uint8_t *)"12345678", 8);
  assert_int_equal(l2tpsec_esp_encrypt(out, &p.pkt, 17, 0),
                   L2TPSEC_ERR_EXHAUSTED);
  l2tpsec_esp_sa_del(out);

  memset(&ev, 0, sizeof(ev));
  esp_test_settings(&s, &esp_suites[0], L2TPSEC_ESP_OUTBOUND, 2);
  s.soft.bytes = 50;
  s.hard.bytes = 100;
  out = new_sa(&s, &ev);
  encrypt_one(out, &p, 40, 0);
  assert_int_equal(ev.soft, 0);
  encrypt_one(out, &p, 40, 0);
  assert_int_equal(ev.soft, 1);
  encrypt_one(out, &p, 40, 0);
  assert_int_equal(ev.hard, 1);
  l2tpsec_esp_sa_del(out);
}

static void lifetime_time(void **state) {
  struct esp_events ev = {0};
  l2tpsec_esp_sa_settings s;
  struct esp_test_pkt p;
  l2tpsec_esp_sa *in;
  uint8_t nh;

  esp_test_settings(&s, &esp_suites[0], L2TPSEC_ESP_INBOUND, 2);
  s.created = 1000 * L2TPSEC_SECONDS;
  s.soft.time = 50 * L2TPSEC_SECONDS;
  s.hard.time = 60 * L2TPSEC_SECONDS;
  in = new_sa(&s, &ev);

  assert_int_equal(l2tpsec_esp_sa_next_deadline(in), 1050 * L2TPSEC_SECONDS);
  l2tpsec_esp_sa_handle_timeout(in, 1049 * L2TPSEC_SECONDS);
  assert_int_equal(ev.soft, 0);
  l2tpsec_esp_sa_handle_timeout(in, 1050 * L2TPSEC_SECONDS);
  assert_int_equal(ev.soft, 1);
  assert_int_equal(l2tpsec_esp_sa_next_deadline(in), 1060 * L2TPSEC_SECONDS);

  /* A packet after the hard limit raises the event itself. */
  esp_test_pkt_fill(&p,
                    (const uint8_t *)"0123456789abcdef0123456789abcdef"
                                     "0123456789abcdef",
                    48);
  assert_int_equal(l2tpsec_esp_decrypt(in, &p.pkt, 1061 * L2TPSEC_SECONDS, &nh),
                   L2TPSEC_ERR_EXHAUSTED);
  assert_int_equal(ev.hard, 1);
  assert_int_equal(l2tpsec_esp_sa_next_deadline(in), L2TPSEC_TSTAMP_NEVER);
  l2tpsec_esp_sa_del(in);
}

static void sequence_exhaustion(void **state) {
  struct esp_events ev = {0};
  l2tpsec_esp_sa_settings s;
  struct esp_test_pkt p;
  l2tpsec_esp_sa *out;

  esp_test_settings(&s, &esp_suites[5], L2TPSEC_ESP_OUTBOUND, 3);
  out = new_sa(&s, &ev);
  out->seq_out = UINT32_MAX - 1;
  encrypt_one(out, &p, 20, 0);
  assert_int_equal(l2tpsec__get32(p.pkt.data + 4), UINT32_MAX);
  assert_int_equal(ev.soft, 1);
  assert_int_equal(ev.hard, 0);
  esp_test_pkt_fill(&p, (const uint8_t *)"12345678", 8);
  assert_int_equal(l2tpsec_esp_encrypt(out, &p.pkt, 17, 0),
                   L2TPSEC_ERR_EXHAUSTED);
  assert_int_equal(ev.hard, 1);
  l2tpsec_esp_sa_del(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(round_trip_every_suite),
      cmocka_unit_test(settings_rejected),
      cmocka_unit_test(encrypt_needs_room),
      cmocka_unit_test(lifetime_packets_and_bytes),
      cmocka_unit_test(lifetime_time),
      cmocka_unit_test(sequence_exhaustion),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
