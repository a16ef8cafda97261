/*
 * Client and server PPP back to back over a lossy in-memory link: every
 * method, wrong credentials, method fallback, silent peers, a decision
 * that arrives late, keepalive failure, and the rule that no IP flows
 * before authentication and IPCP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "l2tpsec/l2tpsec.h"
#include "ppp_harness.h"

#define S L2TPSEC_SECONDS

static struct harness *new_harness(void) {
  static struct harness h;

  memset(&h, 0, sizeof(h));
  return &h;
}

static void impair(struct harness *h) {
  h->loss = 15;
  h->duplicate = 15;
  h->delay_min_ms = 1;
  h->delay_max_ms = 400;
}

static void only_method(l2tpsec_ppp_settings *s,
                        enum l2tpsec_auth_method method) {
  memset(s->methods, 0, sizeof(s->methods));
  s->methods[0] = method;
}

/* Each method, over loss, duplication and reordering, for many seeds. */
static void connect_with(enum l2tpsec_auth_method method) {
  for (uint64_t seed = 1; seed <= 40; seed++) {
    struct harness *h = new_harness();
    l2tpsec_ppp_settings server;

    impair(h);
    harness_settings(h, 0, &server);
    only_method(&server, method);
    harness_start(h, seed, &server, NULL);
    assert_true(harness_run(h, 120 * S, harness_both_up));
    assert_int_equal(h->end[0].auth_success, 1);
    assert_int_equal(h->end[1].auth_success, 1);
    assert_int_equal(h->auth_requests, 1);
    assert_memory_equal(h->end[1].local_address, h->pool_address, 4);
    assert_memory_equal(h->end[0].peer_address, h->pool_address, 4);
    assert_int_equal(h->end[1].dns[0][3], 53);
    harness_stop(h);
  }
}

static void pap_connects_over_lossy_link(void **state) {
  connect_with(L2TPSEC_AUTH_PAP);
}

static void chap_md5_connects_over_lossy_link(void **state) {
  connect_with(L2TPSEC_AUTH_CHAP_MD5);
}

static void mschapv2_connects_over_lossy_link(void **state) {
  connect_with(L2TPSEC_AUTH_MSCHAPV2);
}

static void ip_flows_both_ways_when_open(void **state) {
  struct harness *h = new_harness();

  harness_start(h, 7, NULL, NULL);
  assert_true(harness_run(h, 60 * S, harness_both_up));
  assert_int_equal(harness_send_ip(h, 1, 100, 0xaa), 0);
  assert_int_equal(harness_send_ip(h, 0, 1400, 0xbb), 0);
  harness_run(h, h->now + S, NULL);
  assert_int_equal(h->end[0].ip_delivered, 1);
  assert_int_equal(h->end[0].last_ip_len, 100);
  assert_int_equal(h->end[0].last_ip[50], 0xaa);
  assert_int_equal(h->end[1].ip_delivered, 1);
  assert_int_equal(h->end[1].last_ip_len, 1400);
  /* Larger than the client's MRU of 1400: refused. */
  assert_int_equal(harness_send_ip(h, 0, 1401, 0xcc), L2TPSEC_ERR_LIMIT);
  harness_stop(h);
}

static void wrong_password_fails_link(void **state) {
  enum l2tpsec_auth_method methods[] = {
      L2TPSEC_AUTH_PAP, L2TPSEC_AUTH_CHAP_MD5, L2TPSEC_AUTH_MSCHAPV2};

  for (int i = 0; i < 3; i++) {
    struct harness *h = new_harness();
    l2tpsec_ppp_settings server, client;

    harness_settings(h, 0, &server);
    harness_settings(h, 1, &client);
    only_method(&server, methods[i]);
    server.auth_max_attempts = 1;
    client.password = "wrong";
    harness_start(h, 3, &server, &client);
    assert_true(harness_run(h, 60 * S, harness_any_dead));
    harness_run(h, h->now + 10 * S, NULL);
    assert_int_equal(h->end[0].auth_failure, 1);
    assert_int_equal(h->end[1].auth_failure, 1);
    assert_int_equal(h->end[0].ipcp_up, 0);
    assert_int_equal(h->end[1].ipcp_up, 0);
    assert_int_equal(h->end[0].down_reason, L2TPSEC_PPP_DOWN_AUTH_FAILED);
    assert_int_equal(h->end[1].down_reason, L2TPSEC_PPP_DOWN_AUTH_FAILED);
    harness_stop(h);
  }
}

/* An IPv4 packet in a PPP frame (FF 03 00 21 ...). */
static size_t ip_frame(uint8_t *f) {
  memset(f, 0, 28);
  f[0] = 0xff;
  f[1] = 0x03;
  f[2] = 0x00;
  f[3] = 0x21;
  f[4] = 0x45;
  f[7] = 24;
  return 28;
}

