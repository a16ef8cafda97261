/*
 * State shared by the RADIUS client's files: the client object, its
 * servers and the requests in flight or queued.
 */
#ifndef L2TPSEC_AUTH_RADIUS_INTERNAL_H
#define L2TPSEC_AUTH_RADIUS_INTERNAL_H

#include "auth/radius_wire.h"
#include "core/log_internal.h"
#include "core/ratelimit.h"
#include "l2tpsec/radius.h"

enum radius_kind { RADIUS_KIND_AUTH, RADIUS_KIND_ACCT, RADIUS_KIND_COUNT };

struct radius_server {
  struct sockaddr_storage addr;
  socklen_t addr_len;
  uint16_t port[RADIUS_KIND_COUNT]; /* 0: this kind is not served */
  uint8_t secret[L2TPSEC_RADIUS_SECRET_MAX];
  size_t secret_len;
  l2tpsec_tstamp dead_until; /* skipped before this; 0 when alive */
  /* Identifiers are per destination (address and port), RFC 2865 3. */
  uint8_t next_id[RADIUS_KIND_COUNT];
  uint8_t ids_in_use[RADIUS_KIND_COUNT][32];
};

struct radius_dae_peer {
  struct sockaddr_storage addr;
  uint8_t secret[L2TPSEC_RADIUS_SECRET_MAX];
  size_t secret_len;
};

/* Login material, kept to rebuild the Access-Request for each server. */
struct radius_auth_material {
  char user_name[L2TPSEC_RADIUS_VALUE_MAX + 1];
  enum l2tpsec_radius_method method;
  uint8_t password[L2TPSEC_RADIUS_PASSWORD_MAX];
  size_t password_len;
  uint8_t chap_id;
  uint8_t challenge[L2TPSEC_RADIUS_VALUE_MAX];
  size_t challenge_len;
  uint8_t response[49];
  size_t response_len;
  uint32_t nas_port;
  char calling[L2TPSEC_RADIUS_VALUE_MAX + 1];
  char called[L2TPSEC_RADIUS_VALUE_MAX + 1];
};

/*
 * One request. It is bound to one server at a time (server >= 0) and
 * keeps its Identifier, Request Authenticator and bytes there, so every
 * copy is identical; moving to another server rebuilds it.
 */
struct radius_request {
  enum radius_kind kind;
  uint64_t number; /* login number, or queue order for accounting */
  int server;      /* -1: queued accounting record not sent yet */
  uint32_t tried;  /* bit i: server i was asked in this round */
  uint8_t id;
  uint8_t req_auth[RADIUS_AUTH_LEN];
  uint8_t *pkt;
  size_t pkt_len;
  l2tpsec_tstamp server_deadline; /* give up on this server at */
  l2tpsec_tstamp next_send;       /* next copy at */

  struct radius_auth_material *auth; /* RADIUS_KIND_AUTH */

  uint8_t *attrs; /* RADIUS_KIND_ACCT: encoded attributes */
  size_t attrs_len;
  l2tpsec_tstamp created;
  char session_id[L2TPSEC_RADIUS_VALUE_MAX + 1];
};

/*
 * How many recent Disconnect-Requests are remembered, and for how long,
 * so a retransmitted one gets the same reply without ending sessions
 * again (RFC 5080 section 2.2.2 describes this duplicate detection).
 */
#define RADIUS_DAE_RECENT 16
#define RADIUS_DAE_RECENT_TIME (30 * L2TPSEC_SECONDS)

/* A recent Disconnect-Request and the reply sent to it. */
struct radius_dae_recent {
  struct sockaddr_storage from; /* address and port of the sender */
  uint8_t id;
  uint8_t auth[RADIUS_AUTH_LEN];
  uint8_t reply[64];
  size_t reply_len; /* 0: unused slot */
  l2tpsec_tstamp at;
};

struct l2tpsec_radius_client {
  l2tpsec_radius_settings settings; /* pointers cleared; copies below */
  char nas_identifier[L2TPSEC_RADIUS_VALUE_MAX + 1];
  struct radius_server servers[L2TPSEC_RADIUS_MAX_SERVERS];
  size_t server_count;
  struct radius_dae_peer dae[L2TPSEC_RADIUS_MAX_SERVERS];
  size_t dae_count;

  l2tpsec_radius_callbacks callbacks;
  void *user_data;

  struct radius_request **requests;
  size_t request_count;
  size_t request_cap;
  size_t auth_count;
  size_t acct_in_flight;
  uint64_t next_number;

  struct radius_dae_recent dae_recent[RADIUS_DAE_RECENT];
  size_t dae_recent_next;

  l2tpsec__ratelimit drop_log;
  l2tpsec_radius_stats stats;
};

/* radius_client.c */
int l2tpsec__radius_add_request(l2tpsec_radius_client *c,
                                struct radius_request *req);
void l2tpsec__radius_remove_request(l2tpsec_radius_client *c, size_t index);
void l2tpsec__radius_free_request(l2tpsec_radius_client *c,
                                  struct radius_request *req);
/* Binds a request to the next server and sends its first copy. */
int l2tpsec__radius_start(l2tpsec_radius_client *c, struct radius_request *req,
                          l2tpsec_tstamp now);
void l2tpsec__radius_log_drop(l2tpsec_radius_client *c, l2tpsec_tstamp now,
                              const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* radius_auth.c */
int l2tpsec__radius_build_access_request(l2tpsec_radius_client *c,
                                         struct radius_request *req,
                                         const struct radius_server *server);
/* Handles a verified reply to a login; the request is already removed. */
void l2tpsec__radius_auth_reply(l2tpsec_radius_client *c,
                                struct radius_request *req, const uint8_t *pkt,
                                size_t len, l2tpsec_tstamp now);
void l2tpsec__radius_auth_timeout(l2tpsec_radius_client *c,
                                  struct radius_request *req);

/* radius_acct.c */
int l2tpsec__radius_build_accounting_request(l2tpsec_radius_client *c,
                                             struct radius_request *req,
                                             const struct radius_server *server,
                                             l2tpsec_tstamp now);
/* Sends queued records while fewer than acct_window are in flight. */
void l2tpsec__radius_acct_pump(l2tpsec_radius_client *c, l2tpsec_tstamp now);
void l2tpsec__radius_acct_drop(l2tpsec_radius_client *c,
                               struct radius_request *req,
                               enum l2tpsec_radius_drop_reason reason);

#endif
