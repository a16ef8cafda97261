/*
 * A LAC and an LNS wired back to back in memory, over a network that
 * loses, duplicates and reorders datagrams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "l2tpsec/errors.h"

#define LAC 0
#define LNS 1
#define LAC_TRANSPORT 100 /* how the LAC names its path to the LNS */
#define LNS_TRANSPORT 200 /* how the LNS names its path to the LAC */

static struct net *the_net;
static uint16_t lac_tunnel;
static uint16_t lac_sessions[3];
static int lac_session_count;

static void open_sessions_on_up(struct node *n, const l2tpsec_l2tp_event *ev) {
  if (ev->type != L2TPSEC_L2TP_TUNNEL_UP)
    return;
  for (int i = 0; i < 3; i++)
    assert_int_equal(l2tpsec_l2tp_session_open(n->ep, ev->tunnel_id,
                                               &lac_sessions[i],
                                               n->net->now),
                     0);
  lac_session_count = 3;
}

static void setup_pair(struct net *net, int loss, int dup, int reorder,
                       l2tpsec_l2tp_settings *lac_s,
                       l2tpsec_l2tp_settings *lns_s) {
  net->loss_pct = loss;
  net->dup_pct = dup;
  net->reorder_pct = reorder;
  assert_int_equal(net_add_node(net, lac_s), LAC);
  assert_int_equal(net_add_node(net, lns_s), LNS);
  net_route(net, LAC, LAC_TRANSPORT, LNS, LNS_TRANSPORT);
  net_route(net, LNS, LNS_TRANSPORT, LAC, LAC_TRANSPORT);
  the_net = net;
  lac_session_count = 0;
}

static bool all_sessions_up(struct net *net) {
  return node_count_events(&net->nodes[LAC], L2TPSEC_L2TP_SESSION_UP) == 3 &&
         node_count_events(&net->nodes[LNS], L2TPSEC_L2TP_SESSION_UP) == 3;
}

static bool both_tunnels_gone(struct net *net) {
  return l2tpsec_l2tp_tunnel_count(net->nodes[LAC].ep) == 0 &&
         l2tpsec_l2tp_tunnel_count(net->nodes[LNS].ep) == 0;
}

static uint16_t lns_session_for(struct net *net, uint16_t lac_session) {
  const struct node *lns = &net->nodes[LNS];

  for (int i = 0; i < lns->event_count; i++)
    if (lns->events[i].type == L2TPSEC_L2TP_SESSION_UP &&
        lns->events[i].peer_session_id == lac_session)
      return lns->events[i].session_id;
  return 0;
}

