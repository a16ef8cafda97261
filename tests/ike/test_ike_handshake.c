/*
 * Main mode and quick mode end to end: an initiator and a responder wired
 * back to back in memory, optionally through a simulated NAT that
 * rewrites the client's address and ports, with packets lost and
 * duplicated on the way. Each run must end with matching child-SA keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ike/ike_internal.h"
#include "ike/isakmp.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/ike.h"
#include "pcap_read.h"

#define MAX_QUEUE 64
#define MAX_CHILDREN 4

/* Addresses from the documentation ranges. */
static const l2tpsec_ike_endpoint client_private = {4, {192, 0, 2, 10}, 500};
static const l2tpsec_ike_endpoint server_addr = {4, {198, 51, 100, 1}, 500};
static const uint8_t nat_public[4] = {203, 0, 113, 5};

typedef struct packet {
  l2tpsec_ike_endpoint from, to;
  uint8_t data[4096];
  size_t len;
} packet;

struct net;

typedef struct side {
  struct net *net;
  l2tpsec_ike *ike;
  bool is_client;
  size_t n_children;
  l2tpsec_ike_child_sa children[MAX_CHILDREN];
  int ike_up;
  int ike_down;
  int children_down;
  enum l2tpsec_ike_down_reason last_reason;
} side;

typedef struct net {
  side client, server;
  bool nat; /* client behind a NAT */
  packet queue[MAX_QUEUE];
  size_t n;
  unsigned sent;      /* datagrams sent so far, both directions */
  uint64_t drop_mask; /* bit i: lose datagram i */
  uint64_t dup_mask;  /* bit i: deliver datagram i twice */
  l2tpsec_tstamp now;
  l2tpsec_rand_test_state rand_state[2];
  FILE *pcap;     /* when set, every datagram sent is recorded */
  bool blackhole; /* when set, every datagram is lost */
} net;

/* Appends one datagram as a raw IPv4/UDP packet (link type 101). */
static void pcap_write(FILE *f, const l2tpsec_ike_endpoint *from,
                       const l2tpsec_ike_endpoint *to, const uint8_t *data,
                       size_t len) {
  uint8_t hdr[28] = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17};
  uint32_t rec[4] = {0, 0, (uint32_t)(len + 28), (uint32_t)(len + 28)};

  hdr[2] = (uint8_t)((len + 28) >> 8);
  hdr[3] = (uint8_t)(len + 28);
  memcpy(hdr + 12, from->addr, 4);
  memcpy(hdr + 16, to->addr, 4);
  hdr[20] = (uint8_t)(from->port >> 8);
  hdr[21] = (uint8_t)from->port;
  hdr[22] = (uint8_t)(to->port >> 8);
  hdr[23] = (uint8_t)to->port;
  hdr[24] = (uint8_t)((len + 8) >> 8);
  hdr[25] = (uint8_t)(len + 8);
  fwrite(rec, sizeof(rec), 1, f);
  fwrite(hdr, sizeof(hdr), 1, f);
  fwrite(data, len, 1, f);
}

static FILE *pcap_open(const char *path) {
  uint32_t global[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101};
  FILE *f = fopen(path, "wb");

  assert_non_null(f);
  fwrite(global, sizeof(global), 1, f);
  return f;
}

/* NAT mapping: client port 500 -> 40500, 4500 -> 44500, and back. */
static uint16_t nat_port(uint16_t inside) {
  return inside == 500 ? 40500 : 44500;
}

static uint16_t inside_port(uint16_t outside) {
  return outside == 40500 ? 500 : 4500;
}

static void enqueue(net *n, const l2tpsec_ike_endpoint *from,
                    const l2tpsec_ike_endpoint *to, const uint8_t *data,
                    size_t len) {
  assert_true(n->n < MAX_QUEUE);
  assert_true(len <= sizeof(n->queue[0].data));

  packet *p = &n->queue[n->n++];
  p->from = *from;
  p->to = *to;
  memcpy(p->data, data, len);
  p->len = len;
}

