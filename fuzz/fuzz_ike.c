/*
 * libFuzzer harness for the IKEv1 layer. The input is a sequence of
 * datagrams separated by the 4 bytes "IKE|". Each datagram is parsed by
 * the ISAKMP codec, the SA decoders and proposal selection, and is then
 * fed to a state machine: a responder, or (when the first byte of the
 * input is odd) an initiator that has just sent MM1.
 *
 * After the first datagram, the harness writes the cookies of the SA
 * the state machine is working on into each datagram, so the fuzzer
 * reaches main mode messages 3 to 6 and quick mode without guessing
 * random cookies. Built with L2TPSEC_FUZZ_NULL_CRYPTO, encryption is a
 * copy and every HASH matches, so the encrypted states are reachable.
 *
 * Bit 2 of the first byte selects tunnel mode for that state machine.
 *
 * When the first byte is 2 modulo 4, the input instead steers a whole
 * handshake between an initiator and a responder: one control byte per
 * message in flight delivers it, drops it, duplicates it or flips one of
 * its bytes.
 *
 * When bit 3 of the first byte is set, the endpoints authenticate with
 * ECDSA certificates instead of the PSK, so the CERT, CERTREQ and SIG
 * paths and the peer certificate checks run too. Signatures use real
 * ECDSA in every build.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike/isakmp.h"
#include "ike/policy.h"
#include "ike/sa_payload.h"
#include "ike/vendor.h"
#include "ike_fuzz_certs.h"
#include "l2tpsec/ike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t delimiter[4] = {'I', 'K', 'E', '|'};

typedef struct harness {
  uint8_t icookie[8], rcookie[8];
  bool have_cookies;
} harness;

static bool any_group(int group) {
  return group != 0;
}

/* The codec and selection on their own, for every preset and phase. */
static void exercise_codec(const uint8_t *data, size_t size) {
  static isakmp_msg msg;
  static ike_sa_offer offer;
  static const uint16_t auth[] = {IKE_AUTH_PSK, IKE_AUTH_RSA_SIG};
  static const uint16_t encaps[] = {IPSEC_ENCAP_TRANSPORT,
                                    IPSEC_ENCAP_UDP_TRANSPORT};
  ike_peer_caps caps = {0};
  ike_policy policy;
  size_t p, x;

  if (l2tpsec__isakmp_parse_clear(data, size, &msg) != ISAKMP_PARSE_OK)
    return;
  l2tpsec__ike_vendor_scan(&msg, &caps);
  if (msg.sa.body == NULL)
    return;
  for (int phase = IKE_PHASE1; phase <= IKE_PHASE2; phase++) {
    if (l2tpsec__ike_sa_parse(msg.sa.body, msg.sa.len, phase, &offer) !=
        IKE_SA_OK)
      continue;
    for (int preset = IKE_PRESET_COMPATIBLE; preset <= IKE_PRESET_LEGACY;
         preset++) {
      l2tpsec__ike_policy_preset(&policy, phase, preset);
      ike_select_params params = {.policy = &policy,
                                  .auth_methods = auth,
                                  .n_auth_methods = 2,
                                  .encaps = encaps,
                                  .n_encaps = 2,
                                  .group_supported = any_group};
      (void)l2tpsec__ike_select(&offer, &params, &p, &x);
    }
  }
}

/* Remembers the cookies of every message the state machine sends. */
static int on_send(void *user_data, const uint8_t *data, size_t len,
                   const l2tpsec_ike_endpoint *local,
                   const l2tpsec_ike_endpoint *remote) {
  harness *h = user_data;

  if (len >= ISAKMP_HDR_LEN && data[18] != ISAKMP_XCHG_INFO) {
    memcpy(h->icookie, data, 8);
    memcpy(h->rcookie, data + 8, 8);
    h->have_cookies = true;
  }
  return 0;
}

/*
 * The SA callbacks record the inbound SPIs the ESP layer would keep, to
 * check the contract of include/l2tpsec/ike.h. child_sa_up completes an
 * inbound half or adds a new pair. child_sa_down names only a recorded
 * SPI, and the same inbound SPI never arrives twice. A breach aborts.
 */