static void lossy_pair_runs_three_sessions(void **state) {
  struct net net;
  l2tpsec_l2tp_settings lac_s, lns_s;
  const l2tpsec_l2tp_event *up;
  l2tpsec_l2tp_stats lns_stats;

  net_init(&net, 78);
  net_settings(&net, &lac_s, L2TPSEC_L2TP_LAC, 1);
  net_settings(&net, &lns_s, L2TPSEC_L2TP_LNS, 2);
  /* At 30 % loss a message and its acknowledgement both pass only half
   * the time, so allow more attempts than the default five. */
  lac_s.max_retries = lns_s.max_retries = 12;
  lac_s.data_sequencing = true;
  setup_pair(&net, 30, 10, 20, &lac_s, &lns_s);
  net.nodes[LAC].on_event = open_sessions_on_up;

  assert_int_equal(l2tpsec_l2tp_tunnel_open(net.nodes[LAC].ep, LAC_TRANSPORT,
                                            &lac_tunnel, net.now),
                   0);
  net_run(&net, net.now + 120 * L2TPSEC_SECONDS, all_sessions_up);
  assert_int_equal(node_count_events(&net.nodes[LAC], L2TPSEC_L2TP_TUNNEL_UP),
                   1);
  assert_int_equal(node_count_events(&net.nodes[LNS], L2TPSEC_L2TP_TUNNEL_UP),
                   1);
  assert_true(all_sessions_up(&net));
  assert_int_equal(l2tpsec_l2tp_session_count(net.nodes[LNS].ep), 3);
  up = node_last_event(&net.nodes[LNS], L2TPSEC_L2TP_TUNNEL_UP);
  assert_int_equal(up->transport, LNS_TRANSPORT);

  /* 50 frames each way on each session. */
  for (uint16_t seq = 0; seq < 50; seq++) {
    for (int i = 0; i < 3; i++) {
      uint16_t lns_sid = lns_session_for(&net, lac_sessions[i]);

      assert_int_not_equal(lns_sid, 0);
      assert_int_equal(node_send_frame(&net.nodes[LAC], lac_tunnel,
                                       lac_sessions[i], (uint8_t)(i + 1),
                                       seq),
                       0);
      assert_int_equal(node_send_frame(&net.nodes[LNS], up->tunnel_id,
                                       lns_sid, (uint8_t)(i + 0x41), seq),
                       0);
    }
    net_run(&net, net.now + 20 * L2TPSEC_MILLISECONDS, NULL);
  }
  net_run(&net, net.now + 1 * L2TPSEC_SECONDS, NULL);
  /* Data is unreliable: about 70 % arrives, duplicates and stale
   * reordered frames are dropped by the sequence check. */
  assert_true(net.nodes[LNS].frames > 60 && net.nodes[LNS].frames <= 150);
  assert_true(net.nodes[LAC].frames > 60 && net.nodes[LAC].frames <= 150);
  assert_int_equal(net.nodes[LNS].frames_bad, 0);
  assert_int_equal(net.nodes[LAC].frames_bad, 0);
  l2tpsec_l2tp_get_stats(net.nodes[LNS].ep, &lns_stats);
  assert_true(lns_stats.rx_data_stale > 0);

  /* Close one session, then the tunnel. */
  assert_int_equal(l2tpsec_l2tp_session_close(net.nodes[LAC].ep, lac_tunnel,
                                              lac_sessions[0], 3, net.now),
                   0);
  net_run(&net, net.now + 5 * L2TPSEC_SECONDS, NULL);
  assert_int_equal(l2tpsec_l2tp_session_count(net.nodes[LNS].ep), 2);
  assert_int_equal(node_last_event(&net.nodes[LNS],
                                   L2TPSEC_L2TP_SESSION_DOWN)->result_code,
                   3);
  assert_int_equal(l2tpsec_l2tp_tunnel_close(net.nodes[LAC].ep, lac_tunnel, 1,
                                             net.now),
                   0);
  net_run(&net, net.now + 200 * L2TPSEC_SECONDS, both_tunnels_gone);
  assert_true(both_tunnels_gone(&net));
  assert_int_equal(node_count_events(&net.nodes[LNS],
                                     L2TPSEC_L2TP_SESSION_DOWN),
                   3);
  assert_int_equal(node_count_events(&net.nodes[LAC],
                                     L2TPSEC_L2TP_SESSION_DOWN),
                   3);
  assert_int_equal(
      node_last_event(&net.nodes[LNS], L2TPSEC_L2TP_TUNNEL_DOWN)->reason,
      L2TPSEC_L2TP_REASON_PEER);
  assert_int_equal(
      node_last_event(&net.nodes[LNS], L2TPSEC_L2TP_TUNNEL_DOWN)->result_code,
      1);
  net_free(&net);
}

static bool drop_everything(struct net *net, int to, const uint8_t *data,
                            size_t len) {
  return false;
}

static void retransmission_limit_closes_tunnel(void **state) {
  struct net net;
  l2tpsec_l2tp_settings lac_s, lns_s;
  const l2tpsec_l2tp_event *down;
  l2tpsec_tstamp start;
  uint16_t tid;

  net_init(&net, 168);
  net_settings(&net, &lac_s, L2TPSEC_L2TP_LAC, 1);
  net_settings(&net, &lns_s, L2TPSEC_L2TP_LNS, 2);
  setup_pair(&net, 0, 0, 0, &lac_s, &lns_s);
  net.filter = drop_everything;
  start = net.now;

  assert_int_equal(l2tpsec_l2tp_tunnel_open(net.nodes[LAC].ep, LAC_TRANSPORT,
                                            &tid, net.now),
                   0);
  /* Defaults: sends at 0, 1, 3, 7, 15 s; gives up at 23 s. */
  net_run(&net, start + 22900 * L2TPSEC_MILLISECONDS, NULL);
  assert_int_equal(net.nodes[LAC].sent, 5);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(net.nodes[LAC].ep), 1);
  net_run(&net, start + 23100 * L2TPSEC_MILLISECONDS, NULL);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(net.nodes[LAC].ep), 0);
  down = node_last_event(&net.nodes[LAC], L2TPSEC_L2TP_TUNNEL_DOWN);
  assert_non_null(down);
  assert_int_equal(down->reason, L2TPSEC_L2TP_REASON_TIMEOUT);
  assert_int_equal(net.nodes[LAC].sent, 5);
  net_free(&net);
}

static bool tunnel_up_both(struct net *net) {
  return node_count_events(&net->nodes[LAC], L2TPSEC_L2TP_TUNNEL_UP) == 1 &&
         node_count_events(&net->nodes[LNS], L2TPSEC_L2TP_TUNNEL_UP) == 1;
}

