/*
 * Connections: ESP SA pairs and plain-UDP peers, and the path between the
 * outer sockets and the L2TP endpoint. L2TP is accepted only as UDP to
 * the L2TP port inside an inbound SA, from the address that SA was
 * negotiated with (the selectors of an L2TP/IPsec transport-mode SA).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"
#include "uv/mtu.h"
#include "uv/server_internal.h"

#define UDP_HEADER_LEN 8
#define NEXT_HEADER_UDP 17
#define NEXT_HEADER_NONE 59 /* dummy packet, RFC 4303 section 2.6 */

const char *l2tpsec__sockaddr_text(const struct sockaddr *sa, char *buf,
                                   size_t cap) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;

  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    port = ntohs(in->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    port = ntohs(in6->sin6_port);
  }
  snprintf(buf, cap, sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
           port);
  return buf;
}

static void drop(l2tpsec_server *server, uint64_t *counter,
                 const struct sockaddr *peer, const char *why) {
  char text[64];

  (*counter)++;
  l2tpsec__log_limited(&server->log, &server->drop_log, l2tpsec__now(),
                       L2TPSEC_LOG_INFO, L2TPSEC_LOG_UV,
                       "dropped a packet from %s: %s",
                       l2tpsec__sockaddr_text(peer, text, sizeof(text)), why);
}

static bool same_address(const struct sockaddr_storage *a,
                         const struct sockaddr *b) {
  if (a->ss_family != b->sa_family)
    return false;
  if (b->sa_family == AF_INET)
    return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
           ((const struct sockaddr_in *)b)->sin_addr.s_addr;
  return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static uint16_t port_of(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET)
    return ntohs(((const struct sockaddr_in *)sa)->sin_port);
  return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
}

static size_t sockaddr_size(const struct sockaddr *sa) {
  return sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
                                  : sizeof(struct sockaddr_in6);
}

/* ---- Outbound: L2TP datagram -> UDP -> ESP -> socket ---- */

static int push_udp(l2tpsec_pkt *pkt, uint16_t src, uint16_t dst,
                    const struct sockaddr *local,
                    const struct sockaddr *remote) {
  size_t len = pkt->len + UDP_HEADER_LEN;
  uint8_t *h;

  if (len > 0xffff)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  h = l2tpsec_pkt_push(pkt, UDP_HEADER_LEN);
  if (h == NULL)
    return L2TPSEC_ERR_NOBUFS;
  h[0] = (uint8_t)(src >> 8);
  h[1] = (uint8_t)src;
  h[2] = (uint8_t)(dst >> 8);
  h[3] = (uint8_t)dst;
  h[4] = (uint8_t)(len >> 8);
  h[5] = (uint8_t)len;
  /*
   * Checksum 0 means "none" for UDP over IPv4 (RFC 768). The ESP ICV
   * protects the datagram, and behind a NAT the receiver could not check
   * a checksum over our address anyway (RFC 3948 section 3.1.2). IPv6
   * requires one (RFC 8200 section 8.1), over the outer addresses because
   * transport mode keeps the outer IP header.
   * NOTE: a server listening on "::" has no one source address, so the
   * checksum is computed over "::" and the client may drop the datagram.
   */
  h[6] = 0;
  h[7] = 0;
  if (remote->sa_family == AF_INET6 && local != NULL &&
      local->sa_family == AF_INET6)
    l2tpsec__udp6_set_checksum(
        h, len, ((const struct sockaddr_in6 *)local)->sin6_addr.s6_addr,
        ((const struct sockaddr_in6 *)remote)->sin6_addr.s6_addr);
  return 0;
}

