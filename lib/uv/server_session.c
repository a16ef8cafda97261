/*
 * PPP sessions: one l2tpsec_ppp per L2TP session, its authentication
 * through the application's callback, its address from the pool, and
 * the IP path between PPP and the TUN device.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log_internal.h"
#include "l2tpsec/errors.h"
#include "uv/mtu.h"
#include "uv/server_internal.h"

/* PPP pushes up to 4 bytes and L2TP up to 16: plenty of headroom. */
#define TUN_HEADROOM 192

/* A fragment takes the whole path to the client like a packet read from
 * the TUN device, so it gets the same room for PPP, L2TP, UDP, ESP and
 * outer headers. */
#define FRAGMENT_HEADROOM 256

static uint64_t session_key(uint16_t tunnel_id, uint16_t session_id) {
  return (uint64_t)tunnel_id << 16 | session_id;
}

static void peer_text(l2tpsec_server *server, uint64_t conn_id, char *buf,
                      size_t cap) {
  l2tpsec__conn *conn = l2tpsec__keymap_get(&server->conns, conn_id);

  if (conn == NULL)
    snprintf(buf, cap, "?");
  else
    l2tpsec__sockaddr_text((const struct sockaddr *)&conn->peer, buf, cap);
}

static void report(l2tpsec__session *s, enum l2tpsec_server_event_type type,
                   const char *reason) {
  l2tpsec_server *server = s->server;
  l2tpsec_server_event ev;
  uint32_t addr = htonl(s->inner_address);
  char peer[64];

  if (server->callbacks.event == NULL)
    return;
  peer_text(server, s->conn_id, peer, sizeof(peer));
  memset(&ev, 0, sizeof(ev));
  ev.type = type;
  ev.user = s->user;
  ev.peer = peer;
  memcpy(ev.address, &addr, 4);
  ev.reason = reason ? reason : "";
  ev.acct_session_id = s->acct_session_id;
  ev.tunnel_id = s->tunnel_id;
  ev.session_id = s->session_id;
  ev.end_cause = s->end_cause;
  ev.uptime = s->ipcp_up_at ? l2tpsec__now() - s->ipcp_up_at : 0;
  ev.packets_in = s->packets_in;
  ev.bytes_in = s->bytes_in;
  ev.packets_out = s->packets_out;
  ev.bytes_out = s->bytes_out;
  ev.attributes = &s->attributes;
  server->callbacks.event(server->user_data, &ev);
}

/* ---- PPP callbacks ---- */

static void on_send_frame(void *user_data, l2tpsec_pkt *frame) {
  l2tpsec__session *s = user_data;

  l2tpsec_l2tp_session_send(s->server->l2tp, s->tunnel_id, s->session_id, frame,
                            l2tpsec__now());
}

static void on_deliver_ip(void *user_data, l2tpsec_pkt *packet) {
  l2tpsec__session *s = user_data;
  l2tpsec_server *server = s->server;

  /* The client's SYNs announce its link MSS; lower it to what fits. */
  s->packets_in++;
  s->bytes_in += packet->len;
  s->last_activity = l2tpsec__now();
  l2tpsec__tcp_clamp_mss(packet->data, packet->len,
                         (uint16_t)(server->tun_mtu - 40));
  if (write(server->tun_fd, packet->data, packet->len) == (ssize_t)packet->len)
    server->stats.tun_sent++;
}

static void on_auth_request(void *user_data, const l2tpsec_auth_request *req) {
  l2tpsec__session *s = user_data;

  snprintf(s->user, sizeof(s->user), "%s", req->user);
  s->server->callbacks.auth_request(s->server->user_data, req);
}

static void on_auth_cancel(void *user_data, const l2tpsec_auth_request *req) {
  l2tpsec__session *s = user_data;

  if (s->server->callbacks.auth_cancel != NULL)
    s->server->callbacks.auth_cancel(s->server->user_data, req);
}

