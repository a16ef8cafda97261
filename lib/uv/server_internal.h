/* The server object's fields, shared by its setup and data-path files. */
#ifndef L2TPSEC_UV_SERVER_INTERNAL_H
#define L2TPSEC_UV_SERVER_INTERNAL_H

#include <net/if.h>

#include "core/ratelimit.h"
#include "l2tpsec/esp.h"
#include "l2tpsec/ike.h"
#include "l2tpsec/l2tp.h"
#include "l2tpsec/ppp.h"
#include "l2tpsec/server.h"
#include "uv/addr_pool.h"
#include "uv/keymap.h"
#include "uv/loop_timer.h"
#include "uv/transport.h"

/* Tunnels one connection (one ESP SA pair or plain peer) may carry. */
#define L2TPSEC__CONN_MAX_TUNNELS 4

/*
 * Maximum SA pairs of one connection: the current one and its rekeys.
 * With 60 s lifetimes both sides rekey, and a strongSwan client kept five
 * pairs alive at once; at 4 the oldest one, still in use, was evicted and
 * pings were lost. It stays below the IKE layer's 8 quick mode slots per
 * phase-1 SA, so this limit is the one that normally acts.
 */
#define L2TPSEC__CONN_MAX_PAIRS 6

/*
 * One client as the outer layers see it: an ESP SA pair with its outer
 * address and port, or a peer speaking L2TP over plain UDP. Its id is the
 * L2TP transport id and the owner of its outbound SA, so two clients
 * behind one NAT stay apart even with equal tunnel ids.
 */
typedef struct l2tpsec__conn {
  uint64_t id;
  int endpoint;                 /* index of the listen address */
  struct sockaddr_storage peer; /* outer address and port */
  bool natt;                    /* ESP in UDP (RFC 3948), else raw ESP */
  bool plain;                   /* L2TP over plain UDP, no SA */
  uint16_t l2tp_peer_port;      /* inner UDP source port of the client */
  /* SA pairs, oldest first, owned by the SA table; an entry is NULL
   * once the table deleted a hard-expired SA. */
  l2tpsec_esp_sa *in[L2TPSEC__CONN_MAX_PAIRS];
  l2tpsec_esp_sa *out[L2TPSEC__CONN_MAX_PAIRS];
  /* Outbound halves held back after a rekey we started (server_pairs.c),
   * with their keys; NULL where none waits. */
  l2tpsec_esp_sa_settings *held_out[L2TPSEC__CONN_MAX_PAIRS];
  size_t held_count;
  size_t pair_count;
  uint64_t ike_sa_id; /* the IKE SA that negotiated the pairs; 0: none */
  uint16_t tunnels[L2TPSEC__CONN_MAX_TUNNELS];
  size_t tunnel_count;
  char ike_algorithms[48], esp_algorithms[48]; /* for the status */
} l2tpsec__conn;

/* One PPP session inside an L2TP session of a connection. */
typedef struct l2tpsec__session {
  l2tpsec_server *server;
  l2tpsec__timer timer; /* PPP deadlines */
  uint64_t conn_id;
  uint16_t tunnel_id, session_id;
  l2tpsec_ppp *ppp;
  uint32_t inner_address; /* host byte order; 0 before IPCP */
  l2tpsec__addr_pool *lease_pool; /* the pool inner_address came from */
  char user[L2TPSEC_AUTH_NAME_MAX + 1];
  l2tpsec_tstamp started;
  uint64_t packets_in, bytes_in, packets_out, bytes_out;
  /* Accounting and limits, set when IPCP opens (server_limits.c). */
  l2tpsec_auth_attributes attributes; /* copied from the accept */
  char acct_session_id[L2TPSEC_SERVER_ACCT_ID_MAX];
  l2tpsec_tstamp ipcp_up_at;               /* 0 before IPCP */
  l2tpsec_tstamp session_end;              /* Session-Timeout; NEVER for none */
  l2tpsec_tstamp idle_check;               /* next Idle-Timeout check; NEVER */
  l2tpsec_tstamp last_activity;            /* last IP packet either way */
  enum l2tpsec_server_end_cause end_cause; /* NONE while it runs */
  bool end_logged; /* the reason it ended is in the log already */
  bool dead;       /* waiting in the reap list to be freed */
  struct l2tpsec__session *reap_next;
} l2tpsec__session;

/* ESP datagrams of one receive call, decrypted together with
 * l2tpsec_esp_decrypt_batch when the transport batch ends. */
#define L2TPSEC__ESP_BATCH 32
#define L2TPSEC__ESP_HEADROOM 128
/* Room for an ESP datagram of a 1500-byte inner packet; larger ones are
 * decrypted one by one. */
