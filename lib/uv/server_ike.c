/*
 * The IKE responder in the server: datagrams from UDP 500 and 4500 go to
 * l2tpsec_ike, its replies go out on the socket they belong to, and each
 * child SA pair it negotiates becomes (or, on a rekey, joins) a
 * connection.
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "core/log_internal.h"
#include "ike/natd.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"
#include "uv/server_internal.h"

static void to_ike_endpoint(const struct sockaddr *sa,
                            l2tpsec_ike_endpoint *ep) {
  memset(ep, 0, sizeof(*ep));
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

    ep->family = 4;
    memcpy(ep->addr, &in->sin_addr, 4);
    ep->port = ntohs(in->sin_port);
  } else {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

    ep->family = 6;
    memcpy(ep->addr, &in6->sin6_addr, 16);
    ep->port = ntohs(in6->sin6_port);
  }
}

static void to_sockaddr(const l2tpsec_ike_endpoint *ep,
                        struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof(*ss));
  if (ep->family == 4) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;

    in->sin_family = AF_INET;
    memcpy(&in->sin_addr, ep->addr, 4);
    in->sin_port = htons(ep->port);
  } else {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    in6->sin6_family = AF_INET6;
    memcpy(&in6->sin6_addr, ep->addr, 16);
    in6->sin6_port = htons(ep->port);
  }
}

void l2tpsec__server_ike_input(l2tpsec_server *server,
                               const l2tpsec__endpoint *endpoint,
                               const struct sockaddr *peer, const uint8_t *data,
                               size_t len) {
  l2tpsec_ike_endpoint local, remote;

  to_ike_endpoint((const struct sockaddr *)&endpoint->local, &local);
  to_ike_endpoint(peer, &remote);
  l2tpsec_ike_input(server->ike, data, len, &local, &remote, l2tpsec__now());
  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
}

/* Finds the listen address an IKE endpoint names. */
static int endpoint_index(l2tpsec_server *server,
                          const l2tpsec_ike_endpoint *local) {
  size_t n = l2tpsec__transport_endpoint_count(server->transport);

  for (size_t i = 0; i < n; i++) {
    l2tpsec_ike_endpoint ep;

    to_ike_endpoint(l2tpsec__transport_local(server->transport, (int)i), &ep);
    if (ep.family == local->family &&
        memcmp(ep.addr, local->addr, ep.family == 4 ? 4 : 16) == 0)
      return (int)i;
  }
  return -1;
}

static int on_ike_send(void *user_data, const uint8_t *data, size_t len,
                       const l2tpsec_ike_endpoint *local,
                       const l2tpsec_ike_endpoint *remote) {
  l2tpsec_server *server = user_data;
  struct sockaddr_storage to;
  int index = endpoint_index(server, local);

  if (index < 0)
    return L2TPSEC_ERR_NOT_FOUND;
  to_sockaddr(remote, &to);
  return l2tpsec__transport_send(server->transport, L2TPSEC__RX_IKE, index,
                                 local->port == server->natt_port,
                                 (const struct sockaddr *)&to, data, len);
}

/* A NAT-keepalive goes out on the NAT-T socket without the non-ESP
 * marker, like ESP in UDP (RFC 3948 section 2.3). */
static void on_ike_keepalive(void *user_data, const l2tpsec_ike_endpoint *local,
                             const l2tpsec_ike_endpoint *remote) {
  static const uint8_t keepalive = 0xff;
  l2tpsec_server *server = user_data;
  struct sockaddr_storage to;
  int index = endpoint_index(server, local);

  if (index < 0)
    return;
  to_sockaddr(remote, &to);
  (void)l2tpsec__transport_send(server->transport, L2TPSEC__RX_ESP_UDP, index,
                                true, (const struct sockaddr *)&to, &keepalive,
                                1);
}

/* ---- Child SAs -> connections ---- */

