/*
 * One libuv timer serving every deadline of an endpoint: layers keep
 * their next_deadline() in an l2tpsec__timer and the loop timer is
 * re-armed for the earliest one. Time is uv_hrtime() in nanoseconds.
 */
#ifndef L2TPSEC_UV_LOOP_TIMER_H
#define L2TPSEC_UV_LOOP_TIMER_H

#include <uv.h>

#include "uv/timer_heap.h"

typedef struct l2tpsec__loop_timer {
  uv_timer_t handle;
  l2tpsec__timer_heap heap;
  l2tpsec_tstamp armed_for; /* deadline the libuv timer is set for */
} l2tpsec__loop_timer;

/* Returns the current time on the clock every layer is given. */
l2tpsec_tstamp l2tpsec__now(void);

/* Initialises the timer on `loop`. Returns 0 or L2TPSEC_ERR_IO. */
int l2tpsec__loop_timer_init(l2tpsec__loop_timer *lt, uv_loop_t *loop);

/*
 * Arms, moves or (with L2TPSEC_TSTAMP_NEVER) disarms `timer` and re-arms
 * the libuv timer when the earliest deadline changed. Returns 0 or
 * L2TPSEC_ERR_NOMEM.
 */
int l2tpsec__loop_timer_set(l2tpsec__loop_timer *lt, l2tpsec__timer *timer,
                            l2tpsec_tstamp deadline);

/*
 * Closes the libuv timer; `on_closed` runs during a later loop turn, after
 * which the struct may be freed. Armed timers are forgotten.
 */
void l2tpsec__loop_timer_close(l2tpsec__loop_timer *lt, uv_close_cb on_closed);

#endif