/* The wire: loss, duplication and NAT rewriting of the client's side. */
static int on_send(void *user_data, const uint8_t *data, size_t len,
                   const l2tpsec_ike_endpoint *local,
                   const l2tpsec_ike_endpoint *remote) {
  side *s = user_data;
  net *n = s->net;
  unsigned index = n->sent++;
  l2tpsec_ike_endpoint from = *local, to = *remote;

  if (n->blackhole || (index < 64 && (n->drop_mask >> index) & 1))
    return 0;
  if (n->nat && s->is_client) {
    memcpy(from.addr, nat_public, 4);
    from.port = nat_port(local->port);
  }
  if (n->nat && !s->is_client) {
    to = client_private;
    to.port = inside_port(remote->port);
  }
  enqueue(n, &from, &to, data, len);
  if (n->pcap != NULL)
    pcap_write(n->pcap, &from, &to, data, len);
  if (index < 64 && (n->dup_mask >> index) & 1)
    enqueue(n, &from, &to, data, len);
  return 0;
}

static int on_child_up(void *user_data, const l2tpsec_ike_child_sa *sa) {
  side *s = user_data;

  assert_true(s->n_children < MAX_CHILDREN);
  s->children[s->n_children++] = *sa;
  return 0;
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
  s->last_reason = reason;
}

static void on_child_down(void *user_data, uint32_t spi_in, uint32_t spi_out,
                          enum l2tpsec_ike_down_reason reason) {
  side *s = user_data;

  assert_true(s->n_children > 0);
  assert_int_equal(spi_in, s->children[0].spi_in);
  assert_int_equal(spi_out, s->children[0].spi_out);
  s->children_down++;
}

static const l2tpsec_ike_callbacks callbacks = {
    .send = on_send,
    .child_sa_up = on_child_up,
    .ike_sa_up = on_ike_up,
    .ike_sa_down = on_ike_down,
    .child_sa_down = on_child_down,
};

static void base_settings(l2tpsec_ike_settings *s, net *n, int which) {
  static const uint8_t psk[] = "correct horse battery staple";

  l2tpsec_ike_settings_default(s);
  s->rand = l2tpsec_rand_test(&n->rand_state[which], 1000 + which);
  s->psk = psk;
  s->psk_len = sizeof(psk) - 1;
  s->dpd_delay = 0; /* the DPD tests turn it on */
}

static void make_side(net *n, side *s, const l2tpsec_ike_settings *settings,
                      bool is_client) {
  s->net = n;
  s->is_client = is_client;
  assert_int_equal(l2tpsec_ike_new(&s->ike, settings, &callbacks, s), 0);
}

static void net_init(net *n, const l2tpsec_ike_settings *client_settings,
                     const l2tpsec_ike_settings *server_settings, bool nat) {
  l2tpsec_rand_test_state seeded[2];

  /* The settings' random sources point at rand_state: keep it. */
  memcpy(seeded, n->rand_state, sizeof(seeded));
  memset(n, 0, sizeof(*n));
  memcpy(n->rand_state, seeded, sizeof(seeded));
  n->nat = nat;
  n->now = 1000 * L2TPSEC_SECONDS;
  make_side(n, &n->client, client_settings, true);
  make_side(n, &n->server, server_settings, false);
}

static void net_free(net *n) {
  l2tpsec_ike_del(n->client.ike);
  l2tpsec_ike_del(n->server.ike);
}

/* Delivers one queued datagram to whichever side owns its destination. */
static void deliver_one(net *n) {
  packet p = n->queue[0];
  bool to_server = memcmp(p.to.addr, server_addr.addr, 4) == 0;
  side *s = to_server ? &n->server : &n->client;

  memmove(n->queue, n->queue + 1, (n->n - 1) * sizeof(n->queue[0]));
  n->n--;
  assert_int_equal(
      l2tpsec_ike_input(s->ike, p.data, p.len, &p.to, &p.from, n->now), 0);
}

static l2tpsec_tstamp earliest(const net *n) {
  l2tpsec_tstamp a = l2tpsec_ike_next_deadline(n->client.ike);
  l2tpsec_tstamp b = l2tpsec_ike_next_deadline(n->server.ike);

  return a < b ? a : b;
}

/* Runs the exchange until nothing is queued and no timer is due within
 * `horizon`; returns the number of datagrams sent. */
static unsigned run(net *n, l2tpsec_duration horizon) {
  l2tpsec_tstamp end = n->now + horizon;

  for (int guard = 0; guard < 10000; guard++) {
    if (n->n > 0) {
      deliver_one(n);
      continue;
    }
    l2tpsec_tstamp t = earliest(n);
    if (t == L2TPSEC_TSTAMP_NEVER || t > end)
      break;
    n->now = t > n->now ? t : n->now;
    assert_int_equal(l2tpsec_ike_handle_timeout(n->client.ike, n->now), 0);
    assert_int_equal(l2tpsec_ike_handle_timeout(n->server.ike, n->now), 0);
  }
  return n->sent;
}