static void fill_sa(l2tpsec_server *server, const l2tpsec_ike_child_sa *c,
                    bool inbound, l2tpsec_esp_sa_settings *s) {
  l2tpsec_esp_sa_settings_default(s);
  s->spi = inbound ? c->spi_in : c->spi_out;
  s->direction = inbound ? L2TPSEC_ESP_INBOUND : L2TPSEC_ESP_OUTBOUND;
  s->mode = L2TPSEC_ESP_TRANSPORT;
  s->family = c->remote.family == 4 ? L2TPSEC_ESP_IPV4 : L2TPSEC_ESP_IPV6;
  s->encr = (enum l2tpsec_esp_encr)c->esp_transform;
  memcpy(s->encr_key, inbound ? c->encr_key_in : c->encr_key_out,
         c->encr_key_len);
  s->encr_key_len = c->encr_key_len;
  s->integ = (enum l2tpsec_esp_integ)c->integ;
  memcpy(s->integ_key, inbound ? c->integ_key_in : c->integ_key_out,
         c->integ_key_len);
  s->integ_key_len = c->integ_key_len;
  s->sha256_icv = c->sha256_icv96_hint ? L2TPSEC_ESP_SHA256_ICV_DETECT
                                       : L2TPSEC_ESP_SHA256_ICV_128;
  s->allow_legacy = server->ike_preset == L2TPSEC_IKE_PRESET_LEGACY;
  s->hard.time = (l2tpsec_duration)c->lifetime_seconds * L2TPSEC_SECONDS;
  s->hard.bytes = c->lifetime_kbytes * 1024;
  s->created = l2tpsec__now();
  s->rand = server->rand;
  if (c->udp_encap) {
    s->encap_local_port = c->local.port;
    s->encap_remote_port = c->remote.port;
  }
}

struct rekey_search {
  uint64_t ike_sa_id;
  struct sockaddr_storage peer;
};

static int same_client(void *ctx, uint64_t key, void *value) {
  const struct rekey_search *search = ctx;
  const l2tpsec__conn *conn = value;

  return !conn->plain &&
         (conn->ike_sa_id == search->ike_sa_id ||
          memcmp(&conn->peer, &search->peer, sizeof(conn->peer)) == 0);
}

/* Keeps the algorithms of the newest pair and its IKE SA for the status. */
static void describe_algorithms(l2tpsec_server *server,
                                const l2tpsec_ike_child_sa *c,
                                l2tpsec__conn *conn) {
  l2tpsec_ike_child_sa_algorithms(c, conn->esp_algorithms,
                                  sizeof(conn->esp_algorithms));
  if (server->ike != NULL)
    l2tpsec_ike_sa_algorithms(server->ike, c->ike_sa_id, conn->ike_algorithms,
                              sizeof(conn->ike_algorithms));
}

/* Adds the pair, or with out NULL its inbound half, to the connection
 * of its peer, which it creates for a new client. The outbound half of
 * a rekey we started waits for the client (server_pairs.c). */
static int install_pair(l2tpsec_server *server, const l2tpsec_ike_child_sa *c,
                        const l2tpsec_esp_sa_settings *in,
                        const l2tpsec_esp_sa_settings *out) {
  struct rekey_search search = {.ike_sa_id = c->ike_sa_id};
  l2tpsec__conn *conn;
  uint64_t id;
  int index = endpoint_index(server, &c->local);
  int rv;

  if (index < 0)
    return L2TPSEC_ERR_NOT_FOUND;
  to_sockaddr(&c->remote, &search.peer);
  conn = l2tpsec__keymap_find(&server->conns, same_client, &search);
  if (conn != NULL && c->initiator && out != NULL) {
    rv = l2tpsec__server_add_pair_held(server, conn, in, out);
  } else if (conn != NULL) {
    rv = l2tpsec__server_add_pair(server, conn, in, out);
  } else {
    rv = l2tpsec__server_add_conn(server, index,
                                  (const struct sockaddr *)&search.peer,
                                  c->udp_encap, in, out, &id);
    if (rv == 0) {
      conn = l2tpsec__keymap_get(&server->conns, id);
      conn->ike_sa_id = c->ike_sa_id;
    }
  }
  if (rv == 0)
    describe_algorithms(server, c, conn);
  return rv;
}

/* Completes a pair whose inbound half on_child_sa_inbound installed;
 * L2TPSEC_ERR_NOT_FOUND when there is none. */
static int finish_pair(l2tpsec_server *server, const l2tpsec_ike_child_sa *c,
                       const l2tpsec_esp_sa_settings *out) {
  int rv = l2tpsec__server_finish_pair(server, c->spi_in, out, c->initiator);

  if (rv == 0) {
    l2tpsec_esp_sa *in = l2tpsec_esp_table_find_inbound(server->esp, c->spi_in);
    describe_algorithms(server, c, l2tpsec_esp_sa_user_data(in));
  }
  return rv;
}

/* A pair without UDP encapsulation needs the raw ESP socket, which the
 * start-up log already reported missing; this line names the client. */
static void warn_raw_esp_missing(l2tpsec_server *server,
                                 const l2tpsec_ike_child_sa *c,
                                 const char *peer) {
  int index = endpoint_index(server, &c->local);

  if (c->udp_encap || index < 0 ||
      l2tpsec__transport_has_raw_esp(server->transport, index))
    return;
  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_IKE,
              "ESP SA pair %08x/%08x with %s uses plain ESP (the client "
              "sees no NAT), but this server has no raw ESP socket: its "
              "packets cannot arrive and the connection will stall; set "
              "raw_esp = yes and give the server CAP_NET_RAW, or set "
              "fake_client_nat to auto",
              c->spi_in, c->spi_out, peer);
}

