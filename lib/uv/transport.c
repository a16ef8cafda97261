/* UDP and raw ESP sockets of an IPsec endpoint, on a libuv loop. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log_internal.h"
#include "core/ratelimit.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/esp.h"
#include "uv/send_queue.h"
#include "uv/transport.h"

/* RFC 3948 section 2.2: four zero bytes in front of IKE on port 4500. */
#define NON_ESP_MARKER_LEN 4

enum role { ROLE_IKE, ROLE_NATT, ROLE_L2TP, ROLE_RAW, ROLE_COUNT };

/* Raw datagrams read per wakeup, so one busy socket cannot starve the
 * others. */
#define RAW_READS_PER_WAKEUP 64

/* Raw datagrams one recvmmsg(2) call reads, and the room for each. */
#define RAW_BATCH 32
/* NOTE: a raw ESP datagram longer than this (an outer packet larger than
 * a 9000-byte jumbo frame, reassembled) is truncated and dropped. */
#define RAW_SLOT 9216

/* libuv reads up to 20 datagrams per recvmmsg(2) call, each into its
 * own 64 KiB piece of the buffer that alloc_buf returns (libuv 1.44,
 * UV_UDP_RECVMMSG). */
#define UDP_MMSG_CHUNKS 20
#define UDP_MMSG_CHUNK 65536

struct sock {
  union {
    uv_handle_t handle;
    uv_udp_t udp;
    uv_poll_t poll;
  } h;
  l2tpsec__transport *transport;
  l2tpsec__endpoint endpoint;
  enum role role;
  bool open;  /* the libuv handle is initialised and must be closed */
  int raw_fd; /* -1 unless role is ROLE_RAW and the socket exists */
};

struct listener {
  struct sock socks[ROLE_COUNT];
};

struct l2tpsec__transport {
  uv_loop_t *loop;
  l2tpsec_log log;
  l2tpsec__rx_fn rx;
  void (*batch_end)(void *user_data);
  void *user_data;
  struct listener *listeners;
  size_t listener_count;
  size_t pending_closes;
  l2tpsec__transport_stats stats;
  l2tpsec__ratelimit drop_log;
  int batch_depth;            /* open l2tpsec__transport_batch_begin calls */
  bool udp_batch;             /* inside one libuv recvmmsg(2) delivery */
  l2tpsec__send_queue *queue; /* ESP sent during a batch */
  uint8_t (*raw_slots)[RAW_SLOT]; /* RAW_BATCH receive buffers */
  uint8_t *udp_buf;               /* UDP_MMSG_CHUNKS * CHUNK */
};

static l2tpsec_tstamp now_ns(void) {
  return uv_hrtime();
}

static void alloc_buf(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  struct sock *s = handle->data;

  buf->base = (char *)s->transport->udp_buf;
  buf->len = UDP_MMSG_CHUNKS * UDP_MMSG_CHUNK;
}

static void deliver(struct sock *s, enum l2tpsec__rx_kind kind,
                    const struct sockaddr *peer, const uint8_t *data,
                    size_t len) {
  l2tpsec__transport *t = s->transport;

  t->stats.rx[kind]++;
  t->rx(t->user_data, kind, &s->endpoint, peer, data, len);
}

static void deliver_natt(struct sock *s, const struct sockaddr *peer,
                         const uint8_t *data, size_t len) {
  l2tpsec__transport *t = s->transport;

  switch (l2tpsec_esp_udp_classify(data, len)) {
  case L2TPSEC_ESP_UDP_IKE:
    deliver(s, L2TPSEC__RX_IKE, peer, data + NON_ESP_MARKER_LEN,
            len - NON_ESP_MARKER_LEN);
    break;
  case L2TPSEC_ESP_UDP_ESP:
    deliver(s, L2TPSEC__RX_ESP_UDP, peer, data, len);
    break;
  case L2TPSEC_ESP_UDP_KEEPALIVE:
    t->stats.keepalives++;
    break;
  case L2TPSEC_ESP_UDP_INVALID:
    t->stats.invalid_natt++;
    l2tpsec__log_limited(&t->log, &t->drop_log, now_ns(), L2TPSEC_LOG_INFO,
                         L2TPSEC_LOG_UV,
                         "dropped a %zu-byte datagram on port %u: too short "
                         "for IKE or ESP",
                         len, s->endpoint.port);
    break;
  }
}

