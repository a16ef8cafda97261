/* Address pool: ranges, static bindings, exhaustion and release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l2tpsec/errors.h"
#include "uv/addr_pool.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void range_parse_forms(void **state) {
  l2tpsec__addr_range r;

  assert_int_equal(l2tpsec__addr_range_parse("192.0.2.10-192.0.2.20", &r), 0);
  assert_int_equal(r.first, A(192, 0, 2, 10));
  assert_int_equal(r.last, A(192, 0, 2, 20));
  assert_int_equal(l2tpsec__addr_range_parse("198.51.100.0/24", &r), 0);
  assert_int_equal(r.first, A(198, 51, 100, 1));
  assert_int_equal(r.last, A(198, 51, 100, 254));
  assert_int_equal(l2tpsec__addr_range_parse("203.0.113.7", &r), 0);
  assert_int_equal(r.first, r.last);
  assert_int_equal(l2tpsec__addr_range_parse("203.0.113.8/31", &r), 0);
  assert_int_equal(r.last - r.first, 1);
}

static void range_parse_rejects(void **state) {
  static const char *const bad[] = {"",
                                    "192.0.2.20-192.0.2.10",
                                    "192.0.2.0/33",
                                    "192.0.2.0/",
                                    "192.0.2.x",
                                    "192.0.2.1-",
                                    "0.0.0.0",
                                    "192.0.2.0/8x",
                                    "2001:db8::1"};
  l2tpsec__addr_range r;

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(l2tpsec__addr_range_parse(bad[i], &r), L2TPSEC_ERR_CONFIG);
}

static void new_rejects_overlap_and_size(void **state) {
  l2tpsec__addr_range overlap[] = {{A(192, 0, 2, 10), A(192, 0, 2, 20)},
                                   {A(192, 0, 2, 20), A(192, 0, 2, 30)}};
  l2tpsec__addr_range huge[] = {{A(10, 0, 0, 1), A(10, 255, 255, 254)}};
  l2tpsec__addr_pool *pool = (void *)1;

  assert_int_equal(l2tpsec__addr_pool_new(&pool, overlap, 2),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_null(pool);
  assert_int_equal(l2tpsec__addr_pool_new(&pool, huge, 1), L2TPSEC_ERR_LIMIT);
  l2tpsec__addr_pool_del(NULL);
}

static void acquire_walks_ranges_until_exhausted(void **state) {
  l2tpsec__addr_range ranges[] = {{A(192, 0, 2, 10), A(192, 0, 2, 11)},
                                  {A(198, 51, 100, 5), A(198, 51, 100, 5)}};
  uint32_t dns[2] = {A(192, 0, 2, 53), 0}, nbns[2] = {0, A(192, 0, 2, 137)};
  l2tpsec__addr_pool *pool;
  l2tpsec__addr_lease lease;

  assert_int_equal(l2tpsec__addr_pool_new(&pool, ranges, 2), 0);
  l2tpsec__addr_pool_set_servers(pool, dns, nbns);
  assert_int_equal(l2tpsec__addr_pool_exclude(pool, A(192, 0, 2, 11)), 0);

  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "a", &lease), 0);
  assert_int_equal(lease.addr, A(192, 0, 2, 10));
  assert_int_equal(lease.dns[0], dns[0]);
  assert_int_equal(lease.nbns[1], nbns[1]);
  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "b", &lease), 0);
  assert_int_equal(lease.addr, A(198, 51, 100, 5));
  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "c", &lease),
                   L2TPSEC_ERR_LIMIT);
  assert_int_equal(l2tpsec__addr_pool_leased(pool), 2);

  assert_int_equal(l2tpsec__addr_pool_release(pool, A(192, 0, 2, 10)), 0);
  assert_int_equal(l2tpsec__addr_pool_release(pool, A(192, 0, 2, 10)),
                   L2TPSEC_ERR_NOT_FOUND);
  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "c", &lease), 0);
  assert_int_equal(lease.addr, A(192, 0, 2, 10));
  l2tpsec__addr_pool_del(pool);
}

/* A released address goes to the back of the line. */
static void acquire_reuses_released_last(void **state) {
  l2tpsec__addr_range ranges[] = {{A(192, 0, 2, 1), A(192, 0, 2, 3)}};
  l2tpsec__addr_pool *pool;
  l2tpsec__addr_lease lease;

  assert_int_equal(l2tpsec__addr_pool_new(&pool, ranges, 1), 0);
  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "a", &lease), 0);
  assert_int_equal(l2tpsec__addr_pool_release(pool, lease.addr), 0);
  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "a", &lease), 0);
  assert_int_equal(lease.addr, A(192, 0, 2, 2));
  l2tpsec__addr_pool_del(pool);
}

