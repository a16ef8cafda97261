/*
 * RADIUS client core: servers, Identifiers, retransmission, failover and
 * reply matching. Building and reading packets of each kind lives in
 * radius_auth.c, radius_acct.c and radius_dae.c.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/radius_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

void l2tpsec_radius_settings_default(l2tpsec_radius_settings *s) {
  memset(s, 0, sizeof(*s));
  s->retry_interval = 5 * L2TPSEC_SECONDS;
  s->server_timeout = 30 * L2TPSEC_SECONDS;
  s->dead_time = 60 * L2TPSEC_SECONDS;
  s->require_message_authenticator = true;
  s->acct_require_message_authenticator = true;
  s->max_pending_auth = 256;
  s->acct_queue_max = 512;
  s->acct_window = 16;
  s->acct_max_age = 3600 * L2TPSEC_SECONDS;
  s->dae_event_window_s = 300;
  s->rand = l2tpsec_rand_system();
}

static socklen_t address_len(const struct sockaddr_storage *addr) {
  if (addr->ss_family == AF_INET)
    return sizeof(struct sockaddr_in);
  if (addr->ss_family == AF_INET6)
    return sizeof(struct sockaddr_in6);
  return 0;
}

static int copy_secret(uint8_t *dst, size_t *dst_len, const uint8_t *secret,
                       size_t len) {
  if (secret == NULL || len == 0 || len > L2TPSEC_RADIUS_SECRET_MAX)
    return L2TPSEC_ERR_CONFIG;
  memcpy(dst, secret, len);
  *dst_len = len;
  return 0;
}

static int copy_servers(l2tpsec_radius_client *c,
                        const l2tpsec_radius_settings *s) {
  if (s->server_count == 0 || s->server_count > L2TPSEC_RADIUS_MAX_SERVERS ||
      s->dae_client_count > L2TPSEC_RADIUS_MAX_SERVERS)
    return L2TPSEC_ERR_CONFIG;

  for (size_t i = 0; i < s->server_count; i++) {
    const l2tpsec_radius_server *in = &s->servers[i];
    struct radius_server *out = &c->servers[i];

    out->addr = in->addr;
    out->addr_len = address_len(&in->addr);
    out->port[RADIUS_KIND_AUTH] = in->auth_port;
    out->port[RADIUS_KIND_ACCT] = in->acct_port;
    if (out->addr_len == 0 || in->auth_port == 0 ||
        copy_secret(out->secret, &out->secret_len, in->secret,
                    in->secret_len) != 0)
      return L2TPSEC_ERR_CONFIG;
  }
  c->server_count = s->server_count;

  for (size_t i = 0; i < s->dae_client_count; i++) {
    c->dae[i].addr = s->dae_clients[i].addr;
    if (address_len(&c->dae[i].addr) == 0 ||
        copy_secret(c->dae[i].secret, &c->dae[i].secret_len,
                    s->dae_clients[i].secret,
                    s->dae_clients[i].secret_len) != 0)
      return L2TPSEC_ERR_CONFIG;
  }
  c->dae_count = s->dae_client_count;
  return 0;
}

static int check_settings(const l2tpsec_radius_settings *s) {
  if (s->retry_interval == 0 || s->server_timeout == 0 ||
      s->max_pending_auth == 0 || s->acct_queue_max == 0 ||
      s->acct_window == 0 || s->acct_max_age == 0)
    return L2TPSEC_ERR_CONFIG;
  if (s->nas_identifier != NULL &&
      strlen(s->nas_identifier) > L2TPSEC_RADIUS_VALUE_MAX)
    return L2TPSEC_ERR_CONFIG;
  return 0;
}

int l2tpsec_radius_client_new(l2tpsec_radius_client **pclient,
                              const l2tpsec_radius_settings *settings,
                              const l2tpsec_radius_callbacks *callbacks,
                              void *user_data) {
  l2tpsec_radius_client *c;
  int rc;

  if (pclient == NULL || settings == NULL || callbacks == NULL ||
      callbacks->send == NULL || callbacks->auth_done == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = check_settings(settings);
  if (rc != 0)
    return rc;

  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return L2TPSEC_ERR_NOMEM;
  rc = copy_servers(c, settings);
  if (rc != 0) {
    l2tpsec_radius_client_del(c);
    return rc;
  }

  c->settings = *settings;
  memset(c->settings.servers, 0, sizeof(c->settings.servers));
  memset(c->settings.dae_clients, 0, sizeof(c->settings.dae_clients));
  if (settings->nas_identifier != NULL)
    snprintf(c->nas_identifier, sizeof(c->nas_identifier), "%s",
             settings->nas_identifier);
  c->settings.nas_identifier = NULL;
  c->callbacks = *callbacks;
  c->user_data = user_data;
  c->next_number = 1;
  l2tpsec__ratelimit_init(&c->drop_log, L2TPSEC_SECONDS, 10);
  *pclient = c;
  return 0;
}

void l2tpsec__radius_free_request(l2tpsec_radius_client *c,
                                  struct radius_request *req) {
  if (req == NULL)
    return;

  if (req->server >= 0) {
    struct radius_server *s = &c->servers[req->server];

    s->ids_in_use[req->kind][req->id / 8] &= (uint8_t) ~(1u << (req->id % 8));
  }
  if (req->auth != NULL) {
    l2tpsec_wipe(req->auth, sizeof(*req->auth));
    free(req->auth);
  }
  if (req->pkt != NULL) {
    l2tpsec_wipe(req->pkt, req->pkt_len);
    free(req->pkt);
  }
  free(req->attrs);
  free(req);
}

void l2tpsec_radius_client_del(l2tpsec_radius_client *c) {
  if (c == NULL)
    return;

  for (size_t i = 0; i < c->request_count; i++)
    l2tpsec__radius_free_request(c, c->requests[i]);
  free(c->requests);
  l2tpsec_wipe(c, sizeof(*c));
  free(c);
}

int l2tpsec__radius_add_request(l2tpsec_radius_client *c,
                                struct radius_request *req) {
  if (c->request_count == c->request_cap) {
    size_t cap = c->request_cap ? c->request_cap * 2 : 16;
    struct radius_request **grown = realloc(c->requests, cap * sizeof(*grown));

    if (grown == NULL)
      return L2TPSEC_ERR_NOMEM;
    c->requests = grown;
    c->request_cap = cap;
  }

  c->requests[c->request_count++] = req;
  if (req->kind == RADIUS_KIND_AUTH)
    c->auth_count++;
  return 0;
}

/* Unlinks requests[index] by moving the last entry into its place. */
void l2tpsec__radius_remove_request(l2tpsec_radius_client *c, size_t index) {
  struct radius_request *req = c->requests[index];

  if (req->kind == RADIUS_KIND_AUTH)
    c->auth_count--;
  else if (req->server >= 0)
    c->acct_in_flight--;
  c->requests[index] = c->requests[--c->request_count];
}

