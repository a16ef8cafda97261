/* Packet buffer and pool: every bound of push, pull, put and trim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l2tpsec/errors.h"
#include "l2tpsec/packet.h"

static void init_rejects_headroom_beyond_size(void **state) {
  uint8_t storage[16];
  l2tpsec_pkt pkt;

  assert_int_equal(l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 17),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 16), 0);
  assert_int_equal(l2tpsec_pkt_headroom(&pkt), 16);
  assert_int_equal(l2tpsec_pkt_tailroom(&pkt), 0);
}

static void push_stops_at_headroom(void **state) {
  uint8_t storage[64];
  l2tpsec_pkt pkt;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 8);
  assert_null(l2tpsec_pkt_push(&pkt, 9));
  assert_int_equal(pkt.len, 0);
  assert_ptr_equal(l2tpsec_pkt_push(&pkt, 8), storage);
  assert_int_equal(pkt.len, 8);
  assert_int_equal(l2tpsec_pkt_headroom(&pkt), 0);
  assert_null(l2tpsec_pkt_push(&pkt, 1));
}

static void pull_stops_at_length(void **state) {
  uint8_t storage[64];
  l2tpsec_pkt pkt;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 16);
  assert_non_null(l2tpsec_pkt_put(&pkt, 10));
  assert_null(l2tpsec_pkt_pull(&pkt, 11));
  assert_int_equal(pkt.len, 10);
  assert_ptr_equal(l2tpsec_pkt_pull(&pkt, 4), storage + 16);
  assert_int_equal(pkt.len, 6);
  assert_ptr_equal(pkt.data, storage + 20);
  assert_non_null(l2tpsec_pkt_pull(&pkt, 6));
  assert_int_equal(pkt.len, 0);
  assert_null(l2tpsec_pkt_pull(&pkt, 1));
}

static void put_stops_at_tailroom(void **state) {
  uint8_t storage[32];
  l2tpsec_pkt pkt;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 12);
  assert_int_equal(l2tpsec_pkt_tailroom(&pkt), 20);
  assert_null(l2tpsec_pkt_put(&pkt, 21));
  assert_ptr_equal(l2tpsec_pkt_put(&pkt, 20), storage + 12);
  assert_int_equal(l2tpsec_pkt_tailroom(&pkt), 0);
  assert_null(l2tpsec_pkt_put(&pkt, 1));
}

static void trim_only_shortens(void **state) {
  uint8_t storage[32];
  l2tpsec_pkt pkt;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 0);
  l2tpsec_pkt_put(&pkt, 10);
  assert_false(l2tpsec_pkt_trim(&pkt, 11));
  assert_int_equal(pkt.len, 10);
  assert_true(l2tpsec_pkt_trim(&pkt, 3));
  assert_int_equal(pkt.len, 3);
  assert_int_equal(l2tpsec_pkt_tailroom(&pkt), 29);
}

static void push_then_pull_round_trip(void **state) {
  uint8_t storage[64];
  l2tpsec_pkt pkt;
  uint8_t *hdr;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 32);
  *l2tpsec_pkt_put(&pkt, 1) = 0xAA;
  hdr = l2tpsec_pkt_push(&pkt, 4);
  hdr[0] = 1;
  hdr[3] = 4;
  assert_int_equal(pkt.len, 5);
  assert_int_equal(l2tpsec_pkt_pull(&pkt, 4)[3], 4);
  assert_int_equal(pkt.data[0], 0xAA);
}

static void reset_clamps_headroom(void **state) {
  uint8_t storage[16];
  l2tpsec_pkt pkt;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 0);
  l2tpsec_pkt_put(&pkt, 5);
  l2tpsec_pkt_reset(&pkt, 100);
  assert_int_equal(pkt.len, 0);
  assert_int_equal(l2tpsec_pkt_headroom(&pkt), 16);
}

static void pool_rejects_bad_settings(void **state) {
  struct l2tpsec_pkt_pool *pool = NULL;
  l2tpsec_pkt_pool_settings s;

  l2tpsec_pkt_pool_settings_default(&s);
  s.count = 0;
  assert_int_equal(l2tpsec_pkt_pool_new(&pool, &s),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  l2tpsec_pkt_pool_settings_default(&s);
  s.headroom = s.size;
  assert_int_equal(l2tpsec_pkt_pool_new(&pool, &s),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  l2tpsec_pkt_pool_settings_default(&s);
  s.count = SIZE_MAX / 2;
  assert_int_equal(l2tpsec_pkt_pool_new(&pool, &s),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_null(pool);
}

static void pool_exhausts_and_refills(void **state) {
  struct l2tpsec_pkt_pool *pool;
  l2tpsec_pkt_pool_settings s = {.count = 3, .size = 256, .headroom = 64};
  l2tpsec_pkt *a, *b, *c;

  assert_int_equal(l2tpsec_pkt_pool_new(&pool, &s), 0);
  a = l2tpsec_pkt_pool_get(pool);
  b = l2tpsec_pkt_pool_get(pool);
  c = l2tpsec_pkt_pool_get(pool);
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(c);
  assert_true(a != b && b != c && a != c);
  assert_null(l2tpsec_pkt_pool_get(pool));
  assert_int_equal(l2tpsec_pkt_pool_available(pool), 0);

  l2tpsec_pkt_put(b, 100);
  l2tpsec_pkt_free(b);
  assert_int_equal(l2tpsec_pkt_pool_available(pool), 1);
  b = l2tpsec_pkt_pool_get(pool);
  assert_int_equal(b->len, 0);
  assert_int_equal(l2tpsec_pkt_headroom(b), 64);
  assert_int_equal(l2tpsec_pkt_tailroom(b), 192);

  l2tpsec_pkt_free(a);
  l2tpsec_pkt_free(b);
  l2tpsec_pkt_free(c);
  l2tpsec_pkt_free(NULL);
  assert_int_equal(l2tpsec_pkt_pool_available(pool), 3);
  l2tpsec_pkt_pool_del(pool);
  l2tpsec_pkt_pool_del(NULL);
}

static void pool_buffers_do_not_overlap(void **state) {
  struct l2tpsec_pkt_pool *pool;
  l2tpsec_pkt_pool_settings s = {.count = 4, .size = 64, .headroom = 0};
  l2tpsec_pkt *p[4];

  assert_int_equal(l2tpsec_pkt_pool_new(&pool, &s), 0);
  for (int i = 0; i < 4; i++) {
    p[i] = l2tpsec_pkt_pool_get(pool);
    memset(l2tpsec_pkt_put(p[i], 64), i, 64);
  }
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 64; j++)
      assert_int_equal(p[i]->data[j], i);
    l2tpsec_pkt_free(p[i]);
  }
  l2tpsec_pkt_pool_del(pool);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(init_rejects_headroom_beyond_size),
      cmocka_unit_test(push_stops_at_headroom),
      cmocka_unit_test(pull_stops_at_length),
      cmocka_unit_test(put_stops_at_tailroom),
      cmocka_unit_test(trim_only_shortens),
      cmocka_unit_test(push_then_pull_round_trip),
      cmocka_unit_test(reset_clamps_headroom),
      cmocka_unit_test(pool_rejects_bad_settings),
      cmocka_unit_test(pool_exhausts_and_refills),
      cmocka_unit_test(pool_buffers_do_not_overlap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