static void connect_client(net *n) {
  l2tpsec_ike_endpoint server = server_addr;

  assert_int_equal(l2tpsec_ike_connect(n->client.ike, &client_private, &server,
                                       n->now, NULL),
                   0);
}

/* net_init(), then the client connects and the exchange runs until it
 * is idle or `horizon` has passed. */
static void handshake(net *n, const l2tpsec_ike_settings *cs,
                      const l2tpsec_ike_settings *ss, bool nat,
                      l2tpsec_duration horizon) {
  net_init(n, cs, ss, nat);
  connect_client(n);
  run(n, horizon);
}

/* Both sides must hold one child SA whose directions mirror each other. */
static void expect_matching_children(const net *n) {
  assert_int_equal(n->client.n_children, 1);
  assert_int_equal(n->server.n_children, 1);

  const l2tpsec_ike_child_sa *c = &n->client.children[0];
  const l2tpsec_ike_child_sa *s = &n->server.children[0];
  assert_int_equal(c->spi_out, s->spi_in);
  assert_int_equal(c->spi_in, s->spi_out);
  assert_true(c->spi_in >= 256);
  assert_int_equal(c->esp_transform, s->esp_transform);
  assert_int_equal(c->key_bits, s->key_bits);
  assert_int_equal(c->integ, s->integ);
  assert_int_equal(c->encr_key_len, s->encr_key_len);
  assert_int_equal(c->integ_key_len, s->integ_key_len);
  assert_true(c->encr_key_len > 0);
  assert_memory_equal(c->encr_key_out, s->encr_key_in, c->encr_key_len);
  assert_memory_equal(c->encr_key_in, s->encr_key_out, c->encr_key_len);
  assert_memory_equal(c->integ_key_out, s->integ_key_in, c->integ_key_len);
  assert_memory_equal(c->integ_key_in, s->integ_key_out, c->integ_key_len);
  assert_memory_not_equal(c->encr_key_in, c->encr_key_out, c->encr_key_len);
  assert_int_equal(c->encap_mode, s->encap_mode);
  assert_int_equal(c->lifetime_seconds, s->lifetime_seconds);
  assert_true(c->transport);
  assert_true(c->initiator);
  assert_false(s->initiator);
}

static l2tpsec_ike_stats stats_of(const side *s) {
  l2tpsec_ike_stats st;

  l2tpsec_ike_get_stats(s->ike, &st);
  return st;
}

/* ---- Tests -------------------------------------------------------------- */

static void handshake_without_nat(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  handshake(&n, &cs, &ss, false, 60 * L2TPSEC_SECONDS);

  expect_matching_children(&n);
  const l2tpsec_ike_child_sa *s = &n.server.children[0];
  assert_int_equal(s->encap_mode, 2); /* transport */
  assert_false(s->udp_encap);
  assert_int_equal(s->remote.port, 500);
  assert_int_equal(s->original_initiator.family, 0);
  assert_int_equal(n.client.ike_up, 1);
  assert_int_equal(n.server.ike_up, 1);
  assert_int_equal(stats_of(&n.server).half_open, 0);
  assert_int_equal(stats_of(&n.server).replies_resent, 0);
  assert_int_equal(stats_of(&n.client).retransmits, 0);
  /* MM1..MM6 and QM1..QM3, nothing more. */
  assert_int_equal(n.sent, 9);
  net_free(&n);
}

static void handshake_behind_nat(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  handshake(&n, &cs, &ss, true, 60 * L2TPSEC_SECONDS);

  expect_matching_children(&n);
  const l2tpsec_ike_child_sa *s = &n.server.children[0];
  const l2tpsec_ike_child_sa *c = &n.client.children[0];
  /* RFC 3947 UDP-encapsulated transport, floated to the NAT's 4500 map. */
  assert_int_equal(s->encap_mode, 4);
  assert_true(s->udp_encap);
  assert_int_equal(s->remote.port, 44500);
  assert_memory_equal(s->remote.addr, nat_public, 4);
  assert_int_equal(s->local.port, 4500);
  assert_int_equal(c->remote.port, 4500);
  assert_int_equal(c->local.port, 4500);
  /* NAT-OA: the client's original address reaches the server. */
  assert_int_equal(s->original_initiator.family, 4);
  assert_memory_equal(s->original_initiator.addr, client_private.addr, 4);
  assert_memory_equal(s->original_responder.addr, server_addr.addr, 4);
  assert_memory_equal(c->original_initiator.addr, nat_public, 4);
  net_free(&n);
}