static void on_udp_recv(uv_udp_t *handle, ssize_t nread, const uv_buf_t *buf,
                        const struct sockaddr *peer, unsigned flags) {
  struct sock *s = handle->data;
  l2tpsec__transport *t = s->transport;
  const uint8_t *data = (const uint8_t *)buf->base;

  /* libuv delivers the datagrams of one recvmmsg(2) call flagged as
   * chunks, then calls once more with UV_UDP_MMSG_FREE: their replies
   * go out together. */
  if ((flags & UV_UDP_MMSG_CHUNK) && !t->udp_batch) {
    t->udp_batch = true;
    l2tpsec__transport_batch_begin(t);
  }
  if ((flags & UV_UDP_MMSG_FREE) && t->udp_batch) {
    t->udp_batch = false;
    l2tpsec__transport_batch_end(t);
  }
  if (nread < 0) {
    t->stats.recv_errors++;
    return;
  }
  if (peer == NULL)
    return; /* libuv's "nothing more to read" */

  if (s->role == ROLE_NATT)
    deliver_natt(s, peer, data, (size_t)nread);
  else if (s->role == ROLE_IKE)
    deliver(s, L2TPSEC__RX_IKE, peer, data, (size_t)nread);
  else
    deliver(s, L2TPSEC__RX_L2TP_UDP, peer, data, (size_t)nread);
}

/* An IPv4 raw socket returns the IP header too; IPv6 does not. */
static void deliver_raw(struct sock *s, const struct sockaddr *peer,
                        const uint8_t *data, size_t len) {
  size_t ihl;

  if (peer->sa_family == AF_INET6) {
    deliver(s, L2TPSEC__RX_ESP_RAW, peer, data, len);
    return;
  }

  ihl = len > 0 ? (size_t)(data[0] & 0x0f) * 4 : 0;
  if (ihl < 20 || ihl > len) {
    s->transport->stats.invalid_raw++;
    return;
  }
  deliver(s, L2TPSEC__RX_ESP_RAW, peer, data + ihl, len - ihl);
}

/* Reads up to RAW_BATCH datagrams with one recvmmsg(2) call and
 * delivers them. Returns how many it read, or -1 when none was waiting. */
static int read_raw_batch(struct sock *s) {
  l2tpsec__transport *t = s->transport;
  struct sockaddr_storage peers[RAW_BATCH];
  struct iovec iov[RAW_BATCH];
  struct mmsghdr msgs[RAW_BATCH];
  int n;

  memset(msgs, 0, sizeof(msgs));
  for (int i = 0; i < RAW_BATCH; i++) {
    iov[i].iov_base = t->raw_slots[i];
    iov[i].iov_len = RAW_SLOT;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &peers[i];
    msgs[i].msg_hdr.msg_namelen = sizeof(peers[i]);
  }
  n = recvmmsg(s->raw_fd, msgs, RAW_BATCH, MSG_DONTWAIT, NULL);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      t->stats.recv_errors++;
    return -1;
  }

  for (int i = 0; i < n; i++) {
    if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
      t->stats.invalid_raw++;
      continue;
    }
    deliver_raw(s, (const struct sockaddr *)&peers[i], t->raw_slots[i],
                msgs[i].msg_len);
  }
  return n;
}

static void on_raw_readable(uv_poll_t *handle, int status, int events) {
  struct sock *s = handle->data;
  l2tpsec__transport *t = s->transport;
  int received = 0;

  l2tpsec__transport_batch_begin(t);
  while (received < RAW_READS_PER_WAKEUP) {
    int n = read_raw_batch(s);

    if (n < RAW_BATCH)
      break;
    received += n;
  }
  l2tpsec__transport_batch_end(t);
}

static int parse_address(const char *text, uint16_t port,
                         struct sockaddr_storage *out) {
  memset(out, 0, sizeof(*out));
  if (uv_ip4_addr(text, port, (struct sockaddr_in *)out) == 0)
    return 0;
  if (uv_ip6_addr(text, port, (struct sockaddr_in6 *)out) == 0)
    return 0;
  return L2TPSEC_ERR_CONFIG;
}