static int on_address_request(void *user_data,
                              const l2tpsec_ppp_address_request *req,
                              uint8_t address[4]) {
  l2tpsec__session *s = user_data;
  l2tpsec_server *server = s->server;
  l2tpsec__addr_pool *pool;
  l2tpsec__addr_lease lease;
  uint32_t net;
  int rv;

  if (req->attributes != NULL)
    s->attributes = *req->attributes;
  pool = l2tpsec__server_pool_named(server, s->attributes.pool);
  if (pool == NULL) {
    L2TPSEC_LOG(&server->log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_UV,
                "no address for user '%s': the authenticator chose pool "
                "'%s', which the server does not have; add the pool or "
                "fix Framed-Pool",
                req->user, s->attributes.pool);
    return L2TPSEC_ERR_NOT_FOUND;
  }
  if (req->attributes != NULL && req->attributes->has_address) {
    uint32_t wanted;

    memcpy(&wanted, req->attributes->address, 4);
    rv = l2tpsec__addr_pool_acquire_address(pool, req->user, ntohl(wanted),
                                            &lease);
  } else {
    rv = l2tpsec__addr_pool_acquire(pool, req->user, &lease);
  }
  if (rv != 0) {
    L2TPSEC_LOG(&server->log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_UV,
                "no address for user '%s': %s; widen the pool ranges or "
                "check the user's static address",
                req->user, l2tpsec_strerror(rv));
    return rv;
  }
  rv = l2tpsec__keymap_put(&server->inner, lease.addr, s);
  if (rv != 0) {
    l2tpsec__addr_pool_release(pool, lease.addr);
    return rv;
  }
  s->inner_address = lease.addr;
  s->lease_pool = pool;
  net = htonl(lease.addr);
  memcpy(address, &net, 4);
  return 0;
}

static void release_address(l2tpsec__session *s) {
  if (s->inner_address == 0)
    return;
  l2tpsec__keymap_remove(&s->server->inner, s->inner_address);
  l2tpsec__addr_pool_release(s->lease_pool, s->inner_address);
  s->inner_address = 0;
}

static void on_address_release(void *user_data, const uint8_t address[4]) {
  release_address(user_data);
}

static void schedule_reap(l2tpsec__session *s) {
  if (s->dead)
    return;
  s->dead = true;
  s->reap_next = s->server->reap;
  s->server->reap = s;
}

static void log_ipcp_up(l2tpsec__session *s, const l2tpsec_ppp_event *ev) {
  char peer[64], addr[INET_ADDRSTRLEN];

  peer_text(s->server, s->conn_id, peer, sizeof(peer));
  inet_ntop(AF_INET, ev->peer_address, addr, sizeof(addr));
  L2TPSEC_LOG(&s->server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_PPP,
              "session %u/%u of user '%s' from %s up with address %s",
              s->tunnel_id, s->session_id, s->user, peer, addr);
  /* IPCP renegotiated by the peer is the same session, not a new one. */
  if (s->ipcp_up_at != 0)
    return;
  l2tpsec__session_limits_start(s, l2tpsec__now());
  s->server->stats.sessions++;
  report(s, L2TPSEC_SERVER_SESSION_UP, NULL);
}

static void on_ppp_event(void *user_data, const l2tpsec_ppp_event *ev) {
  l2tpsec__session *s = user_data;
  l2tpsec_server *server = s->server;

  switch (ev->type) {
  case L2TPSEC_PPP_EVENT_AUTH_SUCCESS:
  case L2TPSEC_PPP_EVENT_AUTH_FAILURE:
    L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_AUTH,
                "user '%s' %s with %s%s%s", ev->user ? ev->user : "",
                ev->type == L2TPSEC_PPP_EVENT_AUTH_SUCCESS ? "authenticated"
                                                           : "rejected",
                l2tpsec_auth_method_name(ev->method),
                ev->type == L2TPSEC_PPP_EVENT_AUTH_SUCCESS ? "" : ": ",
                ev->type == L2TPSEC_PPP_EVENT_AUTH_SUCCESS
                    ? ""
                    : l2tpsec_auth_reason_name(ev->auth_reason));
    break;
  case L2TPSEC_PPP_EVENT_IPCP_UP:
    log_ipcp_up(s, ev);
    break;
  case L2TPSEC_PPP_EVENT_DEAD:
    L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_PPP,
                "session %u/%u of user '%s' ended: %s", s->tunnel_id,
                s->session_id, s->user,
                l2tpsec_ppp_down_reason_name(ev->down_reason));
    s->end_logged = true;
    l2tpsec__session_note_ppp_down(s, ev->down_reason);
    /* Closing the L2TP session reports SESSION_DOWN, which reaps. */
    l2tpsec_l2tp_session_close(server->l2tp, s->tunnel_id, s->session_id, 3,
                               l2tpsec__now());
    if (ev->down_reason == L2TPSEC_PPP_DOWN_ECHO_TIMEOUT)
      l2tpsec__server_drop_dead_peer(server, s->conn_id);
    break;
  default:
    break;
  }
}