static void no_ip_before_auth_and_ipcp(void **state) {
  struct harness *h = new_harness();
  uint8_t frame[28];

  h->auth_mode = AUTH_MODE_DEFER;
  harness_start(h, 5, NULL, NULL);
  for (int step = 0; step < 20; step++) {
    harness_run(h, h->now + 200 * L2TPSEC_MILLISECONDS, NULL);
    assert_int_equal(harness_inject(h, 0, frame, ip_frame(frame)), 0);
    assert_int_equal(harness_send_ip(h, 0, 60, 1), L2TPSEC_ERR_STATE);
    assert_int_equal(harness_send_ip(h, 1, 60, 1), L2TPSEC_ERR_STATE);
  }
  assert_non_null(h->pending);
  assert_int_equal(h->end[0].ip_delivered, 0);

  l2tpsec_auth_result reject = {.accept = false};
  assert_int_equal(l2tpsec_auth_complete(h->pending, &reject, h->now), 0);
  harness_run(h, h->now + 10 * S, NULL);
  assert_int_equal(harness_inject(h, 0, frame, ip_frame(frame)),
                   L2TPSEC_ERR_CLOSED);
  assert_int_equal(h->end[0].ip_delivered, 0);
  assert_int_equal(h->end[0].ipcp_up, 0);
  harness_stop(h);
}

static void server_falls_back_when_peer_naks(void **state) {
  struct harness *h = new_harness();
  l2tpsec_ppp_settings client;

  harness_settings(h, 1, &client);
  only_method(&client, L2TPSEC_AUTH_PAP);
  harness_start(h, 9, NULL, &client);
  assert_true(harness_run(h, 60 * S, harness_both_up));
  assert_int_equal(h->end[0].auth_success, 1);
  harness_stop(h);
}

/* Server offers only PAP (password+code needs the clear text); a client
 * that insists on MS-CHAPv2 gets a clear failure, never a login. */
static void client_insisting_on_chap_gets_failure(void **state) {
  struct harness *h = new_harness();
  l2tpsec_ppp_settings server, client;

  harness_settings(h, 0, &server);
  harness_settings(h, 1, &client);
  only_method(&server, L2TPSEC_AUTH_PAP);
  only_method(&client, L2TPSEC_AUTH_MSCHAPV2);
  harness_start(h, 11, &server, &client);
  assert_true(harness_run(h, 60 * S, harness_any_dead));
  assert_int_equal(h->end[0].down_reason, L2TPSEC_PPP_DOWN_AUTH_FAILED);
  assert_int_equal(h->auth_requests, 0);
  assert_int_equal(h->end[0].auth_success, 0);
  assert_int_equal(h->end[1].ipcp_up, 0);
  harness_stop(h);
}

static void silent_peer_times_out(void **state) {
  struct harness *h = new_harness();

  h->cut = true;
  harness_start(h, 13, NULL, NULL);
  assert_true(harness_run(h, 300 * S, harness_any_dead));
  harness_run(h, h->now + 5 * S, NULL);
  assert_int_equal(h->end[0].dead, 1);
  assert_int_equal(h->end[1].dead, 1);
  assert_int_equal(h->end[0].down_reason, L2TPSEC_PPP_DOWN_NEGOTIATION);
  /* 10 Configure-Requests 3 s apart, then give up. */
  assert_true(h->now >= 30 * S);
  assert_true(h->now <= 40 * S);
  harness_stop(h);
}

static bool server_authenticating(struct harness *h) {
  return l2tpsec_ppp_phase(h->end[0].ppp) ==
         L2TPSEC_PPP_PHASE_AUTHENTICATE;
}

static void client_silent_after_lcp_times_out_auth(void **state) {
  struct harness *h = new_harness();

  harness_start(h, 15, NULL, NULL);
  assert_true(harness_run(h, 10 * S, server_authenticating));
  h->cut_to_server = true;
  assert_true(harness_run(h, 120 * S, harness_any_dead));
  harness_run(h, h->now + 30 * S, NULL);
  assert_int_equal(h->end[0].dead, 1);
  assert_int_equal(h->end[0].down_reason, L2TPSEC_PPP_DOWN_AUTH_TIMEOUT);
  harness_stop(h);
}

/* A decision that takes 50 s (a push approval): the link stays up,
 * echoes are answered, retransmitted credentials do not start a second
 * request, and the late accept completes the login. */
