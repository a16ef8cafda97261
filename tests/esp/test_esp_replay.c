/* Anti-replay window (RFC 4303 section 3.4.3), table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "esp/replay.h"
#include "l2tpsec/errors.h"

struct step {
  uint64_t seq;
  bool accepted;
};

struct replay_case {
  const char *name;
  uint32_t window;
  struct step steps[12];
  size_t n;
};

/* Each accepted sequence number is marked seen, as after a good ICV. */
static const struct replay_case cases[] = {
    {"sequence 0 is never valid", 64, {{0, false}, {1, true}, {0, false}}, 3},
    {"in order", 64, {{1, true}, {2, true}, {3, true}}, 3},
    {"duplicate of the highest", 64, {{5, true}, {5, false}}, 2},
    {"duplicate inside the window",
     64,
     {{10, true}, {7, true}, {7, false}, {10, false}},
     4},
    {"reordered inside the window",
     64,
     {{3, true}, {1, true}, {2, true}, {1, false}},
     4},
    {"far ahead then behind",
     64,
     {{1, true}, {1000, true}, {937, true}, {936, false}, {1, false}},
     5},
    {"left edge of 64",
     64,
     {{100, true}, {37, true}, {36, false}, {37, false}},
     4},
    {"left edge of 128", 128, {{200, true}, {73, true}, {72, false}}, 3},
    {"left edge of 4096", 4096, {{5000, true}, {905, true}, {904, false}}, 3},
    {"window of 100 (not a power of 2)",
     100,
     {{150, true}, {51, true}, {50, false}},
     3},
    {"slide by one word keeps old bits",
     64,
     {{63, true}, {64, true}, {63, false}, {65, true}, {64, false}},
     5},
    {"slide across the whole ring clears it",
     64,
     {{5, true},
      {4, true},
      {300, true},
      {299, true},
      {299, false},
      {237, true},
      {236, false}},
     7},
    {"wrap of the window edge over many words",
     256,
     {{1, true},
      {255, true},
      {256, true},
      {257, true},
      {1, false},
      {2, true},
      {2, false},
      {512, true},
      {257, false},
      {256, false},
      {258, true}},
     11},
    {"32-bit top of the sequence space",
     64,
     {{0xfffffffeu, true},
      {0xffffffffu, true},
      {0xfffffffeu, false},
      {0xffffffc0u, true},
      {0xffffffbfu, false}},
     5},
};

static void replay_table(void **state) {
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    const struct replay_case *tc = &cases[c];
    l2tpsec__replay r;

    assert_int_equal(l2tpsec__replay_init(&r, tc->window), 0);
    for (size_t i = 0; i < tc->n; i++) {
      bool ok = l2tpsec__replay_check(&r, tc->steps[i].seq);

      if (ok != tc->steps[i].accepted)
        fail_msg("case '%s' step %zu: seq %llu %s, expected %s", tc->name, i,
                 (unsigned long long)tc->steps[i].seq,
                 ok ? "accepted" : "rejected",
                 tc->steps[i].accepted ? "accepted" : "rejected");
      if (ok)
        l2tpsec__replay_update(&r, tc->steps[i].seq);
    }
    l2tpsec__replay_free(&r);
  }
}

static void replay_check_changes_nothing(void **state) {
  l2tpsec__replay r;

  assert_int_equal(l2tpsec__replay_init(&r, 64), 0);
  assert_true(l2tpsec__replay_check(&r, 9));
  assert_true(l2tpsec__replay_check(&r, 9));
  assert_int_equal(r.top, 0);
  l2tpsec__replay_free(&r);
}

static void replay_window_bounds(void **state) {
  l2tpsec__replay r;

  assert_int_equal(l2tpsec__replay_init(&r, 63), L2TPSEC_ERR_CONFIG);
  assert_int_equal(l2tpsec__replay_init(&r, 4097), L2TPSEC_ERR_CONFIG);
  assert_int_equal(l2tpsec__replay_init(&r, 4096), 0);
  l2tpsec__replay_free(&r);
}

/* Every sequence number inside a full window is accepted exactly once. */
static void replay_exhaustive_window(void **state) {
  const uint32_t window = 128;
  l2tpsec__replay r;

  assert_int_equal(l2tpsec__replay_init(&r, window), 0);
  l2tpsec__replay_update(&r, 1000);
  for (uint64_t s = 1000 - window - 4; s <= 1000; s++) {
    bool inside = s > 1000 - window && s != 1000;

    assert_int_equal(l2tpsec__replay_check(&r, s), inside);
    if (inside)
      l2tpsec__replay_update(&r, s);
  }
  for (uint64_t s = 1000 - window + 1; s <= 1000; s++)
    assert_false(l2tpsec__replay_check(&r, s));
  l2tpsec__replay_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(replay_table),
      cmocka_unit_test(replay_check_changes_nothing),
      cmocka_unit_test(replay_window_bounds),
      cmocka_unit_test(replay_exhaustive_window),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