void l2tpsec__radius_log_drop(l2tpsec_radius_client *c, l2tpsec_tstamp now,
                              const char *fmt, ...) {
  char message[L2TPSEC_LOG_MAX];
  va_list ap;

  if (!L2TPSEC_LOG_ENABLED(&c->settings.log, L2TPSEC_LOG_WARNING))
    return;
  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  l2tpsec__log_limited(&c->settings.log, &c->drop_log, now, L2TPSEC_LOG_WARNING,
                       L2TPSEC_LOG_AUTH, "%s", message);
}

/*
 * Chooses the first live server, in configuration order, that serves this
 * kind and was not tried in this round. When every candidate is dead, the
 * first candidate is tried anyway because a dead mark is only a guess.
 * Returns -1 when no candidate is left.
 */
static int pick_server(const l2tpsec_radius_client *c,
                       const struct radius_request *req, l2tpsec_tstamp now) {
  int fallback = -1;

  for (size_t i = 0; i < c->server_count; i++) {
    const struct radius_server *s = &c->servers[i];

    if (s->port[req->kind] == 0 || (req->tried & (1u << i)) != 0)
      continue;
    if (s->dead_until <= now)
      return (int)i;
    if (fallback < 0)
      fallback = (int)i;
  }
  return fallback;
}

