/*
 * The timers of IKE, in memory (ike_pair.h): rekeying and lifetimes of
 * both phases, DPD after a phase-1 expiry, the responder's own
 * retransmissions and NAT-keepalives. A rekey must lose none of the
 * data packets.
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

/* ---- Settings ------------------------------------------------------------ */

/* The sides that start rekeys. */
enum rekeying { REKEY_BOTH, REKEY_CLIENT, REKEY_SERVER, REKEY_NONE };

/* The timer settings a test gives both sides. A zero field keeps what
 * base_settings sets: the library defaults with DPD off. */
typedef struct timers {
  uint32_t ike_lifetime, esp_lifetime; /* seconds */
  enum rekeying rekey;
  bool dpd; /* probe after 10 s without traffic, give up after 30 s */
} timers;

static void timer_settings(net *n, const timers *t, l2tpsec_ike_settings *cs,
                           l2tpsec_ike_settings *ss) {
  base_settings(cs, n, 0);
  base_settings(ss, n, 1);
  if (t->ike_lifetime != 0)
    cs->ike_lifetime = ss->ike_lifetime = t->ike_lifetime;
  if (t->esp_lifetime != 0)
    cs->esp_lifetime = ss->esp_lifetime = t->esp_lifetime;
  cs->rekey = t->rekey == REKEY_BOTH || t->rekey == REKEY_CLIENT;
  ss->rekey = t->rekey == REKEY_BOTH || t->rekey == REKEY_SERVER;
  if (t->dpd) {
    cs->dpd_delay = ss->dpd_delay = 10 * L2TPSEC_SECONDS;
    cs->dpd_timeout = ss->dpd_timeout = 30 * L2TPSEC_SECONDS;
  }
}

/* start() with the timer settings t on both sides. */
static void start_with(net *n, const timers *t, bool nat) {
  l2tpsec_ike_settings cs, ss;

  timer_settings(n, t, &cs, &ss);
  start(n, &cs, &ss, nat);
}

/* ---- Child SA rekeying --------------------------------------------------- */