static int send_esp(l2tpsec_server *server, l2tpsec__conn *conn,
                    l2tpsec_pkt *pkt) {
  l2tpsec_esp_sa *sa = l2tpsec_esp_table_find_outbound(server->esp, conn->id);
  int rv;

  if (sa == NULL)
    sa = l2tpsec__server_release_newest_held(server, conn);
  if (sa == NULL)
    return L2TPSEC_ERR_NOT_FOUND;
  rv = push_udp(pkt, server->l2tp_port, conn->l2tp_peer_port,
                l2tpsec__transport_local(server->transport, conn->endpoint),
                (const struct sockaddr *)&conn->peer);
  if (rv == 0)
    rv = l2tpsec_esp_encrypt(sa, pkt, NEXT_HEADER_UDP, l2tpsec__now());
  if (rv != 0)
    return rv;
  return l2tpsec__transport_send(
      server->transport, conn->natt ? L2TPSEC__RX_ESP_UDP : L2TPSEC__RX_ESP_RAW,
      conn->endpoint, conn->natt, (const struct sockaddr *)&conn->peer,
      pkt->data, pkt->len);
}

/* l2tpsec_l2tp_send_fn: the transport id is the connection id. */
static int on_l2tp_send(void *user_data, uint64_t transport, l2tpsec_pkt *pkt) {
  l2tpsec_server *server = user_data;
  l2tpsec__conn *conn = l2tpsec__keymap_get(&server->conns, transport);

  if (conn == NULL)
    return L2TPSEC_ERR_NOT_FOUND;
  if (conn->plain)
    return l2tpsec__transport_send(
        server->transport, L2TPSEC__RX_L2TP_UDP, conn->endpoint, false,
        (const struct sockaddr *)&conn->peer, pkt->data, pkt->len);
  return send_esp(server, conn, pkt);
}

/* ---- Tunnel bookkeeping from L2TP events ---- */

/* Adds or removes a tunnel; returns whether it was noted before. */
static bool note_tunnel(l2tpsec__conn *conn, uint16_t tunnel_id, bool up) {
  for (size_t i = 0; i < conn->tunnel_count; i++) {
    if (conn->tunnels[i] != tunnel_id)
      continue;
    if (!up)
      conn->tunnels[i] = conn->tunnels[--conn->tunnel_count];
    return true;
  }
  if (up && conn->tunnel_count < L2TPSEC__CONN_MAX_TUNNELS)
    conn->tunnels[conn->tunnel_count++] = tunnel_id;
  return false;
}

static void free_conn(l2tpsec_server *server, l2tpsec__conn *conn);

static void on_tunnel_event(l2tpsec_server *server,
                            const l2tpsec_l2tp_event *ev) {
  l2tpsec__conn *conn = l2tpsec__keymap_get(&server->conns, ev->transport);
  bool up = ev->type == L2TPSEC_L2TP_TUNNEL_UP;
  char text[64] = "?";
  bool was_up = false;

  if (conn != NULL) {
    l2tpsec__sockaddr_text((const struct sockaddr *)&conn->peer, text,
                           sizeof(text));
    was_up = note_tunnel(conn, ev->tunnel_id, up);
  } else {
    snprintf(text, sizeof(text), "of removed connection %llu",
             (unsigned long long)ev->transport);
  }
  /* The L2TP layer logs, rate-limited, the end of a tunnel that never
   * came up; a flood of SCCRQs would make one line each here. */
  if (!up && !was_up)
    return;
  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_L2TP,
              "L2TP tunnel %u %s, peer %s host '%s' tunnel %u%s%s",
              ev->tunnel_id, up ? "up" : "down", text, ev->peer_host_name,
              ev->peer_tunnel_id, up || !ev->message[0] ? "" : ": ",
              up ? "" : ev->message);
}

/* A plain peer exists only for its tunnels. It is freed when the last
 * one is freed, not at TUNNEL_DOWN, because a closed tunnel still
 * acknowledges a resent StopCCN for a while. */
static void on_tunnel_freed(l2tpsec_server *server,
                            const l2tpsec_l2tp_event *ev) {
  l2tpsec__conn *conn = l2tpsec__keymap_get(&server->conns, ev->transport);

  /* NOTE: tunnel_count counts established tunnels only, so tunnels of
   * this peer that never came up lose their transport here. */
  if (conn != NULL && conn->plain && conn->tunnel_count == 0)
    free_conn(server, conn);
}

