/*
 * ISAKMP codec, SA payloads, proposal selection, vendor IDs and NAT-D,
 * checked against real messages from the shared capture corpus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ike/isakmp.h"
#include "ike/natd.h"
#include "ike/policy.h"
#include "ike/sa_payload.h"
#include "ike/vendor.h"
#include "l2tpsec/errors.h"
#include "hex.h"
#include "pcap_read.h"

/* Loads a capture and parses datagram `index` as a clear message. */
static enum isakmp_parse_error load_msg(pcap_file *f, const char *path,
                                        size_t index, isakmp_msg *msg) {
  assert_int_equal(pcap_load(f, path), 0);
  assert_true(f->n > index);
  return l2tpsec__isakmp_parse_clear(f->dg[index].data, f->dg[index].len, msg);
}

static void parse_offer(const isakmp_msg *msg, enum ike_phase phase,
                        ike_sa_offer *offer) {
  assert_non_null(msg->sa.body);
  assert_int_equal(
      l2tpsec__ike_sa_parse(msg->sa.body, msg->sa.len, phase, offer),
      IKE_SA_OK);
}

static const uint16_t psk_only[] = {IKE_AUTH_PSK};

/* Backends with and without the ECP groups. */
static bool all_groups(int group) {
  return group == 2 || group == 5 || group == 14 || group == 15 ||
         group == 16 || group == 19 || group == 20 || group == 21 ||
         group == 31;
}

static bool modp_only(int group) {
  return group == 2 || group == 5 || group == 14 || group == 15 || group == 16;
}

static bool (*backend_groups)(int group) = all_groups;
static const uint16_t any_auth[] = {IKE_AUTH_PSK, IKE_AUTH_RSA_SIG};

/* Runs phase-1 selection under a preset; returns the chosen index or -1. */
static int select_p1(const ike_sa_offer *offer, enum ike_preset preset,
                     const uint16_t *auth, size_t n_auth) {
  ike_policy policy;
  size_t p, x;

  l2tpsec__ike_policy_preset(&policy, IKE_PHASE1, preset);
  ike_select_params params = {.policy = &policy,
                              .auth_methods = auth,
                              .n_auth_methods = n_auth,
                              .group_supported = backend_groups};
  if (!l2tpsec__ike_select(offer, &params, &p, &x))
    return -1;
  return (int)x;
}

static void expect_xform(const ike_xform *xf, uint16_t cipher, uint16_t bits,
                         uint16_t hash, uint16_t auth, uint16_t group,
                         uint32_t life) {
  assert_int_equal(xf->id, ISAKMP_KEY_IKE);
  assert_int_equal(xf->cipher, cipher);
  assert_int_equal(xf->key_bits, bits);
  assert_int_equal(xf->hash, hash);
  assert_int_equal(xf->auth, auth);
  assert_int_equal(xf->group, group);
  assert_int_equal(xf->life_seconds, life);
  assert_int_equal(xf->bad_attr, 0);
}

/* ---- Real first messages ------------------------------------------------ */

static void cisco_mm1_modp768_refused(void **state) {
  pcap_file f;
  isakmp_msg msg;
  ike_sa_offer offer;

  assert_int_equal(load_msg(&f, "ike/ISAKMP_sa_setup.pcap", 0, &msg),
                   ISAKMP_PARSE_OK);
  parse_offer(&msg, IKE_PHASE1, &offer);
  assert_int_equal(offer.n_proposals, 1);
  assert_int_equal(offer.prop[0].n_xforms, 1);
  /* Life-Duration 86400 arrives as a 4-byte TLV attribute. */
  expect_xform(&offer.prop[0].xf[0], IKE_ENC_AES_CBC, 128, IKE_HASH_SHA1,
               IKE_AUTH_PSK, 1, 86400);
  assert_int_equal(select_p1(&offer, IKE_PRESET_STRICT, psk_only, 1), -1);
  assert_int_equal(select_p1(&offer, IKE_PRESET_LEGACY, psk_only, 1), -1);
  pcap_free(&f);
}

static void cisco_mm3_skips_payload_15(void **state) {
  pcap_file f;
  isakmp_msg msg;

  /* MM3 carries NAT-D with the pre-RFC number 15: skipped, not fatal. */
  assert_int_equal(load_msg(&f, "ike/ISAKMP_sa_setup.pcap", 2, &msg),
                   ISAKMP_PARSE_OK);
  assert_int_equal(msg.n_unknown, 2);
  assert_int_equal(msg.n_natd, 0);
  assert_non_null(msg.ke.body);
  assert_int_equal(msg.ke.len, 96);
  pcap_free(&f);
}

static void cisco_mm1_modp1024_legacy_only(void **state) {
  pcap_file f;
  isakmp_msg msg;
  ike_sa_offer offer;
  ike_peer_caps caps = {0};

  assert_int_equal(
      load_msg(&f, "ike/ipsec-ikev1-isakmp-main-mode.pcap", 0, &msg),
      ISAKMP_PARSE_OK);
  parse_offer(&msg, IKE_PHASE1, &offer);
  assert_int_equal(offer.prop[0].n_xforms, 1);
  expect_xform(&offer.prop[0].xf[0], IKE_ENC_AES_CBC, 128, IKE_HASH_SHA1,
               IKE_AUTH_PSK, 2, 86400);
  assert_int_equal(select_p1(&offer, IKE_PRESET_COMPATIBLE, psk_only, 1), -1);
  assert_int_equal(select_p1(&offer, IKE_PRESET_LEGACY, psk_only, 1), 0);

  l2tpsec__ike_vendor_scan(&msg, &caps);
  assert_int_equal(caps.natt, IKE_NATT_RFC3947);
  pcap_free(&f);
}

