/*
 * Token-bucket limiter for log lines and replies on receive paths, so
 * that a flood of bad packets costs a counter increment, not a log line
 * or a reply each.
 */
#ifndef L2TPSEC_CORE_RATELIMIT_H
#define L2TPSEC_CORE_RATELIMIT_H

#include <stdbool.h>

#include "core/log_internal.h"
#include "l2tpsec/common.h"

typedef struct l2tpsec__ratelimit {
  l2tpsec_duration interval; /* length of one window */
  uint32_t burst;            /* events allowed per window */
  uint32_t used;             /* events allowed in the current window */
  uint32_t suppressed;       /* events refused since the last allowed one */
  l2tpsec_tstamp window_start;
  bool started;
} l2tpsec__ratelimit;

/* Allows `burst` events per `interval`. A zero burst allows nothing. */
void l2tpsec__ratelimit_init(l2tpsec__ratelimit *rl, l2tpsec_duration interval,
                             uint32_t burst);

/*
 * Decides whether one more event may happen at `now`. On true,
 * *suppressed (when not NULL) receives how many events were refused since
 * the previous allowed one, so the caller can report them.
 */
bool l2tpsec__ratelimit_allow(l2tpsec__ratelimit *rl, l2tpsec_tstamp now,
                              uint32_t *suppressed);

/*
 * Logs a message when the limiter allows it, and appends how many similar
 * messages were suppressed before it.
 */
void l2tpsec__log_limited(const l2tpsec_log *log, l2tpsec__ratelimit *rl,
                          l2tpsec_tstamp now, enum l2tpsec_log_level level,
                          enum l2tpsec_log_category category, const char *fmt,
                          ...) __attribute__((format(printf, 6, 7)));

#endif