/* ESP lifetime 60 s, rekeyed by one side only, for 300 s of traffic. */
static void child_rekey_by(bool client_rekeys, bool nat) {
  timers t = {.esp_lifetime = 60,
              .rekey = client_rekeys ? REKEY_CLIENT : REKEY_SERVER};
  net n;

  start_with(&n, &t, nat);
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

/* Both sides rekey. The server waits longer for a pair the client
 * started, so the client goes first each time, and the server, seeing a
 * newer pair, does not start a second one. */
static void child_rekey_by_both(void **state) {
  static const timers t = {.esp_lifetime = 60, .rekey = REKEY_BOTH};
  net n;

  start_with(&n, &t, true);
  run(&n, 300 * L2TPSEC_SECONDS);

  assert_true(n.client.n_pairs >= 7);
  expect_mirrored_pairs(&n);
  for (size_t i = 0; i < n.client.n_pairs; i++)
    assert_true(n.client.pairs[i].sa.initiator);
  assert_true(n.client.max_live <= 3);
  expect_no_data_lost(&n, 300);
  finish(&n);
}

/* The quick mode of a rekey loses its QM1 or QM2 (or both, once each):
 * the retransmissions carry it, and no data packet is lost. */
static void child_rekey_with_loss(void **state) {
  static const uint64_t masks[] = {0x1, 0x2, 0x3, 0x5};
  static const timers t = {.esp_lifetime = 60, .rekey = REKEY_CLIENT};

  for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
    net n;

    start_with(&n, &t, false);
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

/*
 * The rekey's QM3 is lost. The initiator sends data under the new pair
 * at once, and the responder decrypts it with the inbound half it
 * installed when it sent QM2; its resent QM2 draws QM3 again. With the
 * inbound half rejected, as before child_sa_inbound existed, that data is
 * lost: the race this guards against.
 */
static void child_rekey_qm3_lost(void **state) {
  static const timers t = {.esp_lifetime = 60, .rekey = REKEY_CLIENT};

  for (int reject = 0; reject <= 1; reject++) {
    net n;

    start_with(&n, &t, false);
    n.reject_inbound = reject;
    n.drop_base = n.ike_sent;
    n.drop_mask = 0x4; /* QM1 and QM2 of the rekey pass, QM3 is lost */
    run(&n, 58 * L2TPSEC_SECONDS);

    assert_int_equal(n.client.n_pairs, 2);
    expect_mirrored_pairs(&n);
    assert_true(stats_of(&n.server).retransmits >= 1);
    if (reject)
      assert_true(n.server.data_lost >= 1);
    else
      expect_no_data_lost(&n, 58);
    finish(&n);
  }
}

/*
 * QM3 never comes: once the responder's quick mode times out, it takes
 * back the inbound half (reason FAILED), and its pair before stays the
 * one it sends with.
 */
static void child_rekey_qm3_never(void **state) {
  static const timers t = {.esp_lifetime = 120, .rekey = REKEY_CLIENT};
  net n;

  start_with(&n, &t, false);
  n.drop_base = n.ike_sent;
  n.drop_mask = ~0ull << 2; /* everything after the rekey's QM2 */
  run(&n, 100 * L2TPSEC_SECONDS);
  assert_int_equal(n.server.n_pairs, 2);
  assert_true(n.server.pairs[1].live);

  run(&n, 100 * L2TPSEC_SECONDS);
  assert_int_equal(n.server.n_pairs, 2);
  assert_false(n.server.pairs[1].live);
  assert_true(n.server.pairs[1].inbound_only);
  assert_int_equal(n.server.pairs[1].reason, L2TPSEC_IKE_DOWN_FAILED);
  assert_int_equal(n.server.pairs[n.server.newest].sa.spi_in,
                   n.server.pairs[0].sa.spi_in);
  finish(&n);
}

/* Without rekeying a pair ends at its lifetime on both sides. */
static void child_expiry_without_rekey(void **state) {
  static const timers t = {.esp_lifetime = 60, .rekey = REKEY_NONE};
  net n;

  start_with(&n, &t, false);
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
static void both_phases(enum rekeying rekey) {
  timers t = {.ike_lifetime = 60, .esp_lifetime = 90, .rekey = rekey};
  net n;

  start_with(&n, &t, true);
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
  both_phases(REKEY_CLIENT);
}

static void phase1_rekey_by_responder(void **state) {
  both_phases(REKEY_SERVER);
}

static void phase1_rekey_by_both(void **state) {
  both_phases(REKEY_BOTH);
}

/* ---- Phase-1 expiry and DPD --------------------------------------------- */

/* Whether side s keeps a phase 1 that ended, as the record of the child
 * SAs that no live phase 1 has taken over yet. */
static bool has_gone_phase1(const side *s) {
  for (const ike_sa *sa = s->ike->sas; sa != NULL; sa = sa->next) {
    if (sa->state == IKE_P1_GONE)
      return true;
  }
  return false;
}

/* Whether an established phase 1 of side s holds an installed child SA. */
static bool live_phase1_holds_child(const side *s) {
  for (const ike_sa *sa = s->ike->sas; sa != NULL; sa = sa->next) {
    if (sa->state != IKE_ESTABLISHED)
      continue;
    for (size_t i = 0; i < IKE_QM_MAX; i++) {
      if (ike_qm_installed(&sa->qm[i]))
        return true;
    }
  }
  return false;
}

/*
 * ISAKMP lifetime 60 s, ESP 3600 s, DPD 10 s / 30 s, no rekeying, 300 s
 * of traffic. A gateway once deleted the healthy ESP SA when the first
 * DPD after the phase-1 expiry found no ISAKMP SA. Here the client's DPD
 * probe starts a new phase 1, which takes over the pair, and nothing is
 * lost. With DPD off, no new phase 1 comes within the 300 s, so the
 * checks after the first expiry fail.
 */
static void phase1_expiry_dpd_keeps_child(void **state) {
  static const timers t = {
      .ike_lifetime = 60, .rekey = REKEY_NONE, .dpd = true};
  net n;

  start_with(&n, &t, true);
  run(&n, 61 * L2TPSEC_SECONDS);

  /* The first phase 1 has expired. Nothing came over IKE for longer
   * than the DPD delay, so the probe started a new phase 1 at once, and
   * that phase 1 took the pair over on both sides. */
  assert_int_equal(n.client.ike_down, 1);
  assert_int_equal(n.client.ike_up, 2);
  assert_int_equal(n.server.ike_up, 2);
  assert_false(has_gone_phase1(&n.client));
  assert_false(has_gone_phase1(&n.server));
  assert_true(live_phase1_holds_child(&n.client));
  assert_true(live_phase1_holds_child(&n.server));

  /* Each later expiry goes the same way. */
  run(&n, 239 * L2TPSEC_SECONDS);

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
  static const timers t = {
      .ike_lifetime = 60, .rekey = REKEY_BOTH, .dpd = true};
  net n;

  start_with(&n, &t, true);
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
  static const timers t = {
      .ike_lifetime = 60, .rekey = REKEY_NONE, .dpd = true};
  net n;

  start_with(&n, &t, false);
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
  static const timers t = {.rekey = REKEY_NONE};
  l2tpsec_ike_endpoint server = server_addr;
  net n;

  start_with(&n, &t, false);
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

    timer_settings(&n, &(timers){0}, &cs, &ss);
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

  timer_settings(&n, &(timers){0}, &cs, &ss);
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
  net n;

  start_with(&n, &(timers){0}, true);
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

    timer_settings(&n, &(timers){0}, &cs, &ss);
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
  static const timers t = {.ike_lifetime = 60, .rekey = REKEY_BOTH};
  net n;

  start_with(&n, &t, true);
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
      cmocka_unit_test(child_rekey_qm3_lost),
      cmocka_unit_test(child_rekey_qm3_never),
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