static void cisco_mm3_mm4_vendor_ids(void **state) {
  pcap_file f;
  isakmp_msg msg;
  ike_peer_caps caps = {0};

  assert_int_equal(
      load_msg(&f, "ike/ipsec-ikev1-isakmp-main-mode.pcap", 2, &msg),
      ISAKMP_PARSE_OK);
  l2tpsec__ike_vendor_scan(&msg, &caps);
  assert_true(caps.dpd);
  assert_true(caps.xauth);
  assert_false(caps.cisco_unity);
  assert_int_equal(msg.n_natd, 2);
  assert_false(msg.natd_draft);

  assert_int_equal(l2tpsec__isakmp_parse_clear(f.dg[3].data, f.dg[3].len, &msg),
                   ISAKMP_PARSE_OK);
  l2tpsec__ike_vendor_scan(&msg, &caps);
  assert_true(caps.cisco_unity);
  pcap_free(&f);
}

static void openswan_vid_first(void **state) {
  pcap_file f;
  isakmp_msg msg;
  ike_sa_offer offer;
  static const uint16_t hashes[] = {IKE_HASH_MD5, IKE_HASH_SHA1, IKE_HASH_SHA1,
                                    IKE_HASH_MD5};
  static const uint16_t groups[] = {5, 5, 2, 2};

  /* A VID before the SA is accepted, as pluto does. */
  assert_int_equal(load_msg(&f, "ike/01-isakmp-vid-first.pcap", 0, &msg),
                   ISAKMP_PARSE_OK);
  assert_int_equal(msg.first_type, ISAKMP_NP_VID);
  parse_offer(&msg, IKE_PHASE1, &offer);
  assert_int_equal(offer.prop[0].n_xforms, 4);
  for (size_t i = 0; i < 4; i++)
    expect_xform(&offer.prop[0].xf[i], IKE_ENC_3DES, 0, hashes[i],
                 IKE_AUTH_RSA_SIG, groups[i], 3600);
  /* RSA signatures are not configured: nothing is chosen. */
  assert_int_equal(select_p1(&offer, IKE_PRESET_LEGACY, psk_only, 1), -1);
  assert_int_equal(select_p1(&offer, IKE_PRESET_LEGACY, any_auth, 2), 0);
  pcap_free(&f);
}

static void openswan_vid_first_response(void **state) {
  pcap_file f;
  isakmp_msg msg;
  ike_sa_offer offer;

  assert_int_equal(load_msg(&f, "ike/01-isakmp-vid-first-resp.pcap", 0, &msg),
                   ISAKMP_PARSE_OK);
  parse_offer(&msg, IKE_PHASE1, &offer);
  assert_int_equal(offer.prop[0].n_xforms, 1);
  expect_xform(&offer.prop[0].xf[0], IKE_ENC_3DES, 0, IKE_HASH_MD5,
               IKE_AUTH_RSA_SIG, 5, 3600);
  pcap_free(&f);
}

static void openswan_natt_vendor_ids(void **state) {
  pcap_file f;
  isakmp_msg msg;
  ike_sa_offer offer;
  ike_peer_caps caps = {0};

  assert_int_equal(
      load_msg(&f, "ike/openswan-pluto-v1rwnat/v1rwnatM1.pcap", 0, &msg),
      ISAKMP_PARSE_OK);
  parse_offer(&msg, IKE_PHASE1, &offer);
  expect_xform(&offer.prop[0].xf[0], IKE_ENC_3DES, 0, IKE_HASH_MD5,
               IKE_AUTH_RSA_SIG, 14, 3600);
  assert_int_equal(msg.n_vid, 7);
  l2tpsec__ike_vendor_scan(&msg, &caps);
  assert_int_equal(caps.natt, IKE_NATT_RFC3947);
  assert_true(caps.dpd);
  assert_int_equal(caps.kind, IKE_PEER_OPENSWAN);
  pcap_free(&f);

  caps = (ike_peer_caps){0};
  assert_int_equal(
      load_msg(&f, "ike/openswan-pluto-v1rwnat/v1rwnatN1.pcap", 0, &msg),
      ISAKMP_PARSE_OK);
  assert_int_equal(msg.n_vid, 3);
  l2tpsec__ike_vendor_scan(&msg, &caps);
  assert_int_equal(caps.natt, IKE_NATT_RFC3947);
  pcap_free(&f);
}

static void strongswan_flow(void **state) {
  pcap_file f;
  isakmp_msg msg;
  ike_sa_offer offer;
  ike_peer_caps caps = {0};

  assert_int_equal(load_msg(&f, "mixed/ipsec.cap", 0, &msg), ISAKMP_PARSE_OK);
  l2tpsec__ike_vendor_scan(&msg, &caps);
  assert_int_equal(caps.kind, IKE_PEER_STRONGSWAN);
  assert_true(caps.xauth);
  assert_true(caps.cisco_unity);
  assert_true(caps.dpd);
  parse_offer(&msg, IKE_PHASE1, &offer);
  expect_xform(&offer.prop[0].xf[0], IKE_ENC_3DES, 0, IKE_HASH_SHA1,
               IKE_AUTH_PSK, 2, 7800);

  /* Informational from the initiator: N(NO-PROPOSAL-CHOSEN), ISAKMP. */
  assert_int_equal(l2tpsec__isakmp_parse_clear(f.dg[2].data, f.dg[2].len, &msg),
                   ISAKMP_PARSE_OK);
  assert_int_equal(msg.hdr.exchange, ISAKMP_XCHG_INFO);
  assert_int_equal(msg.n_notify, 1);
  assert_int_equal(msg.notify[0].body[4], ISAKMP_PROTO_ISAKMP);
  assert_int_equal(isakmp_get16(msg.notify[0].body + 6),
                   ISAKMP_N_NO_PROPOSAL_CHOSEN);

  /* The responder's MM2 retransmission is byte-identical. */
  assert_int_equal(f.dg[1].len, f.dg[3].len);
  assert_memory_equal(f.dg[1].data, f.dg[3].data, f.dg[1].len);
  pcap_free(&f);
}

