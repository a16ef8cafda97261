/* The control socket, server side on libuv and client side blocking. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

#define REQUEST_MAX 64
#define REPLY_MAX 65536

/* One accepted connection: read a request line, write the reply, close. */
struct client {
  uv_pipe_t pipe;
  uv_write_t write;
  struct control *control;
  char request[REQUEST_MAX];
  size_t request_len;
  char *reply;
};

static void free_client(uv_handle_t *handle) {
  struct client *c = handle->data;

  free(c->reply);
  free(c);
}

static void on_written(uv_write_t *req, int status) {
  struct client *c = req->data;

  uv_close((uv_handle_t *)&c->pipe, free_client);
}

static void reply(struct client *c) {
  uv_buf_t buf;
  size_t len;

  c->reply = malloc(REPLY_MAX);
  if (c->reply == NULL) {
    uv_close((uv_handle_t *)&c->pipe, free_client);
    return;
  }
  if (strncmp(c->request, "status\n", 7) == 0)
    len = c->control->status(c->control->user_data, c->reply, REPLY_MAX);
  else
    len = (size_t)snprintf(c->reply, REPLY_MAX,
                           "error: unknown request; expected 'status'\n");
  buf = uv_buf_init(c->reply, (unsigned)len);
  c->write.data = c;
  if (uv_write(&c->write, (uv_stream_t *)&c->pipe, &buf, 1, on_written) != 0)
    uv_close((uv_handle_t *)&c->pipe, free_client);
}

static void alloc_request(uv_handle_t *handle, size_t suggested,
                          uv_buf_t *buf) {
  struct client *c = handle->data;

  buf->base = c->request + c->request_len;
  buf->len = sizeof(c->request) - 1 - c->request_len;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  struct client *c = stream->data;

  if (nread < 0 || (nread == 0 && buf->len == 0)) {
    uv_close((uv_handle_t *)stream, free_client);
    return;
  }
  c->request_len += (size_t)nread;
  c->request[c->request_len] = '\0';
  if (strchr(c->request, '\n') == NULL &&
      c->request_len < sizeof(c->request) - 1)
    return;
  uv_read_stop(stream);
  reply(c);
}

static void on_connection(uv_stream_t *server, int status) {
  struct control *control = server->data;
  struct client *c;

  if (status != 0)
    return;
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return;
  c->control = control;
  uv_pipe_init(server->loop, &c->pipe, 0);
  c->pipe.data = c;
  if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0 ||
      uv_read_start((uv_stream_t *)&c->pipe, alloc_request, on_read) != 0)
    uv_close((uv_handle_t *)&c->pipe, free_client);
}

static int connect_unix(const char *path);

/* Removes a socket file that no server answers on any more. */
static void remove_stale(const char *path) {
  struct stat st;
  int fd;

  if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
    return;
  fd = connect_unix(path);
  if (fd >= 0)
    close(fd); /* a running server: binding fails and says so */
  else if (errno == ECONNREFUSED)
    unlink(path);
}

int control_listen(struct control *control, uv_loop_t *loop, const char *path,
                   struct log_sink *log, control_status_fn status,
                   void *user_data) {
  int rv;

  memset(control, 0, sizeof(*control));
  snprintf(control->path, sizeof(control->path), "%s", path);
  control->log = log;
  control->status = status;
  control->user_data = user_data;
  remove_stale(path);

  uv_pipe_init(loop, &control->pipe, 0);
  control->pipe.data = control;
  control->listening = true;
  rv = uv_pipe_bind(&control->pipe, path);
  /* Only a socket file this process created may be removed at exit. */
  control->bound = rv == 0;
  if (rv == 0)
    rv = chmod(path, 0600) == 0 ? 0 : -errno;
  if (rv == 0)
    rv = uv_listen((uv_stream_t *)&control->pipe, 8, on_connection);
  if (rv == UV_EADDRINUSE)
    log_line(log, L2TPSEC_LOG_ERROR,
             "cannot listen on control socket %s: another l2tpsec-server "
             "answers on it; stop that one, or set control_socket in "
             "[server] to another path",
             path);
  else if (rv != 0)
    log_line(log, L2TPSEC_LOG_ERROR,
             "cannot listen on control socket %s: %s; set control_socket "
             "in [server] to a writable path",
             path, uv_strerror(rv));
  return rv;
}

void control_close(struct control *control) {
  if (!control->listening)
    return;
  control->listening = false;
  uv_close((uv_handle_t *)&control->pipe, NULL);
  if (control->bound)
    unlink(control->path);
}

static int connect_unix(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
    int err = errno;

    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

bool control_answers(const char *path) {
  int fd = connect_unix(path);

  if (fd < 0)
    return false;
  close(fd);
  return true;
}

int control_request_status(const char *path) {
  char buf[4096];
  ssize_t n;
  int fd;

  fd = connect_unix(path);
  if (fd < 0) {
    fprintf(stderr,
            "l2tpsec-server: cannot connect to the control socket %s: %s; "
            "is the server running, and is this its configuration?\n",
            path, strerror(errno));
    return 1;
  }
  if (write(fd, "status\n", 7) != 7) {
    close(fd);
    return 1;
  }
  while ((n = read(fd, buf, sizeof(buf))) > 0)
    fwrite(buf, 1, (size_t)n, stdout);
  close(fd);
  return 0;
}