/* ---- Session life ---- */

void l2tpsec__session_refresh(l2tpsec__session *s) {
  l2tpsec_tstamp ppp, limits;

  if (s->dead || s->ppp == NULL)
    return;
  ppp = l2tpsec_ppp_next_deadline(s->ppp);
  limits = l2tpsec__session_limits_deadline(s);
  l2tpsec__loop_timer_set(&s->server->timer, &s->timer,
                          ppp < limits ? ppp : limits);
}

static void on_session_timer(l2tpsec__timer *timer, l2tpsec_tstamp now) {
  l2tpsec__session *s =
      (l2tpsec__session *)((char *)timer - offsetof(l2tpsec__session, timer));
  l2tpsec_server *server = s->server;

  l2tpsec_ppp_handle_timeout(s->ppp, now);
  if (!s->dead)
    l2tpsec__session_limits_check(s, now);
  l2tpsec__session_refresh(s);
  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
}

_Static_assert(sizeof(((l2tpsec_server *)0)->auth_methods) ==
                   sizeof(((l2tpsec_ppp_settings *)0)->methods),
               "the server's method list must fit PPP's");

static int start_ppp(l2tpsec__session *s) {
  l2tpsec_server *server = s->server;
  const l2tpsec_ppp_callbacks cb = {
      on_send_frame,  on_deliver_ip,      on_ppp_event,      on_auth_request,
      on_auth_cancel, on_address_request, on_address_release};
  l2tpsec_ppp_settings ps;
  uint32_t local = htonl(server->local_address);
  char peer[64];

  peer_text(server, s->conn_id, peer, sizeof(peer));
  l2tpsec_ppp_settings_default(&ps, L2TPSEC_PPP_SERVER);
  ps.log = server->log;
  ps.rand = server->rand;
  ps.peer = peer;
  if (server->auth_methods[0] != L2TPSEC_AUTH_NONE)
    memcpy(ps.methods, server->auth_methods, sizeof(server->auth_methods));
  ps.echo_interval = server->lcp_echo_interval;
  ps.echo_failure = server->lcp_echo_failure;
  memcpy(ps.local_address, &local, 4);
  for (int i = 0; i < 2; i++) {
    uint32_t dns = htonl(server->dns[i]), nbns = htonl(server->nbns[i]);

    memcpy(ps.dns[i], &dns, 4);
    memcpy(ps.nbns[i], &nbns, 4);
  }
  return l2tpsec_ppp_new(&s->ppp, &ps, &cb, s, l2tpsec__now());
}

void l2tpsec__server_session_up(l2tpsec_server *server,
                                const l2tpsec_l2tp_event *ev) {
  l2tpsec__session *s = calloc(1, sizeof(*s));

  if (s == NULL)
    goto fail;
  s->server = server;
  s->timer.fn = on_session_timer;
  s->conn_id = ev->transport;
  s->tunnel_id = ev->tunnel_id;
  s->session_id = ev->session_id;
  s->started = l2tpsec__now();
  if (l2tpsec__keymap_put(&server->sessions,
                          session_key(ev->tunnel_id, ev->session_id), s) != 0) {
    free(s);
    goto fail;
  }
  if (start_ppp(s) != 0) {
    schedule_reap(s);
    goto fail;
  }
  l2tpsec__session_refresh(s);
  return;

fail:
  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_UV,
              "cannot start PPP on L2TP session %u/%u: out of memory",
              ev->tunnel_id, ev->session_id);
  l2tpsec_l2tp_session_close(server->l2tp, ev->tunnel_id, ev->session_id, 2,
                             l2tpsec__now());
}