/* ---- Malformed captures ------------------------------------------------- */

struct malformed_case {
  const char *path;
  enum isakmp_parse_error expected; /* ERROR_COUNT: any error */
};

static void malformed_captures_rejected(void **state) {
  static const struct malformed_case cases[] = {
      {"ike/ipsec-ikev1-payload-bad-length.pcap", ISAKMP_PARSE_PAYLOAD_LEN},
      {"ike/ipsec-ikev1-zero-length.pcap", ISAKMP_PARSE_LENGTH},
      {"ike/isakmp-delete-segfault.pcap", ISAKMP_PARSE_ERROR_COUNT},
      {"ike/isakmp-pointer-loop.pcap", ISAKMP_PARSE_LENGTH},
      {"ike/isakmp-ikev1_n_print-oobr.pcap", ISAKMP_PARSE_ERROR_COUNT},
      {"ike/isakmp-various-oobr.pcap", ISAKMP_PARSE_ERROR_COUNT},
      {"ike/isakmp-no-none-np.pcapng", ISAKMP_PARSE_LENGTH},
      {"ike/ikev2four.pcap", ISAKMP_PARSE_VERSION},
      {"ike/isakmp-crash1.pcap", ISAKMP_PARSE_ERROR_COUNT},
      {"mixed/isakmp-rfc3948-oobr.pcap", ISAKMP_PARSE_ERROR_COUNT},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    pcap_file f;
    isakmp_msg msg;

    assert_int_equal(pcap_load(&f, cases[i].path), 0);
    for (size_t d = 0; d < f.n; d++) {
      enum isakmp_parse_error e =
          l2tpsec__isakmp_parse_clear(f.dg[d].data, f.dg[d].len, &msg);
      if (e == ISAKMP_PARSE_OK)
        fail_msg("%s datagram %zu parsed as valid", cases[i].path, d);
      if (d == 0 && cases[i].expected != ISAKMP_PARSE_ERROR_COUNT &&
          e != cases[i].expected)
        fail_msg("%s: expected \"%s\", got \"%s\"", cases[i].path,
                 l2tpsec__isakmp_parse_error_name(cases[i].expected),
                 l2tpsec__isakmp_parse_error_name(e));
    }
    pcap_free(&f);
  }
}

static void identification_fills_message(void **state) {
  pcap_file f;
  isakmp_msg msg;

  /* The ID payload's length (256) fits the header length exactly, so the
   * structure is valid. The state machine drops a main mode message
   * without an SA payload. */
  assert_int_equal(
      load_msg(&f, "ike/isakmp-identification-segfault.pcap", 0, &msg),
      ISAKMP_PARSE_OK);
  assert_int_equal(msg.n_id, 1);
  assert_int_equal(msg.id[0].len, 252);
  assert_null(msg.sa.body);
  pcap_free(&f);
}

static void payload_chain_bounded(void **state) {
  /* A chain of empty VID payloads longer than the payload cap. */
  uint8_t body[ISAKMP_MAX_PAYLOADS * 4 + 8];
  isakmp_msg msg = {0};

  for (size_t i = 0; i < sizeof(body); i += 4) {
    body[i] = ISAKMP_NP_VID;
    body[i + 1] = 0;
    body[i + 2] = 0;
    body[i + 3] = 4;
  }
  assert_int_not_equal(l2tpsec__isakmp_parse_payloads(
                           body, sizeof(body), ISAKMP_NP_VID, false, &msg),
                       ISAKMP_PARSE_OK);
}

static void duplicate_sa_rejected(void **state) {
  uint8_t body[16] = {ISAKMP_NP_SA,   0, 0, 8, 0, 0, 0, 1,
                      ISAKMP_NP_NONE, 0, 0, 8, 0, 0, 0, 1};
  isakmp_msg msg = {0};

  assert_int_equal(l2tpsec__isakmp_parse_payloads(body, sizeof(body),
                                                  ISAKMP_NP_SA, false, &msg),
                   ISAKMP_PARSE_DUPLICATE);
}

/* ---- NAT discovery known values ----------------------------------------- */

static void natd_case(const char *path, size_t index, const uint8_t *addr,
                      uint16_t port, const char *expected_hex) {
  pcap_file f;
  isakmp_msg msg;
  uint8_t out[L2TPSEC_HASH_MAX], expected[20];
  l2tpsec_ike_endpoint ep = {.family = 4, .port = port};
  enum l2tpsec__hash_alg alg = L2TPSEC_HASH_SHA1;
  size_t n = strlen(expected_hex) / 2;

  if (n == 16)
    alg = L2TPSEC_HASH_MD5;
  memcpy(ep.addr, addr, 4);
  assert_int_equal(pcap_load(&f, path), 0);
  assert_int_equal(
      l2tpsec__isakmp_parse_hdr(f.dg[index].data, f.dg[index].len, &msg.hdr),
      ISAKMP_PARSE_OK);
  assert_int_equal(
      l2tpsec__ike_natd_hash(alg, msg.hdr.icookie, msg.hdr.rcookie, &ep, out),
      0);
  assert_int_equal(unhex(expected_hex, expected, sizeof(expected)), n);
  assert_memory_equal(out, expected, n);
  pcap_free(&f);
}