static void set_port(struct sockaddr_storage *addr, uint16_t port) {
  if (addr->ss_family == AF_INET)
    ((struct sockaddr_in *)addr)->sin_port = htons(port);
  else
    ((struct sockaddr_in6 *)addr)->sin6_port = htons(port);
}

static int open_udp(l2tpsec__transport *t, struct sock *s, const char *text) {
  unsigned flags =
      s->endpoint.local.ss_family == AF_INET6 ? UV_UDP_IPV6ONLY : 0;
  int rv;

  rv = uv_udp_init_ex(t->loop, &s->h.udp, AF_UNSPEC | UV_UDP_RECVMMSG);
  if (rv != 0)
    return L2TPSEC_ERR_NOMEM;
  s->open = true;
  s->h.handle.data = s;

  rv = uv_udp_bind(&s->h.udp, (const struct sockaddr *)&s->endpoint.local,
                   flags);
  if (rv == 0)
    rv = uv_udp_recv_start(&s->h.udp, alloc_buf, on_udp_recv);
  if (rv != 0) {
    L2TPSEC_LOG(&t->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_UV,
                "cannot listen on UDP %s port %u: %s; check that no other "
                "IPsec daemon holds the port and that the address is "
                "configured",
                text, s->endpoint.port, uv_strerror(rv));
    return L2TPSEC_ERR_IO;
  }
  return 0;
}

static int raw_socket(const struct sockaddr_storage *local) {
  socklen_t len = local->ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                              : sizeof(struct sockaddr_in6);
  int fd = socket(local->ss_family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  IPPROTO_ESP);

  if (fd < 0)
    return -errno;
  if (bind(fd, (const struct sockaddr *)local, len) != 0) {
    int err = errno;

    close(fd);
    return -err;
  }
  return fd;
}

/* A missing raw socket is not an error: ESP then needs NAT-T (port 4500). */
static void open_raw(l2tpsec__transport *t, struct sock *s, const char *text) {
  int fd = raw_socket(&s->endpoint.local);

  if (fd < 0) {
    L2TPSEC_LOG(&t->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_UV,
                "no raw ESP socket on %s: %s; clients must use UDP "
                "encapsulation (NAT-T) on port %u",
                text, strerror(-fd),
                t->listeners[s->endpoint.index].socks[ROLE_NATT].endpoint.port);
    return;
  }
  if (uv_poll_init(t->loop, &s->h.poll, fd) != 0) {
    close(fd);
    return;
  }
  s->open = true;
  s->raw_fd = fd;
  s->h.handle.data = s;
  uv_poll_start(&s->h.poll, UV_READABLE, on_raw_readable);
}

static int open_listener(l2tpsec__transport *t, size_t index, const char *text,
                         const l2tpsec__transport_settings *settings) {
  const uint16_t ports[ROLE_COUNT] = {settings->ike_port, settings->natt_port,
                                      settings->l2tp_port, 0};
  struct listener *l = &t->listeners[index];

  for (int role = 0; role < ROLE_COUNT; role++) {
    struct sock *s = &l->socks[role];
    int rv = 0;

    s->transport = t;
    s->role = (enum role)role;
    s->raw_fd = -1;
    s->endpoint.index = (int)index;
    s->endpoint.port = ports[role];
    if (parse_address(text, ports[role], &s->endpoint.local) != 0) {
      L2TPSEC_LOG(&t->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_UV,
                  "invalid listen address '%s': expected a numeric IPv4 or "
                  "IPv6 address",
                  text);
      return L2TPSEC_ERR_CONFIG;
    }

    if (role == ROLE_RAW && settings->raw_esp)
      open_raw(t, s, text);
    else if (role != ROLE_RAW && (role != ROLE_L2TP || ports[role] != 0))
      rv = open_udp(t, s, text);
    if (rv != 0)
      return rv;
  }
  return 0;
}

static void free_transport(l2tpsec__transport *t) {
  free(t->listeners);
  free(t->queue);
  free(t->raw_slots);
  free(t->udp_buf);
  free(t);
}

void l2tpsec__transport_settings_default(l2tpsec__transport_settings *s) {
  memset(s, 0, sizeof(*s));
  s->ike_port = 500;
  s->natt_port = 4500;
  s->raw_esp = true;
}