#define L2TPSEC__ESP_SLOT 2048

typedef struct l2tpsec__esp_batch {
  size_t count;
  struct sockaddr_storage peer[L2TPSEC__ESP_BATCH];
  l2tpsec_pkt pkt[L2TPSEC__ESP_BATCH];
  uint8_t storage[L2TPSEC__ESP_BATCH][L2TPSEC__ESP_SLOT];
} l2tpsec__esp_batch;

struct l2tpsec_server {
  uv_loop_t *loop;
  l2tpsec_log log;
  l2tpsec_rand rand;
  l2tpsec_server_callbacks callbacks;
  void *user_data;
  uint8_t *psk;
  size_t psk_len;
  /* The caller's settings, for the certificate fields that IKE copies;
   * valid only during l2tpsec_server_new. */
  const l2tpsec_server_settings *new_settings;
  bool allow_plain_l2tp;
  uint16_t l2tp_port;
  size_t max_plain_peers, plain_peer_count;
  uint16_t natt_port;
  l2tpsec_duration lcp_echo_interval, dpd_delay, dpd_timeout;
  unsigned lcp_echo_failure;

  l2tpsec__transport *transport;
  l2tpsec__addr_pool *pool;
  struct l2tpsec__named_pool *named_pools; /* server_pools.c */
  size_t named_pool_count;
  uint32_t local_address; /* host byte order */
  uint32_t dns[2], nbns[2];

  l2tpsec_esp_table *esp;
  l2tpsec_l2tp *l2tp;
  l2tpsec_ike *ike;
  enum l2tpsec_ike_preset ike_preset;
  enum l2tpsec_auth_method auth_methods[4]; /* all zero: PPP's default */
  l2tpsec__timer ike_timer;
  l2tpsec__keymap conns;    /* conn id -> l2tpsec__conn */
  l2tpsec__keymap sessions; /* tunnel id << 16 | session id -> session */
  l2tpsec__keymap inner;    /* inner IPv4 address -> session */
  uint64_t next_conn_id;
  uint32_t acct_prefix; /* random, so ids differ across restarts */
  uint32_t next_acct_id;
  l2tpsec__session *reap; /* sessions to free after the current event */
  /* Connections to end at the next loop turn (server_dead_peer.c). */
  uint64_t dead_peers[16];
  size_t dead_peer_count;
  l2tpsec__timer dead_peer_timer;
  l2tpsec__timer l2tp_timer, esp_timer;

  int tun_fd;
  bool tun_owned; /* the library opened tun_fd and closes it */
  bool tun_polling;
  uv_poll_t tun_poll;
  char tun_name[IFNAMSIZ];
  unsigned tun_mtu;

  l2tpsec__loop_timer timer;
  bool timer_open;
  bool refresh_pending; /* timers to re-arm when the transport batch ends */
  int pending_closes;

  l2tpsec_server_stats stats;
  l2tpsec__ratelimit drop_log;
  /* New plain-L2TP tunnels per source (server_plain_limit.c). */
  struct l2tpsec__plain_source *plain_sources; /* NULL until needed */
  l2tpsec__ratelimit plain_log;
  uint8_t rx_storage[65536 + 256];
  uint8_t tun_storage[65536 + 256];
  uint8_t fragment_storage[65536 + 256]; /* one fragment of tun_storage */
  l2tpsec__esp_batch esp_batch;
};

/* Receives every datagram of the outer sockets (l2tpsec__rx_fn). */
void l2tpsec__server_on_outer(void *user_data, enum l2tpsec__rx_kind kind,
                              const l2tpsec__endpoint *endpoint,
                              const struct sockaddr *peer, const uint8_t *data,
                              size_t len);

/* Reads every packet the kernel queued on the TUN device (uv_poll_cb). */
void l2tpsec__server_on_tun(uv_poll_t *handle, int status, int events);

/* Creates the ESP table, the L2TP endpoint and the id maps. */
int l2tpsec__server_layers_init(l2tpsec_server *server);

/* Frees every session, connection and layer object. */
void l2tpsec__server_layers_free(l2tpsec_server *server);

/* Decrypts the ESP queued during a transport batch and re-arms the
 * timers deferred in it (l2tpsec__transport_settings.batch_end). */
void l2tpsec__server_batch_end(void *user_data);

/* Re-arms the L2TP endpoint's and the ESP table's timers. */
void l2tpsec__server_refresh_timers(l2tpsec_server *server);

/*
 * Adds a connection with its inbound and outbound SA, as the IKE
 * responder does after quick mode. The SA settings' owner is replaced by
 * the connection id. Returns 0 and the id, or the ESP layer's error.
 */
