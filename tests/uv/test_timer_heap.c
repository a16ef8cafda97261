/* The deadline heap behind the loop timer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l2tpsec/errors.h"
#include "uv/timer_heap.h"

struct fired {
  l2tpsec__timer timer;
  int id;
  int count;
  l2tpsec_tstamp rearm; /* deadline to arm again from the callback */
  l2tpsec__timer_heap *heap;
};

static int order[64];
static int order_len;

static void on_fire(l2tpsec__timer *timer, l2tpsec_tstamp now) {
  struct fired *f = (struct fired *)timer;

  f->count++;
  order[order_len++] = f->id;
  if (f->rearm != 0) {
    l2tpsec_tstamp at = f->rearm;

    f->rearm = 0;
    assert_int_equal(l2tpsec__timer_heap_set(f->heap, &f->timer, at), 0);
  }
}

static void heap_fires_in_deadline_order(void **state) {
  static const l2tpsec_tstamp deadlines[] = {50, 10, 40, 30, 20, 60, 5, 45};
  struct fired f[8];
  l2tpsec__timer_heap heap = {0};

  order_len = 0;
  memset(f, 0, sizeof(f));
  for (int i = 0; i < 8; i++) {
    f[i].timer.fn = on_fire;
    f[i].id = (int)deadlines[i];
    assert_int_equal(l2tpsec__timer_heap_set(&heap, &f[i].timer, deadlines[i]),
                     0);
  }
  assert_int_equal(l2tpsec__timer_heap_next(&heap), 5);

  l2tpsec__timer_heap_run(&heap, 40);
  assert_int_equal(order_len, 5);
  for (int i = 1; i < order_len; i++)
    assert_true(order[i - 1] < order[i]);
  assert_int_equal(l2tpsec__timer_heap_next(&heap), 45);

  l2tpsec__timer_heap_run(&heap, 1000);
  assert_int_equal(order_len, 8);
  assert_int_equal(l2tpsec__timer_heap_next(&heap), L2TPSEC_TSTAMP_NEVER);
  l2tpsec__timer_heap_free(&heap);
}

static void heap_moves_and_cancels(void **state) {
  struct fired a = {.timer.fn = on_fire, .id = 1};
  struct fired b = {.timer.fn = on_fire, .id = 2};
  struct fired c = {.timer.fn = on_fire, .id = 3};
  l2tpsec__timer_heap heap = {0};

  order_len = 0;
  l2tpsec__timer_heap_set(&heap, &a.timer, 10);
  l2tpsec__timer_heap_set(&heap, &b.timer, 20);
  l2tpsec__timer_heap_set(&heap, &c.timer, 30);
  l2tpsec__timer_heap_set(&heap, &c.timer, 1);
  l2tpsec__timer_heap_set(&heap, &a.timer, L2TPSEC_TSTAMP_NEVER);
  l2tpsec__timer_heap_set(&heap, &a.timer, L2TPSEC_TSTAMP_NEVER);
  assert_int_equal(heap.count, 2);

  l2tpsec__timer_heap_run(&heap, 100);
  assert_int_equal(order_len, 2);
  assert_int_equal(order[0], 3);
  assert_int_equal(order[1], 2);
  assert_int_equal(a.count, 0);
  l2tpsec__timer_heap_free(&heap);
}

/* A callback that re-arms itself in the past fires again at once. */
static void heap_rearm_from_callback(void **state) {
  struct fired a = {.timer.fn = on_fire, .id = 1};
  struct fired b = {.timer.fn = on_fire, .id = 2};
  l2tpsec__timer_heap heap = {0};

  order_len = 0;
  a.heap = &heap;
  a.rearm = 15;
  l2tpsec__timer_heap_set(&heap, &a.timer, 10);
  l2tpsec__timer_heap_set(&heap, &b.timer, 20);

  l2tpsec__timer_heap_run(&heap, 16);
  assert_int_equal(a.count, 2);
  assert_int_equal(b.count, 0);
  assert_int_equal(l2tpsec__timer_heap_next(&heap), 20);
  l2tpsec__timer_heap_free(&heap);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(heap_fires_in_deadline_order),
      cmocka_unit_test(heap_moves_and_cancels),
      cmocka_unit_test(heap_rearm_from_callback),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