static void natd_known_answers(void **state) {
  static const uint8_t a10_2[] = {10, 0, 0, 2}, a10_1[] = {10, 0, 0, 1};
  static const uint8_t b2[] = {192, 168, 12, 2}, b1[] = {192, 168, 12, 1};
  static const uint8_t c200[] = {192, 168, 140, 200};
  static const uint8_t c205[] = {192, 168, 140, 205};
  static const uint8_t resp[] = {192, 168, 0, 2};
  static const uint8_t peer[] = {93, 184, 216, 34};

  natd_case("ike/ISAKMP_sa_setup.pcap", 2, a10_2, 500,
            "d5664a6fcbc7d769f693d4d83ce125b1415827ae");
  natd_case("ike/ISAKMP_sa_setup.pcap", 2, a10_1, 500,
            "6db4442c1af0b63d93334e3a0cb5ac19f804eca4");
  natd_case("ike/ipsec-ikev1-isakmp-main-mode.pcap", 2, b2, 500,
            "1574d64c0165bad16a023f038d45a07498d8d051");
  natd_case("ike/ipsec-ikev1-isakmp-main-mode.pcap", 2, b1, 500,
            "febf462f1cd75805a7baa28747e769d674f85600");
  natd_case("mixed/ipsec.cap", 4, c200, 500,
            "7048b170a54fa1c16582dce008d059de9295d7d3");
  natd_case("mixed/ipsec.cap", 4, c205, 500,
            "c9e46dddfcc29d4ef72ba4da66d4720687e469e5");
  natd_case("ike/openswan-pluto-v1rwnat/v1rwnatM2.pcap", 0, resp, 500,
            "aa5b8bc1f9fc616bed1ca429491500ca");
  natd_case("ike/openswan-pluto-v1rwnat/v1rwnatM2.pcap", 0, peer, 55044,
            "1c611296eb162d56d498f1a01bb04390");
}

static void natd_payloads_match_capture(void **state) {
  pcap_file f;
  isakmp_msg msg;
  uint8_t self[16], seen[16];
  l2tpsec_ike_endpoint responder = {4, {192, 168, 0, 2}, 500};
  l2tpsec_ike_endpoint peer = {4, {93, 184, 216, 34}, 55044};

  /* MM3 behind NAT: the first hash matches our address, the second does
   * not match the peer's address as we see it, so the peer is NATed. */
  assert_int_equal(
      load_msg(&f, "ike/openswan-pluto-v1rwnat/v1rwnatM2.pcap", 0, &msg),
      ISAKMP_PARSE_OK);
  assert_int_equal(msg.n_natd, 2);
  assert_int_equal(l2tpsec__ike_natd_hash(L2TPSEC_HASH_MD5, msg.hdr.icookie,
                                          msg.hdr.rcookie, &responder, self),
                   0);
  assert_int_equal(l2tpsec__ike_natd_hash(L2TPSEC_HASH_MD5, msg.hdr.icookie,
                                          msg.hdr.rcookie, &peer, seen),
                   0);
  assert_memory_equal(msg.natd[0].body, self, 16);
  assert_memory_not_equal(msg.natd[1].body, seen, 16);
  pcap_free(&f);

  /* The responder's MM4 carries [peer as seen, self] in that order. */
  assert_int_equal(
      load_msg(&f, "ike/openswan-pluto-v1rwnat/v1rwnatN2.pcap", 0, &msg),
      ISAKMP_PARSE_OK);
  assert_memory_equal(msg.natd[0].body, seen, 16);
  assert_memory_equal(msg.natd[1].body, self, 16);
  pcap_free(&f);
}

/* ---- Proposal selection in the initiator's order, client lists --------- */

typedef struct p1_spec {
  uint16_t cipher, bits, hash, group;
} p1_spec;

/* Builds an SA payload body with one proposal from specs, then parses it. */
static void build_offer(const p1_spec *specs, size_t n, ike_sa_offer *offer,
                        uint8_t *buf, size_t cap) {
  ike_writer w;
  ike_proposal prop = {.number = 1, .protocol = ISAKMP_PROTO_ISAKMP};
  ike_xform xf[IKE_MAX_XFORMS];

  for (size_t i = 0; i < n; i++) {
    xf[i] = (ike_xform){.cipher = specs[i].cipher,
                        .key_bits = specs[i].bits,
                        .hash = specs[i].hash,
                        .auth = IKE_AUTH_PSK,
                        .group = specs[i].group,
                        .life_seconds = 28800};
  }
  ike_writer_init(&w, buf, cap);
  w.np_offset = SIZE_MAX; /* no header to link from */
  l2tpsec__ike_sa_write(&w, IKE_PHASE1, &prop, xf, n);
  assert_false(w.failed);
  assert_int_equal(l2tpsec__ike_sa_parse(buf + 4, w.len - 4, IKE_PHASE1, offer),
                   IKE_SA_OK);
  assert_int_equal(offer->prop[0].n_xforms, n);
}