int l2tpsec__transport_new(l2tpsec__transport **ptransport, uv_loop_t *loop,
                           const l2tpsec__transport_settings *settings,
                           l2tpsec__rx_fn rx, void *user_data) {
  l2tpsec__transport *t;
  int rv = 0;

  *ptransport = NULL;
  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return L2TPSEC_ERR_NOMEM;
  t->listeners = calloc(settings->address_count ? settings->address_count : 1,
                        sizeof(*t->listeners));
  t->queue = malloc(sizeof(*t->queue));
  t->raw_slots = malloc(RAW_BATCH * sizeof(*t->raw_slots));
  t->udp_buf = malloc(UDP_MMSG_CHUNKS * UDP_MMSG_CHUNK);
  if (t->listeners == NULL || t->queue == NULL || t->raw_slots == NULL ||
      t->udp_buf == NULL) {
    free_transport(t);
    return L2TPSEC_ERR_NOMEM;
  }
  t->queue->count = 0;

  t->loop = loop;
  t->log = settings->log;
  t->rx = rx;
  t->batch_end = settings->batch_end;
  t->user_data = user_data;
  t->listener_count = settings->address_count;
  l2tpsec__ratelimit_init(&t->drop_log, L2TPSEC_SECONDS, 5);

  for (size_t i = 0; i < settings->address_count && rv == 0; i++)
    rv = open_listener(t, i, settings->addresses[i], settings);
  if (rv != 0) {
    l2tpsec__transport_close(t);
    return rv;
  }
  *ptransport = t;
  return 0;
}

static void on_closed(uv_handle_t *handle) {
  struct sock *s = handle->data;
  l2tpsec__transport *t = s->transport;

  if (--t->pending_closes > 0)
    return;
  free_transport(t);
}

void l2tpsec__transport_close(l2tpsec__transport *t) {
  if (t == NULL)
    return;

  /* Count first: a close callback must not see zero before the end. */
  for (size_t i = 0; i < t->listener_count; i++) {
    for (int role = 0; role < ROLE_COUNT; role++)
      t->pending_closes += t->listeners[i].socks[role].open;
  }
  /* Queued datagrams would go to sockets that are about to close. */
  t->queue->count = 0;
  t->batch_depth = 0;
  t->udp_batch = false;
  if (t->pending_closes == 0) {
    free_transport(t);
    return;
  }

  for (size_t i = 0; i < t->listener_count; i++) {
    for (int role = 0; role < ROLE_COUNT; role++) {
      struct sock *s = &t->listeners[i].socks[role];

      if (!s->open)
        continue;
      uv_close(&s->h.handle, on_closed);
      if (s->raw_fd >= 0)
        close(s->raw_fd);
    }
  }
}

static enum role role_for(enum l2tpsec__rx_kind kind, bool natt) {
  switch (kind) {
  case L2TPSEC__RX_IKE:
    return natt ? ROLE_NATT : ROLE_IKE;
  case L2TPSEC__RX_ESP_UDP:
    return ROLE_NATT;
  case L2TPSEC__RX_ESP_RAW:
    return ROLE_RAW;
  default:
    return ROLE_L2TP;
  }
}

static socklen_t sockaddr_len(const struct sockaddr *addr) {
  return addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
                                    : sizeof(struct sockaddr_in6);
}

static int send_raw(struct sock *s, const struct sockaddr *peer,
                    const uint8_t *data, size_t len) {
  struct sockaddr_storage to;
  socklen_t to_len = sockaddr_len(peer);

  /* Linux rejects an IPv6 raw send whose port is not 0 or the protocol. */
  memcpy(&to, peer, to_len);
  set_port(&to, 0);
  if (sendto(s->raw_fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&to,
             to_len) < 0)
    return L2TPSEC_ERR_IO;
  return 0;
}

/*
 * Queues an ESP datagram while a batch is open. Returns 0 when queued,
 * or 1 when the caller must send it at once (it does not fit a slot).
 */
