/*
 * Tunnel-mode quick mode. The tests cover the selector codec, and an
 * initiator and a responder back to back in memory, directly or through
 * a NAT that rewrites the initiator's address and ports. They check the
 * responder's selector rules, and that tshark decodes every message of a
 * tunnel-mode exchange, including DPD and DELETE informational messages.
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

#include "hex.h"
#include "ike/ike_internal.h"
#include "ike/isakmp.h"
#include "ike/selector.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/ike.h"

#define MAX_QUEUE 64

/* Addresses from the documentation ranges. */
static const l2tpsec_ike_endpoint left_addr = {4, {192, 0, 2, 10}, 500};
static const l2tpsec_ike_endpoint right_addr = {4, {198, 51, 100, 1}, 500};
static const uint8_t nat_public[4] = {203, 0, 113, 5};

typedef struct packet {
  l2tpsec_ike_endpoint from, to;
  uint8_t data[4096];
  size_t len;
} packet;

struct pair;

typedef struct side {
  struct pair *pair;
  l2tpsec_ike *ike;
  bool is_left; /* the initiator; behind the NAT when there is one */
  size_t n_children;
  l2tpsec_ike_child_sa child;
} side;

typedef struct pair {
  side left, right;
  bool nat;
  packet queue[MAX_QUEUE];
  size_t n;
  unsigned sent;
  l2tpsec_tstamp now;
  l2tpsec_rand_test_state rand_state[2];
  FILE *pcap; /* when set, every datagram is recorded */
} pair;

/* ---- Selectors ---------------------------------------------------------- */

static l2tpsec_ike_selector v4_selector(uint8_t a, uint8_t b, uint8_t c,
                                        uint8_t d, uint8_t prefix_len) {
  l2tpsec_ike_selector sel = {.family = 4, .prefix_len = prefix_len};

  sel.addr[0] = a;
  sel.addr[1] = b;
  sel.addr[2] = c;
  sel.addr[3] = d;
  return sel;
}

/* Wraps the ID body bytes as a parsed payload. */
static isakmp_payload id_payload(const uint8_t *body, size_t len) {
  isakmp_payload p = {0};

  p.body = body;
  p.len = len;
  return p;
}

/* Writes sel as an ID payload and parses it back. */
static l2tpsec_ike_selector round_trip(const l2tpsec_ike_selector *sel,
                                       uint8_t *type_out) {
  uint8_t buf[128];
  ike_writer w;
  l2tpsec_ike_selector back;

  ike_writer_init(&w, buf, sizeof(buf));
  w.np_offset = 0; /* no header in front: patch a scratch byte */
  ike_put8(&w, 0);
  size_t off = w.len;
  l2tpsec__ike_put_selector(&w, sel);
  assert_false(w.failed);

  isakmp_payload p = id_payload(buf + off + 4, w.len - off - 4);
  *type_out = p.body[0];
  assert_true(l2tpsec__ike_selector_parse(&p, &back));
  return back;
}

static void selector_round_trip(void **state) {
  l2tpsec_ike_selector host = v4_selector(203, 0, 113, 7, 32);
  l2tpsec_ike_selector net = v4_selector(198, 18, 0, 0, 15);
  l2tpsec_ike_selector v6 = {.family = 6, .prefix_len = 64};
  uint8_t type;

  v6.addr[0] = 0x20;
  v6.addr[1] = 0x01;
  v6.addr[2] = 0x0d;
  v6.addr[3] = 0xb8;
  host.protocol = 17;
  host.port = 1701;

  l2tpsec_ike_selector back = round_trip(&host, &type);
  assert_int_equal(type, IPSEC_ID_IPV4_ADDR);
  assert_memory_equal(&back, &host, sizeof(host));

  back = round_trip(&net, &type);
  assert_int_equal(type, IPSEC_ID_IPV4_ADDR_SUBNET);
  assert_memory_equal(&back, &net, sizeof(net));

  back = round_trip(&v6, &type);
  assert_int_equal(type, IPSEC_ID_IPV6_ADDR_SUBNET);
  assert_memory_equal(&back, &v6, sizeof(v6));
}