static int on_child_sa_up(void *user_data, const l2tpsec_ike_child_sa *c) {
  l2tpsec_server *server = user_data;
  l2tpsec_esp_sa_settings in, out;
  char peer[64], algorithms[64];
  struct sockaddr_storage ss;
  int rv;

  to_sockaddr(&c->remote, &ss);
  l2tpsec__sockaddr_text((const struct sockaddr *)&ss, peer, sizeof(peer));
  if (!c->transport) {
    L2TPSEC_LOG(&server->log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_IKE,
                "rejected a tunnel-mode SA from %s: L2TP/IPsec uses "
                "transport mode",
                peer);
    return L2TPSEC_ERR_UNSUPPORTED;
  }

  warn_raw_esp_missing(server, c, peer);
  fill_sa(server, c, true, &in);
  fill_sa(server, c, false, &out);
  rv = finish_pair(server, c, &out);
  if (rv == L2TPSEC_ERR_NOT_FOUND)
    rv = install_pair(server, c, &in, &out);
  l2tpsec_wipe(&in, sizeof(in));
  l2tpsec_wipe(&out, sizeof(out));
  l2tpsec_ike_child_sa_algorithms(c, algorithms, sizeof(algorithms));
  L2TPSEC_LOG(&server->log, rv == 0 ? L2TPSEC_LOG_NOTICE : L2TPSEC_LOG_ERROR,
              L2TPSEC_LOG_IKE,
              "ESP SA pair %08x/%08x with %s %s: transform %s%s", c->spi_in,
              c->spi_out, peer, rv == 0 ? "installed" : "not installed",
              algorithms, c->udp_encap ? ", UDP-encapsulated" : "");
  return rv;
}

/*
 * The inbound half of a pair whose QM3 has not arrived yet: the client's
 * first ESP packet may overtake QM3, or arrive on the raw ESP socket
 * while QM3 waits on UDP. Sending waits for on_child_sa_up.
 */
static int on_child_sa_inbound(void *user_data, const l2tpsec_ike_child_sa *c) {
  l2tpsec_server *server = user_data;
  l2tpsec_esp_sa_settings in;
  int rv;

  if (!c->transport)
    return L2TPSEC_ERR_UNSUPPORTED; /* on_child_sa_up logs the reason */
  fill_sa(server, c, true, &in);
  rv = install_pair(server, c, &in, NULL);
  l2tpsec_wipe(&in, sizeof(in));
  return rv;
}

/* The accounting cause an SA's end gives the sessions it carried. */
static enum l2tpsec_server_end_cause
sa_down_cause(enum l2tpsec_ike_down_reason reason) {
  if (reason == L2TPSEC_IKE_DOWN_DELETED)
    return L2TPSEC_SERVER_END_USER_REQUEST;
  if (reason == L2TPSEC_IKE_DOWN_TIMEOUT)
    return L2TPSEC_SERVER_END_LOST_CARRIER;
  return L2TPSEC_SERVER_END_NAS_REQUEST;
}

static const char *down_reason_name(enum l2tpsec_ike_down_reason reason) {
  switch (reason) {
  case L2TPSEC_IKE_DOWN_DELETED:
    return "deleted";
  case L2TPSEC_IKE_DOWN_EXPIRED:
    return "lifetime expired";
  case L2TPSEC_IKE_DOWN_TIMEOUT:
    return "peer stopped answering";
  case L2TPSEC_IKE_DOWN_FAILED:
    return "negotiation failed";
  case L2TPSEC_IKE_DOWN_CLOSED:
    return "server closing";
  case L2TPSEC_IKE_DOWN_REKEYED:
    return "replaced by a rekey";
  }
  return "unknown reason";
}

static void on_child_sa_down(void *user_data, uint32_t spi_in, uint32_t spi_out,
                             enum l2tpsec_ike_down_reason reason) {
  l2tpsec_server *server = user_data;

  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_IKE,
              "ESP SA pair %08x/%08x removed: %s", spi_in, spi_out,
              down_reason_name(reason));
  l2tpsec__server_note_sa_down(server, spi_in, sa_down_cause(reason));
  l2tpsec__server_remove_pair(server, spi_in);
}

