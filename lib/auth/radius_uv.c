/* The RADIUS client bound to libuv sockets and a libuv timer. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/radius_wire.h"
#include "core/log_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/radius_uv.h"

struct l2tpsec_radius_uv {
  uv_loop_t *loop;
  l2tpsec_radius_client *client;
  uv_udp_t sock; /* requests to the servers */
  uv_udp_t dae;  /* Disconnect-Requests, when dae_open */
  uv_timer_t timer;
  bool dae_open;
  bool closing;
  int open_handles;
  l2tpsec_radius_uv_callbacks callbacks;
  void *user_data;
  l2tpsec_log log;
  /* One receive buffer: callbacks run one at a time on the loop thread. */
  uint8_t rx[RADIUS_PACKET_MAX + 1];
};

/* The wall clock for Event-Timestamp checks; this binding does I/O. */
static int64_t system_unix_time(void *user_data) {
  return (int64_t)time(NULL);
}

void l2tpsec_radius_uv_settings_default(l2tpsec_radius_uv_settings *s) {
  memset(s, 0, sizeof(*s));
  l2tpsec_radius_settings_default(&s->radius);
}

static void on_timer(uv_timer_t *timer);

/* Re-arms the timer for the client's next deadline. */
static void rearm(l2tpsec_radius_uv *r) {
  l2tpsec_tstamp deadline, now;
  uint64_t ms = 0;

  if (r->closing)
    return;
  deadline = l2tpsec_radius_client_next_deadline(r->client);
  if (deadline == L2TPSEC_TSTAMP_NEVER) {
    uv_timer_stop(&r->timer);
    return;
  }

  now = uv_hrtime();
  if (deadline > now)
    ms = (deadline - now + L2TPSEC_MILLISECONDS - 1) / L2TPSEC_MILLISECONDS;
  uv_timer_start(&r->timer, on_timer, ms, 0);
}

static void on_timer(uv_timer_t *timer) {
  l2tpsec_radius_uv *r = timer->data;

  l2tpsec_radius_client_handle_timeout(r->client, uv_hrtime());
  rearm(r);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  l2tpsec_radius_uv *r = handle->data;

  buf->base = (char *)r->rx;
  buf->len = sizeof(r->rx);
}

static void on_receive(uv_udp_t *sock, ssize_t nread, const uv_buf_t *buf,
                       const struct sockaddr *from, unsigned flags) {
  l2tpsec_radius_uv *r = sock->data;
  socklen_t from_len;

  if (nread < 0)
    L2TPSEC_LOG(&r->log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
                "radius: receiving failed: %s", uv_strerror((int)nread));
  if (nread <= 0 || from == NULL || r->closing)
    return;

  /* A datagram longer than any RADIUS packet is cut: it is dropped. */
  if (flags & UV_UDP_PARTIAL)
    nread = 0;
  from_len = from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                         : sizeof(struct sockaddr_in);
  if (sock == &r->dae)
    l2tpsec_radius_client_dae_input(r->client, from, from_len, r->rx,
                                    (size_t)nread, uv_hrtime());
  else
    l2tpsec_radius_client_input(r->client, from, from_len, r->rx, (size_t)nread,
                                uv_hrtime());
  rearm(r);
}

/* Never blocks: a full socket buffer fails the send, retried later. */
static int send_datagram(void *user_data, enum l2tpsec_radius_channel channel,
                         const struct sockaddr *to, socklen_t to_len,
                         const uint8_t *data, size_t len) {
  l2tpsec_radius_uv *r = user_data;
  uv_udp_t *sock = channel == L2TPSEC_RADIUS_CHANNEL_DAE ? &r->dae : &r->sock;
  uv_buf_t buf = uv_buf_init((char *)(uintptr_t)data, (unsigned)len);
  int rc;

  if (r->closing || (sock == &r->dae && !r->dae_open))
    return L2TPSEC_ERR_CLOSED;
  rc = uv_udp_try_send(sock, &buf, 1, to);
  return rc < 0 ? L2TPSEC_ERR_IO : 0;
}

static void forward_auth_done(void *user_data, uint64_t login,
                              const l2tpsec_radius_auth_result *result) {
  l2tpsec_radius_uv *r = user_data;

  if (r->callbacks.auth_done != NULL)
    r->callbacks.auth_done(r->user_data, login, result);
}

static void forward_acct_dropped(void *user_data, const char *session_id,
                                 enum l2tpsec_radius_drop_reason reason) {
  l2tpsec_radius_uv *r = user_data;

  if (r->callbacks.acct_dropped != NULL)
    r->callbacks.acct_dropped(r->user_data, session_id, reason);
}

static int forward_disconnect(void *user_data,
                              const l2tpsec_radius_disconnect *sel) {
  l2tpsec_radius_uv *r = user_data;

  if (r->callbacks.disconnect == NULL)
    return 0;
  return r->callbacks.disconnect(r->user_data, sel);
}

static int parse_address(const char *text, uint16_t port, int family,
                         struct sockaddr_storage *out) {
  memset(out, 0, sizeof(*out));
  if (text == NULL)
    text = family == AF_INET6 ? "::" : "0.0.0.0";
  if (uv_ip4_addr(text, port, (struct sockaddr_in *)out) == 0 ||
      uv_ip6_addr(text, port, (struct sockaddr_in6 *)out) == 0)
    return 0;
  return L2TPSEC_ERR_CONFIG;
}

