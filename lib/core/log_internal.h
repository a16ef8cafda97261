/* Internal logging entry points used by every layer. */
#ifndef L2TPSEC_CORE_LOG_INTERNAL_H
#define L2TPSEC_CORE_LOG_INTERNAL_H

#include "l2tpsec/log.h"

/*
 * Formats and delivers one message. Callers use the L2TPSEC_LOG macro so
 * that disabled levels cost one comparison and no formatting.
 */
void l2tpsec__log(const l2tpsec_log *log, enum l2tpsec_log_level level,
                  enum l2tpsec_log_category category, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define L2TPSEC_LOG_ENABLED(log, level)                                        \
  ((log) != NULL && (log)->fn != NULL && (level) <= (log)->max_level)

#define L2TPSEC_LOG(log, level, category, ...)                                 \
  do {                                                                         \
    if (L2TPSEC_LOG_ENABLED(log, level))                                       \
      l2tpsec__log(log, level, category, __VA_ARGS__);                         \
  } while (0)

/* Longest message delivered; longer ones are cut and end in "...". */
#define L2TPSEC_LOG_MAX 512

#endif