static void hello_keeps_idle_tunnel_up(void **state) {
  struct net net;
  l2tpsec_l2tp_settings lac_s, lns_s;
  l2tpsec_l2tp_stats lac, lns;
  uint16_t tid;

  net_init(&net, 202);
  net_settings(&net, &lac_s, L2TPSEC_L2TP_LAC, 1);
  net_settings(&net, &lns_s, L2TPSEC_L2TP_LNS, 2);
  setup_pair(&net, 0, 0, 0, &lac_s, &lns_s);
  assert_int_equal(l2tpsec_l2tp_tunnel_open(net.nodes[LAC].ep, LAC_TRANSPORT,
                                            &tid, net.now),
                   0);
  net_run(&net, net.now + 5 * L2TPSEC_SECONDS, tunnel_up_both);
  assert_true(tunnel_up_both(&net));

  net_run(&net, net.now + 600 * L2TPSEC_SECONDS, NULL);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(net.nodes[LAC].ep), 1);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(net.nodes[LNS].ep), 1);
  assert_int_equal(node_count_events(&net.nodes[LAC],
                                     L2TPSEC_L2TP_TUNNEL_DOWN),
                   0);
  /* SCCRQ, SCCRP and SCCCN, then HELLOs: each side's HELLO resets the
   * other's idle timer, so together they send about one a minute. */
  l2tpsec_l2tp_get_stats(net.nodes[LAC].ep, &lac);
  l2tpsec_l2tp_get_stats(net.nodes[LNS].ep, &lns);
  assert_true(lac.tx_control + lns.tx_control >= 3 + 9);
  assert_true(lac.tx_control + lns.tx_control <= 3 + 11);
  net_free(&net);
}

static void several_tunnels_share_transport(void **state) {
  struct net net;
  l2tpsec_l2tp_settings lac_s, lns_s;
  uint16_t t1, t2;

  net_init(&net, 236);
  net_settings(&net, &lac_s, L2TPSEC_L2TP_LAC, 1);
  net_settings(&net, &lns_s, L2TPSEC_L2TP_LNS, 2);
  setup_pair(&net, 0, 0, 0, &lac_s, &lns_s);
  assert_int_equal(l2tpsec_l2tp_tunnel_open(net.nodes[LAC].ep, LAC_TRANSPORT,
                                            &t1, net.now),
                   0);
  assert_int_equal(l2tpsec_l2tp_tunnel_open(net.nodes[LAC].ep, LAC_TRANSPORT,
                                            &t2, net.now),
                   0);
  assert_int_not_equal(t1, t2);
  net_run(&net, net.now + 5 * L2TPSEC_SECONDS, NULL);
  assert_int_equal(node_count_events(&net.nodes[LNS], L2TPSEC_L2TP_TUNNEL_UP),
                   2);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(net.nodes[LNS].ep), 2);
  net_free(&net);
}

static void tie_breaker_keeps_one_tunnel(void **state) {
  struct net net;
  l2tpsec_l2tp_settings a_s, b_s;
  uint16_t ta, tb;

  net_init(&net, 259);
  net_settings(&net, &a_s, L2TPSEC_L2TP_LAC, 1);
  net_settings(&net, &b_s, L2TPSEC_L2TP_LNS, 2);
  a_s.tie_breaker = b_s.tie_breaker = true;
  setup_pair(&net, 0, 0, 0, &a_s, &b_s);
  assert_int_equal(l2tpsec_l2tp_tunnel_open(net.nodes[LAC].ep, LAC_TRANSPORT,
                                            &ta, net.now),
                   0);
  assert_int_equal(l2tpsec_l2tp_tunnel_open(net.nodes[LNS].ep, LNS_TRANSPORT,
                                            &tb, net.now),
                   0);
  net_run(&net, net.now + 60 * L2TPSEC_SECONDS, NULL);
  /* Exactly one tunnel survives, and one side reports the lost tie. */
  assert_int_equal(l2tpsec_l2tp_tunnel_count(net.nodes[LAC].ep), 1);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(net.nodes[LNS].ep), 1);
  assert_int_equal(node_count_events(&net.nodes[LAC], L2TPSEC_L2TP_TUNNEL_UP) +
                       node_count_events(&net.nodes[LNS],
                                         L2TPSEC_L2TP_TUNNEL_UP),
                   2);
  {
    const l2tpsec_l2tp_event *a =
        node_last_event(&net.nodes[LAC], L2TPSEC_L2TP_TUNNEL_DOWN);
    const l2tpsec_l2tp_event *b =
        node_last_event(&net.nodes[LNS], L2TPSEC_L2TP_TUNNEL_DOWN);

    assert_true((a != NULL) != (b != NULL));
    assert_int_equal((a != NULL ? a : b)->reason,
                     L2TPSEC_L2TP_REASON_TIE_BREAKER);
  }
  net_free(&net);
}