static void selector_parse_rejects(void **state) {
  l2tpsec_ike_selector sel;
  /* 192.0.2.0 with mask 255.0.255.0: a hole in the mask. */
  const uint8_t holed[] = {4, 0, 0, 0, 192, 0, 2, 0, 255, 0, 255, 0};
  /* IPV4_ADDR one byte short. */
  const uint8_t short_addr[] = {1, 0, 0, 0, 192, 0, 2};
  /* FQDN: not an address. */
  const uint8_t fqdn[] = {2, 0, 0, 0, 'a', '.', 'e', 'x'};
  /* IPV4_ADDR_RANGE: not supported. */
  const uint8_t range[] = {7, 0, 0, 0, 192, 0, 2, 1, 192, 0, 2, 9};
  isakmp_payload p;

  p = id_payload(holed, sizeof(holed));
  assert_false(l2tpsec__ike_selector_parse(&p, &sel));
  p = id_payload(short_addr, sizeof(short_addr));
  assert_false(l2tpsec__ike_selector_parse(&p, &sel));
  p = id_payload(fqdn, sizeof(fqdn));
  assert_false(l2tpsec__ike_selector_parse(&p, &sel));
  p = id_payload(range, sizeof(range));
  assert_false(l2tpsec__ike_selector_parse(&p, &sel));
}

static void selector_within_rules(void **state) {
  l2tpsec_ike_selector net24 = v4_selector(192, 0, 2, 0, 24);
  l2tpsec_ike_selector net25 = v4_selector(192, 0, 2, 128, 25);
  l2tpsec_ike_selector host = v4_selector(192, 0, 2, 200, 32);
  l2tpsec_ike_selector other = v4_selector(198, 51, 100, 200, 32);
  l2tpsec_ike_selector udp_host = host;

  udp_host.protocol = 17;
  assert_true(l2tpsec__ike_selector_within(&host, &net24));
  assert_true(l2tpsec__ike_selector_within(&host, &net25));
  assert_true(l2tpsec__ike_selector_within(&net25, &net24));
  assert_false(l2tpsec__ike_selector_within(&net24, &net25));
  assert_false(l2tpsec__ike_selector_within(&other, &net24));
  /* A selector limited to UDP lies within "any protocol", not back. */
  assert_true(l2tpsec__ike_selector_within(&udp_host, &host));
  assert_false(l2tpsec__ike_selector_within(&host, &udp_host));
}

/* ---- In-memory pair ----------------------------------------------------- */

static void enqueue(pair *n, const l2tpsec_ike_endpoint *from,
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

/* Appends one datagram as a raw IPv4/UDP packet (link type 101). */
static void pcap_write(FILE *f, const packet *p) {
  uint8_t hdr[28] = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17};
  uint32_t rec[4] = {0, 0, (uint32_t)(p->len + 28), (uint32_t)(p->len + 28)};

  hdr[2] = (uint8_t)((p->len + 28) >> 8);
  hdr[3] = (uint8_t)(p->len + 28);
  memcpy(hdr + 12, p->from.addr, 4);
  memcpy(hdr + 16, p->to.addr, 4);
  hdr[20] = (uint8_t)(p->from.port >> 8);
  hdr[21] = (uint8_t)p->from.port;
  hdr[22] = (uint8_t)(p->to.port >> 8);
  hdr[23] = (uint8_t)p->to.port;
  hdr[24] = (uint8_t)((p->len + 8) >> 8);
  hdr[25] = (uint8_t)(p->len + 8);
  fwrite(rec, sizeof(rec), 1, f);
  fwrite(hdr, sizeof(hdr), 1, f);
  fwrite(p->data, p->len, 1, f);
}

/* The wire; with a NAT, the left side's address and ports are rewritten
 * (500 -> 40500, 4500 -> 44500) on the way out and back on the way in. */
