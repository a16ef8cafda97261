/*
 * The timers of IKE, in memory: rekeying and lifetimes of both phases, DPD
 * after a phase-1 expiry, the responder's own retransmissions and
 * NAT-keepalives. A client and a server
 * l2tpsec_ike back to back, optionally through a NAT, with a stand-in for
 * the ESP layer. Each side sends one data packet per second under the
 * pair it installed last, and the receiver accepts it when it still has
 * a pair with that inbound SPI, as an ESP layer that follows the
 * child_sa_up and child_sa_down callbacks would. A rekey must lose none of
 * these packets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ike/ike_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/ike.h"

#define MAX_QUEUE 256
#define MAX_PAIRS 64

static const l2tpsec_ike_endpoint client_private = {4, {192, 0, 2, 10}, 500};
static const l2tpsec_ike_endpoint server_addr = {4, {198, 51, 100, 1}, 500};
static const uint8_t nat_public[4] = {203, 0, 113, 5};

/* A datagram on the wire: IKE bytes, or a data packet (len 0) that
 * carries only its SPI. */
typedef struct packet {
  l2tpsec_ike_endpoint from, to;
  uint8_t data[4096];
  size_t len;
  uint32_t spi;
} packet;

typedef struct pair {
  l2tpsec_ike_child_sa sa;
  bool live;
  enum l2tpsec_ike_down_reason reason;
} pair;

struct net;

typedef struct side {
  struct net *net;
  l2tpsec_ike *ike;
  bool is_client;
  pair pairs[MAX_PAIRS];
  size_t n_pairs;
  size_t newest; /* index of the pair installed last */
  unsigned max_live;
  unsigned ike_up, ike_down, rekeyed_down, children_down;
  unsigned data_received, data_lost, data_unsent;
  unsigned ike_sent; /* IKE datagrams, lost ones included */
  unsigned keepalives;
  l2tpsec_ike_endpoint keepalive_from, keepalive_to;
} side;

typedef struct net {
  side client, server;
  bool nat;
  packet *queue; /* MAX_QUEUE entries, oldest first */
  size_t n;
  l2tpsec_tstamp now;
  l2tpsec_tstamp next_data; /* NEVER while no traffic runs */
  unsigned ike_sent;        /* IKE datagrams, both directions */
  unsigned drop_base;       /* drop_mask counts from this datagram */
  uint64_t drop_mask;
  bool blackhole;
  l2tpsec_rand_test_state rand_state[2];
} net;

static uint16_t nat_port(uint16_t inside) {
  return inside == 500 ? 40500 : 44500;
}

static uint16_t inside_port(uint16_t outside) {
  return outside == 40500 ? 500 : 4500;
}

/* Rewrites the endpoints as the NAT in front of the client would. */
static void translate(const net *n, bool from_client,
                      l2tpsec_ike_endpoint *from, l2tpsec_ike_endpoint *to) {
  if (!n->nat)
    return;
  if (from_client) {
    memcpy(from->addr, nat_public, 4);
    from->port = nat_port(from->port);
  } else {
    uint16_t port = inside_port(to->port);
    *to = client_private;
    to->port = port;
  }
}

static void enqueue(net *n, const packet *p) {
  assert_true(n->n < MAX_QUEUE);
  n->queue[n->n++] = *p;
}

static bool lost(net *n) {
  unsigned index = n->ike_sent++;

  if (n->blackhole)
    return true;
  if (index < n->drop_base || index - n->drop_base >= 64)
    return false;
  return (n->drop_mask >> (index - n->drop_base)) & 1;
}

static int on_send(void *user_data, const uint8_t *data, size_t len,
                   const l2tpsec_ike_endpoint *local,
                   const l2tpsec_ike_endpoint *remote) {
  side *s = user_data;
  net *n = s->net;
  packet p = {.from = *local, .to = *remote, .len = len};

  assert_true(len <= sizeof(p.data));
  s->ike_sent++;
  if (lost(n))
    return 0;
  memcpy(p.data, data, len);
  translate(n, s->is_client, &p.from, &p.to);
  enqueue(n, &p);
  return 0;
}