static bool lns_sessions_up(struct net *net) {
  return node_count_events(&net->nodes[LNS], L2TPSEC_L2TP_SESSION_UP) == 3;
}

/* Runs a lossless pair with the given secrets and hiding; returns the
 * number of sessions the LNS saw come up. */
static int run_with_secrets(const char *lac_secret, const char *lns_secret,
                            bool hide, struct net *net) {
  l2tpsec_l2tp_settings lac_s, lns_s;
  uint16_t tid;

  net_init(net, 5);
  net_settings(net, &lac_s, L2TPSEC_L2TP_LAC, 1);
  net_settings(net, &lns_s, L2TPSEC_L2TP_LNS, 2);
  if (lac_secret != NULL) {
    lac_s.secret = (const uint8_t *)lac_secret;
    lac_s.secret_len = strlen(lac_secret);
    lac_s.hide_avps = hide;
  }
  if (lns_secret != NULL) {
    lns_s.secret = (const uint8_t *)lns_secret;
    lns_s.secret_len = strlen(lns_secret);
    lns_s.hide_avps = hide;
  }
  setup_pair(net, 0, 0, 0, &lac_s, &lns_s);
  net->nodes[LAC].on_event = open_sessions_on_up;
  assert_int_equal(
      l2tpsec_l2tp_tunnel_open(net->nodes[LAC].ep, LAC_TRANSPORT, &tid,
                               net->now),
      0);
  net_run(net, net->now + 60 * L2TPSEC_SECONDS, lns_sessions_up);
  return node_count_events(&net->nodes[LNS], L2TPSEC_L2TP_SESSION_UP);
}

static void secret_and_hidden_avps_work(void **state) {
  struct net net;
  l2tpsec_l2tp_stats st;

  assert_int_equal(run_with_secrets("s3cret", "s3cret", true, &net), 3);
  l2tpsec_l2tp_get_stats(net.nodes[LNS].ep, &st);
  assert_int_equal(st.rx_hidden_failed, 0);
  assert_int_equal(st.rx_auth_failed, 0);
  net_free(&net);
}

static void wrong_secret_refused(void **state) {
  struct net net;
  const l2tpsec_l2tp_event *down;

  assert_int_equal(run_with_secrets("s3cret", "other", false, &net), 0);
  assert_int_equal(node_count_events(&net.nodes[LNS], L2TPSEC_L2TP_TUNNEL_UP),
                   0);
  /* The LAC checks the LNS's response first and sends StopCCN 4. */
  down = node_last_event(&net.nodes[LAC], L2TPSEC_L2TP_TUNNEL_DOWN);
  assert_non_null(down);
  assert_int_equal(down->reason, L2TPSEC_L2TP_REASON_AUTH);
  down = node_last_event(&net.nodes[LNS], L2TPSEC_L2TP_TUNNEL_DOWN);
  assert_non_null(down);
  assert_int_equal(down->reason, L2TPSEC_L2TP_REASON_PEER);
  assert_int_equal(down->result_code, 4);
  net_free(&net);
}

static void wrong_secret_with_hidden_avps_refused(void **state) {
  struct net net;

  assert_int_equal(run_with_secrets("s3cret", "other", true, &net), 0);
  assert_int_equal(l2tpsec_l2tp_session_count(net.nodes[LNS].ep), 0);
  net_free(&net);
}

static void secret_on_one_side_refused(void **state) {
  struct net net;
  l2tpsec_l2tp_stats st;

  assert_int_equal(run_with_secrets("s3cret", NULL, false, &net), 0);
  l2tpsec_l2tp_get_stats(net.nodes[LNS].ep, &st);
  assert_int_equal(st.rx_auth_failed, 1);
  net_free(&net);

  /* Here the LAC cannot answer the LNS's challenge in SCCRP. */
  assert_int_equal(run_with_secrets(NULL, "s3cret", false, &net), 0);
  l2tpsec_l2tp_get_stats(net.nodes[LAC].ep, &st);
  assert_int_equal(st.rx_auth_failed, 1);
  net_free(&net);
}

static bool drop_after_setup(struct net *net, int to, const uint8_t *data,
                             size_t len) {
  return !all_sessions_up(net);
}