/* Takes a free Identifier for (server, kind); -1 when all 256 are used. */
static int take_id(struct radius_server *s, enum radius_kind kind) {
  for (int n = 0; n < 256; n++) {
    uint8_t id = (uint8_t)(s->next_id[kind] + n);
    uint8_t *byte = &s->ids_in_use[kind][id / 8];

    if ((*byte & (1u << (id % 8))) == 0) {
      *byte |= (uint8_t)(1u << (id % 8));
      s->next_id[kind] = (uint8_t)(id + 1);
      return id;
    }
  }
  return -1;
}

static void release_binding(l2tpsec_radius_client *c,
                            struct radius_request *req) {
  if (req->server < 0)
    return;
  c->servers[req->server].ids_in_use[req->kind][req->id / 8] &=
      (uint8_t) ~(1u << (req->id % 8));
  if (req->kind == RADIUS_KIND_ACCT)
    c->acct_in_flight--;
  req->server = -1;
  if (req->pkt != NULL) {
    l2tpsec_wipe(req->pkt, req->pkt_len);
    free(req->pkt);
    req->pkt = NULL;
  }
}

static void send_copy(l2tpsec_radius_client *c, struct radius_request *req,
                      l2tpsec_tstamp now) {
  struct radius_server *s = &c->servers[req->server];
  struct sockaddr_storage to = s->addr;
  uint16_t port = htons(s->port[req->kind]);
  int rc;

  if (to.ss_family == AF_INET)
    ((struct sockaddr_in *)&to)->sin_port = port;
  else
    ((struct sockaddr_in6 *)&to)->sin6_port = port;

  rc = c->callbacks.send(c->user_data, L2TPSEC_RADIUS_CHANNEL_CLIENT,
                         (const struct sockaddr *)&to, s->addr_len, req->pkt,
                         req->pkt_len);
  if (rc != 0)
    l2tpsec__radius_log_drop(c, now,
                             "radius: sending to server %d failed (%d); "
                             "retrying in the next interval",
                             req->server, rc);
  req->next_send = now + c->settings.retry_interval;
}

static int build(l2tpsec_radius_client *c, struct radius_request *req,
                 const struct radius_server *s, l2tpsec_tstamp now) {
  if (req->kind == RADIUS_KIND_AUTH)
    return l2tpsec__radius_build_access_request(c, req, s);
  return l2tpsec__radius_build_accounting_request(c, req, s, now);
}

/* Moves a request to server `index` with a fresh Identifier and sends it. */
static int bind_and_send(l2tpsec_radius_client *c, struct radius_request *req,
                         int index, l2tpsec_tstamp now) {
  struct radius_server *s = &c->servers[index];
  int id = take_id(s, req->kind);
  int rc;

  if (id < 0)
    return L2TPSEC_ERR_LIMIT;

  req->server = index;
  req->id = (uint8_t)id;
  req->tried |= 1u << index;
  if (req->kind == RADIUS_KIND_ACCT)
    c->acct_in_flight++;

  rc = build(c, req, s, now);
  if (rc != 0) {
    release_binding(c, req);
    return rc;
  }

  req->server_deadline = now + c->settings.server_timeout;
  c->stats.requests_sent++;
  send_copy(c, req, now);
  return 0;
}

int l2tpsec__radius_start(l2tpsec_radius_client *c, struct radius_request *req,
                          l2tpsec_tstamp now) {
  int index = pick_server(c, req, now);

  if (index < 0)
    return L2TPSEC_ERR_STATE;
  return bind_and_send(c, req, index, now);
}

/*
 * The bound server used its whole server_timeout: mark it dead and ask
 * the next one. Only here does a request move, so one login never has
 * two requests outstanding. Returns false when the request is finished
 * and was removed from the table.
 */
static bool fail_over(l2tpsec_radius_client *c, size_t index,
                      l2tpsec_tstamp now) {
  struct radius_request *req = c->requests[index];
  int dead = req->server;

  c->servers[dead].dead_until = now + c->settings.dead_time;
  L2TPSEC_LOG(&c->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
              "radius: server %d gave no valid reply to request %llu "
              "within its timeout; marked dead for %llu s",
              dead, (unsigned long long)req->number,
              (unsigned long long)(c->settings.dead_time / L2TPSEC_SECONDS));
  release_binding(c, req);

  if (req->kind == RADIUS_KIND_ACCT && pick_server(c, req, now) < 0)
    req->tried = 0; /* accounting rides out the outage: start a new round */
  if (pick_server(c, req, now) >= 0) {
    c->stats.failovers++;
    if (l2tpsec__radius_start(c, req, now) == 0)
      return true;
  }

  l2tpsec__radius_remove_request(c, index);
  if (req->kind == RADIUS_KIND_AUTH)
    l2tpsec__radius_auth_timeout(c, req);
  else
    l2tpsec__radius_acct_drop(c, req, L2TPSEC_RADIUS_DROP_TOO_OLD);
  l2tpsec__radius_free_request(c, req);
  return false;
}

