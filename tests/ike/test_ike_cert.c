/*
 * Main mode with certificates, end to end: an initiator and a responder
 * back to back in memory, optionally through a NAT that rewrites the
 * client's address and ports. The certificates and keys are generated
 * at test time by make_ike_certs.sh with openssl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "ike/cert_auth.h"
#include "ike/ike_internal.h"
#include "ike/isakmp.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/ike.h"

#define MAX_QUEUE 96
#define MAX_FILES 32

static const l2tpsec_ike_endpoint client_private = {4, {192, 0, 2, 10}, 500};
static const l2tpsec_ike_endpoint server_addr = {4, {198, 51, 100, 1}, 500};
static const uint8_t nat_public[4] = {203, 0, 113, 5};

static char dir[] = "/tmp/l2tpsec-ike-cert-XXXXXX";

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
  int ike_up;
  size_t n_children;
  l2tpsec_ike_child_sa child;
  char log[4096]; /* every log line, newline-separated */
} side;

typedef struct net {
  side client, server;
  bool nat;
  bool corrupt_sig; /* alter the SIG inside every MM5 the client sends */
  /* When non-zero, every MM5 the client sends arrives as this many
   * fragments (payload 132), out of order and with one duplicate. */
  unsigned split_mm5;
  packet queue[MAX_QUEUE];
  size_t n;
  l2tpsec_tstamp now;
  l2tpsec_rand_test_state rand_state[2];
} net;

/* File contents loaded for one test, freed by net_free. */
typedef struct files {
  uint8_t *data[MAX_FILES];
  size_t n;
} files;

/* ---- Fixtures ----------------------------------------------------------- */

static uint8_t *read_file(files *f, const char *name, size_t *len) {
  char path[256];

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *fp = fopen(path, "rb");
  if (fp == NULL)
    fail_msg("cannot open %s; did make_ike_certs.sh run?", path);
  fseek(fp, 0, SEEK_END);
  long size = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  uint8_t *data = malloc((size_t)size);
  assert_non_null(data);
  assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
  fclose(fp);
  assert_true(f->n < MAX_FILES);
  f->data[f->n++] = data;
  *len = (size_t)size;
  return data;
}

static void files_free(files *f) {
  for (size_t i = 0; i < f->n; i++)
    free(f->data[i]);
  f->n = 0;
}

static int make_certs(void **state) {
  char cmd[512];

  (void)state;
  if (mkdtemp(dir) == NULL)
    return -1;
  snprintf(cmd, sizeof(cmd), "sh %s/tests/ike/make_ike_certs.sh %s",
           L2TPSEC_SOURCE_DIR, dir);
  if (system(cmd) != 0) {
    fprintf(stderr, "make_ike_certs.sh failed; is openssl installed?\n");
    return -1;
  }
  return 0;
}