#define HELD_MAX 64
static uint32_t held_spi[HELD_MAX];
static bool held_half[HELD_MAX];
static size_t held_count;

static long held_index(uint32_t spi) {
  for (size_t i = 0; i < held_count; i++) {
    if (held_spi[i] == spi)
      return (long)i;
  }
  return -1;
}

static int hold_spi(uint32_t spi, bool half) {
  if (held_index(spi) >= 0)
    __builtin_trap(); /* an inbound SPI installed twice */
  if (held_count == HELD_MAX)
    return -1;
  held_spi[held_count] = spi;
  held_half[held_count] = half;
  held_count++;
  return 0;
}

static int on_child_inbound(void *user_data, const l2tpsec_ike_child_sa *sa) {
  return hold_spi(sa->spi_in, true);
}

static int on_child_up(void *user_data, const l2tpsec_ike_child_sa *sa) {
  long i = held_index(sa->spi_in);

  if (i < 0)
    return hold_spi(sa->spi_in, false);
  if (!held_half[i])
    __builtin_trap(); /* a whole pair installed twice */
  held_half[i] = false;
  return 0;
}

/* Self-play: two endpoints, whose SPIs one table could confuse. */
static int accept_child(void *user_data, const l2tpsec_ike_child_sa *sa) {
  return 0;
}

static void on_child_down(void *user_data, uint32_t spi_in, uint32_t spi_out,
                          enum l2tpsec_ike_down_reason reason) {
  long i = held_index(spi_in);

  if (i < 0)
    __builtin_trap(); /* down for an SPI that is not installed */
  held_spi[i] = held_spi[held_count - 1];
  held_half[i] = held_half[held_count - 1];
  held_count--;
}

/* Certificate settings for the server or the client side. */
static void use_certs(l2tpsec_ike_settings *s, bool server) {
  const char *cert = server ? fuzz_server_pem : fuzz_client_pem;
  const char *key = server ? fuzz_server_key : fuzz_client_key;

  s->cert = (const uint8_t *)cert;
  s->cert_len = strlen(cert);
  s->private_key = (const uint8_t *)key;
  s->private_key_len = strlen(key);
  s->ca_certs = (const uint8_t *)fuzz_ca_pem;
  s->ca_certs_len = sizeof(fuzz_ca_pem) - 1;
  s->local_id_type = server ? L2TPSEC_IKE_ID_FQDN : L2TPSEC_IKE_ID_DN;
  s->local_id = server ? "server.example.com" : NULL;
  s->unix_time_origin = FUZZ_CERT_UNIX_TIME;
}

static l2tpsec_ike *make_endpoint(harness *h, l2tpsec_rand_test_state *rs,
                                  bool tunnel, bool certs) {
  static const uint8_t psk[] = "fuzz";
  static const l2tpsec_ike_callbacks cb = {
      .send = on_send,
      .child_sa_up = on_child_up,
      .child_sa_down = on_child_down,
      .child_sa_inbound = on_child_inbound,
  };
  l2tpsec_ike_settings s;
  l2tpsec_ike *ike = NULL;

  l2tpsec_ike_settings_default(&s);
  s.rand = l2tpsec_rand_test(rs, 7);
  s.psk = psk;
  s.psk_len = sizeof(psk) - 1;
  s.preset = L2TPSEC_IKE_PRESET_LEGACY; /* widest policy: most paths */
  s.max_half_open = 4;
  /* Tunnel mode between 0.0.0.0/0 on both sides accepts every address
   * or subnet ID, so quick mode reaches the selector decoder. */
  s.tunnel = tunnel;
  s.tunnel_local.family = 4;
  s.tunnel_remote.family = 4;
  s.aggressive_responder = true;
  /* Short lifetimes: the clock steps reach rekeying and expiry. */
  s.ike_lifetime = 60;
  s.esp_lifetime = 60;
  if (certs)
    use_certs(&s, true);
  if (l2tpsec_ike_new(&ike, &s, &cb, h) != 0)
    return NULL;
  return ike;
}

