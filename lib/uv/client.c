/*
 * The client: IKE initiator -> ESP SA pair -> L2TP LAC -> PPP client ->
 * TUN. One connection per object; every layer object is the one the
 * server uses, in its other role.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log_internal.h"
#include "l2tpsec/client.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/esp.h"
#include "l2tpsec/l2tp.h"
#include "l2tpsec/mem.h"
#include "l2tpsec/ppp.h"
#include "uv/loop_timer.h"
#include "uv/transport.h"
#include "uv/tun.h"

#define L2TP_PORT 1701
#define UDP_HEADER_LEN 8
#define HEADROOM 256
/* Transport id of the one L2TP tunnel, whose datagrams go to the SA. */
#define TRANSPORT_ID 1

/* Outbound datagrams of one transport batch, encrypted together with
 * l2tpsec_esp_encrypt_batch when the batch ends. A slot has room for a
 * 1500-byte inner packet with its PPP, L2TP, UDP and ESP overhead. */
#define OUT_BATCH 32
#define OUT_SLOT 2048
#define OUT_HEADROOM 128
#define OUT_TAILROOM 64 /* ESP padding, pad length, next header and ICV */

struct out_batch {
  size_t count;
  l2tpsec_pkt pkt[OUT_BATCH];
  uint8_t storage[OUT_BATCH][OUT_SLOT];
};

struct l2tpsec_client {
  uv_loop_t *loop;
  l2tpsec_client_callbacks callbacks;
  void *user_data;
  l2tpsec_log log;
  l2tpsec_rand rand;
  char *user, *password;
  struct sockaddr_storage server; /* port follows IKE's NAT-T float */
  l2tpsec_ike_endpoint ike_local, ike_remote;
  uint16_t natt_port;

  l2tpsec__transport *transport;
  l2tpsec_ike *ike;
  uint64_t ike_sa_id; /* for the DELETE at the end */
  bool phase1_up;     /* a phase-1 SA was established once */
  l2tpsec_duration lcp_echo_interval;
  unsigned lcp_echo_failure;
  l2tpsec_esp_sa *in, *out;
  l2tpsec_esp_sa *in_old; /* the inbound SA before the last rekey */
  l2tpsec_esp_sa *in_next; /* a server rekey's inbound SA before QM3 */
  /* The outbound SA of a rekey we started, held back until the server
   * sends on the new pair: it cannot decrypt before it has our QM3. */
  l2tpsec_esp_sa *out_next;
  bool udp_encap;
  l2tpsec_l2tp *lac;
  uint16_t tunnel_id, session_id;
  l2tpsec_ppp *ppp;
  bool up, down_reported, ppp_dead;
  bool refresh_pending; /* timers to re-arm when the transport batch ends */

  int tun_fd;
  uv_poll_t tun_poll;
  bool tun_polling, tun_configure;
  char tun_name[IFNAMSIZ];
  unsigned tun_mtu;

  l2tpsec__loop_timer timer;
  bool timer_open;
  l2tpsec__timer ike_timer, l2tp_timer, ppp_timer;
  int pending_closes;
  uint8_t rx_storage[65536 + HEADROOM];
  uint8_t tun_storage[65536 + HEADROOM];
  struct out_batch out_batch;
};

static void report_down(l2tpsec_client *c, const char *reason) {
  l2tpsec_client_event ev = {.type = L2TPSEC_CLIENT_DOWN};

  if (c->down_reported)
    return;
  c->down_reported = true;
  c->up = false;
  ev.tun_name = c->tun_name;
  ev.reason = reason;
  L2TPSEC_LOG(&c->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_UV,
              "connection down: %s", reason);
  if (c->callbacks.event != NULL)
    c->callbacks.event(c->user_data, &ev);
}

static void arm_timers(l2tpsec_client *c) {
  c->refresh_pending = false;
  l2tpsec__loop_timer_set(&c->timer, &c->ike_timer,
                          l2tpsec_ike_next_deadline(c->ike));
  l2tpsec__loop_timer_set(&c->timer, &c->l2tp_timer,
                          l2tpsec_l2tp_next_deadline(c->lac));
  l2tpsec__loop_timer_set(&c->timer, &c->ppp_timer,
                          c->ppp && !c->ppp_dead
                              ? l2tpsec_ppp_next_deadline(c->ppp)
                              : L2TPSEC_TSTAMP_NEVER);
}

/* Inside a transport batch the timers are re-armed once, when it ends. */
static void refresh_timers(l2tpsec_client *c) {
  if (c->transport != NULL && l2tpsec__transport_batching(c->transport))
    c->refresh_pending = true;
  else
    arm_timers(c);
}

#define CLIENT_OF(timer, field)                                                \
  ((l2tpsec_client *)((char *)(timer)-offsetof(l2tpsec_client, field)))

/*
 * Reports the connection down when the phase-1 SA it began is gone before
 * it was established. IKE calls ike_sa_down only for established SAs, so
 * without this check a server that never replies, or rejects main mode,
 * would leave the client waiting for ever.
 */