static void pending_decision_answered_late(void **state) {
  struct harness *h = new_harness();
  l2tpsec_ppp_settings server, client;
  l2tpsec_ppp_stats stats;
  l2tpsec_auth_result accept = {.accept = true};

  impair(h);
  h->auth_mode = AUTH_MODE_DEFER;
  harness_settings(h, 0, &server);
  harness_settings(h, 1, &client);
  only_method(&server, L2TPSEC_AUTH_PAP);
  server.echo_interval = 5 * S;
  client.echo_interval = 5 * S;
  harness_start(h, 17, &server, &client);
  harness_run(h, 50 * S, NULL);

  assert_non_null(h->pending);
  assert_int_equal(h->auth_requests, 1);
  assert_int_equal(h->end[0].dead + h->end[1].dead, 0);
  l2tpsec_ppp_get_stats(h->end[1].ppp, &stats);
  assert_true(stats.echo_replies_in > 3);

  assert_int_equal(l2tpsec_auth_complete(h->pending, &accept, h->now), 0);
  assert_true(harness_run(h, h->now + 60 * S, harness_both_up));
  assert_int_equal(h->auth_requests, 1);
  harness_stop(h);
}

static void pending_decision_times_out_and_cancels(void **state) {
  struct harness *h = new_harness();
  l2tpsec_ppp_settings server;

  h->auth_mode = AUTH_MODE_DEFER;
  harness_settings(h, 0, &server);
  server.auth_decision_timeout = 20 * S;
  harness_start(h, 19, &server, NULL);
  assert_true(harness_run(h, 120 * S, harness_any_dead));
  harness_run(h, h->now + 10 * S, NULL);
  assert_int_equal(h->end[0].dead, 1);
  assert_int_equal(h->auth_cancels, 1);
  assert_null(h->pending);
  assert_int_equal(h->end[0].down_reason, L2TPSEC_PPP_DOWN_AUTH_FAILED);
  harness_stop(h);
}

static void session_death_cancels_pending_request(void **state) {
  struct harness *h = new_harness();
  const l2tpsec_auth_request *req;
  l2tpsec_auth_result accept = {.accept = true};

  h->auth_mode = AUTH_MODE_DEFER;
  harness_start(h, 21, NULL, NULL);
  harness_run(h, 5 * S, NULL);
  req = h->pending;
  assert_non_null(req);
  assert_int_equal(l2tpsec_ppp_close(h->end[0].ppp, h->now), 0);
  assert_int_equal(h->auth_cancels, 1);
  /* Completing a cancelled request is refused, not a crash. */
  assert_int_equal(l2tpsec_auth_complete(req, &accept, h->now),
                   L2TPSEC_ERR_STATE);
  harness_stop(h);
}

static void echo_failure_closes_link(void **state) {
  struct harness *h = new_harness();
  l2tpsec_ppp_settings server, client;

  harness_settings(h, 0, &server);
  harness_settings(h, 1, &client);
  server.echo_interval = 30 * S;
  harness_start(h, 23, &server, &client);
  assert_true(harness_run(h, 60 * S, harness_both_up));
  h->cut = true;
  assert_true(harness_run(h, h->now + 400 * S, harness_any_dead));
  assert_int_equal(h->end[0].down_reason, L2TPSEC_PPP_DOWN_ECHO_TIMEOUT);
  /* 4 unanswered requests 30 s apart, then the fifth interval ends it. */
  assert_true(h->now >= 150 * S);
  harness_stop(h);
}

static void retries_allowed_until_max_attempts(void **state) {
  struct harness *h = new_harness();
  l2tpsec_ppp_settings server, client;

  harness_settings(h, 0, &server);
  harness_settings(h, 1, &client);
  only_method(&server, L2TPSEC_AUTH_CHAP_MD5);
  server.auth_max_attempts = 3;
  client.password = "wrong";
  harness_start(h, 25, &server, &client);
  assert_true(harness_run(h, 120 * S, harness_any_dead));
  /* Our client gives up after the first Failure, as pppd does. */
  assert_int_equal(h->end[0].auth_failure, 1);
  assert_int_equal(h->end[1].down_reason, L2TPSEC_PPP_DOWN_AUTH_FAILED);
  harness_stop(h);
}

static char lockout_log[2048];

static void capture_log(void *user_data, enum l2tpsec_log_level level,
                        enum l2tpsec_log_category category,
                        const char *message) {
  size_t used = strlen(lockout_log);

  snprintf(lockout_log + used, sizeof(lockout_log) - used, "%s\n", message);
}

static void reject_as_locked_out(struct harness *h,
                                 const l2tpsec_auth_request *req) {
  l2tpsec_auth_result r;

  memset(&r, 0, sizeof(r));
  r.reason = L2TPSEC_AUTH_REASON_LOCKED_OUT;
  l2tpsec_auth_complete(req, &r, req->now);
}

/* A locked-out user's rejection says so in the log, not "attempt 1 of
 * 3" as if the credentials had been checked. */