static void on_l2tp_event(void *user_data, const l2tpsec_l2tp_event *ev) {
  l2tpsec_server *server = user_data;

  switch (ev->type) {
  case L2TPSEC_L2TP_TUNNEL_UP:
  case L2TPSEC_L2TP_TUNNEL_DOWN:
    on_tunnel_event(server, ev);
    break;
  case L2TPSEC_L2TP_TUNNEL_FREED:
    on_tunnel_freed(server, ev);
    break;
  case L2TPSEC_L2TP_SESSION_UP:
    l2tpsec__server_session_up(server, ev);
    break;
  case L2TPSEC_L2TP_SESSION_DOWN:
    l2tpsec__server_session_down(server, ev);
    break;
  default:
    break;
  }
}

static void on_l2tp_recv(void *user_data, uint16_t tunnel_id,
                         uint16_t session_id, const uint8_t *frame,
                         size_t len) {
  l2tpsec__server_ppp_input(user_data, tunnel_id, session_id, frame, len);
}

/* ---- Inbound: socket -> ESP -> UDP -> L2TP ---- */

int l2tpsec__server_l2tp_input(l2tpsec_server *server, l2tpsec__conn *conn,
                               const uint8_t *data, size_t len) {
  int rv =
      l2tpsec_l2tp_input(server->l2tp, conn->id, data, len, l2tpsec__now());

  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
  return rv;
}

/* Checks the SA's selectors on a decrypted datagram; returns its UDP
 * payload length or -1. */
static long check_selectors(l2tpsec_server *server, l2tpsec__conn *conn,
                            const struct sockaddr *peer, uint8_t next_header,
                            const l2tpsec_pkt *pkt) {
  const uint8_t *udp = pkt->data;
  size_t udp_len;

  if (!same_address(&conn->peer, peer)) {
    drop(server, &server->stats.dropped_selector, peer,
         "ESP SA belongs to another address");
    return -1;
  }
  if (next_header != NEXT_HEADER_UDP || pkt->len < UDP_HEADER_LEN ||
      (uint16_t)(udp[2] << 8 | udp[3]) != server->l2tp_port) {
    drop(server, &server->stats.dropped_selector, peer,
         "ESP payload is not UDP to the L2TP port");
    return -1;
  }
  udp_len = (size_t)(udp[4] << 8 | udp[5]);
  if (udp_len < UDP_HEADER_LEN || udp_len > pkt->len) {
    drop(server, &server->stats.dropped_selector, peer,
         "inner UDP length is invalid");
    return -1;
  }
  return (long)(udp_len - UDP_HEADER_LEN);
}

/*
 * Delivers a decrypted ESP payload of connection `conn_id`. The id, not
 * the SA, is carried over from decryption, because handling an earlier
 * packet of a batch may have removed the connection and its SAs.
 */
static void finish_esp(l2tpsec_server *server, const struct sockaddr *peer,
                       uint64_t conn_id, uint8_t next_header,
                       const l2tpsec_pkt *pkt) {
  l2tpsec__conn *conn = l2tpsec__keymap_get(&server->conns, conn_id);
  long payload;

  if (conn == NULL || next_header == NEXT_HEADER_NONE || pkt->len == 0)
    return;
  payload = check_selectors(server, conn, peer, next_header, pkt);
  if (payload < 0)
    return;

  /* A NAT may move the client to another port (RFC 3948 section 2.1). */
  if (conn->natt && port_of(peer) != port_of((struct sockaddr *)&conn->peer))
    memcpy(&conn->peer, peer, sockaddr_size(peer));
  conn->l2tp_peer_port = (uint16_t)(pkt->data[0] << 8 | pkt->data[1]);
  l2tpsec__server_l2tp_input(server, conn, pkt->data + UDP_HEADER_LEN,
                             (size_t)payload);
}