static int remove_certs(void **state) {
  char cmd[512];

  (void)state;
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* ---- The wire ----------------------------------------------------------- */

static uint16_t nat_port(uint16_t inside) {
  return inside == 500 ? 40500 : 44500;
}

static uint16_t inside_port(uint16_t outside) {
  return outside == 40500 ? 500 : 4500;
}

/* Exchange type 2 (identity protection) with the encryption flag. */
static bool is_encrypted_main_mode(const uint8_t *data, size_t len) {
  return len > 28 && data[18] == 2 && (data[19] & 1) != 0;
}

/*
 * The SIG payload of an RSA-2048 MM5 is its last 260 bytes before at
 * most 16 bytes of padding. Flipping a CBC ciphertext byte 100 bytes
 * before the end garbles that block's plaintext and one byte of the
 * next, both inside the signature, so the message still parses and
 * only the signature is wrong.
 */
static void corrupt_signature(uint8_t *data, size_t len) {
  data[len - 100] ^= 0x55;
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

/* Builds fragment `number` of `count` of msg the way Windows does: the
 * message's header with next payload 132, then the fragment payload
 * (generic header, fragment ID 1, number, last flag) and a slice. */
static size_t make_fragment(const uint8_t *msg, size_t len, unsigned number,
                            unsigned count, uint8_t *out) {
  size_t slice = (len + count - 1) / count;
  size_t off = (number - 1) * slice;
  size_t n = len - off < slice ? len - off : slice;
  size_t total = 28 + 8 + n;

  memcpy(out, msg, 28);
  out[16] = 132;
  out[19] = 0;
  out[24] = (uint8_t)(total >> 24);
  out[25] = (uint8_t)(total >> 16);
  out[26] = (uint8_t)(total >> 8);
  out[27] = (uint8_t)total;
  uint8_t frag_hdr[8] = {
      0, 0, (uint8_t)((8 + n) >> 8), (uint8_t)(8 + n),
      0, 1, (uint8_t)number,         number == count ? 1 : 0};
  memcpy(out + 28, frag_hdr, 8);
  memcpy(out + 36, msg + off, n);
  return total;
}

/* Queues the fragments in the order 3, 1, 2, 5, 4, 6, 7, 7, 8, ...
 * (count >= 7). */
static void enqueue_fragments(net *n, const l2tpsec_ike_endpoint *from,
                              const l2tpsec_ike_endpoint *to,
                              const uint8_t *msg, size_t len, unsigned count) {
  static const unsigned head[] = {3, 1, 2, 5, 4, 6, 7, 7};
  uint8_t out[4096];

  for (unsigned i = 0; i < count + 1; i++) {
    unsigned number = i < 8 ? head[i] : i;
    size_t out_len = make_fragment(msg, len, number, count, out);
    assert_true(out_len <= 576 - 28);
    enqueue(n, from, to, out, out_len);
  }
}

static int on_send(void *user_data, const uint8_t *data, size_t len,
                   const l2tpsec_ike_endpoint *local,
                   const l2tpsec_ike_endpoint *remote) {
  side *s = user_data;
  net *n = s->net;
  l2tpsec_ike_endpoint from = *local, to = *remote;

  if (n->nat && s->is_client) {
    memcpy(from.addr, nat_public, 4);
    from.port = nat_port(local->port);
  }
  if (n->nat && !s->is_client) {
    to = client_private;
    to.port = inside_port(remote->port);
  }
  if (n->split_mm5 > 0 && s->is_client && is_encrypted_main_mode(data, len)) {
    enqueue_fragments(n, &from, &to, data, len, n->split_mm5);
    return 0;
  }
  enqueue(n, &from, &to, data, len);
  if (n->corrupt_sig && s->is_client && is_encrypted_main_mode(data, len))
    corrupt_signature(n->queue[n->n - 1].data, len);
  return 0;
}

static int on_child_up(void *user_data, const l2tpsec_ike_child_sa *sa) {
  side *s = user_data;

  s->n_children++;
  s->child = *sa;
  return 0;
}

static void on_ike_up(void *user_data, uint64_t id,
                      const l2tpsec_ike_endpoint *remote) {
  side *s = user_data;

  (void)id;
  (void)remote;
  s->ike_up++;
}

static void on_log(void *user_data, enum l2tpsec_log_level level,
                   enum l2tpsec_log_category category, const char *message) {
  side *s = user_data;
  size_t used = strlen(s->log);

  (void)level;
  (void)category;
  snprintf(s->log + used, sizeof(s->log) - used, "%s\n", message);
}

static const l2tpsec_ike_callbacks callbacks = {
    .send = on_send,
    .child_sa_up = on_child_up,
    .ike_sa_up = on_ike_up,
};

/* ---- Settings ----------------------------------------------------------- */

/* Certificate settings from NAME.pem, KEY and ca.pem in the fixtures. */
static void cert_settings(l2tpsec_ike_settings *s, net *n, int which, files *f,
                          const char *cert, const char *key) {
  char name[64];

  l2tpsec_ike_settings_default(s);
  s->rand = l2tpsec_rand_test(&n->rand_state[which], 2000 + which);
  s->log.fn = on_log;
  s->log.max_level = L2TPSEC_LOG_INFO;
  s->dpd_delay = 0;
  s->retransmit_tries = 1;
  snprintf(name, sizeof(name), "%s.pem", cert);
  s->cert = read_file(f, name, &s->cert_len);
  snprintf(name, sizeof(name), "%s.key", key);
  s->private_key = read_file(f, name, &s->private_key_len);
  s->ca_certs = read_file(f, "ca.pem", &s->ca_certs_len);
  s->unix_time_origin = (int64_t)time(NULL);
}

static void server_settings(l2tpsec_ike_settings *s, net *n, files *f,
                            const char *name) {
  cert_settings(s, n, 1, f, name, name);
  s->local_id_type = L2TPSEC_IKE_ID_FQDN;
  s->local_id = "vpn.example.com";
}

static void net_start(net *n, l2tpsec_ike_settings *cs,
                      l2tpsec_ike_settings *ss, bool nat) {
  n->nat = nat;
  n->now = 1000 * L2TPSEC_SECONDS;
  n->client.net = n;
  n->client.is_client = true;
  n->server.net = n;
  cs->log.user_data = &n->client;
  ss->log.user_data = &n->server;
  assert_int_equal(l2tpsec_ike_new(&n->client.ike, cs, &callbacks, &n->client),
                   0);
  assert_int_equal(l2tpsec_ike_new(&n->server.ike, ss, &callbacks, &n->server),
                   0);
}

static void net_free(net *n, files *f) {
  l2tpsec_ike_del(n->client.ike);
  l2tpsec_ike_del(n->server.ike);
  files_free(f);
}

static void deliver_one(net *n) {
  packet p = n->queue[0];
  bool to_server = memcmp(p.to.addr, server_addr.addr, 4) == 0;
  side *s = to_server ? &n->server : &n->client;

  memmove(n->queue, n->queue + 1, (n->n - 1) * sizeof(n->queue[0]));
  n->n--;
  assert_int_equal(
      l2tpsec_ike_input(s->ike, p.data, p.len, &p.to, &p.from, n->now), 0);
}

/* Connects and runs until nothing is queued and no timer is due within
 * a minute, which covers the initiator's retransmissions. */
static void run_handshake(net *n) {
  l2tpsec_ike_endpoint server = server_addr;
  l2tpsec_tstamp end = n->now + 60 * L2TPSEC_SECONDS;

  assert_int_equal(l2tpsec_ike_connect(n->client.ike, &client_private, &server,
                                       n->now, NULL),
                   0);
  for (int guard = 0; guard < 1000; guard++) {
    if (n->n > 0) {
      deliver_one(n);
      continue;
    }
    l2tpsec_tstamp a = l2tpsec_ike_next_deadline(n->client.ike);
    l2tpsec_tstamp b = l2tpsec_ike_next_deadline(n->server.ike);
    l2tpsec_tstamp t = a < b ? a : b;
    if (t == L2TPSEC_TSTAMP_NEVER || t > end)
      break;
    n->now = t > n->now ? t : n->now;
    assert_int_equal(l2tpsec_ike_handle_timeout(n->client.ike, n->now), 0);
    assert_int_equal(l2tpsec_ike_handle_timeout(n->server.ike, n->now), 0);
  }
}

static l2tpsec_ike_stats stats_of(const side *s) {
  l2tpsec_ike_stats st;

  l2tpsec_ike_get_stats(s->ike, &st);
  return st;
}

static void expect_established(const net *n) {
  assert_int_equal(n->client.ike_up, 1);
  assert_int_equal(n->server.ike_up, 1);
  assert_int_equal(n->client.n_children, 1);
  assert_int_equal(n->server.n_children, 1);
  assert_int_equal(n->client.child.spi_out, n->server.child.spi_in);
  assert_memory_equal(n->client.child.encr_key_out, n->server.child.encr_key_in,
                      n->client.child.encr_key_len);
}

static void expect_no_auth_drops(const side *s) {
  l2tpsec_ike_stats st = stats_of(s);

  assert_int_equal(st.drop_cert, 0);
  assert_int_equal(st.drop_id_mismatch, 0);
  assert_int_equal(st.drop_signature, 0);
}

/* ---- Cases -------------------------------------------------------------- */

/* How large an IKE message may be before a side fragments it. */
enum frag {
  FRAG_DEFAULT, /* the settings default */
  FRAG_NONE,    /* whole messages, so the wire can find MM5's SIG */
  FRAG_544,     /* 544 bytes, below the size of a certificate MM5 or MM6 */
};

/*
 * One handshake with certificates: what each side presents and expects,
 * and what the wire does to it. A zero field keeps the default: the
 * client identifies itself by address and expects any server identity.
 */
typedef struct cert_case {
  const char *client_cert, *client_key, *server_cert;
  enum l2tpsec_ike_id_type client_id_type;
  const char *client_id, *remote_id;
  enum frag client_frag, server_frag;
  bool nat;
  bool corrupt_sig;   /* see net.corrupt_sig */
  unsigned split_mm5; /* see net.split_mm5 */
} cert_case;

static void set_frag(l2tpsec_ike_settings *s, enum frag frag) {
  if (frag == FRAG_NONE)
    s->frag_size = 0;
  else if (frag == FRAG_544)
    s->frag_size = 544;
}

/* Sets up both sides as c describes and runs the handshake. */
static void run_case(net *n, files *f, const cert_case *c) {
  l2tpsec_ike_settings cs, ss;

  cert_settings(&cs, n, 0, f, c->client_cert, c->client_key);
  cs.local_id_type = c->client_id_type;
  cs.local_id = c->client_id;
  cs.remote_id = c->remote_id;
  set_frag(&cs, c->client_frag);
  server_settings(&ss, n, f, c->server_cert);
  set_frag(&ss, c->server_frag);
  n->corrupt_sig = c->corrupt_sig;
  n->split_mm5 = c->split_mm5;
  net_start(n, &cs, &ss, c->nat);
  run_handshake(n);
}

/* ---- Successful handshakes ---------------------------------------------- */

static void rsa_both_sides(void **state) {
  static const cert_case c = {
      .client_cert = "client_rsa",
      .client_key = "client_rsa",
      .server_cert = "server_rsa",
      .client_id_type = L2TPSEC_IKE_ID_USER_FQDN,
      .client_id = "bob@example.com",
      .remote_id = "vpn.example.com",
      .client_frag = FRAG_544,
      .server_frag = FRAG_544,
  };
  net n = {0};
  files f = {0};

  run_case(&n, &f, &c);

  expect_established(&n);
  expect_no_auth_drops(&n.client);
  expect_no_auth_drops(&n.server);
  assert_non_null(strstr(n.server.log, "established"));
  /* Both sent the FRAGMENTATION vendor ID, and MM5 and MM6 exceed the
   * frag_size of 544 bytes. */
  assert_int_equal(stats_of(&n.server).frag_reassembled, 1);
  assert_int_equal(stats_of(&n.client).frag_reassembled, 1);
  net_free(&n, &f);
}

static void ecdsa_p256_behind_nat(void **state) {
  static const cert_case c = {
      .client_cert = "client_ec",
      .client_key = "client_ec",
      .server_cert = "server_ec",
      .client_id_type = L2TPSEC_IKE_ID_DN,
      .nat = true,
  };
  net n = {0};
  files f = {0};

  run_case(&n, &f, &c);

  expect_established(&n);
  assert_true(n.client.child.udp_encap);
  assert_int_equal(n.server.child.remote.port, 44500);
  expect_no_auth_drops(&n.server);
  net_free(&n, &f);
}

static void ecdsa_p384_address_id(void **state) {
  static const cert_case c = {
      .client_cert = "client_ec384",
      .client_key = "client_ec384",
      .server_cert = "server_ec384",
  };
  net n = {0};
  files f = {0};

  run_case(&n, &f, &c);

  expect_established(&n);
  expect_no_auth_drops(&n.server);
  net_free(&n, &f);
}

/* ---- HASH_I and SIG_I of an ECDSA method ------------------------------- */

/* A phase-1 SA after MM4 with fixed keying material: PRF HMAC-SHA-256,
 * authentication method 10 (ECDSA on P-384). */
static void fill_p384_sa(ike_sa *sa, uint8_t *sai_b, size_t sai_b_len) {
  sa->initiator = true;
  sa->local = client_private;
  sa->remote = server_addr;
  memset(sa->icookie, 0x11, sizeof(sa->icookie));
  memset(sa->rcookie, 0x22, sizeof(sa->rcookie));
  sa->chosen.auth = IKE_AUTH_ECDSA_P384;
  sa->prf = L2TPSEC_HASH_SHA256;
  sa->prf_len = 32;
  memset(sa->skeyid, 0x33, sa->prf_len);
  sa->gx_len = 256;
  memset(sa->gxi, 0x44, sa->gx_len);
  memset(sa->gxr, 0x55, sa->gx_len);
  memset(sai_b, 0x66, sai_b_len);
  sa->sai_b = sai_b;
  sa->sai_b_len = sai_b_len;
}

/* HMAC-SHA-384(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b). */
static void expected_hash_i(const ike_sa *sa, const isakmp_payload *id,
                            uint8_t out[48]) {
  l2tpsec__iovec parts[] = {
      {sa->gxi, sa->gx_len}, {sa->gxr, sa->gx_len},      {sa->icookie, 8},
      {sa->rcookie, 8},      {sa->sai_b, sa->sai_b_len}, {id->body, id->len},
  };

  assert_int_equal(l2tpsec__hmac(L2TPSEC_HASH_SHA384, sa->skeyid, sa->prf_len,
                                 parts, 6, out),
                   0);
}

/* Writes MM5's payloads (no encryption) into buf and parses them. */
static void build_mm5(l2tpsec_ike *ike, ike_sa *sa, uint8_t *buf, size_t cap,
                      isakmp_msg *msg) {
  ike_writer w;

  ike_writer_init(&w, buf, cap);
  l2tpsec__ike_put_header(&w, sa, ISAKMP_XCHG_IDENT_PROT, 0, 0);
  assert_int_equal(l2tpsec__ike_put_sig_auth(ike, sa, &w), 0);
  memset(msg, 0, sizeof(*msg));
  assert_int_equal(l2tpsec__isakmp_parse_payloads(buf + ISAKMP_HDR_LEN,
                                                  w.len - ISAKMP_HDR_LEN,
                                                  buf[16], false, msg),
                   ISAKMP_PARSE_OK);
  assert_int_equal(msg->n_id, 1);
  assert_int_equal(msg->n_cert, 1);
}

/*
 * With ECDSA on P-384, HASH_I is HMAC-SHA-384 even when the negotiated
 * PRF is HMAC-SHA-256, and SIG_I is ECDSA over HASH_I itself (r || s,
 * 96 bytes), with no second hash. strongSwan 5.9.8 computes both this
 * way and rejected our MM5 while we hashed HASH_I again.
 */
static void ecdsa_p384_signs_hmac_sha384(void **state) {
  net n = {0};
  files f = {0};
  l2tpsec_ike_settings cs, ss;
  ike_sa *client_sa = calloc(1, sizeof(*client_sa));
  ike_sa *server_sa = calloc(1, sizeof(*server_sa));
  uint8_t sai_b[52], buf[4096], expected[48], hash[L2TPSEC_HASH_MAX];
  isakmp_msg *msg = calloc(1, sizeof(*msg));
  l2tpsec__x509 *leaf = NULL;

  (void)state;
  assert_non_null(client_sa);
  assert_non_null(server_sa);
  assert_non_null(msg);
  cert_settings(&cs, &n, 0, &f, "client_ec384", "client_ec384");
  server_settings(&ss, &n, &f, "server_ec384");
  net_start(&n, &cs, &ss, false);
  fill_p384_sa(client_sa, sai_b, sizeof(sai_b));
  build_mm5(n.client.ike, client_sa, buf, sizeof(buf), msg);
  expected_hash_i(client_sa, &msg->id[0], expected);

  assert_int_equal(l2tpsec__ike_auth_hash(client_sa, true, msg->id[0].body,
                                          msg->id[0].len, hash),
                   0);
  assert_memory_equal(hash, expected, sizeof(expected));

  assert_int_equal(msg->sig.len, 96);
  assert_int_equal(
      l2tpsec__x509_parse(&leaf, msg->cert[0].body + 1, msg->cert[0].len - 1),
      0);
  assert_int_equal(l2tpsec__x509_verify_ike_sig(leaf, expected,
                                                sizeof(expected), msg->sig.body,
                                                msg->sig.len),
                   0);

  /* The responder checks SIG_I against the same HASH_I. */
  *server_sa = *client_sa;
  server_sa->initiator = false;
  server_sa->local = server_addr;
  server_sa->remote = client_private;
  assert_true(
      l2tpsec__ike_verify_sig_auth(n.server.ike, server_sa, msg, n.now));
  expect_no_auth_drops(&n.server);

  l2tpsec__x509_del(leaf);
  free(msg);
  free(server_sa);
  free(client_sa);
  net_free(&n, &f);
}

/* A responder with a PSK and a certificate still serves PSK clients. */
static void psk_client_with_cert_server(void **state) {
  static const uint8_t psk[] = "correct horse battery staple";
  net n = {0};
  files f = {0};
  l2tpsec_ike_settings cs, ss;

  (void)state;
  l2tpsec_ike_settings_default(&cs);
  cs.rand = l2tpsec_rand_test(&n.rand_state[0], 7);
  cs.dpd_delay = 0;
  cs.psk = psk;
  cs.psk_len = sizeof(psk) - 1;
  server_settings(&ss, &n, &f, "server_rsa");
  ss.psk = psk;
  ss.psk_len = sizeof(psk) - 1;
  net_start(&n, &cs, &ss, false);
  run_handshake(&n);

  expect_established(&n);
  net_free(&n, &f);
}

/* A client with a two-certificate RSA chain whose MM5 the wire splits
 * into `count` fragments. The client does not fragment by itself. */
#define CHAIN_CLIENT(count)                                                    \
  {                                                                            \
    .client_cert = "client_chain_full", .client_key = "client_chain",          \
    .server_cert = "server_rsa", .client_id_type = L2TPSEC_IKE_ID_USER_FQDN,   \
    .client_id = "carol@example.com", .client_frag = FRAG_NONE,                \
    .server_frag = FRAG_544, .split_mm5 = (count),                             \
  }

/* Windows fragments at about 600 bytes, so a certificate MM5 takes more
 * than 16 fragments: 24 must reassemble, in any order, with a duplicate,
 * and the server must fragment its MM6 back. */
static void windows_fragments_reassembled(void **state) {
  static const cert_case c = CHAIN_CLIENT(24);
  net n = {0};
  files f = {0};

  run_case(&n, &f, &c);

  expect_established(&n);
  l2tpsec_ike_stats server = stats_of(&n.server);
  l2tpsec_ike_stats client = stats_of(&n.client);
  assert_int_equal(server.frag_reassembled, 1);
  assert_true(server.drop_duplicate >= 1);
  assert_int_equal(server.drop_fragment, 0);
  assert_true(server.frag_sent >= 2);
  assert_int_equal(client.frag_reassembled, 1);
  net_free(&n, &f);
}

/* ---- Failures ----------------------------------------------------------- */

#define NO_COUNTER SIZE_MAX
#define COUNTER(name) offsetof(l2tpsec_ike_stats, name)

/*
 * A handshake that must fail. The side that rejects it counts the drop
 * at `counter` (an offset into l2tpsec_ike_stats), leaves the counters
 * at `unmoved` at zero and logs a line containing log_text.
 */
typedef struct reject_case {
  cert_case handshake;
  bool client_rejects; /* false: the server rejects */
  size_t counter;
  size_t unmoved[2];    /* NO_COUNTER where unused */
  const char *log_text; /* NULL: no log check */
} reject_case;

static uint64_t counter_at(const l2tpsec_ike_stats *st, size_t offset) {
  uint64_t count;

  memcpy(&count, (const uint8_t *)st + offset, sizeof(count));
  return count;
}

/* Runs the case in *state and checks that no SA came up. */
static void handshake_rejected(void **state) {
  const reject_case *c = *state;
  net n = {0};
  files f = {0};

  run_case(&n, &f, &c->handshake);

  const side *rejecter = c->client_rejects ? &n.client : &n.server;
  l2tpsec_ike_stats st = stats_of(rejecter);
  assert_int_equal(rejecter->ike_up, 0);
  assert_int_equal(n.client.n_children, 0);
  assert_int_equal(n.server.n_children, 0);
  assert_true(counter_at(&st, c->counter) >= 1);
  for (size_t i = 0; i < 2; i++) {
    if (c->unmoved[i] != NO_COUNTER)
      assert_int_equal(counter_at(&st, c->unmoved[i]), 0);
  }
  if (c->log_text != NULL && strstr(rejecter->log, c->log_text) == NULL)
    fail_msg("log lacks \"%s\":\n%s", c->log_text, rejecter->log);
  net_free(&n, &f);
}

static reject_case unknown_ca_rejected = {
    .handshake = {.client_cert = "client_other",
                  .client_key = "client_other",
                  .server_cert = "server_ec"},
    .counter = COUNTER(drop_cert),
    .unmoved = {NO_COUNTER, NO_COUNTER},
    .log_text = "peer certificate not trusted",
};

static reject_case expired_cert_rejected = {
    .handshake = {.client_cert = "client_expired",
                  .client_key = "client_expired",
                  .server_cert = "server_ec"},
    .counter = COUNTER(drop_cert),
    .unmoved = {NO_COUNTER, NO_COUNTER},
    .log_text = "expired",
};

/* The RSA client certificate names only bob@example.com, but the client
 * identifies itself by address. */
static reject_case id_not_in_cert_rejected = {
    .handshake = {.client_cert = "client_rsa",
                  .client_key = "client_rsa",
                  .server_cert = "server_rsa"},
    .counter = COUNTER(drop_id_mismatch),
    .unmoved = {COUNTER(drop_cert), NO_COUNTER},
    .log_text = "address 192.0.2.10",
};

/* The client expects another server name than the certificate's. */
static reject_case remote_id_mismatch_rejected = {
    .handshake = {.client_cert = "client_ec",
                  .client_key = "client_ec",
                  .server_cert = "server_ec",
                  .remote_id = "other.example.com"},
    .client_rejects = true,
    .counter = COUNTER(drop_id_mismatch),
    .unmoved = {NO_COUNTER, NO_COUNTER},
    .log_text = "other.example.com",
};

/* The client's MM5 arrives with its signature altered. */
static reject_case bad_signature_rejected = {
    .handshake = {.client_cert = "client_rsa",
                  .client_key = "client_rsa",
                  .server_cert = "server_rsa",
                  .client_id_type = L2TPSEC_IKE_ID_USER_FQDN,
                  .client_id = "bob@example.com",
                  .client_frag = FRAG_NONE,
                  .corrupt_sig = true},
    .counter = COUNTER(drop_signature),
    .unmoved = {COUNTER(drop_cert), COUNTER(drop_id_mismatch)},
    .log_text = "SIG does not verify",
};

/* An ECDSA client offers method 9, which an RSA server does not take. */
static reject_case method_mismatch_no_proposal = {
    .handshake = {.client_cert = "client_ec",
                  .client_key = "client_ec",
                  .server_cert = "server_rsa"},
    .counter = COUNTER(drop_no_proposal),
    .unmoved = {NO_COUNTER, NO_COUNTER},
};

/* Over the default cap of 64 fragments the set is discarded and
 * logged, and nothing is established. */
static reject_case fragments_over_cap_dropped = {
    .handshake = CHAIN_CLIENT(65),
    .counter = COUNTER(drop_fragment),
    .unmoved = {COUNTER(frag_reassembled), NO_COUNTER},
    .log_text = "over the limit",
};

/* ---- Settings ----------------------------------------------------------- */

static int try_new(const l2tpsec_ike_settings *s) {
  l2tpsec_ike *ike = NULL;
  int err = l2tpsec_ike_new(&ike, s, &callbacks, NULL);

  l2tpsec_ike_del(ike);
  return err;
}

static void settings_checked(void **state) {
  net n = {0};
  files f = {0};
  l2tpsec_ike_settings s;

  (void)state;
  server_settings(&s, &n, &f, "server_ec");
  s.log.fn = NULL;
  assert_int_equal(try_new(&s), 0);

  s.ca_certs = NULL;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_INVALID_ARGUMENT);
  server_settings(&s, &n, &f, "server_ec");
  s.log.fn = NULL;
  s.unix_time_origin = 0;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_INVALID_ARGUMENT);

  server_settings(&s, &n, &f, "server_ec");
  s.log.fn = NULL;
  s.local_id = "not-in-cert.example.com";
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);

  cert_settings(&s, &n, 1, &f, "server_rsa", "server_ec");
  s.log.fn = NULL;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);

  /* Same type and curve, but not the certificate's key. */
  cert_settings(&s, &n, 1, &f, "server_ec", "wrong_ec");
  s.log.fn = NULL;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);

  cert_settings(&s, &n, 1, &f, "server_ec", "server_ec");
  s.log.fn = NULL;
  s.cert_len = 10;
  assert_int_equal(try_new(&s), L2TPSEC_ERR_CONFIG);
  files_free(&f);
}

/* A cmocka test that runs handshake_rejected on the case c. */
#define REJECT_TEST(c)                                                         \
  { #c, handshake_rejected, NULL, NULL, &(c) }

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rsa_both_sides),
      cmocka_unit_test(ecdsa_p256_behind_nat),
      cmocka_unit_test(ecdsa_p384_address_id),
      cmocka_unit_test(ecdsa_p384_signs_hmac_sha384),
      cmocka_unit_test(psk_client_with_cert_server),
      REJECT_TEST(unknown_ca_rejected),
      REJECT_TEST(expired_cert_rejected),
      REJECT_TEST(id_not_in_cert_rejected),
      REJECT_TEST(remote_id_mismatch_rejected),
      REJECT_TEST(bad_signature_rejected),
      REJECT_TEST(method_mismatch_no_proposal),
      cmocka_unit_test(windows_fragments_reassembled),
      REJECT_TEST(fragments_over_cap_dropped),
      cmocka_unit_test(settings_checked),
  };
  return cmocka_run_group_tests(tests, make_certs, remove_certs);
}