static void static_address_inside_range(void **state) {
  l2tpsec__addr_range ranges[] = {{A(192, 0, 2, 1), A(192, 0, 2, 2)}};
  l2tpsec__addr_pool *pool;
  l2tpsec__addr_lease lease;

  assert_int_equal(l2tpsec__addr_pool_new(&pool, ranges, 1), 0);
  assert_int_equal(
      l2tpsec__addr_pool_add_static(pool, "alice", A(192, 0, 2, 1)), 0);
  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "bob", &lease), 0);
  assert_int_equal(lease.addr, A(192, 0, 2, 2));
  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "carol", &lease),
                   L2TPSEC_ERR_LIMIT);

  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "alice", &lease), 0);
  assert_int_equal(lease.addr, A(192, 0, 2, 1));
  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "alice", &lease),
                   L2TPSEC_ERR_STATE);
  l2tpsec__addr_pool_del(pool);
}

static void static_address_outside_range(void **state) {
  l2tpsec__addr_range ranges[] = {{A(192, 0, 2, 1), A(192, 0, 2, 1)}};
  l2tpsec__addr_pool *pool;
  l2tpsec__addr_lease lease;

  assert_int_equal(l2tpsec__addr_pool_new(&pool, ranges, 1), 0);
  assert_int_equal(
      l2tpsec__addr_pool_add_static(pool, "dave", A(203, 0, 113, 9)), 0);
  assert_int_equal(l2tpsec__addr_pool_acquire(pool, "dave", &lease), 0);
  assert_int_equal(lease.addr, A(203, 0, 113, 9));
  assert_int_equal(l2tpsec__addr_pool_leased(pool), 1);

  /* A leased static binding survives a reload that clears the others. */
  l2tpsec__addr_pool_clear_static(pool);
  assert_int_equal(
      l2tpsec__addr_pool_add_static(pool, "erin", A(203, 0, 113, 9)),
      L2TPSEC_ERR_CONFIG);
  assert_int_equal(l2tpsec__addr_pool_release(pool, A(203, 0, 113, 9)), 0);
  assert_int_equal(l2tpsec__addr_pool_release(pool, A(203, 0, 113, 9)),
                   L2TPSEC_ERR_NOT_FOUND);
  assert_int_equal(l2tpsec__addr_pool_leased(pool), 0);
  l2tpsec__addr_pool_del(pool);
}