static int on_send(void *user_data, const uint8_t *data, size_t len,
                   const l2tpsec_ike_endpoint *local,
                   const l2tpsec_ike_endpoint *remote) {
  side *s = user_data;
  pair *n = s->pair;
  l2tpsec_ike_endpoint from = *local, to = *remote;

  n->sent++;
  if (n->nat && s->is_left) {
    memcpy(from.addr, nat_public, 4);
    from.port = local->port == 500 ? 40500 : 44500;
  }
  if (n->nat && !s->is_left) {
    to = left_addr;
    to.port = remote->port == 40500 ? 500 : 4500;
  }
  enqueue(n, &from, &to, data, len);
  if (n->pcap != NULL)
    pcap_write(n->pcap, &n->queue[n->n - 1]);
  return 0;
}

static int on_child_up(void *user_data, const l2tpsec_ike_child_sa *sa) {
  side *s = user_data;

  s->n_children++;
  s->child = *sa;
  return 0;
}

static const l2tpsec_ike_callbacks callbacks = {
    .send = on_send,
    .child_sa_up = on_child_up,
};

/* PSK settings in tunnel mode between the two selectors. */
static void tunnel_settings(l2tpsec_ike_settings *s, pair *n, int which,
                            l2tpsec_ike_selector local,
                            l2tpsec_ike_selector remote) {
  static const uint8_t psk[] = "tunnel test key";

  l2tpsec_ike_settings_default(s);
  s->rand = l2tpsec_rand_test(&n->rand_state[which], 2000 + which);
  s->psk = psk;
  s->psk_len = sizeof(psk) - 1;
  s->dpd_delay = 0;
  s->tunnel = true;
  s->tunnel_local = local;
  s->tunnel_remote = remote;
}

static void pair_init(pair *n, const l2tpsec_ike_settings *left,
                      const l2tpsec_ike_settings *right, bool nat) {
  l2tpsec_rand_test_state seeded[2];

  /* The settings' random sources point at rand_state: keep it. */
  memcpy(seeded, n->rand_state, sizeof(seeded));
  memset(n, 0, sizeof(*n));
  memcpy(n->rand_state, seeded, sizeof(seeded));
  n->nat = nat;
  n->now = 1000 * L2TPSEC_SECONDS;
  n->left.pair = n->right.pair = n;
  n->left.is_left = true;
  assert_int_equal(l2tpsec_ike_new(&n->left.ike, left, &callbacks, &n->left),
                   0);
  assert_int_equal(l2tpsec_ike_new(&n->right.ike, right, &callbacks, &n->right),
                   0);
}

static void pair_free(pair *n) {
  l2tpsec_ike_del(n->left.ike);
  l2tpsec_ike_del(n->right.ike);
}

/* Delivers queued datagrams and runs timers up to now + horizon. */
static void run(pair *n, l2tpsec_duration horizon) {
  l2tpsec_tstamp end = n->now + horizon;

  for (int guard = 0; guard < 10000; guard++) {
    if (n->n > 0) {
      packet p = n->queue[0];
      bool to_right = memcmp(p.to.addr, right_addr.addr, 4) == 0;
      side *s = to_right ? &n->right : &n->left;

      memmove(n->queue, n->queue + 1, (n->n - 1) * sizeof(n->queue[0]));
      n->n--;
      assert_int_equal(
          l2tpsec_ike_input(s->ike, p.data, p.len, &p.to, &p.from, n->now), 0);
      continue;
    }
    l2tpsec_tstamp a = l2tpsec_ike_next_deadline(n->left.ike);
    l2tpsec_tstamp b = l2tpsec_ike_next_deadline(n->right.ike);
    l2tpsec_tstamp t = a < b ? a : b;
    if (t == L2TPSEC_TSTAMP_NEVER || t > end)
      break;
    n->now = t > n->now ? t : n->now;
    assert_int_equal(l2tpsec_ike_handle_timeout(n->left.ike, n->now), 0);
    assert_int_equal(l2tpsec_ike_handle_timeout(n->right.ike, n->now), 0);
  }
}

