/*
 * Session ends as accounting reports them: Session-Timeout and
 * Idle-Timeout from the authenticator's accept, l2tpsec_server_disconnect
 * by user, accounting id and address, and the client's own close. Each
 * end must carry the matching Acct-Terminate-Cause, the counters and the
 * Class values of the accept. Clients are the library's own layers
 * (test_peer.c); runs in a network namespace of its own (needs root).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "l2tpsec/errors.h"
#include "l2tpsec/server.h"
#include "test_netns.h"
#include "test_peer.h"
#include "uv/loop_timer.h"

#define NATT_PORT 4500

static const uint8_t server_inner[4] = {192, 0, 2, 1};

/* What the authenticator puts into every accept. */
static l2tpsec_auth_attributes accept_attributes;

/* The events the server reported, copied out of the callback. */
struct seen_event {
  enum l2tpsec_server_event_type type;
  char acct_session_id[L2TPSEC_SERVER_ACCT_ID_MAX];
  enum l2tpsec_server_end_cause end_cause;
  uint64_t packets_in, packets_out, bytes_in;
  l2tpsec_duration uptime;
  size_t class_count;
  char class0[32];
};
static struct seen_event events[8];
static int event_count;

static void authenticate(void *user_data, const l2tpsec_auth_request *req) {
  l2tpsec_auth_result result = {0};

  result.accept = l2tpsec_auth_check_secret(req, (const uint8_t *)"secret", 6,
                                            result.auth_response) == 0;
  result.has_auth_response =
      result.accept && req->method == L2TPSEC_AUTH_MSCHAPV2;
  result.reason = L2TPSEC_AUTH_REASON_WRONG_PASSWORD;
  result.attributes = accept_attributes;
  l2tpsec_auth_complete(req, &result, req->now);
}

static void on_event(void *user_data, const l2tpsec_server_event *ev) {
  struct seen_event *e;

  if (event_count == 8)
    return;
  e = &events[event_count++];
  memset(e, 0, sizeof(*e));
  e->type = ev->type;
  snprintf(e->acct_session_id, sizeof(e->acct_session_id), "%s",
           ev->acct_session_id);
  e->end_cause = ev->end_cause;
  e->packets_in = ev->packets_in;
  e->packets_out = ev->packets_out;
  e->bytes_in = ev->bytes_in;
  e->uptime = ev->uptime;
  e->class_count = ev->attributes->class_count;
  if (e->class_count > 0)
    snprintf(e->class0, sizeof(e->class0), "%.*s",
             (int)ev->attributes->classes[0].len,
             (const char *)ev->attributes->classes[0].data);
}

static const l2tpsec_server_callbacks callbacks = {authenticate, NULL,
                                                   on_event};

static void on_log(void *user_data, enum l2tpsec_log_level level,
                   enum l2tpsec_log_category category, const char *message) {
  if (getenv("TEST_VERBOSE") != NULL)
    fprintf(stderr, "log: %s\n", message);
}

struct fixture {
  uv_loop_t loop;
  l2tpsec_server *server;
  struct test_peer peer;
};

static void start_server(struct fixture *f) {
  static const char *const pool_b[] = {"192.0.2.30-192.0.2.31"};
  static const l2tpsec_server_pool named[] = {{"pool-b", pool_b, 1}};
  l2tpsec_server_settings s;

  event_count = 0;
  uv_loop_init(&f->loop);
  test_peer_server_settings(&s, NATT_PORT, "e2elim0");
  s.named_pools = named;
  s.named_pool_count = 1;
  s.log = (l2tpsec_log){on_log, NULL, L2TPSEC_LOG_DEBUG};
  assert_int_equal(
      l2tpsec_server_new(&f->server, &f->loop, &s, &callbacks, NULL), 0);
}