static unsigned live_pairs(const side *s) {
  unsigned live = 0;

  for (size_t i = 0; i < s->n_pairs; i++)
    live += s->pairs[i].live;
  return live;
}

static int on_child_up(void *user_data, const l2tpsec_ike_child_sa *sa) {
  side *s = user_data;

  assert_true(s->n_pairs < MAX_PAIRS);
  s->pairs[s->n_pairs] = (pair){.sa = *sa, .live = true};
  s->newest = s->n_pairs++;
  if (live_pairs(s) > s->max_live)
    s->max_live = live_pairs(s);
  return 0;
}

static void on_child_down(void *user_data, uint32_t spi_in, uint32_t spi_out,
                          enum l2tpsec_ike_down_reason reason) {
  side *s = user_data;

  for (size_t i = 0; i < s->n_pairs; i++) {
    pair *p = &s->pairs[i];
    if (p->live && p->sa.spi_in == spi_in) {
      assert_int_equal(p->sa.spi_out, spi_out);
      p->live = false;
      p->reason = reason;
      s->children_down++;
      return;
    }
  }
  fail_msg("child_sa_down for SPI 0x%08x, which is not installed", spi_in);
}

static void on_ike_up(void *user_data, uint64_t id,
                      const l2tpsec_ike_endpoint *remote) {
  side *s = user_data;
  s->ike_up++;
}

static void on_ike_down(void *user_data, uint64_t id,
                        enum l2tpsec_ike_down_reason reason) {
  side *s = user_data;

  s->ike_down++;
  if (reason == L2TPSEC_IKE_DOWN_REKEYED)
    s->rekeyed_down++;
}

static void on_keepalive(void *user_data, const l2tpsec_ike_endpoint *local,
                         const l2tpsec_ike_endpoint *remote) {
  side *s = user_data;

  s->keepalives++;
  s->keepalive_from = *local;
  s->keepalive_to = *remote;
}

static const l2tpsec_ike_callbacks callbacks = {
    .send = on_send,
    .child_sa_up = on_child_up,
    .child_sa_down = on_child_down,
    .ike_sa_up = on_ike_up,
    .ike_sa_down = on_ike_down,
    .send_keepalive = on_keepalive,
};

/* ---- Data traffic ------------------------------------------------------- */

/* Sends one data packet from s under its newest live pair. */
static void send_data(net *n, side *s) {
  packet p = {0};

  if (s->n_pairs == 0 || !s->pairs[s->newest].live) {
    s->data_unsent++;
    return;
  }
  p.from = s->is_client ? client_private : server_addr;
  p.to = s->is_client ? server_addr : client_private;
  p.spi = s->pairs[s->newest].sa.spi_out;
  translate(n, s->is_client, &p.from, &p.to);
  enqueue(n, &p);
}

static void receive_data(side *s, uint32_t spi) {
  for (size_t i = 0; i < s->n_pairs; i++) {
    if (s->pairs[i].live && s->pairs[i].sa.spi_in == spi) {
      s->data_received++;
      return;
    }
  }
  s->data_lost++;
}

/* ---- The simulation loop ------------------------------------------------- */

static void deliver_one(net *n) {
  packet p = n->queue[0];
  bool to_server = memcmp(p.to.addr, server_addr.addr, 4) == 0;
  side *s = to_server ? &n->server : &n->client;

  memmove(n->queue, n->queue + 1, (n->n - 1) * sizeof(n->queue[0]));
  n->n--;
  if (p.len == 0) {
    receive_data(s, p.spi);
    return;
  }
  assert_int_equal(
      l2tpsec_ike_input(s->ike, p.data, p.len, &p.to, &p.from, n->now), 0);
}

static l2tpsec_tstamp earliest(const net *n) {
  l2tpsec_tstamp a = l2tpsec_ike_next_deadline(n->client.ike);
  l2tpsec_tstamp b = l2tpsec_ike_next_deadline(n->server.ike);
  l2tpsec_tstamp t = a < b ? a : b;

  return n->next_data < t ? n->next_data : t;
}