static void android_modp1024_needs_legacy(void **state) {
  /* Android 5 native client: every transform over MODP1024. */
  static const p1_spec android[] = {
      {IKE_ENC_AES_CBC, 256, IKE_HASH_SHA1, 2},
      {IKE_ENC_AES_CBC, 256, IKE_HASH_MD5, 2},
      {IKE_ENC_AES_CBC, 128, IKE_HASH_SHA1, 2},
      {IKE_ENC_AES_CBC, 128, IKE_HASH_MD5, 2},
      {IKE_ENC_3DES, 0, IKE_HASH_SHA1, 2},
      {IKE_ENC_3DES, 0, IKE_HASH_MD5, 2},
  };
  uint8_t buf[2048];
  ike_sa_offer offer;

  build_offer(android, 6, &offer, buf, sizeof(buf));
  assert_int_equal(select_p1(&offer, IKE_PRESET_LEGACY, psk_only, 1), 0);
  assert_int_equal(select_p1(&offer, IKE_PRESET_COMPATIBLE, psk_only, 1), -1);
  assert_int_equal(select_p1(&offer, IKE_PRESET_STRICT, psk_only, 1), -1);
  expect_xform(&offer.prop[0].xf[0], IKE_ENC_AES_CBC, 256, IKE_HASH_SHA1,
               IKE_AUTH_PSK, 2, 28800);
}

struct reject_log {
  int count;
  char last[128];
};

static void record_reject(void *user_data, const ike_proposal *prop,
                          const ike_xform *xf, const char *reason) {
  struct reject_log *log = user_data;

  log->count++;
  snprintf(log->last, sizeof(log->last), "%s", reason);
}

static void strict_logs_each_rejection(void **state) {
  static const p1_spec android[] = {
      {IKE_ENC_AES_CBC, 256, IKE_HASH_SHA1, 2},
      {IKE_ENC_3DES, 0, IKE_HASH_MD5, 2},
  };
  uint8_t buf[1024];
  ike_sa_offer offer;
  ike_policy policy;
  struct reject_log log = {0};
  size_t p, x;

  build_offer(android, 2, &offer, buf, sizeof(buf));
  l2tpsec__ike_policy_preset(&policy, IKE_PHASE1, IKE_PRESET_STRICT);
  ike_select_params params = {.policy = &policy,
                              .auth_methods = psk_only,
                              .n_auth_methods = 1,
                              .group_supported = all_groups,
                              .reject = record_reject,
                              .user_data = &log};
  assert_false(l2tpsec__ike_select(&offer, &params, &p, &x));
  assert_int_equal(log.count, 2);
  assert_non_null(strstr(log.last, "not allowed by policy"));
}

static void windows_ecp_first_order(void **state) {
  static const p1_spec windows[] = {
      {IKE_ENC_AES_CBC, 256, IKE_HASH_SHA1, 20},
      {IKE_ENC_AES_CBC, 128, IKE_HASH_SHA1, 19},
      {IKE_ENC_AES_CBC, 256, IKE_HASH_SHA1, 14},
      {IKE_ENC_3DES, 0, IKE_HASH_SHA1, 14},
      {IKE_ENC_3DES, 0, IKE_HASH_SHA1, 2},
  };
  uint8_t buf[2048];
  ike_sa_offer offer;

  build_offer(windows, 5, &offer, buf, sizeof(buf));
  assert_int_equal(select_p1(&offer, IKE_PRESET_COMPATIBLE, psk_only, 1), 0);
  assert_int_equal(select_p1(&offer, IKE_PRESET_LEGACY, psk_only, 1), 0);
  backend_groups = modp_only;
  assert_int_equal(select_p1(&offer, IKE_PRESET_COMPATIBLE, psk_only, 1), 2);
  assert_int_equal(select_p1(&offer, IKE_PRESET_LEGACY, psk_only, 1), 2);
  backend_groups = all_groups;
}

static void bad_value_skips_one_transform(void **state) {
  static const p1_spec offer_specs[] = {
      {IKE_ENC_AES_CBC, 256, IKE_HASH_SHA1, 99}, /* unknown group */
      {IKE_ENC_3DES, 0, 77, 14},                 /* unknown hash */
      {IKE_ENC_AES_CBC, 192, IKE_HASH_SHA256, 14},
      {IKE_ENC_AES_CBC, 256, IKE_HASH_SHA256, 14},
  };
  uint8_t buf[2048];
  ike_sa_offer offer;

  build_offer(offer_specs, 4, &offer, buf, sizeof(buf));
  /* strict allows no AES-192, so only #4 is acceptable there. */
  assert_int_equal(select_p1(&offer, IKE_PRESET_STRICT, psk_only, 1), 3);
  assert_int_equal(select_p1(&offer, IKE_PRESET_COMPATIBLE, psk_only, 1), 2);
}

static void unknown_attribute_marks_transform(void **state) {
  /* Transform with attribute type 99 (unknown), then a good one. */
  static const uint8_t sa[] = {
      0,    0, 0, 1,  0,    0,  0, 1,  /* DOI, situation */
      0,    0, 0, 52, 1,    1,  0, 2,  /* proposal, 2 transforms */
      3,    0, 0, 20, 1,    1,  0, 0,  /* transform 1 */
      0x80, 1, 0, 7,  0x80, 99, 0, 1,  /* enc AES, type 99 */
      0x80, 4, 0, 14,                  /* group 14 */
      0,    0, 0, 24, 2,    1,  0, 0,  /* transform 2 */
      0x80, 1, 0, 7,  0x80, 2,  0, 2,  /* enc AES, SHA1 */
      0x80, 3, 0, 1,  0x80, 4,  0, 14, /* PSK, group 14 */
  };
  ike_sa_offer offer;

  assert_int_equal(l2tpsec__ike_sa_parse(sa, sizeof(sa), IKE_PHASE1, &offer),
                   IKE_SA_OK);
  assert_int_equal(offer.prop[0].xf[0].bad_attr, 99);
  assert_int_equal(offer.prop[0].xf[1].bad_attr, 0);
  assert_int_equal(select_p1(&offer, IKE_PRESET_COMPATIBLE, psk_only, 1), 1);
}