static uint64_t conn_id_of(const l2tpsec_esp_sa *sa) {
  const l2tpsec__conn *conn = l2tpsec_esp_sa_user_data(sa);

  return conn->id;
}

/* Counts an ESP datagram that failed decryption with error rv. */
static void drop_undecrypted(l2tpsec_server *server,
                             const struct sockaddr *peer, int rv) {
  if (rv == L2TPSEC_ERR_NOT_FOUND) {
    /* The ESP table counted and logged the unknown SPI already. */
    server->stats.dropped_esp++;
    return;
  }
  if (rv == L2TPSEC_ERR_REPLAY)
    server->stats.esp_replayed++;
  else if (rv == L2TPSEC_ERR_INTEGRITY)
    server->stats.esp_integrity++;
  drop(server, &server->stats.dropped_esp, peer,
       rv == L2TPSEC_ERR_REPLAY      ? "ESP replayed or left of the window"
       : rv == L2TPSEC_ERR_INTEGRITY ? "ESP integrity check failed"
                                     : "ESP did not decrypt (truncated)");
}

static void esp_input(l2tpsec_server *server, const struct sockaddr *peer,
                      const uint8_t *data, size_t len) {
  l2tpsec_pkt pkt;
  l2tpsec_esp_sa *sa = NULL;
  uint8_t next_header = 0;
  int rv;

  l2tpsec_pkt_init(&pkt, server->rx_storage, sizeof(server->rx_storage), 128);
  memcpy(l2tpsec_pkt_put(&pkt, len), data, len);
  rv = l2tpsec_esp_table_decrypt(server->esp, &pkt, l2tpsec__now(), &sa,
                                 &next_header);
  if (rv != 0) {
    drop_undecrypted(server, peer, rv);
    return;
  }
  l2tpsec__server_use_held_out(server, sa);
  finish_esp(server, peer, conn_id_of(sa), next_header, &pkt);
}

/*
 * Decrypts the queued ESP datagrams with one l2tpsec_esp_decrypt_batch
 * call, then delivers them in arrival order.
 */
static void flush_esp(l2tpsec_server *server) {
  l2tpsec__esp_batch *b = &server->esp_batch;
  l2tpsec_pkt *pkts[L2TPSEC__ESP_BATCH];
  l2tpsec_esp_sa *sas[L2TPSEC__ESP_BATCH];
  uint64_t conn_ids[L2TPSEC__ESP_BATCH];
  uint8_t next_headers[L2TPSEC__ESP_BATCH];
  int results[L2TPSEC__ESP_BATCH];
  size_t n = b->count;

  if (n == 0)
    return;
  b->count = 0;
  for (size_t i = 0; i < n; i++)
    pkts[i] = &b->pkt[i];
  l2tpsec_esp_decrypt_batch(server->esp, pkts, n, l2tpsec__now(), results,
                            next_headers, sas);
  for (size_t i = 0; i < n; i++) {
    conn_ids[i] = 0;
    if (results[i] != 0)
      continue;
    conn_ids[i] = conn_id_of(sas[i]);
    l2tpsec__server_use_held_out(server, sas[i]);
  }

  for (size_t i = 0; i < n; i++) {
    const struct sockaddr *peer = (const struct sockaddr *)&b->peer[i];

    if (results[i] != 0)
      drop_undecrypted(server, peer, results[i]);
    else
      finish_esp(server, peer, conn_ids[i], next_headers[i], &b->pkt[i]);
  }
}

/*
 * Queues an ESP datagram for flush_esp while the transport delivers the
 * datagrams of one receive call. Returns false when the datagram must be
 * handled at once: outside a batch, or too large for a slot.
 */
