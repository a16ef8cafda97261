/*
 * Deadlines of many objects kept in one binary min-heap, so that one
 * event-loop timer serves every layer's next_deadline().
 */
#ifndef L2TPSEC_UV_TIMER_HEAP_H
#define L2TPSEC_UV_TIMER_HEAP_H

#include <stddef.h>

#include "l2tpsec/common.h"

struct l2tpsec__timer;

/* Called once when a deadline passes; the timer is disarmed by then. */
typedef void (*l2tpsec__timer_fn)(struct l2tpsec__timer *timer,
                                  l2tpsec_tstamp now);

/* Embed one in each object that has deadlines; zero-initialise it. */
typedef struct l2tpsec__timer {
  l2tpsec__timer_fn fn;
  l2tpsec_tstamp deadline;
  size_t slot; /* heap position plus one; 0 when not armed */
} l2tpsec__timer;

typedef struct l2tpsec__timer_heap {
  l2tpsec__timer **items;
  size_t count;
  size_t capacity;
} l2tpsec__timer_heap;

/*
 * Arms, moves or (with L2TPSEC_TSTAMP_NEVER) disarms a timer. Returns
 * L2TPSEC_ERR_NOMEM when the heap cannot grow; the timer is then
 * unchanged.
 */
int l2tpsec__timer_heap_set(l2tpsec__timer_heap *heap, l2tpsec__timer *timer,
                            l2tpsec_tstamp deadline);

/* Returns the earliest deadline, or L2TPSEC_TSTAMP_NEVER. */
l2tpsec_tstamp l2tpsec__timer_heap_next(const l2tpsec__timer_heap *heap);

/*
 * Fires, earliest first, every timer whose deadline is at or before
 * `now`. A callback may arm any timer again, itself included; one armed
 * again for a time at or before `now` fires in the same call.
 */
void l2tpsec__timer_heap_run(l2tpsec__timer_heap *heap, l2tpsec_tstamp now);

/* Frees the heap's storage; armed timers are forgotten. */
void l2tpsec__timer_heap_free(l2tpsec__timer_heap *heap);

#endif