static void zero_key_length_or_lifetime_marks_transform(void **state) {
  /* AES with Key Length 0, then AES-128 with a zero lifetime. */
  static const uint8_t sa[] = {
      0,    0,  0, 1,  0,    0,  0, 1,  /* DOI, situation */
      0,    0,  0, 68, 1,    1,  0, 2,  /* proposal, 2 transforms */
      3,    0,  0, 28, 1,    1,  0, 0,  /* transform 1 */
      0x80, 1,  0, 7,  0x80, 14, 0, 0,  /* enc AES, key length 0 */
      0x80, 2,  0, 2,  0x80, 3,  0, 1,  /* SHA1, PSK */
      0x80, 4,  0, 14,                  /* group 14 */
      0,    0,  0, 32, 2,    1,  0, 0,  /* transform 2 */
      0x80, 1,  0, 7,  0x80, 2,  0, 2,  /* enc AES, SHA1 */
      0x80, 3,  0, 1,  0x80, 4,  0, 14, /* PSK, group 14 */
      0x80, 11, 0, 1,  0x80, 12, 0, 0,  /* lifetime 0 seconds */
  };
  ike_sa_offer offer;

  assert_int_equal(l2tpsec__ike_sa_parse(sa, sizeof(sa), IKE_PHASE1, &offer),
                   IKE_SA_OK);
  assert_int_equal(offer.prop[0].xf[0].bad_attr, IKE_ATTR_KEY_LEN);
  assert_int_equal(offer.prop[0].xf[1].bad_attr, IKE_ATTR_LIFE_DURATION);
  assert_int_equal(select_p1(&offer, IKE_PRESET_COMPATIBLE, psk_only, 1), -1);
}

static void sa_structure_errors(void **state) {
  uint8_t sa[] = {
      0,    0, 0, 1,  0, 0, 0, 1, /* DOI, situation */
      0,    0, 0, 20, 1, 1, 0, 2, /* proposal claims 2 transforms */
      0,    0, 0, 12, 1, 1, 0, 0, /* one transform only */
      0x80, 1, 0, 7,
  };
  ike_sa_offer offer;

  assert_int_equal(l2tpsec__ike_sa_parse(sa, sizeof(sa), IKE_PHASE1, &offer),
                   IKE_SA_COUNT);
  sa[15] = 1;
  assert_int_equal(l2tpsec__ike_sa_parse(sa, sizeof(sa), IKE_PHASE1, &offer),
                   IKE_SA_OK);
  sa[27] = 9; /* TLV attribute (AF clear) running past the transform */
  sa[24] = 0;
  assert_int_equal(l2tpsec__ike_sa_parse(sa, sizeof(sa), IKE_PHASE1, &offer),
                   IKE_SA_LENGTH);
  sa[3] = 2; /* DOI 2 */
  assert_int_equal(l2tpsec__ike_sa_parse(sa, sizeof(sa), IKE_PHASE1, &offer),
                   IKE_SA_DOI);
  assert_int_equal(l2tpsec__ike_sa_parse(sa, 6, IKE_PHASE1, &offer),
                   IKE_SA_SHORT);
}

/* The 14 transforms macOS/iOS offer, as reconstructed from public server
 * logs: AES-256/128 with SHA-256/SHA-1 over MODP 2048/1536/1024, then
 * 3DES-SHA1 and 3DES-MD5 over MODP1024 (transform 13 = 3DES/SHA1/1024). */
static size_t apple_list(p1_spec *out) {
  static const uint16_t groups[] = {14, 5, 2};
  static const uint16_t bits[] = {256, 128};
  static const uint16_t hashes[] = {IKE_HASH_SHA256, IKE_HASH_SHA1};
  size_t n = 0;

  for (size_t g = 0; g < 3; g++)
    for (size_t b = 0; b < 2; b++)
      for (size_t h = 0; h < 2; h++)
        out[n++] = (p1_spec){IKE_ENC_AES_CBC, bits[b], hashes[h], groups[g]};
  out[n++] = (p1_spec){IKE_ENC_3DES, 0, IKE_HASH_SHA1, 2};
  out[n++] = (p1_spec){IKE_ENC_3DES, 0, IKE_HASH_MD5, 2};
  return n;
}

static void apple_list_by_preset(void **state) {
  p1_spec specs[16];
  uint8_t buf[4096];
  ike_sa_offer offer;

  build_offer(specs, apple_list(specs), &offer, buf, sizeof(buf));
  assert_int_equal(offer.prop[0].n_xforms, 14);
  assert_int_equal(select_p1(&offer, IKE_PRESET_STRICT, psk_only, 1), 0);
  assert_int_equal(select_p1(&offer, IKE_PRESET_COMPATIBLE, psk_only, 1), 0);
  assert_int_equal(select_p1(&offer, IKE_PRESET_LEGACY, psk_only, 1), 0);
}

/* NetworkManager-l2tp's default proposal: Windows' list merged with
 * Apple's. NOTE: this order is an assumption, not taken from a capture. */
static void networkmanager_list_by_preset(void **state) {
  static const p1_spec windows[] = {
      {IKE_ENC_AES_CBC, 256, IKE_HASH_SHA1, 20},
      {IKE_ENC_AES_CBC, 128, IKE_HASH_SHA1, 19},
      {IKE_ENC_AES_CBC, 256, IKE_HASH_SHA1, 14},
      {IKE_ENC_3DES, 0, IKE_HASH_SHA1, 14},
  };
  p1_spec specs[24];
  uint8_t buf[4096];
  ike_sa_offer offer;
  size_t n = 4;

  memcpy(specs, windows, sizeof(windows));
  n += apple_list(specs + n);
  build_offer(specs, n, &offer, buf, sizeof(buf));
  assert_int_equal(select_p1(&offer, IKE_PRESET_COMPATIBLE, psk_only, 1), 0);
  /* strict rejects SHA-1: the first SHA-256 transform of Apple's part. */
  assert_int_equal(select_p1(&offer, IKE_PRESET_STRICT, psk_only, 1), 4);
}