static void check_phase1_failed(l2tpsec_client *c) {
  l2tpsec_ike_stats st;

  if (c->phase1_up || c->down_reported)
    return;
  l2tpsec_ike_get_stats(c->ike, &st);
  if (st.ike_sas > 0)
    return;
  report_down(c, st.rx_datagrams == 0
                     ? "the server did not answer IKE (check its address "
                       "and that UDP 500 and 4500 reach it)"
                     : "IKE negotiation failed (check the PSK and the "
                       "proposals)");
}

static void on_ike_timer(l2tpsec__timer *t, l2tpsec_tstamp now) {
  l2tpsec_client *c = CLIENT_OF(t, ike_timer);

  l2tpsec_ike_handle_timeout(c->ike, now);
  check_phase1_failed(c);
  refresh_timers(c);
}

static void on_l2tp_timer(l2tpsec__timer *t, l2tpsec_tstamp now) {
  l2tpsec_client *c = CLIENT_OF(t, l2tp_timer);

  l2tpsec_l2tp_handle_timeout(c->lac, now);
  refresh_timers(c);
}

static void on_ppp_timer(l2tpsec__timer *t, l2tpsec_tstamp now) {
  l2tpsec_client *c = CLIENT_OF(t, ppp_timer);

  if (!c->ppp_dead)
    l2tpsec_ppp_handle_timeout(c->ppp, now);
  refresh_timers(c);
}

/* ---- IKE ---- */

static void to_sockaddr(const l2tpsec_ike_endpoint *ep,
                        struct sockaddr_storage *ss) {
  struct sockaddr_in *in = (struct sockaddr_in *)ss;

  memset(ss, 0, sizeof(*ss));
  in->sin_family = AF_INET;
  memcpy(&in->sin_addr, ep->addr, 4);
  in->sin_port = htons(ep->port);
}

static int on_ike_send(void *user_data, const uint8_t *data, size_t len,
                       const l2tpsec_ike_endpoint *local,
                       const l2tpsec_ike_endpoint *remote) {
  l2tpsec_client *c = user_data;
  struct sockaddr_storage to;

  to_sockaddr(remote, &to);
  return l2tpsec__transport_send(c->transport, L2TPSEC__RX_IKE, 0,
                                 local->port == c->natt_port,
                                 (const struct sockaddr *)&to, data, len);
}

/* A NAT-keepalive goes out on the NAT-T socket without the non-ESP
 * marker, like ESP in UDP (RFC 3948 section 2.3). */
static void on_ike_keepalive(void *user_data, const l2tpsec_ike_endpoint *local,
                             const l2tpsec_ike_endpoint *remote) {
  static const uint8_t keepalive = 0xff;
  l2tpsec_client *c = user_data;
  struct sockaddr_storage to;

  to_sockaddr(remote, &to);
  (void)l2tpsec__transport_send(c->transport, L2TPSEC__RX_ESP_UDP, 0, true,
                                (const struct sockaddr *)&to, &keepalive, 1);
}

static void child_settings(l2tpsec_client *c, const l2tpsec_ike_child_sa *sa,
                           bool inbound, l2tpsec_esp_sa_settings *s) {
  l2tpsec_esp_sa_settings_default(s);
  s->spi = inbound ? sa->spi_in : sa->spi_out;
  s->direction = inbound ? L2TPSEC_ESP_INBOUND : L2TPSEC_ESP_OUTBOUND;
  s->encr = (enum l2tpsec_esp_encr)sa->esp_transform;
  memcpy(s->encr_key, inbound ? sa->encr_key_in : sa->encr_key_out,
         sa->encr_key_len);
  s->encr_key_len = sa->encr_key_len;
  s->integ = (enum l2tpsec_esp_integ)sa->integ;
  memcpy(s->integ_key, inbound ? sa->integ_key_in : sa->integ_key_out,
         sa->integ_key_len);
  s->integ_key_len = sa->integ_key_len;
  s->created = l2tpsec__now();
  s->rand = c->rand;
  s->log = c->log;
  if (sa->udp_encap) {
    s->encap_local_port = sa->local.port;
    s->encap_remote_port = sa->remote.port;
  }
}

/* Puts the held outbound SA into use; `reason` goes to the log. */
static void use_out_next(l2tpsec_client *c, const char *reason) {
  if (c->out_next == NULL)
    return;
  l2tpsec_esp_sa_del(c->out);
  c->out = c->out_next;
  c->out_next = NULL;
  L2TPSEC_LOG(&c->log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_ESP,
              "outbound ESP SA %08x now in use (%s)", l2tpsec_esp_sa_spi(c->out),
              reason);
}

/* Takes the new outbound SA: at once for a rekey the server started,
 * held back until the server uses the new pair for one we started. */
static void take_out(l2tpsec_client *c, l2tpsec_esp_sa *new_out,
                     bool initiator) {
  l2tpsec_esp_sa_del(c->out_next);
  c->out_next = NULL;
  if (initiator && c->out != NULL) {
    c->out_next = new_out;
    return;
  }
  l2tpsec_esp_sa_del(c->out);
  c->out = new_out;
}

