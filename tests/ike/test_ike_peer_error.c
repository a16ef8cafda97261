/*
 * Error notifications a peer sends about phase 1, in memory (ike_pair.h).
 * Libreswan encrypts them from a phase 1 it has not finished with the IV
 * hash(M-ID), leaving out the last phase-1 block that RFC 2409 Appendix B
 * puts first. Both forms must be accepted when HASH(1) is right, and a
 * peer that rejected phase 1 ends our SA.
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
#include "ike_pair.h"
#include "l2tpsec/errors.h"

#define MESSAGE_ID 0x5eed0001u

static char last_notice[512];

static void keep_notice(void *user_data, enum l2tpsec_log_level level,
                        enum l2tpsec_log_category category,
                        const char *message) {
  if (level == L2TPSEC_LOG_NOTICE)
    snprintf(last_notice, sizeof(last_notice), "%s", message);
}

/* Writes into out what a peer holding sa sends: HDR*, HASH(1), N(type),
 * encrypted with the IV hash(last_block | M-ID). Returns the length. */
static size_t build_notify(ike_sa *sa, uint16_t type, const uint8_t *last_block,
                           size_t last_len, uint8_t *out, size_t cap) {
  uint8_t body[8], mid[4], iv[IKE_BLOCK_MAX], next_iv[IKE_BLOCK_MAX];
  l2tpsec__iovec prefix[] = {{mid, 4}};
  ike_writer w;

  isakmp_put32(mid, MESSAGE_ID);
  isakmp_put32(body, ISAKMP_DOI_IPSEC);
  body[4] = ISAKMP_PROTO_ISAKMP;
  body[5] = 0;
  isakmp_put16(body + 6, type);

  ike_writer_init(&w, out, cap);
  l2tpsec__ike_put_header(&w, sa, ISAKMP_XCHG_INFO, 0, MESSAGE_ID);
  size_t hash_off = l2tpsec__ike_payload_begin(&w, ISAKMP_NP_HASH);
  ike_put(&w, sa->prf_len);
  l2tpsec__ike_payload_end(&w, hash_off);
  l2tpsec__ike_put_payload(&w, ISAKMP_NP_N, body, sizeof(body));
  assert_int_equal(l2tpsec__ike_fill_hash(sa, &w, hash_off, prefix, 1), 0);
  l2tpsec__ike_phase2_iv_from(sa, last_block, last_len, MESSAGE_ID, iv);
  assert_int_equal(l2tpsec__ike_encrypt(sa, &w, iv, next_iv), 0);
  assert_false(w.failed);
  return w.len;
}

static ike_sa *only_sa(const side *s) {
  assert_non_null(s->ike->sas);
  assert_null(s->ike->sas->next);
  return s->ike->sas;
}

/* Main mode up to MM5, with MM6 lost: the server is established and
 * the client waits for MM6 with its keys derived. */
static void stop_before_mm6(net *n) {
  l2tpsec_ike_settings cs, ss;

  base_settings(&cs, n, 0);
  base_settings(&ss, n, 1);
  cs.log = (l2tpsec_log){keep_notice, NULL, L2TPSEC_LOG_NOTICE};
  ss.log = cs.log;
  begin(n, &cs, &ss, false);
  n->drop_mask = 1ull << 5;
  run(n, L2TPSEC_SECONDS / 2);
  assert_int_equal(only_sa(&n->server)->state, IKE_ESTABLISHED);
  assert_int_equal(only_sa(&n->client)->state, IKE_I_MM_SENT_5);
  last_notice[0] = '\0';
}

/* Builds the notification with the SA of `from` (see build_notify),
 * optionally alters a byte of its HASH, delivers it to `to` and returns
 * the receiver's counters. */
static l2tpsec_ike_stats send_notify(net *n, side *from, side *to,
                                     uint16_t type, const uint8_t *last_block,
                                     size_t last_len, bool alter) {
  const l2tpsec_ike_endpoint *local =
      to->is_client ? &client_private : &server_addr;
  const l2tpsec_ike_endpoint *remote =
      to->is_client ? &server_addr : &client_private;
  uint8_t msg[512];

  size_t len =
      build_notify(only_sa(from), type, last_block, last_len, msg, sizeof(msg));
  if (alter)
    msg[ISAKMP_HDR_LEN + 8] ^= 0x01;
  assert_int_equal(l2tpsec_ike_input(to->ike, msg, len, local, remote, n->now),
                   0);
  return stats_of(to);
}