static void locked_out_logged_without_attempts(void **state) {
  struct harness *h = new_harness();
  l2tpsec_ppp_settings server, client;

  lockout_log[0] = '\0';
  harness_settings(h, 0, &server);
  harness_settings(h, 1, &client);
  only_method(&server, L2TPSEC_AUTH_PAP);
  server.auth_max_attempts = 3;
  server.log = (l2tpsec_log){capture_log, NULL, L2TPSEC_LOG_NOTICE};
  h->auth_mode = AUTH_MODE_CALLBACK;
  h->auth_fn = reject_as_locked_out;
  harness_start(h, 41, &server, &client);
  assert_true(harness_run(h, 120 * S, harness_any_dead));
  assert_non_null(strstr(lockout_log, "locked out after repeated failures"));
  assert_null(strstr(lockout_log, "attempt 1 of 3"));
  harness_stop(h);
}

static void address_returned_to_pool(void **state) {
  struct harness *h = new_harness();

  harness_start(h, 27, NULL, NULL);
  assert_true(harness_run(h, 60 * S, harness_both_up));
  assert_int_equal(h->addresses_held, 1);
  assert_int_equal(l2tpsec_ppp_close(h->end[1].ppp, h->now), 0);
  assert_true(harness_run(h, h->now + 30 * S, harness_any_dead));
  harness_run(h, h->now + 30 * S, NULL);
  assert_int_equal(h->end[0].dead, 1);
  assert_int_equal(h->end[0].down_reason,
                   L2TPSEC_PPP_DOWN_PEER_TERMINATED);
  assert_int_equal(h->addresses_held, 0);
  harness_stop(h);
}

/* Closing towards a peer that no longer answers: Max-Terminate (2)
 * Terminate-Requests 3 s apart, then the link is dead. */
static void close_gives_up_after_max_terminate(void **state) {
  struct harness *h = new_harness();
  l2tpsec_tstamp closed_at;

  harness_start(h, 33, NULL, NULL);
  assert_true(harness_run(h, 60 * S, harness_both_up));
  h->cut = true;
  closed_at = h->now;
  assert_int_equal(l2tpsec_ppp_close(h->end[0].ppp, h->now), 0);
  assert_true(harness_run(h, h->now + 60 * S, harness_any_dead));
  assert_int_equal(h->end[0].down_reason, L2TPSEC_PPP_DOWN_CLOSED);
  assert_true(h->now - closed_at == 6 * S);
  harness_stop(h);
}

static void ipv6cp_negotiates_when_enabled(void **state) {
  struct harness *h = new_harness();
  l2tpsec_ppp_settings server, client;

  harness_settings(h, 0, &server);
  harness_settings(h, 1, &client);
  server.ipv6 = true;
  client.ipv6 = true;
  harness_start(h, 29, &server, &client);
  assert_true(harness_run(h, 60 * S, harness_both_up));
  harness_run(h, h->now + 5 * S, NULL);
  assert_int_equal(h->end[0].ipv6cp_up, 1);
  assert_int_equal(h->end[1].ipv6cp_up, 1);

  /* An IPv6 packet goes through with protocol 0x0057. */
  uint8_t storage[128 + 60];
  l2tpsec_pkt pkt;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
  memset(l2tpsec_pkt_put(&pkt, 60), 0, 60);
  pkt.data[0] = 0x60;
  assert_int_equal(l2tpsec_ppp_send_ip(h->end[1].ppp, &pkt, h->now), 0);
  harness_run(h, h->now + S, NULL);
  assert_int_equal(h->end[0].ip_delivered, 1);
  assert_int_equal(h->end[0].last_ip[0], 0x60);
  harness_stop(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pap_connects_over_lossy_link),
      cmocka_unit_test(chap_md5_connects_over_lossy_link),
      cmocka_unit_test(mschapv2_connects_over_lossy_link),
      cmocka_unit_test(ip_flows_both_ways_when_open),
      cmocka_unit_test(wrong_password_fails_link),
      cmocka_unit_test(no_ip_before_auth_and_ipcp),
      cmocka_unit_test(server_falls_back_when_peer_naks),
      cmocka_unit_test(client_insisting_on_chap_gets_failure),
      cmocka_unit_test(silent_peer_times_out),
      cmocka_unit_test(client_silent_after_lcp_times_out_auth),
      cmocka_unit_test(pending_decision_answered_late),
      cmocka_unit_test(pending_decision_times_out_and_cancels),
      cmocka_unit_test(session_death_cancels_pending_request),
      cmocka_unit_test(echo_failure_closes_link),
      cmocka_unit_test(retries_allowed_until_max_attempts),
      cmocka_unit_test(locked_out_logged_without_attempts),
      cmocka_unit_test(address_returned_to_pool),
      cmocka_unit_test(close_gives_up_after_max_terminate),
      cmocka_unit_test(ipv6cp_negotiates_when_enabled),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
