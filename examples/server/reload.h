/*
 * The reports of a SIGHUP reload: every error of a file it rejects, and
 * the keys of a file it accepts whose new values only a restart applies.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_RELOAD_H
#define L2TPSEC_EXAMPLE_SERVER_RELOAD_H

#include <stdbool.h>

#include "config.h"
#include "log_sink.h"

/* Logs one line with the error count, then each error as PATH:LINE. */
void reload_log_errors(struct log_sink *log, const char *path,
                       const struct config_errors *errors);

/*
 * Logs each key whose value differs between the running and the fresh
 * configuration but that a reload does not apply. With
 * `control_socket_overridden` (--control-socket was given) the file's
 * control_socket is not compared.
 */
void reload_log_restart_keys(struct log_sink *log,
                             const struct server_config *running,
                             const struct server_config *fresh,
                             bool control_socket_overridden);

#endif
