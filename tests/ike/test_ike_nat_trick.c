/*
 * The responder's fake_client_nat in memory (ike_pair.h): without a NAT,
 * behind a NAT on the server's side and on both sides, the client finds
 * itself behind a NAT and the server not, floats to 4500 and requests
 * ESP in UDP, as Windows must for a server behind a NAT.
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

/* The client's established phase-1 SA; there is exactly one. */
static const ike_sa *client_ike_sa(const net *n) {
  const ike_sa *found = NULL;

  for (const ike_sa *sa = n->client.ike->sas; sa != NULL; sa = sa->next) {
    if (sa->state != IKE_ESTABLISHED)
      continue;
    assert_null(found);
    found = sa;
  }
  assert_non_null(found);
  return found;
}

static void run_pair(net *n, bool fake, bool client_nat, bool server_nat) {
  l2tpsec_ike_settings cs, ss;

  base_settings(&cs, n, 0);
  base_settings(&ss, n, 1);
  ss.fake_client_nat = fake;
  begin_nat(n, &cs, &ss, client_nat, server_nat);
  run(n, 5 * L2TPSEC_SECONDS);
  assert_int_equal(n->client.n_pairs, 1);
  assert_int_equal(n->server.n_pairs, 1);
  expect_mirrored_pairs(n);
  n->next_data = n->now;
  run(n, 30 * L2TPSEC_SECONDS);
  expect_no_data_lost(n, 30);
}

/* Both sides in UDP-encapsulated transport mode (RFC 3947) on 4500. */
static void expect_udp_encap(const net *n) {
  const l2tpsec_ike_child_sa *c = &n->client.pairs[0].sa;
  const l2tpsec_ike_child_sa *s = &n->server.pairs[0].sa;

  assert_true(c->udp_encap);
  assert_true(s->udp_encap);
  assert_int_equal(c->encap_mode, 4);
  assert_int_equal(s->encap_mode, 4);
  assert_int_equal(c->local.port, 4500);
  assert_int_equal(c->remote.port, 4500);
  assert_int_equal(s->local.port, 4500);
}

/* Without any NAT the client still believes it is behind one, so it
 * floats to 4500 and puts ESP in UDP; without the setting it does not. */
static void no_nat_still_encapsulates(void **state) {
  net n;

  run_pair(&n, false, false, false);
  assert_false(n.client.pairs[0].sa.udp_encap);
  assert_int_equal(n.client.pairs[0].sa.remote.port, 500);
  finish(&n);

  run_pair(&n, true, false, false);
  expect_udp_encap(&n);
  assert_int_equal(n.server.pairs[0].sa.remote.port, 4500);
  const ike_sa *sa = client_ike_sa(&n);
  assert_true(sa->nat_local);
  assert_false(sa->nat_remote);
  assert_int_equal(sa->remote.port, 4500);
  /* The client keeps the mapping it believes in open. */
  assert_true(n.client.keepalives > 0);
  finish(&n);
}

/* A server behind a NAT: without the setting the client sees the NAT in
 * front of the server, which Windows rejects unless its registry says
 * otherwise. With it the client sees a NAT only in front of itself. */
static void server_behind_nat_looks_reachable(void **state) {
  net n;

  run_pair(&n, false, false, true);
  assert_true(client_ike_sa(&n)->nat_remote);
  finish(&n);

  run_pair(&n, true, false, true);
  expect_udp_encap(&n);
  const ike_sa *sa = client_ike_sa(&n);
  assert_true(sa->nat_local);
  assert_false(sa->nat_remote);
  assert_memory_equal(n.client.pairs[0].sa.remote.addr, server_public.addr, 4);
  finish(&n);
}

/* NATs on both sides: the server still talks to the client's mapped
 * port, and the client sees no NAT in front of the server. */
static void nat_on_both_sides(void **state) {
  net n;

  run_pair(&n, true, true, true);
  expect_udp_encap(&n);
  assert_int_equal(n.server.pairs[0].sa.remote.port, 44500);
  assert_false(client_ike_sa(&n)->nat_remote);
  finish(&n);
}

/* A new phase 1 the server starts keeps the client in UDP: the child
 * SAs negotiated under it are encapsulated too. */
static void server_rekey_keeps_encapsulation(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  ss.fake_client_nat = true;
  cs.rekey = false;
  ss.ike_lifetime = 60;
  ss.esp_lifetime = 120;
  start(&n, &cs, &ss, false);
  run(&n, 300 * L2TPSEC_SECONDS);
  expect_no_data_lost(&n, 300);
  assert_true(n.server.rekeyed_down >= 1);
  assert_true(n.server.n_pairs >= 3);
  expect_mirrored_pairs(&n);
  for (size_t i = 0; i < n.server.n_pairs; i++)
    assert_true(n.client.pairs[i].sa.udp_encap);
  finish(&n);
}

static unsigned warnings;

static void count_warning(void *user_data, enum l2tpsec_log_level level,
                          enum l2tpsec_log_category category,
                          const char *message) {
  if (level == L2TPSEC_LOG_WARNING && strstr(message, "fake_client_nat") &&
      strstr(message, "UDP 4500"))
    warnings++;
}

/* The setting names itself in a warning at creation, and only when on. */
static void warning_at_creation(void **state) {
  static const uint8_t psk[] = "0123456789";
  l2tpsec_ike_settings s;
  l2tpsec_ike *ike;

  for (int on = 0; on < 2; on++) {
    l2tpsec_ike_settings_default(&s);
    s.psk = psk;
    s.psk_len = sizeof(psk) - 1;
    s.log = (l2tpsec_log){count_warning, NULL, L2TPSEC_LOG_DEBUG};
    s.fake_client_nat = on;
    warnings = 0;
    assert_int_equal(l2tpsec_ike_new(&ike, &s, &ignore_callbacks, NULL), 0);
    assert_int_equal(warnings, (unsigned)on);
    l2tpsec_ike_del(ike);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_nat_still_encapsulates),
      cmocka_unit_test(server_behind_nat_looks_reachable),
      cmocka_unit_test(nat_on_both_sides),
      cmocka_unit_test(server_rekey_keeps_encapsulation),
      cmocka_unit_test(warning_at_creation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
