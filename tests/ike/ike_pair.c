/* The in-memory client and server of ike_pair.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ike_pair.h"
#include "l2tpsec/errors.h"

const l2tpsec_ike_endpoint client_private = {4, {192, 0, 2, 10}, 500};
const l2tpsec_ike_endpoint server_addr = {4, {198, 51, 100, 1}, 500};
static const uint8_t nat_public[4] = {203, 0, 113, 5};
/* The public address of a server behind a NAT (net.server_nat). */
const l2tpsec_ike_endpoint server_public = {4, {203, 0, 113, 80}, 500};

static uint16_t nat_port(uint16_t inside) {
  return inside == 500 ? 40500 : 44500;
}

static uint16_t inside_port(uint16_t outside) {
  return outside == 40500 ? 500 : 4500;
}

/* The NAT in front of the server forwards its public address, ports
 * unchanged. */
static void translate_server(const net *n, bool from_client,
                             l2tpsec_ike_endpoint *from,
                             l2tpsec_ike_endpoint *to) {
  if (!n->server_nat)
    return;
  memcpy(from_client ? to->addr : from->addr,
         from_client ? server_addr.addr : server_public.addr, 4);
}

/* Rewrites the endpoints as the NAT in front of the client would. */
static void translate(const net *n, bool from_client,
                      l2tpsec_ike_endpoint *from, l2tpsec_ike_endpoint *to) {
  translate_server(n, from_client, from, to);
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

static pair *inbound_half(side *s, uint32_t spi_in) {
  for (size_t i = 0; i < s->n_pairs; i++) {
    pair *p = &s->pairs[i];
    if (p->live && p->inbound_only && p->sa.spi_in == spi_in)
      return p;
  }
  return NULL;
}

static int on_child_inbound(void *user_data, const l2tpsec_ike_child_sa *sa) {
  side *s = user_data;

  if (s->net->reject_inbound)
    return L2TPSEC_ERR_UNSUPPORTED;
  assert_null(inbound_half(s, sa->spi_in));
  assert_true(s->n_pairs < MAX_PAIRS);
  s->pairs[s->n_pairs++] =
      (pair){.sa = *sa, .live = true, .inbound_only = true};
  return 0;
}

static int on_child_up(void *user_data, const l2tpsec_ike_child_sa *sa) {
  side *s = user_data;
  pair *half = inbound_half(s, sa->spi_in);

  if (half != NULL) {
    assert_memory_equal(half->sa.encr_key_in, sa->encr_key_in,
                        sa->encr_key_len);
    *half = (pair){.sa = *sa, .live = true};
    s->newest = (size_t)(half - s->pairs);
  } else {
    assert_true(s->n_pairs < MAX_PAIRS);
    s->pairs[s->n_pairs] = (pair){.sa = *sa, .live = true};
    s->newest = s->n_pairs++;
  }
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
    .child_sa_inbound = on_child_inbound,
};

static int ignore_send(void *user_data, const uint8_t *data, size_t len,
                       const l2tpsec_ike_endpoint *local,
                       const l2tpsec_ike_endpoint *remote) {
  return 0;
}

static int ignore_child(void *user_data, const l2tpsec_ike_child_sa *sa) {
  return 0;
}

const l2tpsec_ike_callbacks ignore_callbacks = {
    .send = ignore_send,
    .child_sa_up = ignore_child,
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
void run(net *n, l2tpsec_duration span) {
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

void base_settings(l2tpsec_ike_settings *s, net *n, int which) {
  static const uint8_t psk[] = "rekey test pre-shared key";

  l2tpsec_ike_settings_default(s);
  s->rand = l2tpsec_rand_test(&n->rand_state[which], 2000 + which);
  s->psk = psk;
  s->psk_len = sizeof(psk) - 1;
  s->dpd_delay = 0;
  if (getenv("IKE_PAIR_LOG") != NULL)
    s->log = (l2tpsec_log){print_log, which ? "server" : "client",
                           L2TPSEC_LOG_DEBUG};
}

/* Creates both sides and sends the client's MM1. */
void begin(net *n, const l2tpsec_ike_settings *cs,
           const l2tpsec_ike_settings *ss, bool nat) {
  begin_nat(n, cs, ss, nat, false);
}

void begin_nat(net *n, const l2tpsec_ike_settings *cs,
               const l2tpsec_ike_settings *ss, bool nat, bool server_nat) {
  l2tpsec_rand_test_state seeded[2];
  l2tpsec_ike_endpoint server = server_nat ? server_public : server_addr;

  memcpy(seeded, n->rand_state, sizeof(seeded));
  memset(n, 0, sizeof(*n));
  memcpy(n->rand_state, seeded, sizeof(seeded));
  n->queue = calloc(MAX_QUEUE, sizeof(*n->queue));
  assert_non_null(n->queue);
  n->nat = nat;
  n->server_nat = server_nat;
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
void start(net *n, const l2tpsec_ike_settings *cs,
           const l2tpsec_ike_settings *ss, bool nat) {
  begin(n, cs, ss, nat);
  run(n, 5 * L2TPSEC_SECONDS);
  assert_int_equal(n->client.n_pairs, 1);
  assert_int_equal(n->server.n_pairs, 1);
  n->next_data = n->now;
}

void finish(net *n) {
  l2tpsec_ike_del(n->client.ike);
  l2tpsec_ike_del(n->server.ike);
  free(n->queue);
}

l2tpsec_ike_stats stats_of(const side *s) {
  l2tpsec_ike_stats st;

  l2tpsec_ike_get_stats(s->ike, &st);
  return st;
}

/* Both sides installed the same pairs, mirrored, in the same order. */
void expect_mirrored_pairs(const net *n) {
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
void expect_old_pairs_expired(const side *s) {
  for (size_t i = 0; i + 1 < s->n_pairs; i++) {
    if (i + 2 == s->n_pairs && s->pairs[i].live)
      continue;
    assert_false(s->pairs[i].live);
    assert_int_equal(s->pairs[i].reason, L2TPSEC_IKE_DOWN_EXPIRED);
  }
  assert_true(s->pairs[s->newest].live);
}

void expect_no_data_lost(const net *n, unsigned seconds) {
  assert_int_equal(n->client.data_lost, 0);
  assert_int_equal(n->server.data_lost, 0);
  assert_int_equal(n->client.data_unsent, 0);
  assert_int_equal(n->server.data_unsent, 0);
  assert_true(n->client.data_received >= seconds - 1);
  assert_true(n->server.data_received >= seconds - 1);
}