/*
 * A rekeyed pair takes over sending when the server can decrypt it
 * (take_out). The old inbound SA keeps decrypting packets in flight
 * until IKE reports it down (its lifetime ends or the server deletes
 * it), or until the next rekey.
 */
static int on_child_sa_up(void *user_data, const l2tpsec_ike_child_sa *sa) {
  l2tpsec_client *c = user_data;
  l2tpsec_esp_sa_settings in, out;
  l2tpsec_esp_sa *new_in = NULL, *new_out = NULL;
  int rv = 0;

  child_settings(c, sa, true, &in);
  child_settings(c, sa, false, &out);
  if (c->in_next != NULL && l2tpsec_esp_sa_spi(c->in_next) == sa->spi_in) {
    new_in = c->in_next;
    c->in_next = NULL;
  } else {
    rv = l2tpsec_esp_sa_new(&new_in, &in, NULL, c);
  }
  if (rv == 0)
    rv = l2tpsec_esp_sa_new(&new_out, &out, NULL, c);
  l2tpsec_wipe(&in, sizeof(in));
  l2tpsec_wipe(&out, sizeof(out));
  if (rv != 0) {
    l2tpsec_esp_sa_del(new_in);
    return rv;
  }

  l2tpsec_esp_sa_del(c->in_old);
  c->in_old = c->in;
  c->in = new_in;
  take_out(c, new_out, sa->initiator);
  c->udp_encap = sa->udp_encap;
  c->ike_sa_id = sa->ike_sa_id; /* a new phase 1 may have replaced it */
  to_sockaddr(&sa->remote, &c->server);
  L2TPSEC_LOG(&c->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_IKE,
              "ESP SA pair %08x/%08x up%s", sa->spi_in, sa->spi_out,
              sa->udp_encap ? ", UDP-encapsulated" : "");
  if (c->tunnel_id == 0)
    return l2tpsec_l2tp_tunnel_open(c->lac, TRANSPORT_ID, &c->tunnel_id,
                                    l2tpsec__now());
  return 0;
}

/*
 * The inbound half of a rekey the server started: its ESP may overtake
 * our QM3 on the way, so that packet must find the SA already here.
 */
static int on_child_sa_inbound(void *user_data,
                               const l2tpsec_ike_child_sa *sa) {
  l2tpsec_client *c = user_data;
  l2tpsec_esp_sa_settings in;
  l2tpsec_esp_sa *next = NULL;
  int rv;

  child_settings(c, sa, true, &in);
  rv = l2tpsec_esp_sa_new(&next, &in, NULL, c);
  l2tpsec_wipe(&in, sizeof(in));
  if (rv != 0)
    return rv;
  l2tpsec_esp_sa_del(c->in_next);
  c->in_next = next;
  return 0;
}

static void on_child_sa_down(void *user_data, uint32_t spi_in, uint32_t spi_out,
                             enum l2tpsec_ike_down_reason reason) {
  l2tpsec_client *c = user_data;

  if (c->in_next != NULL && l2tpsec_esp_sa_spi(c->in_next) == spi_in) {
    l2tpsec_esp_sa_del(c->in_next);
    c->in_next = NULL;
    return;
  }

  if (c->in_old != NULL && l2tpsec_esp_sa_spi(c->in_old) == spi_in) {
    l2tpsec_esp_sa_del(c->in_old);
    c->in_old = NULL;
    use_out_next(c, "the older pair is gone");
    return;
  }
  if (c->in != NULL && l2tpsec_esp_sa_spi(c->in) == spi_in)
    report_down(c, reason == L2TPSEC_IKE_DOWN_EXPIRED
                       ? "the ESP SA expired without a rekey"
                       : "the server deleted the ESP SA");
}

/* A phase-1 rekey replaces the IKE SA that the DELETE must name. */
static void on_ike_sa_up(void *user_data, uint64_t ike_sa_id,
                         const l2tpsec_ike_endpoint *remote) {
  l2tpsec_client *c = user_data;

  c->ike_sa_id = ike_sa_id;
  c->phase1_up = true;
}

static void on_ike_sa_down(void *user_data, uint64_t ike_sa_id,
                           enum l2tpsec_ike_down_reason reason) {
  l2tpsec_client *c = user_data;

  if (reason == L2TPSEC_IKE_DOWN_FAILED || reason == L2TPSEC_IKE_DOWN_TIMEOUT)
    report_down(c, reason == L2TPSEC_IKE_DOWN_FAILED
                       ? "IKE negotiation failed (check the PSK and the "
                         "proposals)"
                       : "the server did not answer IKE");
}

/* ---- ESP and L2TP ---- */

static int send_esp(l2tpsec_client *c, const l2tpsec_pkt *pkt) {
  return l2tpsec__transport_send(
      c->transport, c->udp_encap ? L2TPSEC__RX_ESP_UDP : L2TPSEC__RX_ESP_RAW, 0,
      c->udp_encap, (const struct sockaddr *)&c->server, pkt->data, pkt->len);
}

/*
 * Encrypts the queued datagrams with one l2tpsec_esp_encrypt_batch call
 * and hands them to the transport in their order. The SA is read here,
 * so a rekey during the batch sends them all with the newest pair.
 * NOTE: no layer counts an encryption error here, because
 * on_l2tp_send already returned success for the queued datagram.
 */