/* Runs the network for `span`; time jumps to each timer or data tick. */
static void run(net *n, l2tpsec_duration span) {
  l2tpsec_tstamp end = n->now + span;

  for (;;) {
    if (n->n > 0) {
      deliver_one(n);
      continue;
    }
    l2tpsec_tstamp t = earliest(n);
    if (t > end)
      break;
    n->now = t > n->now ? t : n->now;
    if (n->now >= n->next_data) {
      send_data(n, &n->client);
      send_data(n, &n->server);
      n->next_data = n->now + L2TPSEC_SECONDS;
    }
    assert_int_equal(l2tpsec_ike_handle_timeout(n->client.ike, n->now), 0);
    assert_int_equal(l2tpsec_ike_handle_timeout(n->server.ike, n->now), 0);
  }
  n->now = end;
}

static void print_log(void *user_data, enum l2tpsec_log_level level,
                      enum l2tpsec_log_category category, const char *message) {
  fprintf(stderr, "%s: %s\n", (const char *)user_data, message);
}

static void base_settings(l2tpsec_ike_settings *s, net *n, int which) {
  static const uint8_t psk[] = "rekey test pre-shared key";

  l2tpsec_ike_settings_default(s);
  s->rand = l2tpsec_rand_test(&n->rand_state[which], 2000 + which);
  s->psk = psk;
  s->psk_len = sizeof(psk) - 1;
  s->dpd_delay = 0;
  if (getenv("IKE_REKEY_LOG") != NULL)
    s->log = (l2tpsec_log){print_log, which ? "server" : "client",
                           L2TPSEC_LOG_DEBUG};
}

/* Creates both sides and sends the client's MM1. */
static void begin(net *n, const l2tpsec_ike_settings *cs,
                  const l2tpsec_ike_settings *ss, bool nat) {
  l2tpsec_rand_test_state seeded[2];
  l2tpsec_ike_endpoint server = server_addr;

  memcpy(seeded, n->rand_state, sizeof(seeded));
  memset(n, 0, sizeof(*n));
  memcpy(n->rand_state, seeded, sizeof(seeded));
  n->queue = calloc(MAX_QUEUE, sizeof(*n->queue));
  assert_non_null(n->queue);
  n->nat = nat;
  n->now = 1000 * L2TPSEC_SECONDS;
  n->next_data = L2TPSEC_TSTAMP_NEVER;
  n->client = (side){.net = n, .is_client = true};
  n->server = (side){.net = n};
  assert_int_equal(l2tpsec_ike_new(&n->client.ike, cs, &callbacks, &n->client),
                   0);
  assert_int_equal(l2tpsec_ike_new(&n->server.ike, ss, &callbacks, &n->server),
                   0);
  assert_int_equal(l2tpsec_ike_connect(n->client.ike, &client_private, &server,
                                       n->now, NULL),
                   0);
}

/* Creates both sides, connects and starts the data traffic. */
static void start(net *n, const l2tpsec_ike_settings *cs,
                  const l2tpsec_ike_settings *ss, bool nat) {
  begin(n, cs, ss, nat);
  run(n, 5 * L2TPSEC_SECONDS);
  assert_int_equal(n->client.n_pairs, 1);
  assert_int_equal(n->server.n_pairs, 1);
  n->next_data = n->now;
}

static void finish(net *n) {
  l2tpsec_ike_del(n->client.ike);
  l2tpsec_ike_del(n->server.ike);
  free(n->queue);
}

static l2tpsec_ike_stats stats_of(const side *s) {
  l2tpsec_ike_stats st;

  l2tpsec_ike_get_stats(s->ike, &st);
  return st;
}

/* Both sides installed the same pairs, mirrored, in the same order. */
static void expect_mirrored_pairs(const net *n) {
  assert_int_equal(n->client.n_pairs, n->server.n_pairs);
  for (size_t i = 0; i < n->client.n_pairs; i++) {
    const l2tpsec_ike_child_sa *c = &n->client.pairs[i].sa;
    const l2tpsec_ike_child_sa *s = &n->server.pairs[i].sa;
    assert_int_equal(c->spi_in, s->spi_out);
    assert_int_equal(c->spi_out, s->spi_in);
    assert_memory_equal(c->encr_key_in, s->encr_key_out, c->encr_key_len);
    assert_memory_equal(c->encr_key_out, s->encr_key_in, c->encr_key_len);
    assert_memory_equal(c->integ_key_in, s->integ_key_out, c->integ_key_len);
    assert_int_not_equal(c->initiator, s->initiator);
  }
}

