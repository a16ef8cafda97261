/*
 * What our initiator offers in phase 1. With a preset it sends a short
 * list of strong suites, so that its first message fits one datagram on
 * a 1500-byte path; offer_all_proposals brings back every combination
 * the preset accepts. The short list must still meet each preset of our
 * responder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ike/isakmp.h"
#include "ike/sa_payload.h"
#include "ike_pair.h"
#include "l2tpsec/errors.h"

static uint8_t first_message[4096];
static size_t first_len;

static int keep_first(void *user_data, const uint8_t *data, size_t len,
                      const l2tpsec_ike_endpoint *local,
                      const l2tpsec_ike_endpoint *remote) {
  if (first_len == 0 && len <= sizeof(first_message)) {
    memcpy(first_message, data, len);
    first_len = len;
  }
  return 0;
}

/* Sends the first message of main mode (or aggressive mode) with the
 * preset and decodes its single proposal into offer. */
static void capture_offer(enum l2tpsec_ike_preset preset, bool all,
                          bool aggressive, ike_sa_offer *offer) {
  const l2tpsec_ike_callbacks cb = {
      .send = keep_first, .child_sa_up = ignore_callbacks.child_sa_up};
  isakmp_msg msg = {0};
  l2tpsec_ike_settings s;
  l2tpsec_ike *ike;
  net n;

  base_settings(&s, &n, 0);
  s.preset = preset;
  s.offer_all_proposals = all;
  s.aggressive_mode = aggressive;
  first_len = 0;
  assert_int_equal(l2tpsec_ike_new(&ike, &s, &cb, NULL), 0);
  assert_int_equal(
      l2tpsec_ike_connect(ike, &client_private, &server_addr, 0, NULL), 0);
  l2tpsec_ike_del(ike);

  assert_int_equal(l2tpsec__isakmp_parse_clear(first_message, first_len, &msg),
                   ISAKMP_PARSE_OK);
  assert_non_null(msg.sa.body);
  assert_int_equal(
      l2tpsec__ike_sa_parse(msg.sa.body, msg.sa.len, IKE_PHASE1, offer),
      IKE_SA_OK);
  assert_int_equal(offer->n_proposals, 1);
}

static unsigned count_hash(const ike_proposal *p, uint16_t hash) {
  unsigned n = 0;

  for (size_t i = 0; i < p->n_xforms; i++)
    n += p->xf[i].hash == hash;
  return n;
}

static unsigned count_group(const ike_proposal *p, uint16_t group) {
  unsigned n = 0;

  for (size_t i = 0; i < p->n_xforms; i++)
    n += p->xf[i].group == group;
  return n;
}

/* 1280 bytes is the IPv6 minimum MTU and our fragment size: a message
 * of that size with IPv4, UDP and the non-ESP marker stays below 1500. */
static void compatible_fits_one_datagram(void **state) {
  ike_sa_offer offer;

  capture_offer(L2TPSEC_IKE_PRESET_COMPATIBLE, false, false, &offer);
  print_message("compatible MM1: %zu bytes, %u transforms\n", first_len,
                offer.prop[0].n_xforms);
  assert_true(first_len <= 1000);
  assert_int_equal(offer.prop[0].n_xforms, 16);
  assert_int_equal(offer.prop[0].xf[0].cipher, IKE_ENC_AES_CBC);
  assert_int_equal(offer.prop[0].xf[0].key_bits, 256);
  assert_int_equal(offer.prop[0].xf[0].hash, IKE_HASH_SHA256);
  assert_int_equal(count_hash(&offer.prop[0], IKE_HASH_MD5), 0);
  assert_int_equal(count_group(&offer.prop[0], 2), 0);
}

static void strict_offers_sha2_only(void **state) {
  ike_sa_offer offer;

  capture_offer(L2TPSEC_IKE_PRESET_STRICT, false, false, &offer);
  assert_true(first_len <= 1000);
  assert_int_equal(count_hash(&offer.prop[0], IKE_HASH_SHA1), 0);
  assert_int_equal(count_hash(&offer.prop[0], IKE_HASH_SHA384), 8);
}

/* Legacy adds what Android-era servers need, and still fits. */
static void legacy_adds_modp1024(void **state) {
  ike_sa_offer offer;

  capture_offer(L2TPSEC_IKE_PRESET_LEGACY, false, false, &offer);
  print_message("legacy MM1: %zu bytes, %u transforms\n", first_len,
                offer.prop[0].n_xforms);
  assert_true(first_len <= 1280);
  assert_int_equal(offer.prop[0].n_xforms, 19);
  assert_int_equal(count_group(&offer.prop[0], 2), 3);
}

/* The whole preset on request: 64 transforms. */
static void all_proposals_on_request(void **state) {
  ike_sa_offer offer;

  capture_offer(L2TPSEC_IKE_PRESET_COMPATIBLE, true, false, &offer);
  print_message("compatible MM1 with offer_all_proposals: %zu bytes\n",
                first_len);
  assert_int_equal(offer.prop[0].n_xforms, 64);
  assert_true(first_len > 1500);
}

/* Aggressive mode offers the short list's first group only, because the
 * KE goes out in the first message. */
static void aggressive_offers_first_group(void **state) {
  ike_sa_offer offer;

  capture_offer(L2TPSEC_IKE_PRESET_COMPATIBLE, false, true, &offer);
  assert_int_equal(offer.prop[0].n_xforms, 4);
  assert_int_equal(count_group(&offer.prop[0], 14), 4);
}

/* The short compatible list meets every preset of our responder. */
static void short_list_meets_each_preset(void **state) {
  static const enum l2tpsec_ike_preset presets[] = {
      L2TPSEC_IKE_PRESET_STRICT, L2TPSEC_IKE_PRESET_COMPATIBLE,
      L2TPSEC_IKE_PRESET_LEGACY};

  for (size_t i = 0; i < 3; i++) {
    l2tpsec_ike_settings cs, ss;
    net n;

    base_settings(&cs, &n, 0);
    base_settings(&ss, &n, 1);
    ss.preset = presets[i];
    start(&n, &cs, &ss, false);
    expect_mirrored_pairs(&n);
    finish(&n);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(compatible_fits_one_datagram),
      cmocka_unit_test(strict_offers_sha2_only),
      cmocka_unit_test(legacy_adds_modp1024),
      cmocka_unit_test(all_proposals_on_request),
      cmocka_unit_test(aggressive_offers_first_group),
      cmocka_unit_test(short_list_meets_each_preset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