static void flush_out_batch(l2tpsec_client *c) {
  struct out_batch *b = &c->out_batch;
  l2tpsec_pkt *pkts[OUT_BATCH];
  int results[OUT_BATCH];
  size_t n = b->count;

  b->count = 0;
  if (n == 0 || c->out == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    pkts[i] = &b->pkt[i];
  l2tpsec_esp_encrypt_batch(c->out, pkts, n, 17, l2tpsec__now(), results);

  for (size_t i = 0; i < n; i++) {
    if (results[i] == 0)
      (void)send_esp(c, &b->pkt[i]);
  }
}

/*
 * Queues a UDP datagram for flush_out_batch while the transport batches
 * sends. Returns false when it must be encrypted at once: outside a
 * batch, or too large for a slot.
 */
static bool queue_out(l2tpsec_client *c, const l2tpsec_pkt *pkt) {
  struct out_batch *b = &c->out_batch;
  l2tpsec_pkt *slot;

  if (c->transport == NULL || !l2tpsec__transport_batching(c->transport) ||
      pkt->len > OUT_SLOT - OUT_HEADROOM - OUT_TAILROOM)
    return false;
  if (b->count == OUT_BATCH)
    flush_out_batch(c);

  slot = &b->pkt[b->count];
  l2tpsec_pkt_init(slot, b->storage[b->count], OUT_SLOT, OUT_HEADROOM);
  memcpy(l2tpsec_pkt_put(slot, pkt->len), pkt->data, pkt->len);
  b->count++;
  return true;
}

static int on_l2tp_send(void *user_data, uint64_t transport, l2tpsec_pkt *pkt) {
  l2tpsec_client *c = user_data;
  size_t len = pkt->len + UDP_HEADER_LEN;
  uint8_t *udp;
  int rv;

  if (c->out == NULL)
    return L2TPSEC_ERR_STATE;
  udp = l2tpsec_pkt_push(pkt, UDP_HEADER_LEN);
  if (udp == NULL)
    return L2TPSEC_ERR_NOBUFS;
  udp[0] = udp[2] = L2TP_PORT >> 8;
  udp[1] = udp[3] = L2TP_PORT & 0xff;
  udp[4] = (uint8_t)(len >> 8);
  udp[5] = (uint8_t)len;
  udp[6] = udp[7] = 0; /* no checksum: allowed over IPv4, see server_conn */
  if (queue_out(c, pkt))
    return 0;
  rv = l2tpsec_esp_encrypt(c->out, pkt, 17, l2tpsec__now());
  if (rv != 0)
    return rv;
  return send_esp(c, pkt);
}

/* The inbound SA named by the SPI that starts an ESP packet. */
static l2tpsec_esp_sa *inbound_sa(l2tpsec_client *c, const uint8_t *data,
                                  size_t len) {
  uint32_t spi;

  if (len < 4 || (c->in_old == NULL && c->in_next == NULL))
    return c->in;
  spi = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
        (uint32_t)data[2] << 8 | data[3];
  if (c->in_old != NULL && spi == l2tpsec_esp_sa_spi(c->in_old))
    return c->in_old;
  if (c->in_next != NULL && spi == l2tpsec_esp_sa_spi(c->in_next))
    return c->in_next;
  return c->in;
}

static void esp_input(l2tpsec_client *c, const uint8_t *data, size_t len) {
  l2tpsec_esp_sa *in = inbound_sa(c, data, len);
  l2tpsec_pkt pkt;
  uint8_t next_header = 0;
  size_t udp_len;

  if (in == NULL || len > sizeof(c->rx_storage) - HEADROOM)
    return;
  l2tpsec_pkt_init(&pkt, c->rx_storage, sizeof(c->rx_storage), HEADROOM);
  memcpy(l2tpsec_pkt_put(&pkt, len), data, len);
  if (l2tpsec_esp_decrypt(in, &pkt, l2tpsec__now(), &next_header) != 0)
    return;
  if (in == c->in)
    use_out_next(c, "the server sent on the new pair");
  if (next_header != 17 || pkt.len < UDP_HEADER_LEN)
    return;
  udp_len = (size_t)(pkt.data[4] << 8 | pkt.data[5]);
  if (udp_len < UDP_HEADER_LEN || udp_len > pkt.len)
    return;
  l2tpsec_l2tp_input(c->lac, TRANSPORT_ID, pkt.data + UDP_HEADER_LEN,
                     udp_len - UDP_HEADER_LEN, l2tpsec__now());
}

static void on_outer(void *user_data, enum l2tpsec__rx_kind kind,
                     const l2tpsec__endpoint *endpoint,
                     const struct sockaddr *peer, const uint8_t *data,
                     size_t len) {
  l2tpsec_client *c = user_data;
  l2tpsec_ike_endpoint local = c->ike_local, remote;
  const struct sockaddr_in *from = (const struct sockaddr_in *)peer;

  if (kind == L2TPSEC__RX_IKE && peer->sa_family == AF_INET) {
    local.port = endpoint->port;
    remote = (l2tpsec_ike_endpoint){.family = 4, .port = ntohs(from->sin_port)};
    memcpy(remote.addr, &from->sin_addr, 4);
    l2tpsec_ike_input(c->ike, data, len, &local, &remote, l2tpsec__now());
    check_phase1_failed(c);
  } else if (kind == L2TPSEC__RX_ESP_UDP || kind == L2TPSEC__RX_ESP_RAW) {
    esp_input(c, data, len);
  }
  refresh_timers(c);
}

/* ---- PPP ---- */

static void on_send_frame(void *user_data, l2tpsec_pkt *frame) {
  l2tpsec_client *c = user_data;

  l2tpsec_l2tp_session_send(c->lac, c->tunnel_id, c->session_id, frame,
                            l2tpsec__now());
}

static void on_deliver_ip(void *user_data, l2tpsec_pkt *packet) {
  l2tpsec_client *c = user_data;

  if (c->tun_fd < 0)
    return; /* tun_open is false: nowhere to deliver */
  if (write(c->tun_fd, packet->data, packet->len) != (ssize_t)packet->len)
    L2TPSEC_LOG(&c->log, L2TPSEC_LOG_DEBUG, L2TPSEC_LOG_UV,
                "dropped a %zu-byte packet: the TUN device did not take it",
                packet->len);
}

static void configure_tun(l2tpsec_client *c, const l2tpsec_ppp_event *ev) {
  uint32_t local, peer;

  memcpy(&local, ev->local_address, 4);
  memcpy(&peer, ev->peer_address, 4);
  if (l2tpsec__tun_add_ipv4(c->tun_name, local, 32) != 0 ||
      l2tpsec__tun_set_peer(c->tun_name, peer) != 0 ||
      l2tpsec__tun_up(c->tun_name) != 0)
    L2TPSEC_LOG(&c->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_UV,
                "cannot configure TUN device '%s' with the IPCP addresses; "
                "configure it by hand or run as root",
                c->tun_name);
}

static void on_ipcp_up(l2tpsec_client *c, const l2tpsec_ppp_event *ev) {
  l2tpsec_client_event up = {.type = L2TPSEC_CLIENT_UP};
  char addr[INET_ADDRSTRLEN];

  if (c->tun_configure && c->tun_fd >= 0)
    configure_tun(c, ev);
  c->up = true;
  memcpy(up.address, ev->local_address, 4);
  memcpy(up.peer_address, ev->peer_address, 4);
  memcpy(up.dns, ev->dns, sizeof(up.dns));
  up.tun_name = c->tun_name;
  inet_ntop(AF_INET, ev->local_address, addr, sizeof(addr));
  L2TPSEC_LOG(&c->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_PPP,
              "connected: address %s on TUN '%s'", addr, c->tun_name);
  if (c->callbacks.event != NULL)
    c->callbacks.event(c->user_data, &up);
}

/*
 * Ends the L2TP tunnel with StopCCN, then the IKE SA with DELETE
 * payloads for the ESP SAs and the ISAKMP SA, so that the server frees
 * everything at once instead of waiting for DPD. Both go out before
 * the application deletes the client. NOTE: a lost StopCCN is not
 * retransmitted, because the DELETE removes the SA it would travel in.
 */
static void say_goodbye(l2tpsec_client *c) {
  l2tpsec_tstamp now = l2tpsec__now();

  l2tpsec_l2tp_tunnel_close(c->lac, c->tunnel_id, 1, now);
  if (c->ike_sa_id != 0 && l2tpsec_ike_close(c->ike, c->ike_sa_id, now) == 0)
    L2TPSEC_LOG(&c->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_IKE,
                "sent IKE DELETE for IKE SA %llu and its ESP SAs",
                (unsigned long long)c->ike_sa_id);
  c->ike_sa_id = 0;
}

static void on_ppp_event(void *user_data, const l2tpsec_ppp_event *ev) {
  l2tpsec_client *c = user_data;

  if (ev->type == L2TPSEC_PPP_EVENT_IPCP_UP) {
    on_ipcp_up(c, ev);
  } else if (ev->type == L2TPSEC_PPP_EVENT_AUTH_FAILURE) {
    /* The caller may free the client right after this report, so the
     * server hears now that the tunnel and the SAs are no longer needed. */
    report_down(c, "the server rejected the user name, password or code");
    say_goodbye(c);
  } else if (ev->type == L2TPSEC_PPP_EVENT_DEAD) {
    /* The object is freed with the client, not inside its callback. */
    c->ppp_dead = true;
    report_down(c, l2tpsec_ppp_down_reason_name(ev->down_reason));
    say_goodbye(c);
  }
}

static void start_ppp(l2tpsec_client *c) {
  const l2tpsec_ppp_callbacks cb = {
      on_send_frame, on_deliver_ip, on_ppp_event, NULL, NULL, NULL, NULL};
  l2tpsec_ppp_settings s;
  char server[INET_ADDRSTRLEN];

  inet_ntop(AF_INET, c->ike_remote.addr, server, sizeof(server));
  l2tpsec_ppp_settings_default(&s, L2TPSEC_PPP_CLIENT);
  s.peer = server; /* copied; names the server in auth log lines */
  s.log = c->log;
  s.rand = c->rand;
  s.user = c->user;
  s.password = c->password;
  s.echo_interval = c->lcp_echo_interval;
  s.echo_failure = c->lcp_echo_failure;
  if (l2tpsec_ppp_new(&c->ppp, &s, &cb, c, l2tpsec__now()) != 0)
    report_down(c, "PPP could not start (out of memory)");
}

static void on_l2tp_event(void *user_data, const l2tpsec_l2tp_event *ev) {
  l2tpsec_client *c = user_data;

  switch (ev->type) {
  case L2TPSEC_L2TP_TUNNEL_UP:
    l2tpsec_l2tp_session_open(c->lac, c->tunnel_id, &c->session_id,
                              l2tpsec__now());
    break;
  case L2TPSEC_L2TP_SESSION_UP:
    if (c->ppp == NULL)
      start_ppp(c);
    break;
  case L2TPSEC_L2TP_SESSION_DOWN:
  case L2TPSEC_L2TP_TUNNEL_DOWN:
    report_down(c, ev->message[0] ? ev->message : "the L2TP tunnel closed");
    break;
  default:
    break;
  }
}

static void on_l2tp_recv(void *user_data, uint16_t tunnel_id,
                         uint16_t session_id, const uint8_t *frame,
                         size_t len) {
  l2tpsec_client *c = user_data;
  uint8_t storage[2048];
  l2tpsec_pkt pkt;

  if (c->ppp == NULL || c->ppp_dead || len > sizeof(storage) - HEADROOM)
    return;
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), HEADROOM);
  memcpy(l2tpsec_pkt_put(&pkt, len), frame, len);
  l2tpsec_ppp_input(c->ppp, &pkt, l2tpsec__now());
}