static int queue_esp(l2tpsec__transport *t, struct sock *s,
                     const struct sockaddr *peer, const uint8_t *data,
                     size_t len) {
  struct sockaddr_storage to;
  socklen_t to_len = sockaddr_len(peer);
  uv_os_fd_t fd = s->raw_fd;
  int rv;

  memcpy(&to, peer, to_len);
  if (s->role == ROLE_RAW)
    set_port(&to, 0); /* as send_raw does */
  else if (uv_fileno(&s->h.handle, &fd) != 0)
    return 1;

  rv = l2tpsec__send_queue_push(t->queue, fd, (struct sockaddr *)&to, to_len,
                                data, len);
  if (rv == L2TPSEC_ERR_LIMIT) {
    t->stats.send_errors += l2tpsec__send_queue_flush(t->queue);
    rv = l2tpsec__send_queue_push(t->queue, fd, (struct sockaddr *)&to, to_len,
                                  data, len);
  }
  return rv == 0 ? 0 : 1;
}

void l2tpsec__transport_batch_begin(l2tpsec__transport *t) {
  t->batch_depth++;
}

void l2tpsec__transport_batch_end(l2tpsec__transport *t) {
  if (t->batch_depth == 0)
    return;
  /* The owner's batch work runs inside the batch, so what it sends is
   * queued with the rest. It may close the transport, which ends the
   * batch. */
  if (t->batch_depth == 1 && t->batch_end != NULL) {
    t->batch_end(t->user_data);
    if (t->batch_depth == 0)
      return;
  }
  if (--t->batch_depth > 0)
    return;
  if (t->queue->count > 0)
    t->stats.send_errors += l2tpsec__send_queue_flush(t->queue);
}

bool l2tpsec__transport_batching(const l2tpsec__transport *t) {
  return t->batch_depth > 0;
}

int l2tpsec__transport_send(l2tpsec__transport *t, enum l2tpsec__rx_kind kind,
                            int endpoint_index, bool natt,
                            const struct sockaddr *peer, const uint8_t *data,
                            size_t len) {
  static char non_esp_marker[4]; /* four zero bytes, never written */
  struct sock *s;
  uv_buf_t bufs[2];
  unsigned n = 0;
  int rv;

  if (endpoint_index < 0 || (size_t)endpoint_index >= t->listener_count)
    return L2TPSEC_ERR_NOT_FOUND;
  s = &t->listeners[endpoint_index].socks[role_for(kind, natt)];
  if (!s->open)
    return L2TPSEC_ERR_NOT_FOUND;
  if (t->batch_depth > 0 &&
      (kind == L2TPSEC__RX_ESP_RAW || kind == L2TPSEC__RX_ESP_UDP) &&
      queue_esp(t, s, peer, data, len) == 0)
    return 0;
  if (s->role == ROLE_RAW) {
    rv = send_raw(s, peer, data, len);
    t->stats.send_errors += rv != 0;
    return rv;
  }

  if (s->role == ROLE_NATT && kind == L2TPSEC__RX_IKE)
    bufs[n++] = uv_buf_init(non_esp_marker, sizeof(non_esp_marker));
  /* libuv's buffer type is not const, but sending only reads it. */
  bufs[n].base = (char *)(uintptr_t)data;
  bufs[n++].len = len;
  rv = uv_udp_try_send(&s->h.udp, bufs, n, peer);
  if (rv < 0) {
    t->stats.send_errors++;
    return L2TPSEC_ERR_IO;
  }
  return 0;
}

size_t l2tpsec__transport_endpoint_count(const l2tpsec__transport *t) {
  return t->listener_count;
}

bool l2tpsec__transport_has_raw_esp(const l2tpsec__transport *t,
                                    int endpoint_index) {
  if (endpoint_index < 0 || (size_t)endpoint_index >= t->listener_count)
    return false;
  return t->listeners[endpoint_index].socks[ROLE_RAW].raw_fd >= 0;
}

const l2tpsec__transport_stats *
l2tpsec__transport_stats_get(const l2tpsec__transport *t) {
  return &t->stats;
}

const struct sockaddr *l2tpsec__transport_local(const l2tpsec__transport *t,
                                                int endpoint_index) {
  if (endpoint_index < 0 || (size_t)endpoint_index >= t->listener_count)
    return NULL;
  return (const struct sockaddr *)&t->listeners[endpoint_index]
      .socks[ROLE_RAW]
      .endpoint.local;
}
