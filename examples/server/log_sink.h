/*
 * Where the example server's log lines go: stderr with a timestamp in the
 * foreground, syslog(3) (facility daemon) when it runs as a daemon.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_LOG_SINK_H
#define L2TPSEC_EXAMPLE_SERVER_LOG_SINK_H

#include <stdbool.h>

#include "l2tpsec/log.h"

struct log_sink {
  bool use_syslog;
  enum l2tpsec_log_level max_level;
};

/* Opens syslog when asked; stderr needs no setup. */
void log_sink_open(struct log_sink *sink, bool use_syslog,
                   enum l2tpsec_log_level max_level);

void log_sink_close(struct log_sink *sink);

/* Returns an l2tpsec_log that writes to the sink, for library objects. */
l2tpsec_log log_sink_for_library(struct log_sink *sink);

/* Logs one line of the program itself (category "server"). */
void log_line(struct log_sink *sink, enum l2tpsec_log_level level,
              const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