/* ---- TUN ---- */

static void on_tun(uv_poll_t *handle, int status, int events) {
  l2tpsec_client *c = handle->data;

  /* The ESP packets of this burst leave with one sendmmsg(2) call. */
  l2tpsec__transport_batch_begin(c->transport);
  for (int i = 0; i < 64; i++) {
    l2tpsec_pkt pkt;
    ssize_t n;

    l2tpsec_pkt_init(&pkt, c->tun_storage, sizeof(c->tun_storage), HEADROOM);
    n = read(c->tun_fd, pkt.data, l2tpsec_pkt_tailroom(&pkt));
    if (n <= 0)
      break;
    pkt.len = (size_t)n;
    if (c->up && !c->ppp_dead)
      l2tpsec_ppp_send_ip(c->ppp, &pkt, l2tpsec__now());
  }
  l2tpsec__transport_batch_end(c->transport);
  refresh_timers(c);
}

/* ---- Life cycle ---- */

void l2tpsec_client_settings_default(l2tpsec_client_settings *s) {
  memset(s, 0, sizeof(*s));
  s->local_address = "0.0.0.0";
  s->ike_port = 500;
  s->natt_port = 4500;
  s->ike_preset = L2TPSEC_IKE_PRESET_COMPATIBLE;
  s->tun_name = "";
  s->tun_mtu = 1400;
  s->tun_configure = true;
  s->tun_open = true;
  s->lcp_echo_interval = 30 * L2TPSEC_SECONDS;
  s->lcp_echo_failure = 4;
  s->dpd_delay = 30 * L2TPSEC_SECONDS;
  s->dpd_timeout = 120 * L2TPSEC_SECONDS;
  s->rand = l2tpsec_rand_system();
}

