/* Message formatting for the log callback. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log_internal.h"

const char *l2tpsec_log_level_name(enum l2tpsec_log_level level) {
  static const char *const names[] = {"error", "warning", "notice", "info",
                                      "debug"};

  if ((unsigned)level >= sizeof(names) / sizeof(names[0]))
    return "unknown";
  return names[level];
}

const char *l2tpsec_log_category_name(enum l2tpsec_log_category category) {
  static const char *const names[] = {"core", "crypto", "ike",  "esp",
                                      "l2tp", "ppp",    "auth", "uv"};

  if ((unsigned)category >= sizeof(names) / sizeof(names[0]))
    return "unknown";
  return names[category];
}

void l2tpsec__log(const l2tpsec_log *log, enum l2tpsec_log_level level,
                  enum l2tpsec_log_category category, const char *fmt, ...) {
  char message[L2TPSEC_LOG_MAX];
  va_list ap;
  int n;

  if (!L2TPSEC_LOG_ENABLED(log, level))
    return;

  va_start(ap, fmt);
  n = vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);

  if (n < 0)
    return;
  if ((size_t)n >= sizeof(message))
    memcpy(message + sizeof(message) - 4, "...", 4);
  log->fn(log->user_data, level, category, message);
}