static bool queue_esp(l2tpsec_server *server, const struct sockaddr *peer,
                      const uint8_t *data, size_t len) {
  l2tpsec__esp_batch *b = &server->esp_batch;
  l2tpsec_pkt *pkt;

  if (!l2tpsec__transport_batching(server->transport) ||
      len > L2TPSEC__ESP_SLOT - L2TPSEC__ESP_HEADROOM)
    return false;
  if (b->count == L2TPSEC__ESP_BATCH)
    flush_esp(server);

  pkt = &b->pkt[b->count];
  l2tpsec_pkt_init(pkt, b->storage[b->count], L2TPSEC__ESP_SLOT,
                   L2TPSEC__ESP_HEADROOM);
  memcpy(l2tpsec_pkt_put(pkt, len), data, len);
  memcpy(&b->peer[b->count], peer, sockaddr_size(peer));
  b->count++;
  return true;
}

static int match_plain(void *ctx, uint64_t key, void *value) {
  const struct sockaddr *peer = *(const struct sockaddr **)ctx;
  l2tpsec__conn *conn = value;

  return conn->plain && same_address(&conn->peer, peer) &&
         port_of((struct sockaddr *)&conn->peer) == port_of(peer);
}

/*
 * A plain peer lives while L2TP has a tunnel for it: TUNNEL_FREED,
 * also for a tunnel that never came up, frees it. A datagram L2TP rejects
 * leaves nothing behind, so a flood costs no memory.
 * NOTE: plain peers are found by a scan of all connections, which is
 * fine for the few routers that need plain L2TP, not for thousands.
 */
static void plain_input(l2tpsec_server *server, int endpoint,
                        const struct sockaddr *peer, const uint8_t *data,
                        size_t len) {
  l2tpsec__conn *conn =
      l2tpsec__keymap_find(&server->conns, match_plain, &peer);
  bool created = conn == NULL;
  uint64_t id;

  if (created && server->plain_peer_count >= server->max_plain_peers) {
    drop(server, &server->stats.dropped_plain_limit, peer,
         "plain L2TP from a new peer while max_plain_peers plain peers "
         "exist");
    return;
  }
  if (created) {
    conn = calloc(1, sizeof(*conn));
    if (conn == NULL)
      return;
    conn->id = ++server->next_conn_id;
    conn->endpoint = endpoint;
    conn->plain = true;
    memcpy(&conn->peer, peer, sockaddr_size(peer));
    if (l2tpsec__keymap_put(&server->conns, conn->id, conn) != 0) {
      free(conn);
      return;
    }
    server->plain_peer_count++;
  }
  id = conn->id;
  if (l2tpsec__server_l2tp_input(server, conn, data, len) != 0 && created &&
      l2tpsec__keymap_get(&server->conns, id) == conn &&
      conn->tunnel_count == 0)
    free_conn(server, conn);
}

void l2tpsec__server_on_outer(void *user_data, enum l2tpsec__rx_kind kind,
                              const l2tpsec__endpoint *endpoint,
                              const struct sockaddr *peer, const uint8_t *data,
                              size_t len) {
  l2tpsec_server *server = user_data;

  /* Queued ESP goes first, so datagrams keep their arrival order. */
  if ((kind == L2TPSEC__RX_ESP_UDP || kind == L2TPSEC__RX_ESP_RAW) &&
      queue_esp(server, peer, data, len)) {
    server->stats.esp_received++;
    return;
  }
  flush_esp(server);

  switch (kind) {
  case L2TPSEC__RX_ESP_UDP:
  case L2TPSEC__RX_ESP_RAW:
    server->stats.esp_received++;
    esp_input(server, peer, data, len);
    break;
  case L2TPSEC__RX_L2TP_UDP:
    server->stats.plain_l2tp_received++;
    if (server->allow_plain_l2tp &&
        l2tpsec__server_plain_allowed(server, peer, data, len))
      plain_input(server, endpoint->index, peer, data, len);
    break;
  default:
    server->stats.ike_received++;
    l2tpsec__server_ike_input(server, endpoint, peer, data, len);
    break;
  }
}

