/*
 * Logging. The library never writes to a stream: every object takes an
 * l2tpsec_log in its settings and reports through its callback. Messages
 * never contain secrets (keys, PSKs, passwords, OTP codes or seeds).
 */
#ifndef L2TPSEC_LOG_H
#define L2TPSEC_LOG_H

#include "l2tpsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Severity, most severe first; syslog's order. */
enum l2tpsec_log_level {
  L2TPSEC_LOG_ERROR = 0,
  L2TPSEC_LOG_WARNING = 1,
  L2TPSEC_LOG_NOTICE = 2,
  L2TPSEC_LOG_INFO = 3,
  L2TPSEC_LOG_DEBUG = 4,
};

/* The layer that produced a message. */
enum l2tpsec_log_category {
  L2TPSEC_LOG_CORE = 0,
  L2TPSEC_LOG_CRYPTO,
  L2TPSEC_LOG_IKE,
  L2TPSEC_LOG_ESP,
  L2TPSEC_LOG_L2TP,
  L2TPSEC_LOG_PPP,
  L2TPSEC_LOG_AUTH,
  L2TPSEC_LOG_UV,
  L2TPSEC_LOG_CATEGORY_COUNT
};

/*
 * Receives one formatted message without a trailing newline. The string
 * is valid only during the call. It contains no control bytes, because the
 * library writes each byte below 0x20 and 0x7f as \xNN. A user name or
 * host name chosen by a peer then cannot forge a line or a terminal escape.
 */
typedef void (*l2tpsec_log_fn)(void *user_data, enum l2tpsec_log_level level,
                               enum l2tpsec_log_category category,
                               const char *message);

/*
 * Log destination. A NULL fn discards everything. Messages above
 * max_level are dropped before they are formatted.
 */
typedef struct l2tpsec_log {
  l2tpsec_log_fn fn;
  void *user_data;
  enum l2tpsec_log_level max_level;
} l2tpsec_log;

/* Returns "error", "warning", "notice", "info" or "debug". */
L2TPSEC_API const char *l2tpsec_log_level_name(enum l2tpsec_log_level level);

/* Returns "core", "crypto", "ike", "esp", "l2tp", "ppp", "auth" or "uv". */
L2TPSEC_API const char *
l2tpsec_log_category_name(enum l2tpsec_log_category category);

/*
 * Copies `in` to `out` with each control byte (below 0x20, and 0x7f)
 * written as \xNN. Applications use it for their own log lines that carry
 * strings from a peer. `out` always ends in a NUL, and a copy that does not
 * fit is cut and ends in "...". Returns the length written, without the
 * NUL. `out_size` must be at least 4.
 */
L2TPSEC_API size_t l2tpsec_log_escape(char *out, size_t out_size,
                                      const char *in);

#ifdef __cplusplus
}
#endif

#endif