static int open_tun(l2tpsec_client *c, const l2tpsec_client_settings *s) {
  int fd = l2tpsec__tun_open(s->tun_name ? s->tun_name : "", c->tun_name);

  if (fd < 0 || (s->tun_configure &&
                 l2tpsec__tun_set_mtu(c->tun_name, s->tun_mtu) != 0)) {
    L2TPSEC_LOG(&c->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_UV,
                "cannot open TUN device '%s': %s; the client needs root or "
                "CAP_NET_ADMIN and /dev/net/tun",
                s->tun_name ? s->tun_name : "", strerror(errno));
    if (fd >= 0)
      close(fd);
    return L2TPSEC_ERR_IO;
  }
  c->tun_fd = fd;
  uv_poll_init(c->loop, &c->tun_poll, fd);
  c->tun_polling = true;
  c->tun_poll.data = c;
  uv_poll_start(&c->tun_poll, UV_READABLE, on_tun);
  return 0;
}

/*
 * The source address the kernel picks toward the server. With an
 * unbound local address (0.0.0.0) IKE must still hash the real one into
 * NAT-D (RFC 3947 section 3.2), or the client sees a NAT that is not
 * there. Connecting a UDP socket sends nothing; it only routes.
 */
static int route_source(const struct in_addr *server, uint16_t port,
                        struct in_addr *source) {
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  struct sockaddr_in from;
  socklen_t from_len = sizeof(from);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int rv = -1;

  to.sin_addr = *server;
  if (fd >= 0 && connect(fd, (struct sockaddr *)&to, sizeof(to)) == 0 &&
      getsockname(fd, (struct sockaddr *)&from, &from_len) == 0) {
    *source = from.sin_addr;
    rv = 0;
  }
  if (fd >= 0)
    close(fd);
  return rv;
}

