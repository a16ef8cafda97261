/* Token-bucket limiter for receive-path log lines and replies. */
#include <stdarg.h>
#include <stdio.h>

#include "core/ratelimit.h"

void l2tpsec__ratelimit_init(l2tpsec__ratelimit *rl, l2tpsec_duration interval,
                             uint32_t burst) {
  rl->interval = interval;
  rl->burst = burst;
  rl->used = 0;
  rl->suppressed = 0;
  rl->window_start = 0;
  rl->started = false;
}

bool l2tpsec__ratelimit_allow(l2tpsec__ratelimit *rl, l2tpsec_tstamp now,
                              uint32_t *suppressed) {
  /* A clock that goes backwards (a caller bug) restarts the window. */
  if (!rl->started || now < rl->window_start ||
      now - rl->window_start >= rl->interval) {
    rl->window_start = now;
    rl->used = 0;
    rl->started = true;
  }

  if (rl->used >= rl->burst) {
    if (rl->suppressed < UINT32_MAX)
      rl->suppressed++;
    return false;
  }

  rl->used++;
  if (suppressed != NULL)
    *suppressed = rl->suppressed;
  rl->suppressed = 0;
  return true;
}

void l2tpsec__log_limited(const l2tpsec_log *log, l2tpsec__ratelimit *rl,
                          l2tpsec_tstamp now, enum l2tpsec_log_level level,
                          enum l2tpsec_log_category category, const char *fmt,
                          ...) {
  char message[L2TPSEC_LOG_MAX];
  uint32_t suppressed = 0;
  va_list ap;

  if (!L2TPSEC_LOG_ENABLED(log, level))
    return;
  if (!l2tpsec__ratelimit_allow(rl, now, &suppressed))
    return;

  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);

  if (suppressed > 0)
    l2tpsec__log(log, level, category, "%s (%u similar messages suppressed)",
                 message, suppressed);
  else
    l2tpsec__log(log, level, category, "%s", message);
}