/* Finds the end of the next datagram (a delimiter or the input's end). */
static size_t next_len(const uint8_t *p, size_t avail) {
  for (size_t i = 0; i + sizeof(delimiter) <= avail; i++) {
    if (memcmp(p + i, delimiter, sizeof(delimiter)) == 0)
      return i;
  }
  return avail;
}

static void feed(l2tpsec_ike *ike, harness *h, uint8_t *dg, size_t len,
                 bool first, l2tpsec_tstamp *now) {
  static const l2tpsec_ike_endpoint local = {4, {198, 51, 100, 1}, 500};
  static const l2tpsec_ike_endpoint remote = {4, {203, 0, 113, 5}, 500};

  exercise_codec(dg, len);
  if (!first && h->have_cookies && len >= ISAKMP_HDR_LEN) {
    memcpy(dg, h->icookie, 8);
    memcpy(dg + 8, h->rcookie, 8);
  }
  (void)l2tpsec_ike_input(ike, dg, len, &local, &remote, *now);

  /* The last byte of a datagram also moves the clock (0-255 s). */
  if (len > 0)
    *now += (l2tpsec_tstamp)dg[len - 1] * 1000000000ULL;
  (void)l2tpsec_ike_handle_timeout(ike, *now);
}

/* ---- Self-play: both roles, the input steering the wire ---------------- */

#define WIRE_MAX 8

typedef struct wire {
  uint8_t data[WIRE_MAX][4096];
  size_t len[WIRE_MAX];
  bool to_server[WIRE_MAX];
  size_t n;
  bool from_server; /* who is sending right now */
} wire;

static int wire_send(void *user_data, const uint8_t *data, size_t len,
                     const l2tpsec_ike_endpoint *local,
                     const l2tpsec_ike_endpoint *remote) {
  wire *w = user_data;

  if (w->n >= WIRE_MAX || len > sizeof(w->data[0]))
    return 0;
  memcpy(w->data[w->n], data, len);
  w->len[w->n] = len;
  w->to_server[w->n] = !w->from_server;
  w->n++;
  return 0;
}

static l2tpsec_ike *make_player(wire *w, l2tpsec_rand_test_state *rs,
                                uint64_t seed, bool certs, bool server) {
  static const uint8_t psk[] = "fuzz";
  static const l2tpsec_ike_callbacks cb = {.send = wire_send,
                                           .child_sa_up = accept_child};
  l2tpsec_ike_settings s;
  l2tpsec_ike *ike = NULL;

  l2tpsec_ike_settings_default(&s);
  s.rand = l2tpsec_rand_test(rs, seed);
  s.psk = psk;
  s.psk_len = sizeof(psk) - 1;
  s.pfs = seed & 1;
  s.aggressive_mode = seed & 2;
  s.aggressive_responder = true;
  /* The responder's NAT-D claim and PSK ID on some seeds. */
  s.fake_client_nat = server && (seed & 16);
  s.psk_id = server && (seed & 32) ? "vpn.example.com" : NULL;
  /* Some seeds rekey; every rekey costs a DH, so not all of them. */
  if (seed & 4) {
    s.ike_lifetime = 60;
    s.esp_lifetime = 60;
  }
  if (certs) {
    use_certs(&s, server);
    if (!server) {
      s.psk = NULL;
      s.psk_len = 0;
      s.aggressive_mode = false; /* PSK only */
    }
  }
  if (l2tpsec_ike_new(&ike, &s, &cb, w) != 0)
    return NULL;
  return ike;
}