static void loss_and_duplication(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  net_init(&n, &cs, &ss, true);
  /* Datagrams in sending order, with the faults injected:
   *   0 MM1, 1 MM2 (lost), 2 MM1 again, 3 MM2, 4 MM3 (twice), 5 MM4,
   *   6 MM4 again, 7 MM5 (twice), 8 MM6, 9 MM6 again, 10 QM1 (twice),
   *   11 QM2 (lost), 12 QM2 again, 13 QM3. */
  n.drop_mask = (1u << 1) | (1u << 11);
  n.dup_mask = (1u << 4) | (1u << 7) | (1u << 10);
  connect_client(&n);
  run(&n, 120 * L2TPSEC_SECONDS);

  expect_matching_children(&n);
  l2tpsec_ike_stats server = stats_of(&n.server);
  l2tpsec_ike_stats client = stats_of(&n.client);
  assert_int_equal(client.retransmits, 1);
  assert_int_equal(server.replies_resent, 4);
  assert_int_equal(client.drop_duplicate, 2);
  assert_int_equal(n.sent, 14);
  /* Duplicates never create a second SA or a second child. */
  assert_int_equal(server.ike_sas, 1);
  assert_int_equal(server.ike_sas_established, 1);
  assert_int_equal(server.child_sas_established, 1);
  assert_int_equal(client.child_sas_established, 1);
  net_free(&n);
}

static void last_message_lost(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  net_init(&n, &cs, &ss, false);
  /* QM3 is datagram 8: the responder resends QM2 until QM3 arrives. */
  n.drop_mask = 1u << 8;
  connect_client(&n);
  run(&n, 120 * L2TPSEC_SECONDS);

  expect_matching_children(&n);
  assert_true(stats_of(&n.server).retransmits >= 1);
  assert_true(stats_of(&n.client).replies_resent >= 1);
  net_free(&n);
}

static void handshake_with_pfs(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.pfs = true;
  cs.ike_proposals = "aes256-sha256-ecp256";
  cs.esp_proposals = "aes128gcm16-ecp256";
  handshake(&n, &cs, &ss, true, 60 * L2TPSEC_SECONDS);

  expect_matching_children(&n);
  assert_int_equal(n.server.children[0].esp_transform, 20);
  assert_int_equal(n.server.children[0].integ, 0);
  assert_int_equal(n.server.children[0].encr_key_len, 16 + 4);
  net_free(&n);
}

static void each_cipher_suite(void **state) {
  static const char *const suites[][2] = {
      {"aes128-sha1-modp2048", "aes128-sha1"},
      {"aes256-sha512-modp3072", "aes256-sha256"},
      {"aes192-sha384-curve25519", "aes256gcm16"},
      {"3des-md5-modp1024", "3des-md5"},
  };

  for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
    l2tpsec_ike_settings cs, ss;
    net n;

    base_settings(&cs, &n, 0);
    base_settings(&ss, &n, 1);
    cs.ike_proposals = suites[i][0];
    cs.esp_proposals = suites[i][1];
    ss.preset = L2TPSEC_IKE_PRESET_LEGACY;
    handshake(&n, &cs, &ss, false, 60 * L2TPSEC_SECONDS);
    if (n.server.n_children != 1)
      fail_msg("suite %s / %s did not complete", suites[i][0], suites[i][1]);
    expect_matching_children(&n);
    net_free(&n);
  }
}

static void wrong_psk_fails(void **state) {
  static const uint8_t other[] = "another key";
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.psk = other;
  cs.psk_len = sizeof(other) - 1;
  handshake(&n, &cs, &ss, false, 120 * L2TPSEC_SECONDS);

  assert_int_equal(n.server.n_children, 0);
  assert_int_equal(n.client.ike_up, 0);
  l2tpsec_ike_stats server = stats_of(&n.server);
  assert_true(server.drop_decrypt + server.drop_integrity >= 1);
  /* The half-open SA and the client's attempt both expired. */
  assert_int_equal(server.ike_sas, 0);
  assert_int_equal(stats_of(&n.client).ike_sas, 0);
  net_free(&n);
}