/* Every pair before the last two ended by running out, the one before
 * the newest may still run out its lifetime, and the newest is live. */
static void expect_old_pairs_expired(const side *s) {
  for (size_t i = 0; i + 1 < s->n_pairs; i++) {
    if (i + 2 == s->n_pairs && s->pairs[i].live)
      continue;
    assert_false(s->pairs[i].live);
    assert_int_equal(s->pairs[i].reason, L2TPSEC_IKE_DOWN_EXPIRED);
  }
  assert_true(s->pairs[s->newest].live);
}

static void expect_no_data_lost(const net *n, unsigned seconds) {
  assert_int_equal(n->client.data_lost, 0);
  assert_int_equal(n->server.data_lost, 0);
  assert_int_equal(n->client.data_unsent, 0);
  assert_int_equal(n->server.data_unsent, 0);
  assert_true(n->client.data_received >= seconds - 1);
  assert_true(n->server.data_received >= seconds - 1);
}

/* ---- Child SA rekeying --------------------------------------------------- */

/* ESP lifetime 60 s, rekeyed by one side only, for 300 s of traffic. */
static void child_rekey_by(bool client_rekeys, bool nat) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.esp_lifetime = ss.esp_lifetime = 60;
  cs.rekey = client_rekeys;
  ss.rekey = !client_rekeys;
  start(&n, &cs, &ss, nat);
  run(&n, 300 * L2TPSEC_SECONDS);

  /* A new pair 30 to 45 s into each 60 s lifetime: at least 6 more. */
  assert_true(n.client.n_pairs >= 7);
  expect_mirrored_pairs(&n);
  for (size_t i = 1; i < n.client.n_pairs; i++)
    assert_int_equal(n.client.pairs[i].sa.initiator, client_rekeys);
  expect_old_pairs_expired(&n.client);
  expect_old_pairs_expired(&n.server);
  assert_int_equal(n.client.max_live, 2);
  assert_int_equal(n.server.max_live, 2);
  expect_no_data_lost(&n, 300);
  assert_int_equal(n.client.ike_down, 0);
  assert_int_equal(stats_of(&n.server).ike_sas, 1);
  finish(&n);
}

static void child_rekey_by_initiator(void **state) {
  child_rekey_by(true, false);
}

static void child_rekey_by_responder(void **state) {
  child_rekey_by(false, true);
}

/* Both sides rekey; the jitter lets one of them go first each time, and
 * the other, seeing a newer pair, does not start a second one. */
static void child_rekey_by_both(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.esp_lifetime = ss.esp_lifetime = 60;
  start(&n, &cs, &ss, true);
  run(&n, 300 * L2TPSEC_SECONDS);

  assert_true(n.client.n_pairs >= 7);
  expect_mirrored_pairs(&n);
  assert_true(n.client.max_live <= 3);
  expect_no_data_lost(&n, 300);
  finish(&n);
}

/* The quick mode of a rekey loses its QM1 or QM2 (or both, once each):
 * the retransmissions carry it, and no data packet is lost. */
static void child_rekey_with_loss(void **state) {
  static const uint64_t masks[] = {0x1, 0x2, 0x3, 0x5};

  for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
    l2tpsec_ike_settings cs, ss;
    net n;

    base_settings(&cs, &n, 0);
    base_settings(&ss, &n, 1);
    cs.esp_lifetime = ss.esp_lifetime = 60;
    ss.rekey = false;
    start(&n, &cs, &ss, false);
    n.drop_base = n.ike_sent;
    n.drop_mask = masks[m];
    run(&n, 58 * L2TPSEC_SECONDS);

    assert_int_equal(n.client.n_pairs, 2);
    expect_mirrored_pairs(&n);
    assert_true(
        stats_of(&n.client).retransmits + stats_of(&n.server).retransmits >= 1);
    expect_no_data_lost(&n, 58);
    finish(&n);
  }
}

