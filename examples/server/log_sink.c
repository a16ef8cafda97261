/* stderr and syslog(3) destinations of log lines. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "log_sink.h"

static int syslog_priority(enum l2tpsec_log_level level) {
  static const int priorities[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO,
                                   LOG_DEBUG};

  return priorities[level <= L2TPSEC_LOG_DEBUG ? level : L2TPSEC_LOG_DEBUG];
}

static void emit(struct log_sink *sink, enum l2tpsec_log_level level,
                 const char *category, const char *message) {
  char stamp[32];
  time_t now;

  if (level > sink->max_level)
    return;
  if (sink->use_syslog) {
    syslog(syslog_priority(level), "%s %s: %s", l2tpsec_log_level_name(level),
           category, message);
    return;
  }
  now = time(NULL);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  fprintf(stderr, "%s %s %s: %s\n", stamp, l2tpsec_log_level_name(level),
          category, message);
}

static void from_library(void *user_data, enum l2tpsec_log_level level,
                         enum l2tpsec_log_category category,
                         const char *message) {
  emit(user_data, level, l2tpsec_log_category_name(category), message);
}

void log_sink_open(struct log_sink *sink, bool use_syslog,
                   enum l2tpsec_log_level max_level) {
  sink->use_syslog = use_syslog;
  sink->max_level = max_level;
  if (use_syslog)
    openlog("l2tpsec-server", LOG_PID, LOG_DAEMON);
}

void log_sink_close(struct log_sink *sink) {
  if (sink->use_syslog)
    closelog();
}

l2tpsec_log log_sink_for_library(struct log_sink *sink) {
  l2tpsec_log log = {from_library, sink, sink->max_level};

  return log;
}

void log_line(struct log_sink *sink, enum l2tpsec_log_level level,
              const char *fmt, ...) {
  char message[512];
  char safe[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);

  /* User names reach these lines from peers: never let one forge a line. */
  l2tpsec_log_escape(safe, sizeof(safe), message);
  emit(sink, level, "server", safe);
}