/* Handles one request's timers; returns false when it was removed. */
static bool run_timers(l2tpsec_radius_client *c, size_t index,
                       l2tpsec_tstamp now) {
  struct radius_request *req = c->requests[index];

  if (req->kind == RADIUS_KIND_ACCT &&
      now - req->created >= c->settings.acct_max_age) {
    l2tpsec__radius_remove_request(c, index);
    l2tpsec__radius_acct_drop(c, req, L2TPSEC_RADIUS_DROP_TOO_OLD);
    l2tpsec__radius_free_request(c, req);
    return false;
  }
  if (req->server < 0)
    return true;
  if (now >= req->server_deadline)
    return fail_over(c, index, now);
  if (now >= req->next_send) {
    c->stats.retransmissions++;
    send_copy(c, req, now);
  }
  return true;
}

int l2tpsec_radius_client_handle_timeout(l2tpsec_radius_client *c,
                                         l2tpsec_tstamp now) {
  size_t i = 0;

  if (c == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  /* Callbacks may add requests; those land at the end and are due later. */
  while (i < c->request_count) {
    if (run_timers(c, i, now))
      i++;
  }
  l2tpsec__radius_acct_pump(c, now);
  return 0;
}

l2tpsec_tstamp
l2tpsec_radius_client_next_deadline(const l2tpsec_radius_client *c) {
  l2tpsec_tstamp next = L2TPSEC_TSTAMP_NEVER;

  if (c == NULL)
    return next;

  for (size_t i = 0; i < c->request_count; i++) {
    const struct radius_request *req = c->requests[i];

    if (req->kind == RADIUS_KIND_ACCT &&
        req->created + c->settings.acct_max_age < next)
      next = req->created + c->settings.acct_max_age;
    if (req->server < 0)
      continue;
    if (req->next_send < next)
      next = req->next_send;
    if (req->server_deadline < next)
      next = req->server_deadline;
  }
  return next;
}

/* True when a and b hold the same address and port. */
static bool same_endpoint(const struct sockaddr *a, socklen_t a_len,
                          const struct sockaddr_storage *b, uint16_t port) {
  if (a->sa_family == AF_INET && b->ss_family == AF_INET &&
      a_len >= (socklen_t)sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)a;
    const struct sockaddr_in *y = (const struct sockaddr_in *)b;

    return x->sin_port == htons(port) &&
           x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->sa_family == AF_INET6 && b->ss_family == AF_INET6 &&
      a_len >= (socklen_t)sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
    const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

    return x->sin6_port == htons(port) &&
           memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
  }
  return false;
}

/* Finds the server and kind a datagram came from; false when none. */
static bool find_source(const l2tpsec_radius_client *c,
                        const struct sockaddr *from, socklen_t from_len,
                        int *server, enum radius_kind *kind) {
  for (size_t i = 0; i < c->server_count; i++) {
    for (int k = 0; k < RADIUS_KIND_COUNT; k++) {
      uint16_t port = c->servers[i].port[k];

      if (port != 0 &&
          same_endpoint(from, from_len, &c->servers[i].addr, port)) {
        *server = (int)i;
        *kind = (enum radius_kind)k;
        return true;
      }
    }
  }
  return false;
}

static long find_request(const l2tpsec_radius_client *c, int server,
                         enum radius_kind kind, uint8_t id) {
  for (size_t i = 0; i < c->request_count; i++) {
    const struct radius_request *req = c->requests[i];

    if (req->server == server && req->kind == kind && req->id == id)
      return (long)i;
  }
  return -1;
}