/* Takes the oldest message off the wire and applies one control byte. */
static void steer_one(wire *w, l2tpsec_ike *client, l2tpsec_ike *server,
                      const uint8_t **in, size_t *left, l2tpsec_tstamp now) {
  static const l2tpsec_ike_endpoint c_ep = {4, {192, 0, 2, 10}, 500};
  static const l2tpsec_ike_endpoint s_ep = {4, {198, 51, 100, 1}, 500};
  uint8_t msg[4096];
  size_t len = w->len[0];
  bool to_server = w->to_server[0];
  uint8_t control = *left > 0 ? (*in)[0] : 0;

  memcpy(msg, w->data[0], len);
  memmove(w->data, w->data + 1, (w->n - 1) * sizeof(w->data[0]));
  memmove(w->len, w->len + 1, (w->n - 1) * sizeof(w->len[0]));
  memmove(w->to_server, w->to_server + 1, (w->n - 1) * sizeof(bool));
  w->n--;
  if (*left > 0) {
    (*in)++;
    (*left)--;
  }
  if (control >= 200 && control < 220)
    return; /* lost */
  if (control >= 220 && *left >= 3 && len > 0) {
    msg[((size_t)(*in)[0] << 8 | (*in)[1]) % len] ^= (*in)[2];
    *in += 3;
    *left -= 3;
  }

  w->from_server = to_server;
  l2tpsec_ike *target = to_server ? server : client;
  (void)l2tpsec_ike_input(target, msg, len, to_server ? &s_ep : &c_ep,
                          to_server ? &c_ep : &s_ep, now);
  if (control >= 190 && control < 200)
    (void)l2tpsec_ike_input(target, msg, len, to_server ? &s_ep : &c_ep,
                            to_server ? &c_ep : &s_ep, now);
}

static void self_play(const uint8_t *data, size_t size) {
  static const l2tpsec_ike_endpoint c_ep = {4, {192, 0, 2, 10}, 500};
  static const l2tpsec_ike_endpoint s_ep = {4, {198, 51, 100, 1}, 500};
  static wire w;
  l2tpsec_rand_test_state rs_c, rs_s;
  l2tpsec_tstamp now = 1;

  w.n = 0;
  w.from_server = false;
  bool certs = (data[0] & 8) != 0;
  l2tpsec_ike *client = make_player(&w, &rs_c, data[0], certs, false);
  l2tpsec_ike *server =
      make_player(&w, &rs_s, 99 ^ (data[0] & 0x30), certs, true);
  if (client != NULL && server != NULL &&
      l2tpsec_ike_connect(client, &c_ep, &s_ep, now, NULL) == 0) {
    const uint8_t *in = data + 1;
    size_t left = size - 1;
    for (int step = 0; step < 64; step++) {
      if (w.n > 0) {
        steer_one(&w, client, server, &in, &left, now);
        continue;
      }
      now += 2000000000ULL;
      w.from_server = false;
      (void)l2tpsec_ike_handle_timeout(client, now);
      w.from_server = true;
      (void)l2tpsec_ike_handle_timeout(server, now);
    }
  }
  l2tpsec_ike_del(client);
  l2tpsec_ike_del(server);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t buf[65536];
  static const l2tpsec_ike_endpoint local = {4, {198, 51, 100, 1}, 500};
  static const l2tpsec_ike_endpoint server = {4, {203, 0, 113, 5}, 500};
  harness h = {0};
  l2tpsec_rand_test_state rs;
  l2tpsec_tstamp now = 1;

  held_count = 0;

  if (size > sizeof(buf))
    return 0;
  if (size > 0 && data[0] % 4 == 2) {
    self_play(data, size);
    return 0;
  }
  memcpy(buf, data, size);
  l2tpsec_ike *ike = make_endpoint(&h, &rs, size > 0 && (data[0] & 4),
                                   size > 0 && (data[0] & 8));
  if (ike == NULL)
    return 0;
  if (size > 0 && (data[0] & 1))
    (void)l2tpsec_ike_connect(ike, &local, &server, now, NULL);

  size_t off = 0;
  bool first = true;
  while (off <= size) {
    size_t len = next_len(buf + off, size - off);
    feed(ike, &h, buf + off, len, first && !h.have_cookies, &now);
    first = false;
    off += len + sizeof(delimiter);
  }
  l2tpsec_ike_del(ike);
  return 0;
}