int l2tpsec__server_add_conn(l2tpsec_server *server, int endpoint,
                             const struct sockaddr *peer, bool natt,
                             const l2tpsec_esp_sa_settings *in,
                             const l2tpsec_esp_sa_settings *out,
                             uint64_t *conn_id);

/*
 * Adds an SA pair to an existing connection, as a quick-mode rekey does;
 * the newest outbound SA is used from then on. A connection that has
 * L2TPSEC__CONN_MAX_PAIRS pairs loses its oldest first. `out` may be
 * NULL: the pair then only decrypts until l2tpsec__server_finish_pair
 * adds its outbound half. Returns 0 or the ESP layer's error.
 */
int l2tpsec__server_add_pair(l2tpsec_server *server, l2tpsec__conn *conn,
                             const l2tpsec_esp_sa_settings *in,
                             const l2tpsec_esp_sa_settings *out);

/*
 * Adds a pair from a rekey we started. The client cannot decrypt the new
 * outbound SA before it has processed our QM3, so that half is held back
 * until the client sends on the pair, or until no older outbound SA is
 * left. Without an outbound SA to keep using, it is added at once.
 */
int l2tpsec__server_add_pair_held(l2tpsec_server *server, l2tpsec__conn *conn,
                                  const l2tpsec_esp_sa_settings *in,
                                  const l2tpsec_esp_sa_settings *out);

/*
 * Adds the outbound half to the pair whose inbound SPI is `spi_in` and
 * that has none yet, holding it back as l2tpsec__server_add_pair_held
 * does when `hold` is set. Returns L2TPSEC_ERR_NOT_FOUND when there is
 * no such pair, or the ESP layer's error.
 */
int l2tpsec__server_finish_pair(l2tpsec_server *server, uint32_t spi_in,
                                const l2tpsec_esp_sa_settings *out, bool hold);

/* Puts the held outbound half of the pair of `in` into use, after a
 * packet decrypted with `in`. */
void l2tpsec__server_use_held_out(l2tpsec_server *server, l2tpsec_esp_sa *in);

/* Puts the newest held outbound half of conn into use and returns it,
 * or NULL when none is held. For a connection with no other outbound SA
 * left. */
l2tpsec_esp_sa *l2tpsec__server_release_newest_held(l2tpsec_server *server,
                                                    l2tpsec__conn *conn);

/* Deletes the SAs and held halves of every pair of conn. */
void l2tpsec__server_free_pairs(l2tpsec_server *server, l2tpsec__conn *conn);

/* Frees only the held halves of conn, for a server whose ESP table goes
 * away with all its SAs. */
void l2tpsec__server_forget_pairs(l2tpsec__conn *conn);

/*
 * Ends a connection whose last SA pair is gone, `spi_in` naming it in
 * the log: its tunnels and sessions are freed at once without StopCCN.
 */
void l2tpsec__server_abort_conn(l2tpsec_server *server, l2tpsec__conn *conn,
                                uint32_t spi_in);

/*
 * Removes the SA pair whose inbound SPI is `spi_in`. With its last pair
 * the connection goes too, and its tunnels and sessions are freed at once
 * without a StopCCN, which no SA could carry. Returns
 * L2TPSEC_ERR_NOT_FOUND when no connection has that SPI.
 */
int l2tpsec__server_remove_pair(l2tpsec_server *server, uint32_t spi_in);

/*
 * Tears a connection down: StopCCN on its tunnels (which ends their
 * sessions, PPP and addresses), then removes its SAs. Returns
 * L2TPSEC_ERR_NOT_FOUND for an unknown id.
 */
int l2tpsec__server_remove_conn(l2tpsec_server *server, uint64_t conn_id);

/* Handles a decrypted or plain L2TP datagram of a connection; returns
 * what l2tpsec_l2tp_input returned. */
int l2tpsec__server_l2tp_input(l2tpsec_server *server, l2tpsec__conn *conn,
                               const uint8_t *data, size_t len);

/* Starts PPP for an L2TP session that came up. */
void l2tpsec__server_session_up(l2tpsec_server *server,
                                const l2tpsec_l2tp_event *event);

/* Ends the PPP session of an L2TP session that went down. */
void l2tpsec__server_session_down(l2tpsec_server *server,
                                  const l2tpsec_l2tp_event *event);

/* Feeds a PPP frame that L2TP delivered to its session. */
void l2tpsec__server_ppp_input(l2tpsec_server *server, uint16_t tunnel_id,
                               uint16_t session_id, const uint8_t *frame,
                               size_t len);

