/*
 * The Unix control socket: `l2tpsec-server --status` connects, sends
 * "status\n" and prints the reply, as `ipsec statusall` does for
 * strongSwan. Only root can connect (mode 0600).
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_CONTROL_H
#define L2TPSEC_EXAMPLE_SERVER_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "log_sink.h"

/* Writes the status text for one request into buf; returns its length. */
typedef size_t (*control_status_fn)(void *user_data, char *buf, size_t cap);

struct control {
  uv_pipe_t pipe;
  char path[108];
  struct log_sink *log;
  control_status_fn status;
  void *user_data;
  bool listening;
  bool bound; /* this process created the socket file */
};

/*
 * Listens on `path`, replacing a stale socket left by a crashed server.
 * Returns 0 or a negative libuv error (logged with the path).
 */
int control_listen(struct control *control, uv_loop_t *loop, const char *path,
                   struct log_sink *log, control_status_fn status,
                   void *user_data);

/* Stops listening and removes the socket file. */
void control_close(struct control *control);

/*
 * The --status client: sends the status request to `path` and copies the
 * reply to stdout. Returns a process exit status (0 or 1).
 */
int control_request_status(const char *path);

/* Whether a server accepts connections on the control socket `path`. */
bool control_answers(const char *path);

#endif