/* ---- Proposal strings --------------------------------------------------- */

static void proposal_string_phase1(void **state) {
  ike_policy policy;
  char bad[32];

  assert_int_equal(l2tpsec__ike_policy_parse(&policy, IKE_PHASE1,
                                             "aes256-sha256-modp2048,"
                                             "aes128-aes256-sha1-ecp256!",
                                             bad, sizeof(bad)),
                   0);
  assert_int_equal(policy.n_rules, 2);
  assert_int_equal(policy.rules[0].ciphers[0].cipher, IKE_ENC_AES_CBC);
  assert_int_equal(policy.rules[0].ciphers[0].key_bits, 256);
  assert_int_equal(policy.rules[0].hashes[0], IKE_HASH_SHA256);
  assert_int_equal(policy.rules[0].groups[0], 14);
  assert_int_equal(policy.rules[1].n_ciphers, 2);
  assert_int_equal(policy.rules[1].groups[0], 19);
  assert_false(l2tpsec__ike_policy_has_weak(&policy));

  assert_int_equal(l2tpsec__ike_policy_parse(&policy, IKE_PHASE1,
                                             "aes256-sha256-modp999", bad,
                                             sizeof(bad)),
                   L2TPSEC_ERR_CONFIG);
  assert_string_equal(bad, "modp999");
  /* GCM is not an IKEv1 phase-1 cipher; a group is required. */
  assert_int_equal(l2tpsec__ike_policy_parse(&policy, IKE_PHASE1,
                                             "aes128gcm16-sha256-modp2048", bad,
                                             sizeof(bad)),
                   L2TPSEC_ERR_CONFIG);
  assert_int_equal(l2tpsec__ike_policy_parse(&policy, IKE_PHASE1,
                                             "aes128-sha256", bad, sizeof(bad)),
                   L2TPSEC_ERR_CONFIG);
  assert_int_equal(
      l2tpsec__ike_policy_parse(&policy, IKE_PHASE1, "", bad, sizeof(bad)),
      L2TPSEC_ERR_CONFIG);
}

static void proposal_string_phase2(void **state) {
  ike_policy policy;
  char bad[32];

  assert_int_equal(l2tpsec__ike_policy_parse(&policy, IKE_PHASE2,
                                             "aes128gcm16,aes256-sha1,"
                                             "aes128-sha256-modp2048",
                                             bad, sizeof(bad)),
                   0);
  assert_int_equal(policy.n_rules, 3);
  assert_int_equal(policy.rules[0].ciphers[0].cipher, ESP_ID_AES_GCM_16);
  assert_int_equal(policy.rules[0].n_hashes, 0);
  assert_int_equal(policy.rules[0].groups[0], 0); /* no PFS */
  assert_int_equal(policy.rules[1].hashes[0], IPSEC_AUTH_HMAC_SHA1);
  assert_int_equal(policy.rules[2].groups[0], 14);
  /* An AEAD cipher with an integrity algorithm is rejected. */
  assert_int_equal(l2tpsec__ike_policy_parse(&policy, IKE_PHASE2,
                                             "aes128gcm16-sha1", bad,
                                             sizeof(bad)),
                   L2TPSEC_ERR_CONFIG);
  assert_int_equal(l2tpsec__ike_policy_parse(&policy, IKE_PHASE2, "aes128", bad,
                                             sizeof(bad)),
                   L2TPSEC_ERR_CONFIG);
}

static void presets_weakness(void **state) {
  ike_policy policy;

  for (int phase = IKE_PHASE1; phase <= IKE_PHASE2; phase++) {
    l2tpsec__ike_policy_preset(&policy, phase, IKE_PRESET_STRICT);
    assert_true(policy.n_rules > 0);
    assert_false(l2tpsec__ike_policy_has_weak(&policy));
    l2tpsec__ike_policy_preset(&policy, phase, IKE_PRESET_COMPATIBLE);
    assert_true(policy.n_rules > 0);
    assert_false(l2tpsec__ike_policy_has_weak(&policy));
    l2tpsec__ike_policy_preset(&policy, phase, IKE_PRESET_LEGACY);
    assert_true(l2tpsec__ike_policy_has_weak(&policy));
  }
}

/* ---- Phase 2 ------------------------------------------------------------ */