/* Opens, binds and starts one UDP socket. */
static int open_socket(l2tpsec_radius_uv *r, uv_udp_t *sock, const char *addr,
                       uint16_t port, int family) {
  struct sockaddr_storage local;
  int rc = parse_address(addr, port, family, &local);

  if (rc != 0) {
    L2TPSEC_LOG(&r->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "radius: invalid local address '%s': expected a numeric "
                "IPv4 or IPv6 address",
                addr);
    return rc;
  }
  if (uv_udp_init(r->loop, sock) != 0)
    return L2TPSEC_ERR_IO;
  sock->data = r;
  r->open_handles++;

  rc = uv_udp_bind(sock, (const struct sockaddr *)&local, 0);
  if (rc == 0)
    rc = uv_udp_recv_start(sock, on_alloc, on_receive);
  if (rc != 0) {
    L2TPSEC_LOG(&r->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "radius: binding UDP socket to %s port %u failed: %s",
                addr ? addr : "the wildcard address", port, uv_strerror(rc));
    return L2TPSEC_ERR_IO;
  }
  return 0;
}

static void on_closed(uv_handle_t *handle) {
  l2tpsec_radius_uv *r = handle->data;

  if (--r->open_handles > 0)
    return;
  l2tpsec_radius_client_del(r->client);
  free(r);
}

void l2tpsec_radius_uv_close(l2tpsec_radius_uv *r) {
  if (r == NULL || r->closing)
    return;

  r->closing = true;
  if (r->open_handles == 0) {
    l2tpsec_radius_client_del(r->client);
    free(r);
    return;
  }
  uv_close((uv_handle_t *)&r->timer, on_closed);
  uv_close((uv_handle_t *)&r->sock, on_closed);
  if (r->dae_open)
    uv_close((uv_handle_t *)&r->dae, on_closed);
}

static int open_handles(l2tpsec_radius_uv *r,
                        const l2tpsec_radius_uv_settings *s) {
  int family = s->radius.servers[0].addr.ss_family;
  int rc;

  if (uv_timer_init(r->loop, &r->timer) != 0)
    return L2TPSEC_ERR_IO;
  r->timer.data = r;
  r->open_handles = 1;

  rc = open_socket(r, &r->sock, s->bind_address, 0, family);
  if (rc != 0 || s->dae_port == 0)
    return rc;
  r->dae_open = true;
  return open_socket(r, &r->dae, s->dae_address, s->dae_port, family);
}

int l2tpsec_radius_uv_new(l2tpsec_radius_uv **pradius, uv_loop_t *loop,
                          const l2tpsec_radius_uv_settings *settings,
                          const l2tpsec_radius_uv_callbacks *callbacks,
                          void *user_data) {
  l2tpsec_radius_callbacks cb = {send_datagram, forward_auth_done,
                                 forward_acct_dropped, forward_disconnect};
  l2tpsec_radius_settings radius;
  l2tpsec_radius_uv *r;
  int rc;

  if (pradius == NULL || loop == NULL || settings == NULL || callbacks == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return L2TPSEC_ERR_NOMEM;
  r->loop = loop;
  r->callbacks = *callbacks;
  r->user_data = user_data;
  r->log = settings->radius.log;

  radius = settings->radius;
  if (radius.unix_time == NULL)
    radius.unix_time = system_unix_time;
  rc = l2tpsec_radius_client_new(&r->client, &radius, &cb, r);
  if (rc != 0) {
    free(r);
    return rc;
  }
  rc = open_handles(r, settings);
  if (rc != 0) {
    l2tpsec_radius_uv_close(r);
    return rc;
  }
  *pradius = r;
  return 0;
}

int l2tpsec_radius_uv_auth(l2tpsec_radius_uv *r,
                           const l2tpsec_radius_auth_request *req,
                           uint64_t *login) {
  int rc;

  if (r == NULL || r->closing)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = l2tpsec_radius_client_auth(r->client, req, uv_hrtime(), login);
  rearm(r);
  return rc;
}

int l2tpsec_radius_uv_cancel(l2tpsec_radius_uv *r, uint64_t login) {
  int rc;

  if (r == NULL || r->closing)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = l2tpsec_radius_client_cancel(r->client, login);
  rearm(r);
  return rc;
}

int l2tpsec_radius_uv_acct(l2tpsec_radius_uv *r,
                           const l2tpsec_radius_acct_record *rec) {
  int rc;

  if (r == NULL || r->closing)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = l2tpsec_radius_client_acct(r->client, rec, uv_hrtime());
  rearm(r);
  return rc;
}

void l2tpsec_radius_uv_stats(const l2tpsec_radius_uv *r,
                             l2tpsec_radius_stats *stats) {
  if (r != NULL)
    l2tpsec_radius_client_stats(r->client, stats);
}

int l2tpsec_radius_uv_local_port(const l2tpsec_radius_uv *r, bool dae,
                                 uint16_t *port) {
  struct sockaddr_storage local;
  int len = sizeof(local);
  const uv_udp_t *sock = dae ? &r->dae : &r->sock;

  if (dae && !r->dae_open)
    return L2TPSEC_ERR_NOT_FOUND;
  if (uv_udp_getsockname(sock, (struct sockaddr *)&local, &len) != 0)
    return L2TPSEC_ERR_IO;
  *port = ntohs(local.ss_family == AF_INET6
                    ? ((struct sockaddr_in6 *)&local)->sin6_port
                    : ((struct sockaddr_in *)&local)->sin_port);
  return 0;
}