static void learn_local_address(l2tpsec_client *c, const struct in_addr *server,
                                uint16_t port, struct in_addr *local) {
  char addr[INET_ADDRSTRLEN];

  if (local->s_addr != htonl(INADDR_ANY))
    return;
  if (route_source(server, port, local) != 0) {
    L2TPSEC_LOG(&c->log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_UV,
                "no route to the server found (%s); NAT detection will "
                "assume a NAT; give --local or the local_address setting",
                strerror(errno));
    return;
  }
  inet_ntop(AF_INET, local, addr, sizeof(addr));
  L2TPSEC_LOG(&c->log, L2TPSEC_LOG_DEBUG, L2TPSEC_LOG_UV,
              "local address toward the server: %s", addr);
}

static int parse_endpoints(l2tpsec_client *c,
                           const l2tpsec_client_settings *s) {
  struct in_addr server, local;

  if (inet_pton(AF_INET, s->server, &server) != 1 ||
      inet_pton(AF_INET, s->local_address, &local) != 1) {
    L2TPSEC_LOG(&c->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_UV,
                "invalid server '%s' or local address '%s': expected "
                "numeric IPv4 addresses",
                s->server, s->local_address);
    return L2TPSEC_ERR_CONFIG;
  }
  learn_local_address(c, &server, s->ike_port, &local);
  c->ike_local = (l2tpsec_ike_endpoint){.family = 4, .port = s->ike_port};
  memcpy(c->ike_local.addr, &local, 4);
  c->ike_remote = (l2tpsec_ike_endpoint){.family = 4, .port = s->ike_port};
  memcpy(c->ike_remote.addr, &server, 4);
  to_sockaddr(&c->ike_remote, &c->server);
  return 0;
}

/* IKE checks certificate validity in Unix time; its clock is
 * l2tpsec__now, so the origin is the Unix time at which that read 0. */
static void set_cert_settings(l2tpsec_ike_settings *is,
                              const l2tpsec_client_settings *s) {
  is->cert = s->cert;
  is->cert_len = s->cert_len;
  is->private_key = s->private_key;
  is->private_key_len = s->private_key_len;
  is->ca_certs = s->ca_certs;
  is->ca_certs_len = s->ca_certs_len;
  is->local_id_type = s->local_id_type;
  is->local_id = s->local_id;
  is->remote_id = s->remote_id;
  is->unix_time_origin =
      (int64_t)time(NULL) - (int64_t)(l2tpsec__now() / L2TPSEC_SECONDS);
}

static int open_layers(l2tpsec_client *c, const l2tpsec_client_settings *s) {
  const l2tpsec_ike_callbacks icb = {
      .send = on_ike_send,
      .child_sa_up = on_child_sa_up,
      .child_sa_down = on_child_sa_down,
      .ike_sa_up = on_ike_sa_up,
      .ike_sa_down = on_ike_sa_down,
      .send_keepalive = on_ike_keepalive,
      .child_sa_inbound = on_child_sa_inbound,
  };
  const l2tpsec_l2tp_callbacks lcb = {on_l2tp_send, on_l2tp_recv,
                                      on_l2tp_event};
  l2tpsec_ike_settings is;
  l2tpsec_l2tp_settings ls;
  int rv;

  l2tpsec_ike_settings_default(&is);
  is.log = c->log;
  is.rand = c->rand;
  is.preset = s->ike_preset;
  is.ike_proposals = s->ike_proposals;
  is.offer_all_proposals = s->ike_offer_all;
  is.esp_proposals = s->esp_proposals;
  is.psk = s->psk;
  is.psk_len = s->psk_len;
  if (s->cert != NULL)
    set_cert_settings(&is, s);
  is.dpd_delay = s->dpd_delay;
  is.dpd_timeout = s->dpd_timeout;
  rv = l2tpsec_ike_new(&c->ike, &is, &icb, c);
  if (rv != 0)
    return rv;

  l2tpsec_l2tp_settings_default(&ls);
  ls.role = L2TPSEC_L2TP_LAC;
  /*
   * The first SCCRQ leaves right after quick mode's third message, and
   * the server's kernel drops ESP until its IKE daemon has installed the
   * SA pair. strongSwan in a loaded, emulated guest took 10.5 s for that,
   * so with the default 5 sends (give-up at 23 s) the tunnel could fail.
   * 8 sends at 0, 1, 3, 7, 15, 23, 31 and 39 s give up at 47 s.
   */
  ls.max_retries = 8;
  ls.rand = c->rand;
  ls.log = c->log;
  return l2tpsec_l2tp_new(&c->lac, &ls, &lcb, c);
}

static void on_batch_end(void *user_data) {
  l2tpsec_client *c = user_data;

  flush_out_batch(c);
  if (c->refresh_pending)
    arm_timers(c);
}