/* Sends an IP packet read from the TUN device to its session. */
void l2tpsec__server_route_inner(l2tpsec_server *server, l2tpsec_pkt *pkt);

/* Creates the IKE responder; l2tpsec__server_layers_init calls it. */
int l2tpsec__server_ike_init(l2tpsec_server *server);
/* Turns on the responder's fake_client_nat when mode is AUTO and a
 * listen address has no raw ESP socket; runs once the sockets are
 * open. */
void l2tpsec__server_ike_transport_ready(l2tpsec_server *server,
                                         enum l2tpsec_server_fake_nat mode);

/* Feeds an IKE message (non-ESP marker already removed) to IKE. */
void l2tpsec__server_ike_input(l2tpsec_server *server,
                               const l2tpsec__endpoint *endpoint,
                               const struct sockaddr *peer, const uint8_t *data,
                               size_t len);

/*
 * Ends a connection whose client stopped answering, with its tunnels,
 * ESP SAs and IKE SA, at the next loop turn: safe to call from any layer
 * callback.
 */
void l2tpsec__server_drop_dead_peer(l2tpsec_server *server, uint64_t conn_id);

/* Frees every session at server deletion, without reports. */
void l2tpsec__server_free_sessions(l2tpsec_server *server);

/* Frees the sessions that died during the current event. */
void l2tpsec__server_reap(l2tpsec_server *server);

/* A pool with a name, for RADIUS Framed-Pool. */
struct l2tpsec__named_pool {
  char name[64];
  l2tpsec__addr_pool *pool;
};

/*
 * Creates the named pools of the settings, with the main pool's DNS and
 * NBNS servers and without the local address, and lowers *prefix so the
 * TUN route covers them too. Returns 0 or L2TPSEC_ERR_CONFIG (logged)
 * for a bad name or range or ranges overlapping any pool's, or
 * L2TPSEC_ERR_NOMEM.
 */
int l2tpsec__server_named_pools_init(l2tpsec_server *server,
                                     const l2tpsec_server_settings *s,
                                     unsigned *prefix);

/* Frees the named pools. */
void l2tpsec__server_named_pools_free(l2tpsec_server *server);

/* Returns the pool called `name`, the main pool for "", or NULL. */
l2tpsec__addr_pool *l2tpsec__server_pool_named(const l2tpsec_server *server,
                                              const char *name);

/* Returns the addresses leased from every named pool. */
size_t l2tpsec__server_named_leased(const l2tpsec_server *server);

/* Re-arms the session's timer for PPP and its limits. */
void l2tpsec__session_refresh(l2tpsec__session *s);

/* Gives a session that reached IPCP its accounting id and limits. */
void l2tpsec__session_limits_start(l2tpsec__session *s, l2tpsec_tstamp now);

/* Returns the earlier of the session's timeout and idle deadlines. */
l2tpsec_tstamp l2tpsec__session_limits_deadline(const l2tpsec__session *s);

/* Ends the session when a timeout is due at `now`; true when it did. */
bool l2tpsec__session_limits_check(l2tpsec__session *s, l2tpsec_tstamp now);

/* Starts closing PPP and records `cause` unless one is already set. */
void l2tpsec__session_end(l2tpsec__session *s,
                          enum l2tpsec_server_end_cause cause);

/* Records the cause PPP's end implies, unless one is set already. */
void l2tpsec__session_note_ppp_down(l2tpsec__session *s,
                                    enum l2tpsec_ppp_down_reason reason);

/* Records the cause an L2TP session's end implies, unless one is set. */
void l2tpsec__session_note_l2tp_down(l2tpsec__session *s,
                                     enum l2tpsec_l2tp_reason reason);

/* Records `cause` on every session of the connection with that
 * inbound SPI, before IKE's removal of the SA closes them. */
void l2tpsec__server_note_sa_down(l2tpsec_server *server, uint32_t spi_in,
                                  enum l2tpsec_server_end_cause cause);

/*
 * Returns false for a plain L2TP datagram that asks for a new tunnel
 * when its source address has asked for too many lately; counts and
 * logs the drop.
 */
bool l2tpsec__server_plain_allowed(l2tpsec_server *server,
                                   const struct sockaddr *peer,
                                   const uint8_t *data, size_t len);

/* Frees the per-source state of l2tpsec__server_plain_allowed. */
void l2tpsec__server_plain_limit_free(l2tpsec_server *server);

/* Returns the address of a sockaddr as "a.b.c.d:port" text. */
const char *l2tpsec__sockaddr_text(const struct sockaddr *sa, char *buf,
                                   size_t cap);

#endif