/* ---- Connections ---- */

static void free_conn(l2tpsec_server *server, l2tpsec__conn *conn) {
  l2tpsec__keymap_remove(&server->conns, conn->id);
  if (conn->plain)
    server->plain_peer_count--;
  l2tpsec__server_free_pairs(server, conn);
  free(conn);
}

/*
 * Ends a connection whose last SA pair is gone: the client's IKE DELETE,
 * dead peer detection or an expiry. Its tunnels and sessions are freed at
 * once and nothing is sent, because a StopCCN would have no SA to carry
 * it and L2TP would resend it for a whole retransmission cycle.
 */
void l2tpsec__server_abort_conn(l2tpsec_server *server, l2tpsec__conn *conn,
                                uint32_t spi_in) {
  char peer[64], ids[L2TPSEC__CONN_MAX_TUNNELS * 7 + 8] = "";
  size_t used = 0;

  for (size_t i = 0; i < conn->tunnel_count; i++)
    used += (size_t)snprintf(ids + used, sizeof(ids) - used, " %u",
                             conn->tunnels[i]);
  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_UV,
              "connection %llu from %s: its last ESP SA pair (inbound SPI "
              "%08x) is gone; freeing L2TP tunnels%s and their sessions "
              "without sending StopCCN",
              (unsigned long long)conn->id,
              l2tpsec__sockaddr_text((const struct sockaddr *)&conn->peer, peer,
                                     sizeof(peer)),
              spi_in, used > 0 ? ids : " (none up)");
  l2tpsec_l2tp_transport_abort(server->l2tp, conn->id, l2tpsec__now());
  free_conn(server, conn);
  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
}

int l2tpsec__server_add_conn(l2tpsec_server *server, int endpoint,
                             const struct sockaddr *peer, bool natt,
                             const l2tpsec_esp_sa_settings *in,
                             const l2tpsec_esp_sa_settings *out,
                             uint64_t *conn_id) {
  l2tpsec__conn *conn = calloc(1, sizeof(*conn));
  int rv;

  if (conn == NULL)
    return L2TPSEC_ERR_NOMEM;
  conn->id = ++server->next_conn_id;
  conn->endpoint = endpoint;
  conn->natt = natt;
  conn->l2tp_peer_port = server->l2tp_port;
  memcpy(&conn->peer, peer, sockaddr_size(peer));

  rv = l2tpsec__keymap_put(&server->conns, conn->id, conn);
  if (rv != 0) {
    free(conn);
    return rv;
  }
  rv = l2tpsec__server_add_pair(server, conn, in, out);
  if (rv != 0) {
    free_conn(server, conn);
    return rv;
  }
  *conn_id = conn->id;
  return 0;
}

int l2tpsec__server_remove_conn(l2tpsec_server *server, uint64_t conn_id) {
  l2tpsec__conn *conn = l2tpsec__keymap_get(&server->conns, conn_id);

  if (conn == NULL)
    return L2TPSEC_ERR_NOT_FOUND;

  /* StopCCN goes out through the SAs, so they are removed afterwards.
   * The closes report SESSION_DOWN and TUNNEL_DOWN, which end PPP. */
  while (conn->tunnel_count > 0) {
    uint16_t tunnel = conn->tunnels[conn->tunnel_count - 1];

    if (l2tpsec_l2tp_tunnel_close(server->l2tp, tunnel, 1, l2tpsec__now()) != 0)
      note_tunnel(conn, tunnel, false);
  }
  free_conn(server, conn);
  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
  return 0;
}

/* ---- Layer objects and their timers ---- */

static void on_l2tp_timer(l2tpsec__timer *timer, l2tpsec_tstamp now) {
  l2tpsec_server *server =
      (l2tpsec_server *)((char *)timer - offsetof(l2tpsec_server, l2tp_timer));

  l2tpsec_l2tp_handle_timeout(server->l2tp, now);
  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
}