static void no_common_proposal(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.ike_proposals = "3des-sha1-modp1024";
  handshake(&n, &cs, &ss, false, 1 * L2TPSEC_SECONDS / 2);

  l2tpsec_ike_stats server = stats_of(&n.server);
  assert_int_equal(server.drop_no_proposal, 1);
  assert_int_equal(server.ike_sas, 0);
  /* MM1 and the NO-PROPOSAL-CHOSEN notify. */
  assert_int_equal(n.sent, 2);
  net_free(&n);
}

static void responder_shortens_lifetime(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.esp_lifetime = 7200;
  ss.esp_lifetime = 1800;
  handshake(&n, &cs, &ss, false, 60 * L2TPSEC_SECONDS);

  expect_matching_children(&n);
  assert_int_equal(n.client.children[0].lifetime_seconds, 1800);
  net_free(&n);
}

static void zero_address_client_ids(void **state) {
  l2tpsec_ike_settings cs, ss;
  l2tpsec_ike_endpoint zero = {4, {0, 0, 0, 0}, 500};
  l2tpsec_ike_endpoint server = server_addr;
  net n;

  /* A 464XLAT client knows only 0.0.0.0 as its IPv4 address. */
  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  net_init(&n, &cs, &ss, true);
  assert_int_equal(
      l2tpsec_ike_connect(n.client.ike, &zero, &server, n.now, NULL), 0);
  run(&n, 60 * L2TPSEC_SECONDS);

  expect_matching_children(&n);
  assert_int_equal(n.server.children[0].original_initiator.addr[0], 0);
  net_free(&n);
}

/* ---- Responder limits and hostile input --------------------------------- */

static void mm1_with_cookie(uint8_t *buf, size_t len, uint32_t i) {
  isakmp_put32(buf, i + 1);
  (void)len;
}

static void half_open_bounded(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  ss.max_half_open = 8;
  net_init(&n, &cs, &ss, false);

  /* Capture one real MM1 from our initiator, then replay it with 20
   * different cookies from 20 ports. */
  connect_client(&n);
  packet mm1 = n.queue[0];
  n.n = 0;
  for (uint32_t i = 0; i < 20; i++) {
    l2tpsec_ike_endpoint from = mm1.from;
    from.port = (uint16_t)(2000 + i);
    mm1_with_cookie(mm1.data, mm1.len, i);
    assert_int_equal(l2tpsec_ike_input(n.server.ike, mm1.data, mm1.len, &mm1.to,
                                       &from, n.now),
                     0);
  }
  l2tpsec_ike_stats server = stats_of(&n.server);
  assert_int_equal(server.half_open, 8);
  assert_int_equal(server.drop_half_open, 12);

  n.now += 31 * L2TPSEC_SECONDS;
  assert_int_equal(l2tpsec_ike_handle_timeout(n.server.ike, n.now), 0);
  server = stats_of(&n.server);
  assert_int_equal(server.half_open, 0);
  assert_int_equal(server.half_open_expired, 8);
  assert_int_equal(server.ike_sas, 0);
  net_free(&n);
}

/* Sends the captured MM1 with cookie i from `from`. */
static void send_mm1(net *n, packet *mm1, const l2tpsec_ike_endpoint *from,
                     uint32_t i) {
  mm1_with_cookie(mm1->data, mm1->len, i);
  assert_int_equal(l2tpsec_ike_input(n->server.ike, mm1->data, mm1->len,
                                     &mm1->to, from, n->now),
                   0);
}

/* One address, on any ports, gets max_half_open_per_address slots; a
 * second address still gets its own. */
static void half_open_per_address(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  ss.max_half_open_per_address = 4;
  net_init(&n, &cs, &ss, false);
  connect_client(&n);
  packet mm1 = n.queue[0];
  n.n = 0;

  for (uint32_t i = 0; i < 10; i++) {
    l2tpsec_ike_endpoint from = mm1.from;
    from.port = (uint16_t)(2000 + i);
    send_mm1(&n, &mm1, &from, i);
  }
  l2tpsec_ike_endpoint other = mm1.from;
  other.addr[3]++;
  send_mm1(&n, &mm1, &other, 100);

  l2tpsec_ike_stats server = stats_of(&n.server);
  assert_int_equal(server.half_open, 5);
  assert_int_equal(server.drop_half_open, 6);
  net_free(&n);
}

/* A repeated MM1 gets the stored MM2 retransmit_tries times, then no
 * more, so a forged source cannot draw replies without end. */
