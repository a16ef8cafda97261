/* The single libuv timer behind every protocol deadline. */
#include "l2tpsec/errors.h"
#include "uv/loop_timer.h"

l2tpsec_tstamp l2tpsec__now(void) {
  return uv_hrtime();
}

static void on_expiry(uv_timer_t *handle);

/* libuv counts in milliseconds: round up so a deadline is never early. */
static void rearm(l2tpsec__loop_timer *lt) {
  l2tpsec_tstamp next = l2tpsec__timer_heap_next(&lt->heap);
  l2tpsec_tstamp now;
  uint64_t delay_ms = 0;

  if (next == lt->armed_for)
    return;
  lt->armed_for = next;
  if (next == L2TPSEC_TSTAMP_NEVER) {
    uv_timer_stop(&lt->handle);
    return;
  }

  now = l2tpsec__now();
  if (next > now)
    delay_ms = (next - now + L2TPSEC_MILLISECONDS - 1) / L2TPSEC_MILLISECONDS;
  uv_timer_start(&lt->handle, on_expiry, delay_ms, 0);
}

static void on_expiry(uv_timer_t *handle) {
  l2tpsec__loop_timer *lt = handle->data;

  lt->armed_for = L2TPSEC_TSTAMP_NEVER;
  l2tpsec__timer_heap_run(&lt->heap, l2tpsec__now());
  rearm(lt);
}

int l2tpsec__loop_timer_init(l2tpsec__loop_timer *lt, uv_loop_t *loop) {
  lt->heap = (l2tpsec__timer_heap){0};
  lt->armed_for = L2TPSEC_TSTAMP_NEVER;
  if (uv_timer_init(loop, &lt->handle) != 0)
    return L2TPSEC_ERR_IO;
  lt->handle.data = lt;
  return 0;
}

int l2tpsec__loop_timer_set(l2tpsec__loop_timer *lt, l2tpsec__timer *timer,
                            l2tpsec_tstamp deadline) {
  int rv = l2tpsec__timer_heap_set(&lt->heap, timer, deadline);

  if (rv == 0)
    rearm(lt);
  return rv;
}

void l2tpsec__loop_timer_close(l2tpsec__loop_timer *lt, uv_close_cb on_closed) {
  l2tpsec__timer_heap_free(&lt->heap);
  uv_close((uv_handle_t *)&lt->handle, on_closed);
}
