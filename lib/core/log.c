/* Message formatting for the log callback. */
#include <stdarg.h>
#include <stdbool.h>
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

static bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

/* Ends a cut copy with "..." in its last 4 bytes; returns its length. */
static size_t mark_cut(char *out, size_t out_size) {
  memcpy(out + out_size - 4, "...", 4);
  return out_size - 1;
}

size_t l2tpsec_log_escape(char *out, size_t out_size, const char *in) {
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;

  for (; *in != '\0'; in++) {
    unsigned char c = (unsigned char)*in;
    size_t need = is_control(c) ? 4 : 1;

    if (n + need >= out_size)
      return mark_cut(out, out_size);
    if (need == 1) {
      out[n++] = (char)c;
      continue;
    }
    out[n++] = '\\';
    out[n++] = 'x';
    out[n++] = hex[c >> 4];
    out[n++] = hex[c & 0x0f];
  }
  out[n] = '\0';
  return n;
}

void l2tpsec__log(const l2tpsec_log *log, enum l2tpsec_log_level level,
                  enum l2tpsec_log_category category, const char *fmt, ...) {
  char message[L2TPSEC_LOG_MAX];
  char safe[L2TPSEC_LOG_MAX];
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
    mark_cut(message, sizeof(message));

  l2tpsec_log_escape(safe, sizeof(safe), message);
  log->fn(log->user_data, level, category, safe);
}