static int open_transport(l2tpsec_client *c, const l2tpsec_client_settings *s) {
  const char *addresses[1] = {s->local_address};
  l2tpsec__transport_settings ts;

  l2tpsec__transport_settings_default(&ts);
  ts.addresses = addresses;
  ts.address_count = 1;
  ts.ike_port = s->ike_port;
  ts.natt_port = s->natt_port;
  ts.log = s->log;
  ts.batch_end = on_batch_end;
  return l2tpsec__transport_new(&c->transport, c->loop, &ts, on_outer, c);
}

static int start(l2tpsec_client *c, const l2tpsec_client_settings *s) {
  int rv;

  c->user = strdup(s->user);
  c->password = strdup(s->password);
  if (c->user == NULL || c->password == NULL)
    return L2TPSEC_ERR_NOMEM;
  rv = parse_endpoints(c, s);
  if (rv == 0)
    rv = open_layers(c, s);
  if (rv == 0 && (rv = l2tpsec__loop_timer_init(&c->timer, c->loop)) == 0)
    c->timer_open = true;
  if (rv == 0 && s->tun_open)
    rv = open_tun(c, s);
  if (rv == 0)
    rv = open_transport(c, s);
  if (rv == 0)
    rv = l2tpsec_ike_connect(c->ike, &c->ike_local, &c->ike_remote,
                             l2tpsec__now(), &c->ike_sa_id);
  return rv;
}

int l2tpsec_client_new(l2tpsec_client **pclient, uv_loop_t *loop,
                       const l2tpsec_client_settings *settings,
                       const l2tpsec_client_callbacks *callbacks,
                       void *user_data) {
  l2tpsec_client *c;
  int rv;

  if (pclient == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  *pclient = NULL;
  if (loop == NULL || settings == NULL || settings->server == NULL ||
      (settings->psk_len == 0 && settings->cert == NULL) ||
      settings->user == NULL || settings->password == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return L2TPSEC_ERR_NOMEM;
  c->loop = loop;
  c->callbacks = callbacks ? *callbacks : (l2tpsec_client_callbacks){0};
  c->user_data = user_data;
  c->log = settings->log;
  c->rand = settings->rand;
  c->natt_port = settings->natt_port;
  c->tun_fd = -1;
  c->tun_configure = settings->tun_configure;
  c->lcp_echo_interval = settings->lcp_echo_interval;
  c->lcp_echo_failure = settings->lcp_echo_failure;
  c->ike_timer.fn = on_ike_timer;
  c->l2tp_timer.fn = on_l2tp_timer;
  c->ppp_timer.fn = on_ppp_timer;

  rv = start(c, settings);
  if (rv != 0) {
    l2tpsec_client_del(c);
    return rv;
  }
  refresh_timers(c);
  *pclient = c;
  return 0;
}

int l2tpsec_client_disconnect(l2tpsec_client *c) {
  if (c->ppp == NULL || c->ppp_dead)
    return L2TPSEC_ERR_STATE;
  l2tpsec_ppp_close(c->ppp, l2tpsec__now());
  refresh_timers(c);
  return 0;
}

static void free_client(l2tpsec_client *c) {
  l2tpsec_ppp_del(c->ppp);
  l2tpsec_l2tp_del(c->lac);
  l2tpsec_ike_del(c->ike);
  l2tpsec_esp_sa_del(c->in_old);
  l2tpsec_esp_sa_del(c->in_next);
  l2tpsec_esp_sa_del(c->in);
  l2tpsec_esp_sa_del(c->out);
  l2tpsec_esp_sa_del(c->out_next);
  if (c->password != NULL)
    l2tpsec_wipe(c->password, strlen(c->password));
  free(c->password);
  free(c->user);
  free(c);
}

static void on_closed(uv_handle_t *handle) {
  l2tpsec_client *c =
      handle->type == UV_TIMER ? CLIENT_OF(handle, timer.handle) : handle->data;

  if (--c->pending_closes == 0)
    free_client(c);
}

void l2tpsec_client_del(l2tpsec_client *c) {
  if (c == NULL)
    return;
  l2tpsec__transport_close(c->transport);
  c->pending_closes = c->tun_polling + c->timer_open;
  if (c->tun_polling)
    uv_close((uv_handle_t *)&c->tun_poll, on_closed);
  if (c->tun_fd >= 0)
    close(c->tun_fd);
  if (c->timer_open)
    l2tpsec__loop_timer_close(&c->timer, on_closed);
  if (c->pending_closes == 0)
    free_client(c);
}

int l2tpsec_client_add_route(l2tpsec_client *c, const char *prefix) {
  char buf[INET_ADDRSTRLEN + 4];
  struct in_addr net;
  char *slash;
  long bits = 32;

  if (strlen(prefix) >= sizeof(buf))
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  strcpy(buf, prefix);
  slash = strchr(buf, '/');
  if (slash != NULL) {
    *slash = '\0';
    bits = strtol(slash + 1, NULL, 10);
  }
  if (inet_pton(AF_INET, buf, &net) != 1 || bits < 0 || bits > 32)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (c->tun_fd < 0)
    return L2TPSEC_ERR_STATE;
  return l2tpsec__tun_add_route(c->tun_name, net.s_addr, (unsigned)bits);
}