static uint64_t connect_left(pair *n) {
  l2tpsec_ike_endpoint right = right_addr;
  uint64_t id;

  assert_int_equal(
      l2tpsec_ike_connect(n->left.ike, &left_addr, &right, n->now, &id), 0);
  return id;
}

static l2tpsec_ike_stats stats_of(const side *s) {
  l2tpsec_ike_stats st;

  l2tpsec_ike_get_stats(s->ike, &st);
  return st;
}

/* Both sides hold one tunnel-mode child with mirrored SPIs, keys and
 * selectors. */
static void expect_tunnel_children(const pair *n) {
  const l2tpsec_ike_child_sa *l = &n->left.child;
  const l2tpsec_ike_child_sa *r = &n->right.child;

  assert_int_equal(n->left.n_children, 1);
  assert_int_equal(n->right.n_children, 1);
  assert_false(l->transport);
  assert_false(r->transport);
  assert_int_equal(l->encap_mode, r->encap_mode);
  assert_int_equal(l->spi_out, r->spi_in);
  assert_int_equal(l->spi_in, r->spi_out);
  assert_true(l->encr_key_len > 0);
  assert_memory_equal(l->encr_key_out, r->encr_key_in, l->encr_key_len);
  assert_memory_equal(l->integ_key_out, r->integ_key_in, l->integ_key_len);
  assert_memory_equal(&l->ts_local, &r->ts_remote, sizeof(l->ts_local));
  assert_memory_equal(&l->ts_remote, &r->ts_local, sizeof(l->ts_remote));
}

/* The selectors each side offers or accepts, as (local, remote). */
typedef struct tunnel_case {
  l2tpsec_ike_selector left_local, left_remote, right_local, right_remote;
  bool nat;
  bool left_transport; /* the initiator requests transport mode */
} tunnel_case;

/* Sets up both sides as c describes, connects the left side and runs
 * main and quick mode for up to 30 s. */
static void handshake(pair *n, const tunnel_case *c) {
  l2tpsec_ike_settings ls, rs;

  tunnel_settings(&ls, n, 0, c->left_local, c->left_remote);
  ls.tunnel = !c->left_transport;
  tunnel_settings(&rs, n, 1, c->right_local, c->right_remote);
  pair_init(n, &ls, &rs, c->nat);
  connect_left(n);
  run(n, 30 * L2TPSEC_SECONDS);
}

/* Checks that quick mode failed: the responder accepted no proposal. */
static void expect_no_children(const pair *n) {
  assert_int_equal(n->left.n_children, 0);
  assert_int_equal(n->right.n_children, 0);
  assert_true(stats_of(&n->right).drop_no_proposal >= 1);
}

/* ---- Handshakes --------------------------------------------------------- */

static void tunnel_without_nat(void **state) {
  l2tpsec_ike_selector left_net = v4_selector(192, 0, 2, 0, 24);
  l2tpsec_ike_selector right_net = v4_selector(198, 51, 100, 0, 24);
  pair n;

  handshake(&n, &(tunnel_case){.left_local = left_net,
                               .left_remote = right_net,
                               .right_local = right_net,
                               .right_remote = left_net});

  expect_tunnel_children(&n);
  assert_int_equal(n.right.child.encap_mode, IPSEC_ENCAP_TUNNEL);
  assert_false(n.right.child.udp_encap);
  assert_memory_equal(&n.right.child.ts_local, &right_net, sizeof(right_net));
  assert_memory_equal(&n.right.child.ts_remote, &left_net, sizeof(left_net));
  /* MM1..MM6 and QM1..QM3. */
  assert_int_equal(n.sent, 9);
  pair_free(&n);
}