static void repeat_replies_bounded(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  net_init(&n, &cs, &ss, false);
  connect_client(&n);
  packet mm1 = n.queue[0];
  n.n = 0;

  for (int i = 0; i < 20; i++)
    send_mm1(&n, &mm1, &mm1.from, 7);
  l2tpsec_ike_stats server = stats_of(&n.server);
  assert_int_equal(server.half_open, 1);
  assert_int_equal(server.replies_resent, ss.retransmit_tries);
  assert_int_equal(server.drop_duplicate, 19 - ss.retransmit_tries);
  assert_int_equal(n.n, 1 + ss.retransmit_tries);
  net_free(&n);
}

static void malformed_captures_counted(void **state) {
  static const char *const files[] = {
      "ike/ipsec-ikev1-payload-bad-length.pcap",
      "ike/ipsec-ikev1-zero-length.pcap",
      "ike/isakmp-delete-segfault.pcap",
      "ike/isakmp-pointer-loop.pcap",
      "ike/isakmp-identification-segfault.pcap",
      "ike/isakmp-ikev1_n_print-oobr.pcap",
      "ike/isakmp-various-oobr.pcap",
      "ike/isakmp-no-none-np.pcapng",
      "ike/ikev2four.pcap",
      "ike/isakmp-crash1.pcap",
      "mixed/isakmp-rfc3948-oobr.pcap",
      "mixed/isakmp-3948-oobr-2.pcap",
  };
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  net_init(&n, &cs, &ss, false);
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    pcap_file f;
    assert_int_equal(pcap_load(&f, files[i]), 0);
    for (size_t d = 0; d < f.n; d++) {
      l2tpsec_ike_stats before = stats_of(&n.server);
      assert_int_equal(l2tpsec_ike_input(n.server.ike, f.dg[d].data,
                                         f.dg[d].len, &f.dg[d].dst,
                                         &f.dg[d].src, n.now),
                       0);
      l2tpsec_ike_stats after = stats_of(&n.server);
      uint64_t drops_before =
          before.drop_malformed + before.drop_version + before.drop_unknown_sa;
      uint64_t drops_after =
          after.drop_malformed + after.drop_version + after.drop_unknown_sa;
      if (drops_after != drops_before + 1)
        fail_msg("%s datagram %zu was not counted as dropped", files[i], d);
    }
    pcap_free(&f);
  }
  assert_int_equal(stats_of(&n.server).ike_sas, 0);
  assert_int_equal(n.sent, 0);
  net_free(&n);
}

static void hex(char *out, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", p[i]);
}

/* Runs tshark over the recorded exchange with the phase-1 key and
 * returns its verbose output. */
static char *tshark_decode(const char *pcap, const ike_sa *sa) {
  uint8_t key[64];
  char cookie[17], key_hex[129], cmd[1024];
  static char out[1 << 20];

  assert_int_equal(
      l2tpsec__ikev1_enc_key(sa->prf, sa->skeyid_e, key, sa->enc_key_len), 0);
  hex(cookie, sa->icookie, 8);
  hex(key_hex, key, sa->enc_key_len);
  snprintf(cmd, sizeof(cmd),
           "tshark -r %s -V -o 'uat:ikev1_decryption_table:%s,%s' "
           "2>&1",
           pcap, cookie, key_hex);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, sizeof(out) - 1, p);
  out[n] = '\0';
  if (pclose(p) != 0)
    fail_msg("tshark failed (is it installed? scripts/install-deps.sh "
             "installs it): %s",
             out);
  return out;
}

static size_t count(const char *haystack, const char *needle) {
  size_t n = 0;

  for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p++)
    n++;
  return n;
}

static void tshark_decodes_every_message(void **state) {
  char path[] = "/tmp/l2tpsec-ike-XXXXXX";
  l2tpsec_ike_settings cs, ss;
  net n;

  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.pfs = true;
  net_init(&n, &cs, &ss, false);
  n.pcap = pcap_open(path);
  connect_client(&n);
  run(&n, 60 * L2TPSEC_SECONDS);
  fclose(n.pcap);
  expect_matching_children(&n);

  const char *out = tshark_decode(path, n.client.ike->sas);
  unlink(path);
  assert_null(strstr(out, "Malformed"));
  assert_null(strstr(out, "Expert Info (Warning"));
  /* Decrypted MM5, MM6 and QM1..QM3: IDs, HASHes and the ESP SA. */
  assert_int_equal(count(out, "Payload: Identification (5)"), 2 + 4);
  assert_int_equal(count(out, "Payload: Hash (8)"), 5);
  assert_int_equal(count(out, "Protocol ID: IPSEC_ESP (3)"), 2);
  /* NAT-D is sent whenever NAT-T is negotiated: two in MM3, two in MM4. */
  assert_int_equal(count(out, "Payload: NAT-D (RFC 3947) (20)"), 4);
  net_free(&n);
}