/* Libreswan as initiator rejects our MM6 ID and sends INVALID-ID with
 * the IV hash(M-ID): the server ends its SA and logs what to change. */
static void initiator_rejects_our_id(void **state) {
  net n;

  stop_before_mm6(&n);
  l2tpsec_ike_stats st =
      send_notify(&n, &n.client, &n.server, ISAKMP_N_INVALID_ID_INFORMATION,
                  NULL, 0, false);
  assert_int_equal(st.drop_integrity, 0);
  assert_int_equal(st.peer_errors, 1);
  assert_int_equal(st.ike_sas, 0);
  assert_int_equal(n.server.ike_down, 1);
  assert_non_null(strstr(last_notice, "INVALID-ID-INFORMATION"));
  assert_non_null(strstr(last_notice, "rejected phase 1"));
  assert_non_null(strstr(last_notice, "psk_id"));
  finish(&n);
}

/* Libreswan as responder rejects our MM5 ID: the client stops waiting
 * for MM6 at once instead of after its retransmissions. */
static void responder_rejects_our_id(void **state) {
  net n;

  stop_before_mm6(&n);
  (void)send_notify(&n, &n.server, &n.client, ISAKMP_N_INVALID_ID_INFORMATION,
                    NULL, 0, false);
  unsigned sent = n.client.ike_sent;
  run(&n, 60 * L2TPSEC_SECONDS);

  l2tpsec_ike_stats st = stats_of(&n.client);
  assert_int_equal(st.peer_errors, 1);
  assert_int_equal(st.drop_integrity, 0);
  assert_int_equal(st.drop_unexpected, 0);
  assert_int_equal(st.ike_sas, 0);
  assert_int_equal(n.client.ike_sent, sent);
  assert_non_null(strstr(last_notice, "rejected phase 1"));
  finish(&n);
}

/* The IV of RFC 2409 Appendix B before MM6: the last block of MM5. */
static void rfc_iv_before_mm6(void **state) {
  net n;

  stop_before_mm6(&n);
  const ike_sa *client = only_sa(&n.client);
  l2tpsec_ike_stats st =
      send_notify(&n, &n.server, &n.client, ISAKMP_N_AUTHENTICATION_FAILED,
                  client->iv, client->block_len, false);
  assert_int_equal(st.peer_errors, 1);
  assert_int_equal(st.ike_sas, 0);
  assert_non_null(strstr(last_notice, "same pre-shared key"));
  finish(&n);
}

/* A changed byte in the HASH fails it under both IVs: no effect but a
 * drop. (The padding after the last payload is outside HASH(1).) */
static void altered_notify_dropped(void **state) {
  net n;

  stop_before_mm6(&n);
  l2tpsec_ike_stats st = send_notify(
      &n, &n.client, &n.server, ISAKMP_N_INVALID_ID_INFORMATION, NULL, 0, true);
  assert_int_equal(st.drop_integrity, 1);
  assert_int_equal(st.peer_errors, 0);
  assert_int_equal(st.ike_sas, 1);
  finish(&n);
}

/* On an SA both sides finished, an error (say about a quick mode) is
 * only counted and logged. */
static void established_error_only_logged(void **state) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  ss.log = (l2tpsec_log){keep_notice, NULL, L2TPSEC_LOG_NOTICE};
  start(&n, &cs, &ss, false);
  const ike_sa *client = only_sa(&n.client);
  l2tpsec_ike_stats st =
      send_notify(&n, &n.client, &n.server, ISAKMP_N_NO_PROPOSAL_CHOSEN,
                  client->p1_last, client->block_len, false);
  assert_int_equal(st.peer_errors, 1);
  assert_int_equal(st.ike_sas, 1);
  assert_int_equal(n.server.ike_down, 0);
  assert_non_null(strstr(last_notice, "NO-PROPOSAL-CHOSEN"));
  assert_null(strstr(last_notice, "rejected phase 1"));
  run(&n, 10 * L2TPSEC_SECONDS);
  expect_no_data_lost(&n, 10);
  finish(&n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(initiator_rejects_our_id),
      cmocka_unit_test(responder_rejects_our_id),
      cmocka_unit_test(rfc_iv_before_mm6),
      cmocka_unit_test(altered_notify_dropped),
      cmocka_unit_test(established_error_only_logged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