/* Without rekeying a pair ends at its lifetime on both sides. */
static void child_expiry_without_rekey(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.esp_lifetime = ss.esp_lifetime = 60;
  cs.rekey = ss.rekey = false;
  start(&n, &cs, &ss, false);
  /* start() returns 5 s after the pair came up. */
  run(&n, 54 * L2TPSEC_SECONDS);
  assert_int_equal(n.client.children_down, 0);

  run(&n, 2 * L2TPSEC_SECONDS);
  assert_int_equal(n.client.n_pairs, 1);
  assert_int_equal(n.client.children_down, 1);
  assert_int_equal(n.server.children_down, 1);
  assert_int_equal(n.client.pairs[0].reason, L2TPSEC_IKE_DOWN_EXPIRED);
  assert_int_equal(n.server.pairs[0].reason, L2TPSEC_IKE_DOWN_EXPIRED);
  /* Phase 1 lives on; traffic stops with the pair. */
  assert_int_equal(n.client.ike_down, 0);
  run(&n, 5 * L2TPSEC_SECONDS);
  assert_true(n.client.data_unsent >= 4);
  assert_true(n.server.data_unsent >= 4);
  finish(&n);
}

/* ---- Phase-1 rekeying ---------------------------------------------------- */

/* ISAKMP lifetime 60 s and ESP 90 s, rekeyed by the given sides for
 * 600 s: the child SAs move to each new phase 1 and are rekeyed there. */
static void both_phases(bool client_rekeys, bool server_rekeys) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.ike_lifetime = ss.ike_lifetime = 60;
  cs.esp_lifetime = ss.esp_lifetime = 90;
  cs.rekey = client_rekeys;
  ss.rekey = server_rekeys;
  start(&n, &cs, &ss, true);
  run(&n, 600 * L2TPSEC_SECONDS);

  /* A new phase 1 at most 45 s into each 60 s: at least 13 more. */
  assert_true(n.client.ike_up >= 14);
  assert_true(n.server.ike_up >= 14);
  assert_true(n.client.rekeyed_down + n.server.rekeyed_down >= 13);
  assert_true(stats_of(&n.client).ike_sas <= 2);
  assert_true(stats_of(&n.server).ike_sas <= 2);
  assert_true(n.client.n_pairs >= 9);
  expect_mirrored_pairs(&n);
  expect_old_pairs_expired(&n.client);
  expect_old_pairs_expired(&n.server);
  expect_no_data_lost(&n, 600);
  assert_int_equal(stats_of(&n.client).drop_integrity, 0);
  assert_int_equal(stats_of(&n.server).drop_integrity, 0);
  finish(&n);
}

static void phase1_rekey_by_initiator(void **state) {
  both_phases(true, false);
}

static void phase1_rekey_by_responder(void **state) {
  both_phases(false, true);
}

static void phase1_rekey_by_both(void **state) {
  both_phases(true, true);
}

/* ---- Phase-1 expiry and DPD --------------------------------------------- */

/*
 * ISAKMP lifetime 60 s, ESP 3600 s, DPD 10 s / 30 s, no rekeying, 300 s
 * of traffic. A gateway once deleted the healthy ESP SA when the first
 * DPD after the phase-1 expiry found no ISAKMP SA. Here DPD starts a new
 * phase 1, which takes over the pair, and nothing is lost.
 */
static void phase1_expiry_dpd_keeps_child(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.ike_lifetime = ss.ike_lifetime = 60;
  cs.rekey = ss.rekey = false;
  cs.dpd_delay = ss.dpd_delay = 10 * L2TPSEC_SECONDS;
  cs.dpd_timeout = ss.dpd_timeout = 30 * L2TPSEC_SECONDS;
  start(&n, &cs, &ss, true);
  run(&n, 300 * L2TPSEC_SECONDS);

  assert_int_equal(n.client.children_down, 0);
  assert_int_equal(n.server.children_down, 0);
  assert_int_equal(n.client.n_pairs, 1);
  assert_true(n.client.ike_up >= 4);
  assert_true(n.server.ike_up >= 4);
  expect_no_data_lost(&n, 300);
  finish(&n);
}