/* ---- Informational exchanges, DPD and expiry ---------------------------- */

static void establish_pair(net *n, l2tpsec_ike_settings *cs,
                           l2tpsec_ike_settings *ss, bool nat) {
  handshake(n, cs, ss, nat, 5 * L2TPSEC_SECONDS);
  expect_matching_children(n);
}

static void dpd_keeps_live_peer(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.dpd_delay = ss.dpd_delay = 10 * L2TPSEC_SECONDS;
  establish_pair(&n, &cs, &ss, true);
  unsigned before = n.sent;
  run(&n, 100 * L2TPSEC_SECONDS);

  /* R-U-THERE and ACK went both ways, and nothing went down. */
  assert_true(n.sent >= before + 4 * 4);
  assert_int_equal(n.client.ike_down, 0);
  assert_int_equal(n.server.ike_down, 0);
  assert_int_equal(stats_of(&n.client).drop_integrity, 0);
  assert_int_equal(stats_of(&n.server).drop_integrity, 0);
  net_free(&n);
}

static void dpd_detects_dead_peer(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.dpd_delay = 10 * L2TPSEC_SECONDS;
  cs.dpd_timeout = 30 * L2TPSEC_SECONDS;
  establish_pair(&n, &cs, &ss, false);
  n.blackhole = true;
  l2tpsec_tstamp established = n.now;
  unsigned sent_before = n.sent;

  /* R-U-THERE goes out 10 s after the last message and is repeated every
   * 10 s; the peer counts as dead 30 s after the first, not before. */
  run(&n, 39 * L2TPSEC_SECONDS);
  assert_int_equal(n.client.ike_down, 0);
  assert_int_equal(n.now, established + 30 * L2TPSEC_SECONDS);
  run(&n, 11 * L2TPSEC_SECONDS);
  assert_int_equal(n.now, established + 40 * L2TPSEC_SECONDS);

  assert_int_equal(n.client.ike_down, 1);
  assert_int_equal(n.client.last_reason, L2TPSEC_IKE_DOWN_TIMEOUT);
  /* R-U-THERE at 10, 20 and 30 s, each with a new sequence number. */
  assert_int_equal(n.sent, sent_before + 3);
  assert_int_equal(n.client.children_down, 1);
  net_free(&n);
}

static void close_deletes_both_sides(void **state) {
  l2tpsec_ike_settings cs, ss;
  uint64_t id;
  l2tpsec_ike_endpoint server = server_addr;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  net_init(&n, &cs, &ss, true);
  assert_int_equal(
      l2tpsec_ike_connect(n.client.ike, &client_private, &server, n.now, &id),
      0);
  run(&n, 5 * L2TPSEC_SECONDS);
  expect_matching_children(&n);

  assert_int_equal(l2tpsec_ike_close(n.client.ike, id, n.now), 0);
  assert_int_equal(l2tpsec_ike_close(n.client.ike, id, n.now),
                   L2TPSEC_ERR_NOT_FOUND);
  run(&n, 1 * L2TPSEC_SECONDS);
  assert_int_equal(n.client.children_down, 1);
  assert_int_equal(n.server.children_down, 1);
  assert_int_equal(stats_of(&n.server).ike_sas, 0);
  assert_int_equal(stats_of(&n.client).ike_sas, 0);
  net_free(&n);
}

static void phase1_expiry_keeps_child(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  /* A short ISAKMP lifetime must not end a healthy ESP SA. */
  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  ss.ike_lifetime = 60;
  cs.ike_lifetime = 60;
  cs.rekey = ss.rekey = false;
  establish_pair(&n, &cs, &ss, false);
  run(&n, 61 * L2TPSEC_SECONDS);

  assert_int_equal(n.server.ike_down, 1);
  assert_int_equal(n.server.last_reason, L2TPSEC_IKE_DOWN_EXPIRED);
  assert_int_equal(n.client.ike_down, 1);
  assert_int_equal(n.server.children_down, 0);
  assert_int_equal(n.client.children_down, 0);
  net_free(&n);
}

