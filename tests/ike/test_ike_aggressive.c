/*
 * Aggressive mode in memory (ike_pair.h): our initiator against our
 * responder, with and without a NAT, with lost messages, and the
 * responder's default of rejecting it.
 */
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

static void aggressive_settings(l2tpsec_ike_settings *cs,
                                l2tpsec_ike_settings *ss, net *n) {
  base_settings(cs, n, 0);
  base_settings(ss, n, 1);
  cs->aggressive_mode = true;
  cs->aggressive_id = "client@example.com";
  ss->aggressive_responder = true;
}

/* AM1..AM3 and QM1..QM3: three messages fewer than main mode. */
static void aggressive_without_nat(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  aggressive_settings(&cs, &ss, &n);
  start(&n, &cs, &ss, false);
  assert_int_equal(n.client.ike_sent + n.server.ike_sent, 6);
  expect_mirrored_pairs(&n);
  assert_true(n.client.pairs[0].sa.initiator);
  assert_int_equal(n.client.pairs[0].sa.encap_mode, 2); /* transport */
  assert_int_equal(n.client.ike_up, 1);
  assert_int_equal(n.server.ike_up, 1);
  assert_int_equal(stats_of(&n.server).half_open, 0);

  /* The phase-2 IVs agree: a later quick mode and DPD work too. */
  run(&n, 30 * L2TPSEC_SECONDS);
  expect_no_data_lost(&n, 30);
  assert_int_equal(stats_of(&n.client).drop_integrity, 0);
  assert_int_equal(stats_of(&n.server).drop_decrypt, 0);
  finish(&n);
}

/* Behind a NAT the initiator moves to port 4500 for AM3, and the child
 * SA is UDP-encapsulated. The identity may also be the address. */
static void aggressive_behind_nat(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  aggressive_settings(&cs, &ss, &n);
  cs.aggressive_id = NULL;
  start(&n, &cs, &ss, true);
  expect_mirrored_pairs(&n);
  const l2tpsec_ike_child_sa *s = &n.server.pairs[0].sa;
  assert_true(s->udp_encap);
  assert_int_equal(s->encap_mode, 4); /* UDP transport (RFC 3947) */
  assert_int_equal(s->remote.port, 44500);
  assert_int_equal(n.client.pairs[0].sa.local.port, 4500);
  finish(&n);
}

/* The loss of AM1, AM2 or AM3 is repaired by the timers of either side. */
static void aggressive_with_loss(void **state) {
  for (unsigned lost = 0; lost < 3; lost++) {
    l2tpsec_ike_settings cs, ss;
    net n;

    aggressive_settings(&cs, &ss, &n);
    begin(&n, &cs, &ss, true);
    n.drop_mask = 1ull << lost;
    run(&n, 10 * L2TPSEC_SECONDS);

    assert_int_equal(n.client.n_pairs, 1);
    assert_int_equal(n.server.n_pairs, 1);
    expect_mirrored_pairs(&n);
    finish(&n);
  }
}

/* Without aggressive_responder the AM1 gets no reply and is counted. */
static void aggressive_rejected_by_default(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  aggressive_settings(&cs, &ss, &n);
  ss.aggressive_responder = false;
  begin(&n, &cs, &ss, false);
  run(&n, 5 * L2TPSEC_SECONDS);

  assert_int_equal(n.server.ike_sent, 0);
  assert_int_equal(stats_of(&n.server).ike_sas, 0);
  assert_true(stats_of(&n.server).drop_unexpected >= 1);
  assert_int_equal(n.client.n_pairs, 0);
  finish(&n);
}

/* A wrong pre-shared key fails HASH_R at the initiator; nothing comes
 * up on either side. */
static void aggressive_wrong_psk(void **state) {
  static const uint8_t other[] = "another pre-shared key";
  l2tpsec_ike_settings cs, ss;
  net n;

  aggressive_settings(&cs, &ss, &n);
  cs.psk = other;
  cs.psk_len = sizeof(other) - 1;
  begin(&n, &cs, &ss, false);
  run(&n, 5 * L2TPSEC_SECONDS);

  assert_int_equal(n.client.ike_up, 0);
  assert_int_equal(n.server.ike_up, 0);
  assert_true(stats_of(&n.client).drop_integrity >= 1);
  finish(&n);
}

/* An identity that does not fit an ID payload is rejected at creation. */
static void aggressive_id_too_long(void **state) {
  char id[300];
  l2tpsec_ike_settings s;
  l2tpsec_ike *ike = NULL;
  net n;

  memset(id, 'a', sizeof(id) - 1);
  id[sizeof(id) - 1] = '\0';
  base_settings(&s, &n, 0);
  s.aggressive_id = id;
  l2tpsec_ike_callbacks cb = {0};
  assert_int_equal(l2tpsec_ike_new(&ike, &s, &cb, NULL),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_null(ike);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(aggressive_without_nat),
      cmocka_unit_test(aggressive_behind_nat),
      cmocka_unit_test(aggressive_with_loss),
      cmocka_unit_test(aggressive_rejected_by_default),
      cmocka_unit_test(aggressive_wrong_psk),
      cmocka_unit_test(aggressive_id_too_long),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