static void stop_server(struct fixture *f) {
  test_peer_close(&f->peer);
  l2tpsec_server_del(f->server);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

/* Runs the server and the peer until `done` returns true or `seconds`
 * pass. */
static void pump_for(struct fixture *f, bool (*done)(struct test_peer *p),
                     double seconds) {
  uint64_t end = uv_hrtime() + (uint64_t)(seconds * L2TPSEC_SECONDS);

  while ((done == NULL || !done(&f->peer)) && uv_hrtime() < end) {
    uv_run(&f->loop, UV_RUN_NOWAIT);
    test_peer_poll(&f->peer);
    usleep(500);
  }
}

static bool ipcp_up(struct test_peer *p) {
  return p->ipcp_up;
}
static bool dead(struct test_peer *p) {
  return p->dead;
}
static bool replied(struct test_peer *p) {
  return p->echo_replies > 0;
}

/* Connects the fixture's peer (index 1) and waits for IPCP. */
static void connect_peer(struct fixture *f, uint16_t port) {
  test_peer_open(&f->peer, "127.0.0.1", port, NATT_PORT, 1, 7, "secret");
  test_peer_add_to_server(&f->peer, f->server, 1);
  test_peer_connect(&f->peer);
  pump_for(f, ipcp_up, 3);
  assert_true(f->peer.ipcp_up);
  assert_int_equal(event_count, 1);
  assert_int_equal(events[0].type, L2TPSEC_SERVER_SESSION_UP);
  assert_int_equal(strlen(events[0].acct_session_id), 16);
}

static void ping_once(struct fixture *f) {
  f->peer.echo_replies = 0;
  assert_int_equal(test_peer_ping(&f->peer, server_inner), 0);
  pump_for(f, replied, 2);
  assert_int_equal(f->peer.echo_replies, 1);
}

static const struct seen_event *down_event(void) {
  for (int i = 0; i < event_count; i++) {
    if (events[i].type == L2TPSEC_SERVER_SESSION_DOWN)
      return &events[i];
  }
  return NULL;
}

/* Waits for the session's end and returns its SESSION_DOWN event. */
static const struct seen_event *wait_down(struct fixture *f, double seconds) {
  uint64_t end = uv_hrtime() + (uint64_t)(seconds * L2TPSEC_SECONDS);

  while (down_event() == NULL && uv_hrtime() < end)
    pump_for(f, NULL, 0.05);
  assert_non_null(down_event());
  return down_event();
}

static void limits_session_timeout(void **state) {
  struct fixture f;
  const struct seen_event *down;

  memset(&accept_attributes, 0, sizeof(accept_attributes));
  accept_attributes.session_timeout_s = 1;
  accept_attributes.class_count = 1;
  accept_attributes.classes[0].len = 9;
  memcpy(accept_attributes.classes[0].data, "cls-alice", 9);
  start_server(&f);
  connect_peer(&f, 40600);
  ping_once(&f);

  down = wait_down(&f, 4);
  assert_int_equal(down->end_cause, L2TPSEC_SERVER_END_SESSION_TIMEOUT);
  assert_string_equal(down->acct_session_id, events[0].acct_session_id);
  assert_int_equal(down->packets_in, 1);
  assert_int_equal(down->packets_out, 1);
  assert_int_equal(down->bytes_in, 36); /* test_peer_ping: 20 + 8 + 8 */
  assert_true(down->uptime >= L2TPSEC_SECONDS);
  assert_true(down->uptime < 3 * L2TPSEC_SECONDS);
  assert_int_equal(down->class_count, 1);
  assert_string_equal(down->class0, "cls-alice");
  stop_server(&f);
}

/* Traffic every 0.5 s keeps a 1 s Idle-Timeout from firing; silence
 * then ends the session. */
static void limits_idle_timeout(void **state) {
  struct fixture f;
  const struct seen_event *down;

  memset(&accept_attributes, 0, sizeof(accept_attributes));
  accept_attributes.idle_timeout_s = 1;
  start_server(&f);
  connect_peer(&f, 40601);
  for (int i = 0; i < 5; i++) {
    ping_once(&f);
    pump_for(&f, NULL, 0.5);
  }
  assert_null(down_event());

  down = wait_down(&f, 4);
  assert_int_equal(down->end_cause, L2TPSEC_SERVER_END_IDLE_TIMEOUT);
  assert_int_equal(down->packets_in, 5);
  assert_true(down->uptime >= 3 * L2TPSEC_SECONDS);
  stop_server(&f);
}

static void limits_disconnect_selectors(void **state) {
  struct fixture f;
  l2tpsec_server_selector sel;
  const struct seen_event *down;
  uint8_t other[4] = {192, 0, 2, 99};

  memset(&accept_attributes, 0, sizeof(accept_attributes));
  start_server(&f);
  connect_peer(&f, 40602);

  memset(&sel, 0, sizeof(sel));
  assert_int_equal(
      l2tpsec_server_disconnect(f.server, &sel, L2TPSEC_SERVER_END_ADMIN_RESET),
      L2TPSEC_ERR_INVALID_ARGUMENT);
  sel.user = "bob";
  assert_int_equal(
      l2tpsec_server_disconnect(f.server, &sel, L2TPSEC_SERVER_END_ADMIN_RESET),
      0);
  sel.user = "alice";
  sel.acct_session_id = "0000000000000000";
  assert_int_equal(
      l2tpsec_server_disconnect(f.server, &sel, L2TPSEC_SERVER_END_ADMIN_RESET),
      0);
  sel.acct_session_id = events[0].acct_session_id;
  sel.has_address = true;
  memcpy(sel.address, other, 4);
  assert_int_equal(
      l2tpsec_server_disconnect(f.server, &sel, L2TPSEC_SERVER_END_ADMIN_RESET),
      0);
  memcpy(sel.address, f.peer.address4, 4);
  assert_int_equal(
      l2tpsec_server_disconnect(f.server, &sel, L2TPSEC_SERVER_END_ADMIN_RESET),
      1);

  down = wait_down(&f, 4);
  assert_int_equal(down->end_cause, L2TPSEC_SERVER_END_ADMIN_RESET);
  pump_for(&f, dead, 3);
  assert_true(f.peer.dead);
  stop_server(&f);
}

static void limits_client_close_is_user_request(void **state) {
  struct fixture f;
  const struct seen_event *down;

  memset(&accept_attributes, 0, sizeof(accept_attributes));
  start_server(&f);
  connect_peer(&f, 40603);
  assert_int_equal(l2tpsec_ppp_close(f.peer.ppp, l2tpsec__now()), 0);

  down = wait_down(&f, 4);
  assert_int_equal(down->end_cause, L2TPSEC_SERVER_END_USER_REQUEST);
  stop_server(&f);
}

/* Framed-Pool selects a named pool; a pool the server lacks gives no
 * address, so IPCP never opens. */
static void limits_named_pool_chosen(void **state) {
  struct fixture f;
  l2tpsec_server_stats st;

  memset(&accept_attributes, 0, sizeof(accept_attributes));
  snprintf(accept_attributes.pool, sizeof(accept_attributes.pool), "pool-b");
  start_server(&f);
  connect_peer(&f, 40604);
  assert_int_equal(f.peer.address4[3], 30);
  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.addresses_leased, 1);
  assert_int_equal(l2tpsec_ppp_close(f.peer.ppp, l2tpsec__now()), 0);
  wait_down(&f, 4);
  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.addresses_leased, 0);
  stop_server(&f);
}

static void limits_unknown_pool_no_address(void **state) {
  struct fixture f;

  memset(&accept_attributes, 0, sizeof(accept_attributes));
  snprintf(accept_attributes.pool, sizeof(accept_attributes.pool), "nope");
  start_server(&f);
  test_peer_open(&f.peer, "127.0.0.1", 40605, NATT_PORT, 1, 7, "secret");
  test_peer_add_to_server(&f.peer, f.server, 1);
  test_peer_connect(&f.peer);
  pump_for(&f, dead, 3);
  assert_false(f.peer.ipcp_up);
  assert_int_equal(event_count, 0);
  stop_server(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(limits_session_timeout),
      cmocka_unit_test(limits_idle_timeout),
      cmocka_unit_test(limits_disconnect_selectors),
      cmocka_unit_test(limits_client_close_is_user_request),
      cmocka_unit_test(limits_named_pool_chosen),
      cmocka_unit_test(limits_unknown_pool_no_address),
  };

  return cmocka_run_group_tests(tests, test_netns_enter, NULL);
}