static void initial_contact_spares_nat_neighbour(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  establish_pair(&n, &cs, &ss, true);

  /* A second client behind the same NAT: same public address, other
   * port. Its INITIAL-CONTACT must leave the first client alone. */
  ike_sa *first = n.server.ike->sas;
  ike_sa *second = l2tpsec__ike_sa_new(n.server.ike, false, &first->local,
                                       &first->remote, n.now);
  second->state = IKE_ESTABLISHED;
  n.server.ike->stats.half_open--;
  second->remote.port = 1024;
  l2tpsec__ike_initial_contact(n.server.ike, second);
  assert_int_equal(stats_of(&n.server).ike_sas, 2);
  assert_int_equal(n.server.children_down, 0);

  /* The same client again (same address and port) replaces it. */
  second->remote.port = first->remote.port;
  l2tpsec__ike_initial_contact(n.server.ike, second);
  assert_int_equal(stats_of(&n.server).ike_sas, 1);
  assert_int_equal(n.server.children_down, 1);
  net_free(&n);
}

static void natoa_reserved_bytes_tolerated(void **state) {
  /* Two NAT-OA payloads as a Meraki gateway sends them: ID type 1,
   * RESERVED 00, RESERVED2 11 94, then the address. */
  static const uint8_t first[] = {1, 0, 0x11, 0x94, 192, 0, 2, 10};
  static const uint8_t second[] = {1, 0, 0x11, 0x94, 198, 51, 100, 1};
  static const uint8_t clean[] = {1, 0, 0, 0, 198, 51, 100, 1};
  static const uint8_t bad_type[] = {4, 0, 0, 0, 198, 51, 100, 1};
  l2tpsec_ike_endpoint ep;
  bool reserved;

  assert_true(
      l2tpsec__ike_natoa_parse(&(isakmp_payload){first, 8}, &ep, &reserved));
  assert_true(reserved);
  assert_int_equal(ep.family, 4);
  assert_memory_equal(ep.addr, client_private.addr, 4);
  assert_true(
      l2tpsec__ike_natoa_parse(&(isakmp_payload){second, 8}, &ep, &reserved));
  assert_memory_equal(ep.addr, server_addr.addr, 4);
  assert_true(
      l2tpsec__ike_natoa_parse(&(isakmp_payload){clean, 8}, &ep, &reserved));
  assert_false(reserved);
  assert_false(
      l2tpsec__ike_natoa_parse(&(isakmp_payload){bad_type, 8}, &ep, &reserved));
  assert_false(
      l2tpsec__ike_natoa_parse(&(isakmp_payload){clean, 7}, &ep, &reserved));
}

static void settings_rejected(void **state) {
  l2tpsec_ike_settings s;
  l2tpsec_ike *ike = NULL;
  net n;

  base_settings(&s, &n, 0);
  s.ike_proposals = "aes256-sha256-modp999";
  assert_int_equal(l2tpsec_ike_new(&ike, &s, &callbacks, NULL),
                   L2TPSEC_ERR_CONFIG);
  assert_null(ike);
  base_settings(&s, &n, 0);
  s.psk = NULL;
  assert_int_equal(l2tpsec_ike_new(&ike, &s, &callbacks, NULL),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  l2tpsec_ike_del(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(handshake_without_nat),
      cmocka_unit_test(handshake_behind_nat),
      cmocka_unit_test(loss_and_duplication),
      cmocka_unit_test(last_message_lost),
      cmocka_unit_test(handshake_with_pfs),
      cmocka_unit_test(each_cipher_suite),
      cmocka_unit_test(wrong_psk_fails),
      cmocka_unit_test(no_common_proposal),
      cmocka_unit_test(responder_shortens_lifetime),
      cmocka_unit_test(zero_address_client_ids),
      cmocka_unit_test(half_open_bounded),
      cmocka_unit_test(half_open_per_address),
      cmocka_unit_test(repeat_replies_bounded),
      cmocka_unit_test(malformed_captures_counted),
      cmocka_unit_test(settings_rejected),
      cmocka_unit_test(natoa_reserved_bytes_tolerated),
      cmocka_unit_test(tshark_decodes_every_message),
      cmocka_unit_test(dpd_keeps_live_peer),
      cmocka_unit_test(dpd_detects_dead_peer),
      cmocka_unit_test(close_deletes_both_sides),
      cmocka_unit_test(phase1_expiry_keeps_child),
      cmocka_unit_test(initial_contact_spares_nat_neighbour),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