static void tunnel_behind_nat(void **state) {
  l2tpsec_ike_selector left_host = v4_selector(203, 0, 113, 2, 32);
  l2tpsec_ike_selector right_host = v4_selector(203, 0, 113, 1, 32);
  pair n;

  handshake(&n, &(tunnel_case){.left_local = left_host,
                               .left_remote = right_host,
                               .right_local = right_host,
                               .right_remote = left_host,
                               .nat = true});

  expect_tunnel_children(&n);
  const l2tpsec_ike_child_sa *r = &n.right.child;
  assert_int_equal(r->encap_mode, IPSEC_ENCAP_UDP_TUNNEL);
  assert_true(r->udp_encap);
  assert_int_equal(r->remote.port, 44500);
  assert_int_equal(n.left.child.remote.port, 4500);
  /* NAT-OA belongs to transport mode only (RFC 3947 section 5.2). */
  assert_int_equal(r->original_initiator.family, 0);
  assert_int_equal(n.left.child.original_responder.family, 0);
  pair_free(&n);
}

static void responder_accepts_narrower_ids(void **state) {
  l2tpsec_ike_selector left_host = v4_selector(192, 0, 2, 10, 32);
  l2tpsec_ike_selector right_host = v4_selector(198, 51, 100, 7, 32);
  l2tpsec_ike_selector left_net = v4_selector(192, 0, 2, 0, 24);
  l2tpsec_ike_selector right_net = v4_selector(198, 51, 100, 0, 24);
  pair n;

  handshake(&n, &(tunnel_case){.left_local = left_host,
                               .left_remote = right_host,
                               .right_local = right_net,
                               .right_remote = left_net});

  expect_tunnel_children(&n);
  assert_memory_equal(&n.right.child.ts_local, &right_host, sizeof(right_host));
  assert_memory_equal(&n.right.child.ts_remote, &left_host, sizeof(left_host));
  pair_free(&n);
}

static void responder_rejects_wider_ids(void **state) {
  l2tpsec_ike_selector left_net = v4_selector(192, 0, 2, 0, 24);
  l2tpsec_ike_selector left_half = v4_selector(192, 0, 2, 128, 25);
  l2tpsec_ike_selector right_net = v4_selector(198, 51, 100, 0, 24);
  pair n;

  handshake(&n, &(tunnel_case){.left_local = left_net,
                               .left_remote = right_net,
                               .right_local = right_net,
                               .right_remote = left_half});

  expect_no_children(&n);
  assert_int_equal(stats_of(&n.right).ike_sas_established, 1);
  pair_free(&n);
}

static void transport_peer_rejected(void **state) {
  l2tpsec_ike_selector left_net = v4_selector(192, 0, 2, 0, 24);
  l2tpsec_ike_selector right_net = v4_selector(198, 51, 100, 0, 24);
  pair n;

  /* An L2TP client (transport mode) against a tunnel-mode responder:
   * its proxy IDs are UDP/1701 hosts, inside the selectors, but the
   * encapsulation mode differs, so no child SA may come up. */
  handshake(&n, &(tunnel_case){.left_local = left_net,
                               .left_remote = right_net,
                               .right_local = right_net,
                               .right_remote = left_net,
                               .left_transport = true});

  expect_no_children(&n);
  pair_free(&n);
}

static void invalid_selectors_rejected(void **state) {
  l2tpsec_ike_selector host_bits = v4_selector(192, 0, 2, 1, 24);
  l2tpsec_ike_selector too_long = v4_selector(192, 0, 2, 1, 33);
  l2tpsec_ike_selector good = v4_selector(198, 51, 100, 0, 24);
  l2tpsec_ike_selector unset = {0};
  l2tpsec_ike_settings s;
  l2tpsec_ike *ike = NULL;
  pair n;

  tunnel_settings(&s, &n, 0, host_bits, good);
  assert_int_equal(l2tpsec_ike_new(&ike, &s, &callbacks, NULL),
                   L2TPSEC_ERR_CONFIG);
  tunnel_settings(&s, &n, 0, good, too_long);
  assert_int_equal(l2tpsec_ike_new(&ike, &s, &callbacks, NULL),
                   L2TPSEC_ERR_CONFIG);
  tunnel_settings(&s, &n, 0, unset, good);
  assert_int_equal(l2tpsec_ike_new(&ike, &s, &callbacks, NULL),
                   L2TPSEC_ERR_CONFIG);
  assert_null(ike);

  /* Without tunnel mode the selectors are ignored. */
  s.tunnel = false;
  assert_int_equal(l2tpsec_ike_new(&ike, &s, &callbacks, NULL), 0);
  l2tpsec_ike_del(ike);
}