/* The same with rekeying on: each new phase 1 comes before the old one
 * expires, so none ever expires. */
static void phase1_rekey_with_dpd(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.ike_lifetime = ss.ike_lifetime = 60;
  cs.dpd_delay = ss.dpd_delay = 10 * L2TPSEC_SECONDS;
  cs.dpd_timeout = ss.dpd_timeout = 30 * L2TPSEC_SECONDS;
  start(&n, &cs, &ss, true);
  run(&n, 300 * L2TPSEC_SECONDS);

  assert_int_equal(n.client.children_down, 0);
  assert_int_equal(n.server.children_down, 0);
  assert_true(n.client.ike_up >= 6);
  for (ike_sa *sa = n.client.ike->sas; sa != NULL; sa = sa->next)
    assert_int_not_equal(sa->state, IKE_P1_GONE);
  expect_no_data_lost(&n, 300);
  finish(&n);
}

/* After the phase-1 expiry the peer dies: the new phase 1 never comes,
 * and the pair ends when the probe's timeout has passed, not before. */
static void phase1_expiry_dead_peer(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.ike_lifetime = ss.ike_lifetime = 60;
  cs.rekey = ss.rekey = false;
  cs.dpd_delay = ss.dpd_delay = 10 * L2TPSEC_SECONDS;
  cs.dpd_timeout = ss.dpd_timeout = 30 * L2TPSEC_SECONDS;
  start(&n, &cs, &ss, false);
  run(&n, 61 * L2TPSEC_SECONDS);
  assert_int_equal(n.client.ike_down, 1);
  n.blackhole = true;

  /* The probe starts at most 10 s after the expiry; its phase 1 gets
   * 30 s before the pair goes. */
  run(&n, 9 * L2TPSEC_SECONDS);
  assert_int_equal(n.client.children_down, 0);
  run(&n, 41 * L2TPSEC_SECONDS);
  assert_int_equal(n.client.children_down, 1);
  assert_int_equal(n.client.pairs[0].reason, L2TPSEC_IKE_DOWN_TIMEOUT);
  assert_int_equal(stats_of(&n.client).ike_sas, 0);
  finish(&n);
}

/* A fresh main mode from the same client takes the live pair over on
 * the server instead of deleting it. */
static void fresh_main_mode_keeps_child(void **state) {
  l2tpsec_ike_settings cs, ss;
  l2tpsec_ike_endpoint server = server_addr;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.rekey = ss.rekey = false;
  start(&n, &cs, &ss, false);
  assert_int_equal(
      l2tpsec_ike_connect(n.client.ike, &client_private, &server, n.now, NULL),
      0);
  n.client.ike->sas->want_qm = false;
  run(&n, 10 * L2TPSEC_SECONDS);

  assert_int_equal(n.server.ike_up, 2);
  assert_int_equal(n.server.children_down, 0);
  assert_int_equal(n.client.children_down, 0);
  expect_no_data_lost(&n, 10);
  finish(&n);
}

/* ---- Responder retransmissions ----------------------------------------- */

/* An initiator that waits 30 s before it retransmits: the responder's own
 * 1 s timer resends the lost reply. Datagram 3 is MM4, datagram 5 MM6. */
static void responder_resends_lost_reply(void **state) {
  static const unsigned lost_index[] = {3, 5};

  for (size_t i = 0; i < 2; i++) {
    l2tpsec_ike_settings cs, ss;
    net n;

    base_settings(&cs, &n, 0);
    base_settings(&ss, &n, 1);
    cs.retransmit_timeout = 30 * L2TPSEC_SECONDS;
    begin(&n, &cs, &ss, false);
    n.drop_mask = 1ull << lost_index[i];
    run(&n, 5 * L2TPSEC_SECONDS);

    assert_int_equal(n.client.n_pairs, 1);
    assert_int_equal(n.server.n_pairs, 1);
    assert_int_equal(stats_of(&n.server).retransmits, 1);
    assert_int_equal(stats_of(&n.client).retransmits, 0);
    finish(&n);
  }
}