void l2tpsec__server_session_down(l2tpsec_server *server,
                                  const l2tpsec_l2tp_event *ev) {
  l2tpsec__session *s = l2tpsec__keymap_get(
      &server->sessions, session_key(ev->tunnel_id, ev->session_id));

  if (s == NULL)
    return;
  l2tpsec__session_note_l2tp_down(s, ev->reason);
  if (!s->end_logged)
    L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_PPP,
                "session %u/%u of user '%s' ended: its L2TP session "
                "closed%s%s",
                s->tunnel_id, s->session_id, s->user,
                ev->message[0] ? ": " : "", ev->message);
  s->end_logged = true;
  schedule_reap(s);
}

void l2tpsec__server_ppp_input(l2tpsec_server *server, uint16_t tunnel_id,
                               uint16_t session_id, const uint8_t *frame,
                               size_t len) {
  l2tpsec__session *s = l2tpsec__keymap_get(&server->sessions,
                                            session_key(tunnel_id, session_id));
  uint8_t storage[2048];
  l2tpsec_pkt pkt;

  if (s == NULL || s->dead || len > sizeof(storage) - TUN_HEADROOM)
    return;
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), TUN_HEADROOM);
  memcpy(l2tpsec_pkt_put(&pkt, len), frame, len);
  l2tpsec_ppp_input(s->ppp, &pkt, l2tpsec__now());
  l2tpsec__session_refresh(s);
}

static void free_session(l2tpsec_server *server, l2tpsec__session *s,
                         bool quietly) {
  /* Not inner_address: PPP returns the address when IPCP closes, which
   * is before the session is freed. */
  bool was_up = s->ipcp_up_at != 0;

  l2tpsec__loop_timer_set(&server->timer, &s->timer, L2TPSEC_TSTAMP_NEVER);
  l2tpsec__keymap_remove(&server->sessions,
                         session_key(s->tunnel_id, s->session_id));
  l2tpsec_ppp_del(s->ppp);
  if (was_up && !quietly) {
    server->stats.sessions--;
    report(s, L2TPSEC_SERVER_SESSION_DOWN,
           l2tpsec_server_end_cause_name(s->end_cause));
  }
  release_address(s);
  free(s);
}

void l2tpsec__server_reap(l2tpsec_server *server) {
  while (server->reap != NULL) {
    l2tpsec__session *s = server->reap;

    server->reap = s->reap_next;
    free_session(server, s, false);
  }
}

static int free_each_session(void *ctx, uint64_t key, void *value) {
  l2tpsec__session *s = value;

  /* The id map is being torn down; only the objects are freed here. */
  l2tpsec_ppp_del(s->ppp);
  if (s->inner_address != 0)
    l2tpsec__addr_pool_release(s->lease_pool, s->inner_address);
  free(s);
  return 0;
}

void l2tpsec__server_free_sessions(l2tpsec_server *server) {
  server->reap = NULL;
  if (server->sessions.buckets != NULL)
    l2tpsec__keymap_find(&server->sessions, free_each_session, NULL);
  server->stats.sessions = 0;
}

/* ---- From the TUN device to a session ---- */

static void answer_too_big(l2tpsec_server *server, l2tpsec_pkt *pkt,
                           size_t mtu) {
  uint8_t out[1500];
  uint32_t from = htonl(server->local_address);
  int n = l2tpsec__icmp_too_big(pkt->data, pkt->len, (uint16_t)mtu,
                                (const uint8_t *)&from, out, sizeof(out));

  if (n > 0 && write(server->tun_fd, out, (size_t)n) == n)
    server->stats.icmp_too_big++;
}

static void send_to_session(l2tpsec__session *s, l2tpsec_pkt *pkt) {
  s->packets_out++;
  s->bytes_out += pkt->len;
  s->last_activity = l2tpsec__now();
  l2tpsec_ppp_send_ip(s->ppp, pkt, l2tpsec__now());
}

/*
 * Splits an IPv4 packet whose sender left DF clear into fragments of at
 * most `mtu` bytes (RFC 791 section 2.3). The client's IP stack
 * reassembles them. The session counts the packet once, before the split.
 */