/* ---- tshark ------------------------------------------------------------- */

/* The "cookie,key" entry of tshark's IKEv1 decryption table for sa. */
static void decryption_entry(const ike_sa *sa, char *out) {
  uint8_t key[64];
  char key_hex[129];

  assert_int_equal(
      l2tpsec__ikev1_enc_key(sa->prf, sa->skeyid_e, key, sa->enc_key_len), 0);
  hex_encode(sa->icookie, 8, out);
  hex_encode(key, sa->enc_key_len, key_hex);
  strcat(out, ",");
  strcat(out, key_hex);
}

static char *tshark_decode(const char *pcap, const char *entry) {
  static char out[1 << 20];
  char cmd[1024];

  snprintf(cmd, sizeof(cmd),
           "tshark -r %s -V -o 'uat:ikev1_decryption_table:%s' 2>&1", pcap,
           entry);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t len = fread(out, 1, sizeof(out) - 1, p);
  out[len] = '\0';
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

static void tshark_decodes_tunnel_and_info(void **state) {
  l2tpsec_ike_selector left_net = v4_selector(192, 0, 2, 0, 24);
  l2tpsec_ike_selector right_host = v4_selector(198, 51, 100, 7, 32);
  char path[] = "/tmp/l2tpsec-ike-tunnel-XXXXXX";
  char entry[200];
  l2tpsec_ike_settings ls, rs;
  pair n;

  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  tunnel_settings(&ls, &n, 0, left_net, right_host);
  tunnel_settings(&rs, &n, 1, right_host, left_net);
  ls.dpd_delay = 10 * L2TPSEC_SECONDS;
  rs.dpd_delay = 10 * L2TPSEC_SECONDS;
  pair_init(&n, &ls, &rs, false);
  n.pcap = fopen(path, "wb");
  assert_non_null(n.pcap);
  uint32_t global[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101};
  fwrite(global, sizeof(global), 1, n.pcap);

  uint64_t id = connect_left(&n);
  run(&n, 5 * L2TPSEC_SECONDS);
  expect_tunnel_children(&n);
  decryption_entry(n.left.ike->sas, entry);
  /* DPD: R-U-THERE and its ACK, then DELETE of the ESP and ISAKMP SAs. */
  run(&n, 12 * L2TPSEC_SECONDS);
  assert_int_equal(l2tpsec_ike_close(n.left.ike, id, n.now), 0);
  run(&n, 1 * L2TPSEC_SECONDS);
  fclose(n.pcap);

  const char *out = tshark_decode(path, entry);
  unlink(path);
  assert_null(strstr(out, "Malformed"));
  assert_null(strstr(out, "Expert Info (Warning"));
  assert_int_equal(count(out, "ID type: IPV4_ADDR_SUBNET (4)"), 2);
  /* Every transform QM1 offers and the one QM2 chose say tunnel mode. */
  assert_true(count(out, "Encapsulation Mode: Tunnel (1)") >= 2);
  assert_int_equal(count(out, "Encapsulation Mode: Transport"), 0);
  assert_true(count(out, "Notify Message Type: R-U-THERE (36136)") >= 1);
  assert_true(count(out, "Notify Message Type: R-U-THERE-ACK (36137)") >= 1);
  assert_int_equal(count(out, "Payload: Delete (12)"), 2);
  pair_free(&n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(selector_round_trip),
      cmocka_unit_test(selector_parse_rejects),
      cmocka_unit_test(selector_within_rules),
      cmocka_unit_test(tunnel_without_nat),
      cmocka_unit_test(tunnel_behind_nat),
      cmocka_unit_test(responder_accepts_narrower_ids),
      cmocka_unit_test(responder_rejects_wider_ids),
      cmocka_unit_test(transport_peer_rejected),
      cmocka_unit_test(invalid_selectors_rejected),
      cmocka_unit_test(tshark_decodes_tunnel_and_info),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