static void static_binding_errors(void **state) {
  l2tpsec__addr_range ranges[] = {{A(192, 0, 2, 1), A(192, 0, 2, 4)}};
  l2tpsec__addr_pool *pool;
  l2tpsec__addr_lease lease;
  char long_name[L2TPSEC__ADDR_POOL_USER_MAX + 1];

  memset(long_name, 'u', sizeof(long_name) - 1);
  long_name[sizeof(long_name) - 1] = '\0';
  assert_int_equal(l2tpsec__addr_pool_new(&pool, ranges, 1), 0);
  assert_int_equal(l2tpsec__addr_pool_add_static(pool, "", A(192, 0, 2, 3)),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(l2tpsec__addr_pool_add_static(pool, long_name, 5),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(l2tpsec__addr_pool_add_static(pool, "x", A(192, 0, 2, 3)),
                   0);
  assert_int_equal(l2tpsec__addr_pool_add_static(pool, "x", A(192, 0, 2, 4)),
                   L2TPSEC_ERR_CONFIG);
  assert_int_equal(l2tpsec__addr_pool_add_static(pool, "y", A(192, 0, 2, 3)),
                   L2TPSEC_ERR_CONFIG);

  assert_int_equal(l2tpsec__addr_pool_acquire(pool, NULL, &lease), 0);
  assert_int_equal(l2tpsec__addr_pool_add_static(pool, "z", lease.addr),
                   L2TPSEC_ERR_STATE);
  assert_int_equal(l2tpsec__addr_pool_exclude(pool, lease.addr),
                   L2TPSEC_ERR_STATE);
  l2tpsec__addr_pool_del(pool);
}

/* An authenticator's static address: inside or outside the ranges. */
static void acquire_exact_address(void **state) {
  l2tpsec__addr_range ranges[] = {{A(192, 0, 2, 1), A(192, 0, 2, 9)}};
  l2tpsec__addr_pool *pool;
  l2tpsec__addr_lease lease;

  assert_int_equal(l2tpsec__addr_pool_new(&pool, ranges, 1), 0);
  assert_int_equal(l2tpsec__addr_pool_exclude(pool, A(192, 0, 2, 1)), 0);
  assert_int_equal(
      l2tpsec__addr_pool_acquire_address(pool, "a", A(192, 0, 2, 5), &lease),
      0);
  assert_int_equal(lease.addr, A(192, 0, 2, 5));
  assert_int_equal(
      l2tpsec__addr_pool_acquire_address(pool, "b", A(192, 0, 2, 5), &lease),
      L2TPSEC_ERR_STATE);
  assert_int_equal(
      l2tpsec__addr_pool_acquire_address(pool, "b", A(192, 0, 2, 1), &lease),
      L2TPSEC_ERR_STATE);
  assert_int_equal(
      l2tpsec__addr_pool_acquire_address(pool, "c", A(203, 0, 113, 7), &lease),
      0);
  assert_int_equal(l2tpsec__addr_pool_leased(pool), 2);
  assert_int_equal(l2tpsec__addr_pool_release(pool, A(203, 0, 113, 7)), 0);
  /* The outside address stays bound to c, not to anyone else. */
  assert_int_equal(
      l2tpsec__addr_pool_acquire_address(pool, "d", A(203, 0, 113, 7), &lease),
      L2TPSEC_ERR_STATE);
  assert_int_equal(
      l2tpsec__addr_pool_acquire_address(pool, "c", A(203, 0, 113, 7), &lease),
      0);
  assert_int_equal(l2tpsec__addr_pool_acquire_address(pool, "c", 0, &lease),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  l2tpsec__addr_pool_del(pool);
}

/* Every lease of a full /20 comes back: nothing leaks across cycles. */
static void release_all_after_cycles(void **state) {
  l2tpsec__addr_range ranges[1];
  static uint32_t addrs[4094];
  l2tpsec__addr_pool *pool;
  l2tpsec__addr_lease lease;

  assert_int_equal(l2tpsec__addr_range_parse("198.18.0.0/20", ranges), 0);
  assert_int_equal(l2tpsec__addr_pool_new(&pool, ranges, 1), 0);
  for (int cycle = 0; cycle < 3; cycle++) {
    for (size_t i = 0; i < 4094; i++) {
      assert_int_equal(l2tpsec__addr_pool_acquire(pool, NULL, &lease), 0);
      addrs[i] = lease.addr;
    }
    assert_int_equal(l2tpsec__addr_pool_acquire(pool, NULL, &lease),
                     L2TPSEC_ERR_LIMIT);
    for (size_t i = 0; i < 4094; i++)
      assert_int_equal(l2tpsec__addr_pool_release(pool, addrs[i]), 0);
    assert_int_equal(l2tpsec__addr_pool_leased(pool), 0);
  }
  l2tpsec__addr_pool_del(pool);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(range_parse_forms),
      cmocka_unit_test(range_parse_rejects),
      cmocka_unit_test(new_rejects_overlap_and_size),
      cmocka_unit_test(acquire_walks_ranges_until_exhausted),
      cmocka_unit_test(acquire_reuses_released_last),
      cmocka_unit_test(static_address_inside_range),
      cmocka_unit_test(static_address_outside_range),
      cmocka_unit_test(static_binding_errors),
      cmocka_unit_test(acquire_exact_address),
      cmocka_unit_test(release_all_after_cycles),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
