/*
 * Two PPP endpoints wired back to back in memory through a lossy link:
 * each frame may be lost, duplicated or delayed by a random amount (so
 * frames overtake each other), decided by a seeded generator so every
 * run is repeatable.
 */
#ifndef PPP_HARNESS_H
#define PPP_HARNESS_H

#include <stdbool.h>

#include "l2tpsec/l2tpsec.h"
#include "l2tpsec/ppp.h"

#define HARNESS_MAX_FRAMES 512
#define HARNESS_FRAME_MAX 1600

struct harness_frame {
  bool used;
  int to; /* 0 = server, 1 = client */
  l2tpsec_tstamp at;
  size_t len;
  uint8_t data[HARNESS_FRAME_MAX];
};

/* How the server's auth callback answers. */
enum harness_auth_mode {
  AUTH_MODE_SECRET = 0, /* accept when the secret matches, at once */
  AUTH_MODE_DEFER,      /* keep the request; the test completes it */
  AUTH_MODE_CALLBACK,   /* call a test-provided function */
};

struct harness_end {
  l2tpsec_ppp *ppp;
  struct harness *h;
  int index;
  int ipcp_up, ipcp_down, ipv6cp_up, auth_success, auth_failure, dead;
  enum l2tpsec_ppp_down_reason down_reason;
  enum l2tpsec_auth_reason last_auth_reason;
  uint8_t local_address[4], peer_address[4], dns[2][4];
  int ip_delivered;
  uint8_t last_ip[HARNESS_FRAME_MAX];
  size_t last_ip_len;
  size_t max_frame_sent; /* largest information field sent, bytes */
};

struct harness {
  struct harness_end end[2]; /* [0] server, [1] client */
  struct harness_frame frames[HARNESS_MAX_FRAMES];
  l2tpsec_tstamp now;
  l2tpsec_rand_test_state net_rng, rng[2];
  l2tpsec_rand rand_net;

  /* Impairment in percent, and delay range in milliseconds. */
  unsigned loss, duplicate;
  unsigned delay_min_ms, delay_max_ms;
  bool cut; /* drop everything (peer that never answers) */
  bool cut_to_server, cut_to_client;

  enum harness_auth_mode auth_mode;
  const char *secret; /* AUTH_MODE_SECRET */
  const l2tpsec_auth_request *pending; /* AUTH_MODE_DEFER */
  int auth_requests, auth_cancels;
  void (*auth_fn)(struct harness *h, const l2tpsec_auth_request *req);
  void *auth_ctx;

  uint8_t pool_address[4];
  int addresses_held;

  /* Run only one end: the test plays the other by hand. */
  bool server_only, client_only;

  /* Every frame either end sent, oldest first (the last 64). */
  struct {
    int from;
    size_t len;
    uint8_t data[HARNESS_FRAME_MAX];
  } sent[64];
  int sent_count;

  /* Optional tap on every frame handed to the link; returning true
   * drops the frame. */
  bool (*tap)(struct harness *h, int from, const uint8_t *frame, size_t len);
  void *tap_ctx;
};

/* Fills settings with test defaults: deterministic random source,
 * short echo interval off. */
void harness_settings(struct harness *h, int index, l2tpsec_ppp_settings *s);

/* Creates both ends from the given settings (NULL: defaults). */
void harness_start(struct harness *h, uint64_t seed,
                   const l2tpsec_ppp_settings *server,
                   const l2tpsec_ppp_settings *client);
void harness_stop(struct harness *h);

/* Runs events until `until` or until pred(h) is true; returns pred's
 * final value (or false without pred). */
bool harness_run(struct harness *h, l2tpsec_tstamp until,
                 bool (*pred)(struct harness *h));

bool harness_both_up(struct harness *h);
bool harness_any_dead(struct harness *h);

/* Injects raw bytes into one end as if received. */
int harness_inject(struct harness *h, int to, const uint8_t *frame,
                   size_t len);

/* Returns the latest frame `from` sent with this PPP protocol and code
 * (code -1: any), with FF 03 and the protocol stripped, or NULL. */
const uint8_t *harness_find_sent(struct harness *h, int from,
                                 uint16_t protocol, int code, size_t *len);

/* Sends an IPv4 packet of `len` bytes from one end through PPP. */
int harness_send_ip(struct harness *h, int from, size_t len, uint8_t tag);

#endif