/* With everything after MM3 lost, MM4 goes out once and is resent
 * retransmit_tries (5) times, at 1, 3, 7, 15 and 31 s, then no more. */
static void responder_resends_bounded(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.retransmit_timeout = 300 * L2TPSEC_SECONDS;
  ss.half_open_timeout = 200 * L2TPSEC_SECONDS;
  begin(&n, &cs, &ss, false);
  n.drop_mask = ~0ull << 3;
  run(&n, 30 * L2TPSEC_SECONDS);
  assert_int_equal(stats_of(&n.server).retransmits, 4);

  run(&n, 150 * L2TPSEC_SECONDS);
  assert_int_equal(stats_of(&n.server).retransmits, 5);
  /* MM2, MM4 and five repeats of MM4. */
  assert_int_equal(n.server.ike_sent, 7);
  assert_int_equal(stats_of(&n.server).half_open, 1);
  finish(&n);
}

/* ---- NAT-keepalives ------------------------------------------------------ */

/* Only the side behind the NAT sends them, every 20 s, to port 4500. */
static void keepalives_from_nat_side(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  start(&n, &cs, &ss, true);
  run(&n, 100 * L2TPSEC_SECONDS);

  /* start() returned 5 s after phase 1: keepalives at 20 ... 100 s. */
  assert_int_equal(n.client.keepalives, 5);
  assert_int_equal(stats_of(&n.client).keepalives_sent, 5);
  assert_int_equal(n.server.keepalives, 0);
  assert_int_equal(n.client.keepalive_from.port, 4500);
  assert_int_equal(n.client.keepalive_to.port, 4500);
  assert_memory_equal(n.client.keepalive_to.addr, server_addr.addr, 4);
  finish(&n);
}

/* No NAT, or an interval of zero: no keepalives. */
static void keepalives_off(void **state) {
  for (int nat = 0; nat < 2; nat++) {
    l2tpsec_ike_settings cs, ss;
    net n;

    base_settings(&cs, &n, 0);
    base_settings(&ss, &n, 1);
    if (nat)
      cs.natt_keepalive = 0;
    start(&n, &cs, &ss, nat);
    run(&n, 100 * L2TPSEC_SECONDS);

    assert_int_equal(n.client.keepalives, 0);
    assert_int_equal(n.server.keepalives, 0);
    finish(&n);
  }
}

/* Across phase-1 rekeys one SA at a time sends them, one per 20 s (15 in
 * 300 s, give or take one at the ends), not one per phase-1 SA. */
static void keepalives_across_rekeys(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.ike_lifetime = ss.ike_lifetime = 60;
  start(&n, &cs, &ss, true);
  run(&n, 300 * L2TPSEC_SECONDS);

  assert_true(n.client.ike_up >= 7);
  assert_true(n.client.keepalives >= 14);
  assert_true(n.client.keepalives <= 16);
  finish(&n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(child_rekey_by_initiator),
      cmocka_unit_test(child_rekey_by_responder),
      cmocka_unit_test(child_rekey_by_both),
      cmocka_unit_test(child_rekey_with_loss),
      cmocka_unit_test(child_expiry_without_rekey),
      cmocka_unit_test(phase1_rekey_by_initiator),
      cmocka_unit_test(phase1_rekey_by_responder),
      cmocka_unit_test(phase1_rekey_by_both),
      cmocka_unit_test(phase1_expiry_dpd_keeps_child),
      cmocka_unit_test(phase1_rekey_with_dpd),
      cmocka_unit_test(phase1_expiry_dead_peer),
      cmocka_unit_test(fresh_main_mode_keeps_child),
      cmocka_unit_test(responder_resends_lost_reply),
      cmocka_unit_test(responder_resends_bounded),
      cmocka_unit_test(keepalives_from_nat_side),
      cmocka_unit_test(keepalives_off),
      cmocka_unit_test(keepalives_across_rekeys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