static void send_fragments(l2tpsec_server *server, l2tpsec__session *s,
                           const l2tpsec_pkt *pkt, size_t mtu) {
  size_t offset = 0;
  int n;

  s->packets_out++;
  s->bytes_out += pkt->len;
  server->stats.fragmented++;
  for (;;) {
    l2tpsec_pkt fragment;

    l2tpsec_pkt_init(&fragment, server->fragment_storage,
                     sizeof(server->fragment_storage), FRAGMENT_HEADROOM);
    n = l2tpsec__ipv4_fragment(pkt->data, pkt->len, mtu, &offset, fragment.data,
                               l2tpsec_pkt_tailroom(&fragment));
    if (n <= 0)
      break;
    fragment.len = (size_t)n;
    l2tpsec_ppp_send_ip(s->ppp, &fragment, l2tpsec__now());
  }
  if (n < 0)
    server->stats.dropped_malformed++;
}

void l2tpsec__server_route_inner(l2tpsec_server *server, l2tpsec_pkt *pkt) {
  l2tpsec__ip_info info;
  l2tpsec__session *s;
  uint32_t dst;
  size_t mtu;

  if (l2tpsec__ip_parse(pkt->data, pkt->len, &info) != 0) {
    server->stats.dropped_malformed++;
    return;
  }
  /* TODO: IPv6 through IPv6CP; only IPv4 sessions are routed so far. */
  if (info.version != 4) {
    server->stats.dropped_no_session++;
    return;
  }
  memcpy(&dst, pkt->data + 16, 4);
  s = l2tpsec__keymap_get(&server->inner, ntohl(dst));
  if (s == NULL || s->dead) {
    server->stats.dropped_no_session++;
    return;
  }

  mtu = l2tpsec_ppp_peer_mru(s->ppp);
  l2tpsec__tcp_clamp_mss(pkt->data, pkt->len, (uint16_t)(mtu - 40));
  switch (l2tpsec__mtu_check(pkt->data, pkt->len, mtu)) {
  case L2TPSEC__MTU_FITS:
    send_to_session(s, pkt);
    break;
  case L2TPSEC__MTU_FRAGMENT:
    send_fragments(server, s, pkt, mtu);
    break;
  default:
    answer_too_big(server, pkt, mtu);
    break;
  }
}

/* ---- Status ---- */

struct session_walk {
  const l2tpsec_server *server;
  l2tpsec_server_session_info *out;
  size_t max, count;
  l2tpsec_tstamp now;
};

static void describe(const l2tpsec_server *server, const l2tpsec__session *s,
                     l2tpsec_tstamp now, l2tpsec_server_session_info *info) {
  const l2tpsec__conn *conn = l2tpsec__keymap_get(&server->conns, s->conn_id);
  uint32_t addr = htonl(s->inner_address);

  memset(info, 0, sizeof(*info));
  snprintf(info->user, sizeof(info->user), "%s", s->user);
  if (conn != NULL) {
    l2tpsec__sockaddr_text((const struct sockaddr *)&conn->peer, info->peer,
                           sizeof(info->peer));
    info->natt = conn->natt;
    info->plain = conn->plain;
    memcpy(info->ike_algorithms, conn->ike_algorithms,
           sizeof(info->ike_algorithms));
    memcpy(info->esp_algorithms, conn->esp_algorithms,
           sizeof(info->esp_algorithms));
  }
  memcpy(info->address, &addr, 4);
  info->tunnel_id = s->tunnel_id;
  info->session_id = s->session_id;
  info->uptime = now - s->started;
  info->packets_in = s->packets_in;
  info->bytes_in = s->bytes_in;
  info->packets_out = s->packets_out;
  info->bytes_out = s->bytes_out;
  snprintf(info->acct_session_id, sizeof(info->acct_session_id), "%s",
           s->acct_session_id);
}

static int collect(void *ctx, uint64_t key, void *value) {
  struct session_walk *w = ctx;
  const l2tpsec__session *s = value;

  if (s->dead)
    return 0;
  if (w->count < w->max)
    describe(w->server, s, w->now, &w->out[w->count]);
  w->count++;
  return 0;
}

size_t l2tpsec_server_sessions(const l2tpsec_server *server,
                               l2tpsec_server_session_info *out, size_t max) {
  struct session_walk w = {server, out, max, 0, l2tpsec__now()};

  l2tpsec__keymap_find(&server->sessions, collect, &w);
  return w.count;
}
