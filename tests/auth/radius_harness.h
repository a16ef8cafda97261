/*
 * In-memory harness for the RADIUS client tests: records what the client
 * sends and reports, and builds server replies signed with the test
 * secrets.
 */
#ifndef TESTS_AUTH_RADIUS_HARNESS_H
#define TESTS_AUTH_RADIUS_HARNESS_H

#include <netinet/in.h>

#include "auth/radius_wire.h"
#include "l2tpsec/radius.h"

#define HARNESS_MAX_SENT 128
#define HARNESS_MAX_DONE 16

struct sent_datagram {
  enum l2tpsec_radius_channel channel;
  struct sockaddr_in to;
  uint8_t data[RADIUS_PACKET_MAX];
  size_t len;
};

struct harness {
  l2tpsec_radius_client *client;
  l2tpsec_radius_settings settings;
  l2tpsec_rand_test_state rng;
  struct sent_datagram sent[HARNESS_MAX_SENT];
  size_t sent_count;
  uint64_t done_login[HARNESS_MAX_DONE];
  l2tpsec_radius_auth_result done[HARNESS_MAX_DONE];
  size_t done_count;
  size_t acct_dropped;
  enum l2tpsec_radius_drop_reason last_drop;
  size_t disconnects;
  l2tpsec_radius_disconnect last_disconnect;
  char last_disconnect_user[256];
  int disconnect_result;
  int log_lines;
};

/* Reply options for harness_reply. */
enum {
  REPLY_NO_MA = 1,        /* leave out Message-Authenticator */
  REPLY_BAD_AUTH = 2,     /* corrupt the Response Authenticator */
  REPLY_WRONG_SECRET = 4, /* sign with another secret */
};

/* Fills settings with `servers` servers on 127.0.0.1 (secrets "secret0".."). */
void harness_settings(struct harness *h, size_t servers);
/* Creates the client from h->settings. */
void harness_start(struct harness *h);
void harness_stop(struct harness *h);

/* Address a server replies from: auth (acct == 0) or accounting port. */
struct sockaddr_in harness_server_addr(int server, int acct);
/* Which server the datagram `index` went to, or -1. */
int harness_sent_server(const struct harness *h, size_t index);
const char *harness_secret(int server);

/*
 * Builds a reply with `code` to sent datagram `index`, carrying the given
 * raw attribute bytes, into out; returns its length.
 */
size_t harness_reply(const struct harness *h, size_t index, uint8_t code,
                     const uint8_t *attrs, size_t attrs_len, int options,
                     uint8_t *out);
/* Delivers bytes to the client as if from server `server`. */
int harness_deliver(struct harness *h, int server, int acct,
                    const uint8_t *data, size_t len, l2tpsec_tstamp now);
/* harness_reply + harness_deliver from the server the request went to. */
int harness_answer(struct harness *h, size_t index, uint8_t code,
                   const uint8_t *attrs, size_t attrs_len, int options,
                   l2tpsec_tstamp now);

/* Finds attribute `type` in a packet; returns its value or NULL. */
const uint8_t *harness_find_attr(const uint8_t *pkt, size_t len, uint8_t type,
                                 size_t *vlen);
/* Finds Microsoft vendor attribute `type`; returns its value or NULL. */
const uint8_t *harness_find_ms_attr(const uint8_t *pkt, size_t len,
                                    uint8_t type, size_t *vlen);
uint32_t harness_attr_u32(const uint8_t *pkt, size_t len, uint8_t type);

/* A PAP login request for user "alice" with `password`. */
l2tpsec_radius_auth_request harness_pap_request(const char *password);

#endif