static void phase2_encap_and_bundles(void **state) {
  static const uint8_t sa[] = {
      0,    0, 0,    1,  0,    0,
      0,    1, /* DOI, situation */
      2,    0, 0,    28, 1,    3,
      4,    1,          /* proposal 1: ESP, SPI 4 */
      1,    2, 3,    4, /* SPI */
      0,    0, 0,    16, 1,    ESP_ID_AES_CBC,
      0,    0, /* transform */
      0x80, 4, 0,    2,  0x80, 5,
      0,    2, /* transport, HMAC-SHA1 */
      0,    0, 0,    36, 2,    3,
      4,    1,          /* proposal 2: ESP */
      5,    6, 7,    8, /* SPI */
      0,    0, 0,    24, 1,    ESP_ID_AES_GCM_16,
      0,    0, 0x80, 4,  0,    4,
      0x80, 6, 1,    0, /* UDP transport, 256 bits */
      0x80, 1, 0,    1,  0,    2,
      0,    4, /* life seconds, TLV */
  };
  ike_sa_offer offer;
  ike_policy policy;
  size_t p, x;
  static const uint16_t transport[] = {IPSEC_ENCAP_TRANSPORT};
  static const uint16_t udp_transport[] = {IPSEC_ENCAP_UDP_TRANSPORT};

  /* The last life duration TLV claims 4 bytes and has none. */
  assert_int_equal(l2tpsec__ike_sa_parse(sa, sizeof(sa), IKE_PHASE2, &offer),
                   IKE_SA_LENGTH);

  static const uint8_t sa2[] = {
      0,    0,
      0,    1,
      0,    0,
      0,    1,
      2,    0,
      0,    28,
      1,    3,
      4,    1,
      1,    2,
      3,    4,
      0,    0,
      0,    16,
      1,    ESP_ID_AES_CBC,
      0,    0,
      0x80, 4,
      0,    2,
      0x80, 5,
      0,    2,
      0,    0,
      0,    36,
      2,    3,
      4,    1,
      5,    6,
      7,    8,
      0,    0,
      0,    24,
      1,    ESP_ID_AES_GCM_16,
      0,    0,
      0x80, 4,
      0,    4,
      0x80, 6,
      1,    0,
      0x80, 1,
      0,    1,
      0x80, 2,
      0x0e, 0x10,
  };
  assert_int_equal(l2tpsec__ike_sa_parse(sa2, sizeof(sa2), IKE_PHASE2, &offer),
                   IKE_SA_OK);
  assert_int_equal(offer.n_proposals, 2);
  assert_int_equal(offer.prop[1].xf[0].key_bits, 256);
  assert_int_equal(offer.prop[1].xf[0].life_seconds, 3600);

  l2tpsec__ike_policy_preset(&policy, IKE_PHASE2, IKE_PRESET_COMPATIBLE);
  ike_select_params params = {.policy = &policy,
                              .encaps = transport,
                              .n_encaps = 1,
                              .group_supported = all_groups};
  assert_true(l2tpsec__ike_select(&offer, &params, &p, &x));
  assert_int_equal(p, 0);
  params.encaps = udp_transport;
  assert_true(l2tpsec__ike_select(&offer, &params, &p, &x));
  assert_int_equal(p, 1);
}

static void offer_roundtrip(void **state) {
  ike_policy policy;
  ike_xform xf[IKE_MAX_XFORMS];
  uint8_t buf[4096];
  ike_writer w;
  ike_sa_offer offer;
  ike_proposal prop = {.number = 1, .protocol = ISAKMP_PROTO_ISAKMP};

  assert_int_equal(l2tpsec__ike_policy_parse(&policy, IKE_PHASE1,
                                             "aes256-aes128-sha256-modp2048",
                                             NULL, 0),
                   0);
  size_t n = l2tpsec__ike_policy_offer(&policy, all_groups, IKE_AUTH_PSK, 0,
                                       86400, xf, IKE_MAX_XFORMS);
  assert_int_equal(n, 2);
  ike_writer_init(&w, buf, sizeof(buf));
  w.np_offset = SIZE_MAX;
  l2tpsec__ike_sa_write(&w, IKE_PHASE1, &prop, xf, n);
  assert_int_equal(
      l2tpsec__ike_sa_parse(buf + 4, w.len - 4, IKE_PHASE1, &offer), IKE_SA_OK);
  expect_xform(&offer.prop[0].xf[0], IKE_ENC_AES_CBC, 256, IKE_HASH_SHA256,
               IKE_AUTH_PSK, 14, 86400);
  expect_xform(&offer.prop[0].xf[1], IKE_ENC_AES_CBC, 128, IKE_HASH_SHA256,
               IKE_AUTH_PSK, 14, 86400);
  assert_int_equal(offer.prop[0].xf[1].number, 2);

  /* A buffer too small fails the writer instead of overflowing. */
  ike_writer_init(&w, buf, 40);
  w.np_offset = SIZE_MAX;
  l2tpsec__ike_sa_write(&w, IKE_PHASE1, &prop, xf, n);
  assert_true(w.failed);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cisco_mm1_modp768_refused),
      cmocka_unit_test(cisco_mm3_skips_payload_15),
      cmocka_unit_test(cisco_mm1_modp1024_legacy_only),
      cmocka_unit_test(cisco_mm3_mm4_vendor_ids),
      cmocka_unit_test(openswan_vid_first),
      cmocka_unit_test(openswan_vid_first_response),
      cmocka_unit_test(openswan_natt_vendor_ids),
      cmocka_unit_test(strongswan_flow),
      cmocka_unit_test(malformed_captures_rejected),
      cmocka_unit_test(identification_fills_message),
      cmocka_unit_test(payload_chain_bounded),
      cmocka_unit_test(duplicate_sa_rejected),
      cmocka_unit_test(natd_known_answers),
      cmocka_unit_test(natd_payloads_match_capture),
      cmocka_unit_test(android_modp1024_needs_legacy),
      cmocka_unit_test(strict_logs_each_rejection),
      cmocka_unit_test(windows_ecp_first_order),
      cmocka_unit_test(bad_value_skips_one_transform),
      cmocka_unit_test(unknown_attribute_marks_transform),
      cmocka_unit_test(zero_key_length_or_lifetime_marks_transform),
      cmocka_unit_test(sa_structure_errors),
      cmocka_unit_test(apple_list_by_preset),
      cmocka_unit_test(networkmanager_list_by_preset),
      cmocka_unit_test(proposal_string_phase1),
      cmocka_unit_test(proposal_string_phase2),
      cmocka_unit_test(presets_weakness),
      cmocka_unit_test(phase2_encap_and_bundles),
      cmocka_unit_test(offer_roundtrip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