static bool code_fits_kind(uint8_t code, enum radius_kind kind) {
  if (kind == RADIUS_KIND_ACCT)
    return code == RADIUS_ACCOUNTING_RESPONSE;
  return code == RADIUS_ACCESS_ACCEPT || code == RADIUS_ACCESS_REJECT ||
         code == RADIUS_ACCESS_CHALLENGE;
}

/* Counts and logs a reply that failed its authenticator checks. */
static int drop_unverified(l2tpsec_radius_client *c, enum radius_check check,
                           int server, uint8_t id, l2tpsec_tstamp now) {
  if (check == RADIUS_CHECK_AUTHENTICATOR)
    c->stats.dropped_bad_authenticator++;
  else if (check == RADIUS_CHECK_NO_MA)
    c->stats.dropped_no_message_authenticator++;
  else
    c->stats.dropped_bad_message_authenticator++;
  l2tpsec__radius_log_drop(c, now,
                           "radius: dropped reply id %u from server %d: %s; "
                           "check the shared secret and that the server "
                           "sends Message-Authenticator",
                           id, server, l2tpsec__radius_check_name(check));
  return L2TPSEC_ERR_INTEGRITY;
}

/* Finishes a request whose reply passed every check. */
static void accept_reply(l2tpsec_radius_client *c, size_t index,
                         const uint8_t *pkt, size_t len, l2tpsec_tstamp now) {
  struct radius_request *req = c->requests[index];

  c->stats.replies_accepted++;
  c->servers[req->server].dead_until = 0;
  l2tpsec__radius_remove_request(c, index);
  if (req->kind == RADIUS_KIND_AUTH)
    l2tpsec__radius_auth_reply(c, req, pkt, len, now);
  l2tpsec__radius_free_request(c, req);
  l2tpsec__radius_acct_pump(c, now);
}

int l2tpsec_radius_client_input(l2tpsec_radius_client *c,
                                const struct sockaddr *from, socklen_t from_len,
                                const uint8_t *data, size_t len,
                                l2tpsec_tstamp now) {
  enum radius_check check;
  bool require_ma;
  enum radius_kind kind;
  size_t pkt_len;
  int server;
  long index;

  if (c == NULL || from == NULL || (data == NULL && len > 0))
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  if (!find_source(c, from, from_len, &server, &kind)) {
    c->stats.dropped_unknown_source++;
    l2tpsec__radius_log_drop(c, now,
                             "radius: dropped %zu-byte datagram "
                             "from an address and port that is no "
                             "configured server",
                             len);
    return L2TPSEC_ERR_NOT_FOUND;
  }

  check = l2tpsec__radius_check_layout(data, len, &pkt_len);
  if (check != RADIUS_CHECK_OK || !code_fits_kind(data[0], kind)) {
    c->stats.dropped_malformed++;
    l2tpsec__radius_log_drop(c, now,
                             "radius: dropped %zu-byte reply from "
                             "server %d: %s",
                             len, server,
                             check == RADIUS_CHECK_OK
                                 ? "unexpected code"
                                 : l2tpsec__radius_check_name(check));
    return check == RADIUS_CHECK_SHORT ? L2TPSEC_ERR_TRUNCATED
                                       : L2TPSEC_ERR_MALFORMED;
  }

  index = find_request(c, server, kind, data[1]);
  if (index < 0) {
    c->stats.dropped_unknown_id++;
    l2tpsec__radius_log_drop(c, now,
                             "radius: dropped reply id %u from "
                             "server %d: no request in flight with that id "
                             "(late duplicate?)",
                             data[1], server);
    return L2TPSEC_ERR_NOT_FOUND;
  }

  require_ma = kind == RADIUS_KIND_ACCT
                   ? c->settings.acct_require_message_authenticator
                   : c->settings.require_message_authenticator;
  check = l2tpsec__radius_check_response(
      data, pkt_len, c->requests[index]->req_auth, c->servers[server].secret,
      c->servers[server].secret_len, require_ma);
  if (check != RADIUS_CHECK_OK)
    return drop_unverified(c, check, server, data[1], now);

  accept_reply(c, (size_t)index, data, pkt_len, now);
  return 0;
}

void l2tpsec_radius_client_stats(const l2tpsec_radius_client *c,
                                 l2tpsec_radius_stats *stats) {
  if (c != NULL && stats != NULL)
    *stats = c->stats;
}