static void on_esp_timer(l2tpsec__timer *timer, l2tpsec_tstamp now) {
  l2tpsec_server *server =
      (l2tpsec_server *)((char *)timer - offsetof(l2tpsec_server, esp_timer));

  l2tpsec_esp_table_handle_timeout(server->esp, now);
  l2tpsec__server_refresh_timers(server);
}

static void arm_timers(l2tpsec_server *server) {
  server->refresh_pending = false;
  l2tpsec__loop_timer_set(&server->timer, &server->l2tp_timer,
                          l2tpsec_l2tp_next_deadline(server->l2tp));
  l2tpsec__loop_timer_set(&server->timer, &server->esp_timer,
                          l2tpsec_esp_table_next_deadline(server->esp));
  if (server->ike != NULL)
    l2tpsec__loop_timer_set(&server->timer, &server->ike_timer,
                            l2tpsec_ike_next_deadline(server->ike));
}

/*
 * Inside a transport batch the timers are re-armed once when the batch
 * ends (l2tpsec__server_batch_end), because computing the ESP table's
 * next deadline walks every SA. Per datagram, that walk took a fifth of
 * the server's CPU time in bench/path.
 */
void l2tpsec__server_refresh_timers(l2tpsec_server *server) {
  if (server->transport != NULL &&
      l2tpsec__transport_batching(server->transport))
    server->refresh_pending = true;
  else
    arm_timers(server);
}

void l2tpsec__server_batch_end(void *user_data) {
  l2tpsec_server *server = user_data;

  flush_esp(server);
  if (server->refresh_pending)
    arm_timers(server);
}

int l2tpsec__server_layers_init(l2tpsec_server *server) {
  l2tpsec_esp_table_settings es;
  l2tpsec_l2tp_settings ls;
  const l2tpsec_l2tp_callbacks lc = {on_l2tp_send, on_l2tp_recv, on_l2tp_event};
  int rv;

  server->l2tp_timer.fn = on_l2tp_timer;
  server->esp_timer.fn = on_esp_timer;
  if (l2tpsec__keymap_init(&server->conns, 256) != 0 ||
      l2tpsec__keymap_init(&server->sessions, 256) != 0 ||
      l2tpsec__keymap_init(&server->inner, 256) != 0)
    return L2TPSEC_ERR_NOMEM;

  l2tpsec_esp_table_settings_default(&es);
  es.log = server->log;
  rv = l2tpsec_esp_table_new(&server->esp, &es);
  if (rv != 0)
    return rv;

  l2tpsec_l2tp_settings_default(&ls);
  ls.role = L2TPSEC_L2TP_LNS;
  ls.rand = server->rand;
  ls.log = server->log;
  rv = l2tpsec_l2tp_new(&server->l2tp, &ls, &lc, server);
  if (rv != 0)
    return rv;
  return l2tpsec__server_ike_init(server);
}

static int free_each_conn(void *ctx, uint64_t key, void *value) {
  l2tpsec__server_forget_pairs(value);
  free(value);
  return 0;
}

void l2tpsec__server_layers_free(l2tpsec_server *server) {
  /* Deleting IKE invokes no callback, so it can go first. */
  l2tpsec_ike_del(server->ike);
  server->ike = NULL;
  /* Deleting the L2TP endpoint sends nothing and reports nothing, so the
   * sessions are freed here directly. */
  l2tpsec_l2tp_del(server->l2tp);
  server->l2tp = NULL;
  l2tpsec__server_free_sessions(server);
  if (server->conns.buckets != NULL)
    l2tpsec__keymap_find(&server->conns, free_each_conn, NULL);
  l2tpsec__keymap_free(&server->conns);
  l2tpsec__keymap_free(&server->sessions);
  l2tpsec__keymap_free(&server->inner);
  l2tpsec_esp_table_del(server->esp);
  server->esp = NULL;
  l2tpsec__server_plain_limit_free(server);
}