static void on_ike_sa_up(void *user_data, uint64_t ike_sa_id,
                         const l2tpsec_ike_endpoint *remote) {
  l2tpsec_server *server = user_data;
  struct sockaddr_storage ss;
  char peer[64];

  to_sockaddr(remote, &ss);
  L2TPSEC_LOG(
      &server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_IKE,
      "IKE SA %llu with %s established", (unsigned long long)ike_sa_id,
      l2tpsec__sockaddr_text((const struct sockaddr *)&ss, peer, sizeof(peer)));
}

static void on_ike_sa_down(void *user_data, uint64_t ike_sa_id,
                           enum l2tpsec_ike_down_reason reason) {
  l2tpsec_server *server = user_data;

  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_IKE,
              "IKE SA %llu closed: %s", (unsigned long long)ike_sa_id,
              down_reason_name(reason));
}

static void on_ike_timer(l2tpsec__timer *timer, l2tpsec_tstamp now) {
  l2tpsec_server *server =
      (l2tpsec_server *)((char *)timer - offsetof(l2tpsec_server, ike_timer));

  l2tpsec_ike_handle_timeout(server->ike, now);
  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
}

/* IKE checks certificate validity in Unix time; its clock is
 * l2tpsec__now, so the origin is the Unix time at which that read 0. */
static void set_cert_settings(l2tpsec_ike_settings *s,
                              const l2tpsec_server_settings *ns) {
  s->cert = ns->cert;
  s->cert_len = ns->cert_len;
  s->private_key = ns->private_key;
  s->private_key_len = ns->private_key_len;
  s->ca_certs = ns->ca_certs;
  s->ca_certs_len = ns->ca_certs_len;
  s->local_id_type = ns->local_id_type;
  s->local_id = ns->local_id;
  s->unix_time_origin =
      (int64_t)time(NULL) - (int64_t)(l2tpsec__now() / L2TPSEC_SECONDS);
}

/* The settings a server passes to its responder as they are; zero
 * lifetimes and margin keep the IKE defaults. */
static void set_responder_settings(l2tpsec_ike_settings *s,
                                   const l2tpsec_server_settings *ns) {
  s->fake_client_nat = ns->fake_client_nat == L2TPSEC_SERVER_FAKE_NAT_ON;
  s->aggressive_responder = ns->aggressive_responder;
  if (ns->ike_lifetime != 0)
    s->ike_lifetime = ns->ike_lifetime;
  if (ns->esp_lifetime != 0)
    s->esp_lifetime = ns->esp_lifetime;
  if (ns->rekey_margin != 0)
    s->rekey_margin = ns->rekey_margin;
  s->psk_id = ns->psk_id;
}

int l2tpsec__server_ike_init(l2tpsec_server *server) {
  const l2tpsec_ike_callbacks cb = {
      .send = on_ike_send,
      .child_sa_up = on_child_sa_up,
      .child_sa_down = on_child_sa_down,
      .ike_sa_up = on_ike_sa_up,
      .ike_sa_down = on_ike_sa_down,
      .send_keepalive = on_ike_keepalive,
      .child_sa_inbound = on_child_sa_inbound,
  };
  l2tpsec_ike_settings s;

  const l2tpsec_server_settings *ns = server->new_settings;

  /* A server without credentials (a test feeding SAs directly) runs no
   * IKE. */
  server->ike_timer.fn = on_ike_timer;
  if (server->psk_len == 0 && (ns == NULL || ns->cert == NULL))
    return 0;
  l2tpsec_ike_settings_default(&s);
  s.log = server->log;
  s.rand = server->rand;
  s.preset = server->ike_preset;
  s.psk = server->psk;
  s.psk_len = server->psk_len;
  s.l2tp_port = server->l2tp_port;
  if (ns != NULL && ns->cert != NULL)
    set_cert_settings(&s, ns);
  s.dpd_delay = server->dpd_delay;
  s.dpd_timeout = server->dpd_timeout;
  if (ns != NULL)
    set_responder_settings(&s, ns);
  return l2tpsec_ike_new(&server->ike, &s, &cb, server);
}

void l2tpsec__server_ike_transport_ready(l2tpsec_server *server,
                                         enum l2tpsec_server_fake_nat mode) {
  size_t n = l2tpsec__transport_endpoint_count(server->transport);
  bool all_raw = true;

  if (server->ike == NULL || mode != L2TPSEC_SERVER_FAKE_NAT_AUTO)
    return;
  for (size_t i = 0; i < n; i++)
    all_raw =
        all_raw && l2tpsec__transport_has_raw_esp(server->transport, (int)i);
  /* NOTE: one listen address without raw ESP turns it on for all, because
   * the IKE object serves every address. */
  if (!all_raw)
    l2tpsec__ike_set_fake_client_nat(server->ike, true,
                                     "no raw ESP socket, so clients must "
                                     "send ESP in UDP");
}