static void sessions_told_why_tunnel_timed_out(void **state) {
  struct net net;
  l2tpsec_l2tp_settings lac_s, lns_s;
  uint16_t tid;

  net_init(&net, 31);
  net_settings(&net, &lac_s, L2TPSEC_L2TP_LAC, 1);
  net_settings(&net, &lns_s, L2TPSEC_L2TP_LNS, 2);
  setup_pair(&net, 0, 0, 0, &lac_s, &lns_s);
  net.nodes[LAC].on_event = open_sessions_on_up;
  net.filter = drop_after_setup;
  assert_int_equal(l2tpsec_l2tp_tunnel_open(net.nodes[LAC].ep, LAC_TRANSPORT,
                                            &tid, net.now),
                   0);
  net_run(&net, net.now + 5 * L2TPSEC_SECONDS, all_sessions_up);
  assert_true(all_sessions_up(&net));

  /* The link dies: the HELLO after 60 s goes unanswered. */
  net_run(&net, net.now + 120 * L2TPSEC_SECONDS, NULL);
  assert_int_equal(node_count_events(&net.nodes[LAC],
                                     L2TPSEC_L2TP_SESSION_DOWN),
                   3);
  for (int i = 0; i < net.nodes[LAC].event_count; i++) {
    const l2tpsec_l2tp_event *ev = &net.nodes[LAC].events[i];

    if (ev->type == L2TPSEC_L2TP_SESSION_DOWN ||
        ev->type == L2TPSEC_L2TP_TUNNEL_DOWN) {
      assert_int_equal(ev->reason, L2TPSEC_L2TP_REASON_TIMEOUT);
      assert_string_equal(ev->message, "retransmissions exhausted");
    }
  }
  net_free(&net);
}

static void link_info_and_errors_reported(void **state) {
  struct net net;
  l2tpsec_l2tp_settings lac_s, lns_s;
  l2tpsec_l2tp_call_errors errors = {1, 2, 3, 4, 5, 6};
  const l2tpsec_l2tp_event *lns_up, *wen, *sli;
  uint16_t tid;

  net_init(&net, 33);
  net_settings(&net, &lac_s, L2TPSEC_L2TP_LAC, 1);
  net_settings(&net, &lns_s, L2TPSEC_L2TP_LNS, 2);
  setup_pair(&net, 0, 0, 0, &lac_s, &lns_s);
  net.nodes[LAC].on_event = open_sessions_on_up;
  assert_int_equal(l2tpsec_l2tp_tunnel_open(net.nodes[LAC].ep, LAC_TRANSPORT,
                                            &tid, net.now),
                   0);
  net_run(&net, net.now + 5 * L2TPSEC_SECONDS, all_sessions_up);
  lns_up = node_last_event(&net.nodes[LNS], L2TPSEC_L2TP_SESSION_UP);

  assert_int_equal(l2tpsec_l2tp_session_report_errors(
                       net.nodes[LAC].ep, tid, lac_sessions[2], &errors,
                       net.now),
                   0);
  assert_int_equal(l2tpsec_l2tp_session_set_link_info(
                       net.nodes[LNS].ep, lns_up->tunnel_id,
                       lns_up->session_id, 0x000a0000, 0xffffffff, net.now),
                   0);
  net_run(&net, net.now + 1 * L2TPSEC_SECONDS, NULL);

  wen = node_last_event(&net.nodes[LNS], L2TPSEC_L2TP_WAN_ERROR);
  assert_non_null(wen);
  assert_int_equal(wen->session_id, lns_session_for(&net, lac_sessions[2]));
  assert_int_equal(wen->call_errors.crc_errors, 1);
  assert_int_equal(wen->call_errors.alignment_errors, 6);
  sli = node_last_event(&net.nodes[LAC], L2TPSEC_L2TP_LINK_INFO);
  assert_non_null(sli);
  assert_int_equal(sli->session_id, lns_up->peer_session_id);
  assert_int_equal(sli->accm_send, 0x000a0000);
  assert_int_equal(sli->accm_recv, 0xffffffff);
  net_free(&net);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(lossy_pair_runs_three_sessions),
      cmocka_unit_test(retransmission_limit_closes_tunnel),
      cmocka_unit_test(hello_keeps_idle_tunnel_up),
      cmocka_unit_test(several_tunnels_share_transport),
      cmocka_unit_test(tie_breaker_keeps_one_tunnel),
      cmocka_unit_test(secret_and_hidden_avps_work),
      cmocka_unit_test(wrong_secret_refused),
      cmocka_unit_test(wrong_secret_with_hidden_avps_refused),
      cmocka_unit_test(secret_on_one_side_refused),
      cmocka_unit_test(sessions_told_why_tunnel_timed_out),
      cmocka_unit_test(link_info_and_errors_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
