/*
 * The server's whole path against clients made of the library's layers:
 * ESP in UDP -> L2TP -> PPP -> authentication -> IPCP address from the
 * pool -> TUN -> the kernel answers a ping -> back to the client. SAs are
 * installed with fixed keys where IKE would negotiate them. Runs in a
 * network namespace of its own (needs root).
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
#include "uv/mtu.h"
#include "uv/server_internal.h"

#define NATT_PORT 4500

static const uint8_t server_inner[4] = {192, 0, 2, 1};
static int sessions_up, sessions_down;
static bool raw_esp = true;      /* for the next start_server */
static bool listen_ipv6 = false; /* also listen on ::1, endpoint 1 */

static void authenticate(void *user_data, const l2tpsec_auth_request *req) {
  l2tpsec_auth_result result = {0};

  result.accept = strcmp(req->user, "alice") == 0 &&
                  l2tpsec_auth_check_secret(req, (const uint8_t *)"secret", 6,
                                            result.auth_response) == 0;
  result.has_auth_response =
      result.accept && req->method == L2TPSEC_AUTH_MSCHAPV2;
  result.reason = L2TPSEC_AUTH_REASON_WRONG_PASSWORD;
  l2tpsec_auth_complete(req, &result, req->now);
}

static void on_event(void *user_data, const l2tpsec_server_event *ev) {
  if (ev->type == L2TPSEC_SERVER_SESSION_UP)
    sessions_up++;
  else
    sessions_down++;
}

static const l2tpsec_server_callbacks callbacks = {authenticate, NULL,
                                                   on_event};

static char log_text[16384];

static void on_log(void *user_data, enum l2tpsec_log_level level,
                   enum l2tpsec_log_category category, const char *message) {
  size_t used = strlen(log_text);

  snprintf(log_text + used, sizeof(log_text) - used, "%s\n", message);
}

struct fixture {
  uv_loop_t loop;
  l2tpsec_server *server;
};

static void start_server_with(struct fixture *f,
                              const l2tpsec_server_callbacks *cb,
                              void *user_data) {
  static const char *const listen_both[] = {"127.0.0.1", "::1"};
  l2tpsec_server_settings s;

  sessions_up = sessions_down = 0;
  uv_loop_init(&f->loop);
  test_peer_server_settings(&s, NATT_PORT, "e2epath0");
  if (listen_ipv6) {
    s.listen_addresses = listen_both;
    s.listen_address_count = 2;
  }
  s.raw_esp = raw_esp;
  /* Without raw ESP, fake_client_nat on auto would tell every client to
   * use UDP encapsulation, which the no-raw-ESP test must not get. */
  if (!raw_esp)
    s.fake_client_nat = L2TPSEC_SERVER_FAKE_NAT_OFF;
  s.log = (l2tpsec_log){on_log, NULL, L2TPSEC_LOG_INFO};
  log_text[0] = '\0';
  assert_int_equal(l2tpsec_server_new(&f->server, &f->loop, &s, cb, user_data),
                   0);
}

static void start_server(struct fixture *f) {
  start_server_with(f, &callbacks, NULL);
}

static void stop_server(struct fixture *f) {
  l2tpsec_server_del(f->server);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

/* Runs the server and the peers until `done` holds or 3 s pass. */
static void pump(struct fixture *f, struct test_peer **peers, int n,
                 bool (*done)(struct test_peer **peers, int n)) {
  uint64_t end = uv_hrtime() + 3 * L2TPSEC_SECONDS;

  while (!done(peers, n) && uv_hrtime() < end) {
    uv_run(&f->loop, UV_RUN_NOWAIT);
    for (int i = 0; i < n; i++)
      test_peer_poll(peers[i]);
    usleep(500);
  }
}

static bool all_ipcp_up(struct test_peer **peers, int n) {
  for (int i = 0; i < n; i++) {
    if (!peers[i]->ipcp_up)
      return false;
  }
  return true;
}

static bool all_replied(struct test_peer **peers, int n) {
  for (int i = 0; i < n; i++) {
    if (peers[i]->echo_replies == 0)
      return false;
  }
  return true;
}

static bool two_replies(struct test_peer **peers, int n) {
  return peers[0]->echo_replies >= 2;
}

static bool all_dead(struct test_peer **peers, int n) {
  for (int i = 0; i < n; i++) {
    if (!peers[i]->dead)
      return false;
  }
  return true;
}

static void path_carries_ping(void **state) {
  struct fixture f;
  struct test_peer a, *peers[] = {&a};
  l2tpsec_server_session_info info;
  l2tpsec_server_stats st;

  start_server(&f);
  test_peer_open(&a, "127.0.0.1", 40500, NATT_PORT, 1, 7, "secret");
  test_peer_add_to_server(&a, f.server, 1);
  test_peer_connect(&a);
  pump(&f, peers, 1, all_ipcp_up);
  assert_true(a.tunnel_up);
  assert_true(a.session_up);
  assert_true(a.ipcp_up);
  assert_int_equal(a.address4[0], 192);
  assert_int_equal(a.address4[3], 10);
  assert_int_equal(sessions_up, 1);

  assert_int_equal(test_peer_ping(&a, server_inner), 0);
  pump(&f, peers, 1, all_replied);
  assert_int_equal(a.echo_replies, 1);

  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.sessions, 1);
  assert_int_equal(st.addresses_leased, 1);
  assert_int_equal(st.connections, 1);
  assert_true(st.tun_sent >= 1);
  assert_int_equal(st.dropped_selector, 0);

  assert_int_equal(l2tpsec_server_sessions(f.server, &info, 1), 1);
  assert_string_equal(info.user, "alice");
  assert_string_equal(info.peer, "127.0.0.1:40500");
  assert_true(info.natt);
  assert_memory_equal(info.address, a.address4, 4);
  assert_int_equal(info.packets_in, 1);
  assert_int_equal(info.bytes_in, 36);
  assert_int_equal(info.packets_out, 1);
  assert_true(info.uptime > 0);

  test_peer_close(&a);
  stop_server(&f);
}

static void path_rejects_wrong_password(void **state) {
  struct fixture f;
  struct test_peer a, *peers[] = {&a};
  l2tpsec_server_stats st;

  start_server(&f);
  test_peer_open(&a, "127.0.0.1", 40501, NATT_PORT, 2, 7, "wrong");
  test_peer_add_to_server(&a, f.server, 2);
  test_peer_connect(&a);
  pump(&f, peers, 1, all_dead);
  assert_false(a.ipcp_up);
  assert_true(a.dead);
  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.addresses_leased, 0);
  assert_int_equal(sessions_up, 0);

  test_peer_close(&a);
  stop_server(&f);
}

/*
 * Two clients behind one NAT: same outer address, other ports, and the
 * same L2TP tunnel ids (one random seed). Each gets its own tunnel,
 * session and address; removing one leaves the other working.
 */
static void path_two_clients_one_nat(void **state) {
  struct fixture f;
  struct test_peer a, b, *both[] = {&a, &b}, *only_b[] = {&b};
  l2tpsec_server_stats st;
  uint64_t id_a;

  start_server(&f);
  test_peer_open(&a, "127.0.0.1", 40502, NATT_PORT, 3, 11, "secret");
  test_peer_open(&b, "127.0.0.1", 1024, NATT_PORT, 4, 11, "secret");
  id_a = test_peer_add_to_server(&a, f.server, 3);
  test_peer_add_to_server(&b, f.server, 4);
  test_peer_connect(&a);
  test_peer_connect(&b);
  assert_int_equal(a.tunnel_id, b.tunnel_id);
  pump(&f, both, 2, all_ipcp_up);
  assert_true(a.ipcp_up);
  assert_true(b.ipcp_up);
  assert_memory_not_equal(a.address4, b.address4, 4);
  assert_int_equal(test_peer_ping(&a, server_inner), 0);
  assert_int_equal(test_peer_ping(&b, server_inner), 0);
  pump(&f, both, 2, all_replied);
  assert_int_equal(a.echo_replies, 1);
  assert_int_equal(b.echo_replies, 1);

  assert_int_equal(l2tpsec__server_remove_conn(f.server, id_a), 0);
  assert_int_equal(l2tpsec__server_remove_conn(f.server, id_a),
                   L2TPSEC_ERR_NOT_FOUND);
  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.sessions, 1);
  assert_int_equal(st.addresses_leased, 1);
  assert_int_equal(sessions_down, 1);
  b.echo_replies = 0;
  assert_int_equal(test_peer_ping(&b, server_inner), 0);
  pump(&f, only_b, 1, all_replied);
  assert_int_equal(b.echo_replies, 1);

  test_peer_close(&a);
  test_peer_close(&b);
  stop_server(&f);
}

/* L2TP inside ESP to another UDP port, or ESP from another address than
 * the SA's, is dropped and counted. */
static void path_checks_selectors(void **state) {
  static const uint8_t zlb[12] = {0xc8, 0x02, 0, 12};
  struct fixture f;
  struct test_peer a, stranger;
  l2tpsec_server_stats st;

  start_server(&f);
  test_peer_open(&a, "127.0.0.1", 40503, NATT_PORT, 5, 7, "secret");
  test_peer_open(&stranger, "127.0.0.2", 40503, NATT_PORT, 5, 7, "secret");
  test_peer_add_to_server(&a, f.server, 5);

  /* The stranger copied a's keys, so its first packet repeats a's
   * sequence number 1 and fails the anti-replay check instead. */
  test_peer_send_l2tp(&a, 1702, zlb, sizeof(zlb));
  test_peer_send_l2tp(&stranger, 1701, zlb, sizeof(zlb));
  test_peer_send_l2tp(&stranger, 1701, zlb, sizeof(zlb));
  for (int i = 0; i < 50; i++) {
    uv_run(&f.loop, UV_RUN_NOWAIT);
    usleep(1000);
  }
  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.esp_received, 3);
  assert_int_equal(st.dropped_esp, 1);
  assert_int_equal(st.esp_replayed, 1);
  assert_int_equal(st.esp_integrity, 0);
  assert_int_equal(st.dropped_selector, 2);

  test_peer_close(&a);
  test_peer_close(&stranger);
  stop_server(&f);
}

/* ---- TOTP through l2tpsec_local_auth, for every PPP method ---- */

#define TOTP_TIME 1700000000 /* a fixed Unix time for the authenticator */

static const uint8_t totp_key[20] = "12345678901234567890"; /* RFC 6238 */

static int64_t fixed_time(void *user_data) {
  return TOTP_TIME;
}

static l2tpsec_local_auth *open_local_auth(void) {
  l2tpsec_local_auth_settings s;
  l2tpsec_local_auth *auth;

  l2tpsec_local_auth_settings_default(&s);
  s.require_code = true;
  s.unix_time = fixed_time;
  assert_int_equal(l2tpsec_local_auth_new(&auth, &s), 0);
  assert_int_equal(l2tpsec_local_auth_add_user(auth, "alice", "secret",
                                               totp_key, sizeof(totp_key),
                                               NULL),
                   0);
  return auth;
}

/* Connects one peer with `password` and `method`; returns IPCP state. */
static bool connect_with(struct fixture *f, int index, uint16_t port,
                         const char *password,
                         enum l2tpsec_auth_method method) {
  struct test_peer p, *peers[] = {&p};
  bool up;

  test_peer_open(&p, "127.0.0.1", port, NATT_PORT, index, 7 + index, password);
  p.method = method;
  test_peer_add_to_server(&p, f->server, index);
  test_peer_connect(&p);
  pump(f, peers, 1, all_ipcp_up);
  if (!p.ipcp_up)
    pump(f, peers, 1, all_dead);
  up = p.ipcp_up;
  test_peer_close(&p);
  return up;
}

static void path_totp_every_method(void **state) {
  static const enum l2tpsec_auth_method methods[] = {
      L2TPSEC_AUTH_PAP, L2TPSEC_AUTH_CHAP_MD5, L2TPSEC_AUTH_MSCHAPV2};
  char code[9], password[32];
  struct fixture f;

  for (int i = 0; i < 3; i++) {
    l2tpsec_local_auth *auth = open_local_auth();
    const l2tpsec_server_callbacks cb = {l2tpsec_local_auth_request, NULL,
                                         on_event};

    start_server_with(&f, &cb, auth);
    assert_int_equal(l2tpsec_totp_code(L2TPSEC_TOTP_SHA1, totp_key,
                                       sizeof(totp_key), TOTP_TIME, 30, 6,
                                       code),
                     0);
    snprintf(password, sizeof(password), "secret%s", code);
    assert_true(
        connect_with(&f, 10 + i, (uint16_t)(40600 + i), password, methods[i]));
    assert_non_null(strstr(log_text, "user 'alice' authenticated with"));
    stop_server(&f);
    l2tpsec_local_auth_del(auth);
  }
}

static void path_totp_failures_logged(void **state) {
  const l2tpsec_server_callbacks cb = {l2tpsec_local_auth_request, NULL,
                                       on_event};
  l2tpsec_local_auth *auth = open_local_auth();
  char code[9], password[32], wrong[32];
  struct fixture f;

  start_server_with(&f, &cb, auth);
  assert_int_equal(l2tpsec_totp_code(L2TPSEC_TOTP_SHA1, totp_key,
                                     sizeof(totp_key), TOTP_TIME, 30, 6, code),
                   0);
  snprintf(password, sizeof(password), "secret%s", code);
  snprintf(wrong, sizeof(wrong), "secret%06d", (atoi(code) + 1) % 1000000);

  assert_false(connect_with(&f, 20, 40620, wrong, L2TPSEC_AUTH_PAP));
  assert_non_null(
      strstr(log_text, "user 'alice' rejected with PAP: wrong code"));

  assert_false(connect_with(&f, 21, 40621, "wrong123456", L2TPSEC_AUTH_PAP));
  assert_non_null(
      strstr(log_text, "user 'alice' rejected with PAP: wrong password"));

  assert_true(connect_with(&f, 22, 40622, password, L2TPSEC_AUTH_PAP));
  assert_false(connect_with(&f, 23, 40623, password, L2TPSEC_AUTH_PAP));
  if (strstr(log_text, "rejected with PAP: code already used") == NULL)
    fprintf(stderr, "server log:\n%s", log_text);
  assert_non_null(strstr(log_text, "rejected with PAP: code already used"));

  stop_server(&f);
  l2tpsec_local_auth_del(auth);
}

/*
 * Connect and tear down 1,000 times: every SA, tunnel, session, address
 * and timer must be released each time (ASan's leak check covers the
 * memory; the counters cover the tables and the pool).
 */
static void path_cycles_release_everything(void **state) {
  struct fixture f;
  l2tpsec_server_stats st;
  int cycles = 1000;

  start_server(&f);
  for (int i = 0; i < cycles; i++) {
    struct test_peer p, *peers[] = {&p};
    uint64_t id;

    test_peer_open(&p, "127.0.0.1", 41000, NATT_PORT, 30, 100 + (uint64_t)i,
                   "secret");
    id = test_peer_add_to_server(&p, f.server, 30);
    test_peer_connect(&p);
    pump(&f, peers, 1, all_ipcp_up);
    assert_true(p.ipcp_up);
    assert_int_equal(l2tpsec__server_remove_conn(f.server, id), 0);
    test_peer_close(&p);

    l2tpsec_server_stats_get(f.server, &st);
    assert_int_equal(st.sessions, 0);
    assert_int_equal(st.addresses_leased, 0);
    assert_int_equal(st.connections, 0);
  }
  assert_int_equal(sessions_up, cycles);
  assert_int_equal(sessions_down, cycles);
  assert_int_equal(l2tpsec_server_sessions(f.server, NULL, 0), 0);
  stop_server(&f);
}

/* Does what the ESP table does at a hard expiry: the SA event clears the
 * connection's slot, then the table deletes the SA. */
static void expire_pair(l2tpsec_server *server, l2tpsec__conn *conn,
                        size_t index) {
  l2tpsec_esp_sa *sas[2] = {conn->in[index], conn->out[index]};

  conn->in[index] = conn->out[index] = NULL;
  for (int i = 0; i < 2; i++) {
    assert_int_equal(l2tpsec_esp_table_remove(server->esp, sas[i]), 0);
    l2tpsec_esp_sa_del(sas[i]);
  }
}

/*
 * A long session with short lifetimes: each new pair comes after the
 * oldest one hard-expired, as strongSwan rekeys with 60 s lifetimes. The
 * expired pairs' slots must be reused, or the fifth pair is rejected.
 */
static void path_rekeys_reuse_expired_slots(void **state) {
  struct fixture f;
  struct test_peer p;
  l2tpsec__conn *conn;
  uint64_t id;

  start_server(&f);
  test_peer_open(&p, "127.0.0.1", 41000, NATT_PORT, 40, 7, "secret");
  id = test_peer_add_to_server(&p, f.server, 40);
  conn = l2tpsec__keymap_get(&f.server->conns, id);
  assert_non_null(conn);

  for (int i = 1; i <= 2 * L2TPSEC__CONN_MAX_PAIRS; i++) {
    l2tpsec_esp_sa_settings in, out;

    expire_pair(f.server, conn, 0);
    test_peer_sa_settings(40 + i, &in, &out);
    assert_int_equal(l2tpsec__server_add_pair(f.server, conn, &in, &out), 0);
    assert_int_equal(conn->pair_count, 1);
    assert_non_null(conn->in[0]);
    assert_non_null(conn->out[0]);
  }

  assert_int_equal(l2tpsec__server_remove_conn(f.server, id), 0);
  test_peer_close(&p);
  stop_server(&f);
}

static bool any_tunnel_up(struct test_peer **peers, int n) {
  return peers[0]->tunnel_up;
}

/*
 * The inbound half of a pair, as IKE installs it when it sends QM2: the
 * client's SCCRQ decrypts and reaches L2TP, but the SCCRP waits for the
 * outbound half. Once QM3 brings that, the tunnel, the session and a
 * ping go through. finish_pair rejects an SPI that has no inbound half
 * waiting.
 */
static void path_inbound_half_first(void **state) {
  struct fixture f;
  struct test_peer a, *peers[] = {&a};
  l2tpsec_esp_sa_settings in, out;
  l2tpsec_server_stats st;
  uint64_t id;

  start_server(&f);
  test_peer_open(&a, "127.0.0.1", 40500, NATT_PORT, 1, 7, "secret");
  test_peer_sa_settings(1, &in, &out);
  assert_int_equal(
      l2tpsec__server_add_conn(f.server, 0, (struct sockaddr *)&a.address,
                               true, &in, NULL, &id),
      0);
  test_peer_connect(&a);
  pump(&f, peers, 1, any_tunnel_up);
  l2tpsec_server_stats_get(f.server, &st);
  assert_false(a.tunnel_up);
  assert_true(st.esp_received >= 1);
  assert_int_equal(st.dropped_esp, 0);

  assert_int_equal(l2tpsec__server_finish_pair(f.server, 0x4242, &out, false),
                   L2TPSEC_ERR_NOT_FOUND);
  assert_int_equal(l2tpsec__server_finish_pair(f.server, in.spi, &out, false),
                   0);
  assert_int_equal(l2tpsec__server_finish_pair(f.server, in.spi, &out, false),
                   L2TPSEC_ERR_NOT_FOUND);
  pump(&f, peers, 1, all_ipcp_up);
  assert_true(a.ipcp_up);
  assert_int_equal(test_peer_ping(&a, server_inner), 0);
  pump(&f, peers, 1, all_replied);
  assert_int_equal(a.echo_replies, 1);

  assert_int_equal(l2tpsec__server_remove_conn(f.server, id), 0);
  test_peer_close(&a);
  stop_server(&f);
}

/*
 * Starts the server and a fixed-key peer with pair 1, brings PPP up, then
 * adds pair 2 as a rekey the server started would: its outbound half is
 * held back. Returns the peer's connection and stores its id in *id.
 */
static l2tpsec__conn *start_with_held_pair(struct fixture *f,
                                           struct test_peer *a, uint64_t *id) {
  struct test_peer *peers[] = {a};
  l2tpsec_esp_sa_settings in, out;
  l2tpsec__conn *conn;

  start_server(f);
  test_peer_open(a, "127.0.0.1", 40500, NATT_PORT, 1, 7, "secret");
  *id = test_peer_add_to_server(a, f->server, 1);
  conn = l2tpsec__keymap_get(&f->server->conns, *id);
  test_peer_connect(a);
  pump(f, peers, 1, all_ipcp_up);
  assert_true(a->ipcp_up);

  test_peer_sa_settings(2, &in, &out);
  assert_int_equal(l2tpsec__server_add_pair_held(f->server, conn, &in, &out),
                   0);
  return conn;
}

/*
 * A rekey the server started. The new pair's outbound half stays held
 * back while the client has not installed the pair, so replies keep
 * coming under the old SA. It goes into use with the client's first
 * packet on the new pair.
 * back while the client has not installed the pair, so replies keep
 * coming under the old SA, and goes into use with the client's first
 * packet on the new pair.
 */
static void path_held_outbound_after_rekey(void **state) {
  struct fixture f;
  struct test_peer a, *peers[] = {&a};
  l2tpsec__conn *conn;
  uint64_t id;

  conn = start_with_held_pair(&f, &a, &id);
  assert_int_equal(conn->pair_count, 2);
  assert_null(conn->out[1]);
  assert_int_equal(conn->held_count, 1);
  assert_int_equal(test_peer_ping(&a, server_inner), 0);
  pump(&f, peers, 1, all_replied);
  assert_int_equal(a.echo_replies, 1);
  assert_null(conn->out[1]);

  test_peer_switch_sas(&a, 2);
  assert_int_equal(test_peer_ping(&a, server_inner), 0);
  pump(&f, peers, 1, two_replies);
  assert_int_equal(a.echo_replies, 2);
  assert_non_null(conn->out[1]);
  assert_int_equal(conn->held_count, 0);
  assert_non_null(strstr(log_text, "now in use (the client sent on its pair)"));

  assert_int_equal(l2tpsec__server_remove_conn(f.server, id), 0);
  test_peer_close(&a);
  stop_server(&f);
}

/*
 * A held outbound half goes into use when the older pair is deleted
 * before the client sent on the new one: the StopCCN of the server's
 * teardown reaches the client under the new pair.
 */
static void path_held_outbound_alone(void **state) {
  struct fixture f;
  struct test_peer a, *peers[] = {&a};
  l2tpsec_esp_sa_settings old_in, old_out;
  l2tpsec__conn *conn;
  uint64_t id;

  conn = start_with_held_pair(&f, &a, &id);
  test_peer_sa_settings(1, &old_in, &old_out);
  assert_int_equal(l2tpsec__server_remove_pair(f.server, old_in.spi), 0);
  assert_int_equal(conn->pair_count, 1);
  test_peer_switch_sas(&a, 2);
  l2tpsec_esp_sa_del(a.in_old);
  a.in_old = NULL;

  assert_int_equal(l2tpsec__server_remove_conn(f.server, id), 0);
  pump(&f, peers, 1, all_dead);
  assert_true(a.dead);
  assert_non_null(strstr(log_text, "now in use (no older outbound SA is left)"));
  test_peer_close(&a);
  stop_server(&f);
}

/*
 * IKE main mode and quick mode with the PSK, then ESP as raw IP protocol
 * 50 (no NAT between 127.0.0.2 and 127.0.0.1), L2TP, PPP and a ping.
 */
static void path_ike_psk_to_ping(void **state) {
  struct fixture f;
  struct test_peer a, *peers[] = {&a};
  l2tpsec_server_stats st;

  start_server(&f);
  test_peer_open_ike(&a, "127.0.0.2", 5, "unused until IKE", "secret");
  pump(&f, peers, 1, all_ipcp_up);
  if (!a.ipcp_up)
    fprintf(stderr, "server log:\n%s", log_text);
  assert_true(a.child_up);
  assert_true(a.ipcp_up);
  assert_int_equal(test_peer_ping(&a, server_inner), 0);
  pump(&f, peers, 1, all_replied);
  assert_int_equal(a.echo_replies, 1);
  assert_non_null(strstr(log_text, "installed"));

  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.connections, 1);
  assert_int_equal(st.sessions, 1);
  test_peer_close(&a);
  stop_server(&f);
}

/*
 * An ESP lifetime of 6 s: the client and the server rekey the pair every
 * 3 to 4.5 s through the server's ESP table and connection, and a ping
 * every 250 ms for 14 s gets every reply. Loopback has no packets in
 * flight during a switch, so the in-memory IKE tests cover those.
 */
static void path_ike_rekey_keeps_ping(void **state) {
  struct fixture f;
  struct test_peer a, *peers[] = {&a};
  int sent = 0;

  start_server(&f);
  test_peer_open_ike_lifetime(&a, "127.0.0.2", 6, "unused until IKE", "secret",
                              6);
  pump(&f, peers, 1, all_ipcp_up);
  assert_true(a.ipcp_up);

  uint64_t end = uv_hrtime() + 14 * L2TPSEC_SECONDS;
  uint64_t next_ping = 0;
  while (uv_hrtime() < end) {
    if (uv_hrtime() >= next_ping) {
      assert_int_equal(test_peer_ping(&a, server_inner), 0);
      sent++;
      next_ping = uv_hrtime() + L2TPSEC_SECONDS / 4;
    }
    uv_run(&f.loop, UV_RUN_NOWAIT);
    test_peer_poll(&a);
    usleep(500);
  }
  for (int i = 0; i < 400 && a.echo_replies < sent; i++) {
    uv_run(&f.loop, UV_RUN_NOWAIT);
    test_peer_poll(&a);
    usleep(500);
  }

  if (a.echo_replies != sent)
    fprintf(stderr, "server log:\n%s", log_text);
  assert_true(a.child_sas >= 4);
  assert_int_equal(a.echo_replies, sent);
  assert_false(a.dead);
  test_peer_close(&a);
  stop_server(&f);
}

static void path_ike_wrong_psk_logged(void **state) {
  struct fixture f;
  struct test_peer a, *peers[] = {&a};

  start_server(&f);
  test_peer_open_ike(&a, "127.0.0.2", 6, "not the server's key", "secret");
  pump(&f, peers, 1, all_ipcp_up);
  assert_false(a.child_up);
  assert_non_null(strstr(log_text, "a wrong pre-shared key looks like this"));
  test_peer_close(&a);
  stop_server(&f);
}

/*
 * A client that fails its password again and again from one address and
 * port never deletes its SAs, so each attempt leaves an SA pair on the
 * same connection. Once the connection's slots are full, the oldest pair
 * must make room, or every later login from there hangs after IKE.
 */
static void path_failed_logins_leave_room(void **state) {
  struct fixture f;
  struct test_peer good, *good_peers[] = {&good};
  l2tpsec_server_stats st;

  start_server(&f);
  for (int i = 0; i < L2TPSEC__CONN_MAX_PAIRS + 2; i++) {
    struct test_peer p, *peers[] = {&p};

    log_text[0] = '\0';
    test_peer_open_ike(&p, "127.0.0.2", 20 + (uint64_t)i, "unused until IKE",
                       "wrong");
    pump(&f, peers, 1, all_dead);
    if (!p.dead)
      fprintf(stderr, "attempt %d, server log:\n%s", i + 1, log_text);
    assert_true(p.child_up);
    assert_true(p.dead);
    assert_false(p.ipcp_up);
    if (i >= L2TPSEC__CONN_MAX_PAIRS)
      assert_non_null(strstr(log_text, "deleting the oldest"));
    test_peer_close(&p);
  }

  test_peer_open_ike(&good, "127.0.0.2", 40, "unused until IKE", "secret");
  pump(&f, good_peers, 1, all_ipcp_up);
  assert_true(good.ipcp_up);
  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.connections, 1);
  assert_int_equal(st.sessions, 1);
  test_peer_close(&good);
  stop_server(&f);
}

/*
 * The client deletes its ESP SAs and IKE SA. The server must free the
 * tunnel and session at once and send no StopCCN, because no SA could
 * carry it. L2TP would otherwise resend one for about 23 s.
 */
static void path_ike_delete_frees_tunnel(void **state) {
  struct fixture f;
  struct test_peer a, *peers[] = {&a};
  l2tpsec_l2tp_stats before, after;
  l2tpsec_server_stats st;

  start_server(&f);
  test_peer_open_ike(&a, "127.0.0.2", 50, "unused until IKE", "secret");
  pump(&f, peers, 1, all_ipcp_up);
  assert_true(a.ipcp_up);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(f.server->l2tp), 1);
  l2tpsec_l2tp_get_stats(f.server->l2tp, &before);

  assert_int_equal(l2tpsec_ike_close(a.ike, a.ike_sa_id, l2tpsec__now()), 0);
  for (int i = 0; i < 200 && l2tpsec_server_sessions(f.server, NULL, 0) > 0;
       i++) {
    uv_run(&f.loop, UV_RUN_NOWAIT);
    usleep(1000);
  }
  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.connections, 0);
  assert_int_equal(st.sessions, 0);
  assert_int_equal(st.addresses_leased, 0);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(f.server->l2tp), 0);
  assert_int_equal(l2tpsec_l2tp_session_count(f.server->l2tp), 0);
  l2tpsec_l2tp_get_stats(f.server->l2tp, &after);
  assert_int_equal(after.tx_control, before.tx_control);
  assert_int_equal(after.tx_retransmits, before.tx_retransmits);
  assert_non_null(strstr(log_text, "without sending StopCCN"));
  assert_int_equal(sessions_down, 1);

  test_peer_close(&a);
  stop_server(&f);
}

/*
 * Without raw ESP and with fake_client_nat off, a client that sees no NAT
 * sends ESP that the server cannot receive. The start and the new SA
 * pair must say so, naming the address and the client, instead of
 * stalling without a word.
 */
static void path_no_raw_esp_warns(void **state) {
  struct fixture f;
  struct test_peer a, *peers[] = {&a};

  raw_esp = false;
  start_server(&f);
  raw_esp = true;
  assert_non_null(strstr(log_text, "no raw ESP socket on 127.0.0.1"));

  test_peer_open_ike(&a, "127.0.0.2", 60, "unused until IKE", "secret");
  pump(&f, peers, 1, all_ipcp_up);
  assert_true(a.child_up);
  assert_false(a.ipcp_up);
  assert_non_null(strstr(log_text, "with 127.0.0.2:500 uses plain ESP"));
  test_peer_close(&a);
  stop_server(&f);
}

/* An SCCRQ with its Assigned Tunnel ID 7, as an L2TP LAC sends it. */
static const uint8_t sccrq[57] = {
    0xc8, 0x02, 0x00, 57,   0, 0, 0,   0,   0,   0,
    0,    0,    0x80, 0x08, 0, 0, 0,   0,   0,   1, /* Message Type SCCRQ */
    0x80, 0x08, 0,    0,    0, 2, 1,   0,           /* Protocol Version */
    0x80, 0x0a, 0,    0,    0, 3, 0,   0,   0,   3, /* Framing */
    0x80, 0x0b, 0,    0,    0, 7, 'p', 'e', 'e', 'r',
    '6',  0x80, 0x08, 0,    0, 0, 9,   0,   7, /* Assigned Tunnel ID */
};

/* Sends the SCCRQ to [::1]:4500 as UDP to port 1701 inside ESP in UDP. */
static void send_sccrq6(int fd, l2tpsec_esp_sa *out) {
  uint8_t storage[512], udp[8 + sizeof(sccrq)] = {0};
  l2tpsec_pkt pkt;

  udp[0] = udp[2] = 1701 >> 8;
  udp[1] = udp[3] = 1701 & 0xff;
  udp[5] = sizeof(udp);
  memcpy(udp + 8, sccrq, sizeof(sccrq));
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
  memcpy(l2tpsec_pkt_put(&pkt, sizeof(udp)), udp, sizeof(udp));
  assert_int_equal(l2tpsec_esp_encrypt(out, &pkt, 17, l2tpsec__now()), 0);
  assert_int_equal(send(fd, pkt.data, pkt.len, 0), (ssize_t)pkt.len);
}

/*
 * Over IPv6 the inner UDP datagram must carry a checksum (RFC 8200
 * section 8.1); it used to be 0. A client on [::1] sends an SCCRQ inside
 * ESP, and the SCCRP's UDP checksum must verify over the outer addresses.
 */
static void path_ipv6_udp_checksum(void **state) {
  struct sockaddr_in6 self = {.sin6_family = AF_INET6,
                              .sin6_port = htons(40700),
                              .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  struct sockaddr_in6 server = self;
  struct fixture f;
  l2tpsec_esp_sa_settings in, out;
  l2tpsec_esp_sa *client_in, *client_out;
  uint8_t header[40] = {0x60}, storage[2048];
  l2tpsec_pkt pkt;
  uint8_t next_header = 0;
  uint64_t id;
  ssize_t n = -1;
  int fd;

  listen_ipv6 = true;
  start_server(&f);
  listen_ipv6 = false;
  fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&self, sizeof(self)), 0);
  server.sin6_port = htons(NATT_PORT);
  assert_int_equal(connect(fd, (struct sockaddr *)&server, sizeof(server)), 0);

  test_peer_sa_settings(70, &in, &out);
  in.family = out.family = L2TPSEC_ESP_IPV6;
  assert_int_equal(l2tpsec__server_add_conn(f.server, 1,
                                            (struct sockaddr *)&self, true, &in,
                                            &out, &id),
                   0);
  in.direction = L2TPSEC_ESP_OUTBOUND;
  out.direction = L2TPSEC_ESP_INBOUND;
  assert_int_equal(l2tpsec_esp_sa_new(&client_out, &in, NULL, NULL), 0);
  assert_int_equal(l2tpsec_esp_sa_new(&client_in, &out, NULL, NULL), 0);

  send_sccrq6(fd, client_out);
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 64);
  for (int i = 0; i < 2000 && n <= 0; i++) {
    uv_run(&f.loop, UV_RUN_NOWAIT);
    n = recv(fd, pkt.data, 1800, 0);
    usleep(500);
  }
  assert_true(n > 0);
  pkt.len = (size_t)n;
  assert_int_equal(
      l2tpsec_esp_decrypt(client_in, &pkt, l2tpsec__now(), &next_header), 0);
  assert_int_equal(next_header, 17);
  assert_true(pkt.len > 8);

  /* Non-zero, and the receiver's sum over it comes out 0. */
  assert_true(pkt.data[6] != 0 || pkt.data[7] != 0);
  header[23] = 1; /* source ::1 */
  header[39] = 1; /* destination ::1 */
  assert_int_equal(l2tpsec__inet_checksum(
                       pkt.data, pkt.len,
                       l2tpsec__pseudo_header_sum(header, 6, 17, pkt.len)),
                   0);

  l2tpsec_esp_sa_del(client_in);
  l2tpsec_esp_sa_del(client_out);
  close(fd);
  stop_server(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(path_carries_ping),
      cmocka_unit_test(path_rejects_wrong_password),
      cmocka_unit_test(path_two_clients_one_nat),
      cmocka_unit_test(path_checks_selectors),
      cmocka_unit_test(path_totp_every_method),
      cmocka_unit_test(path_totp_failures_logged),
      cmocka_unit_test(path_ike_psk_to_ping),
      cmocka_unit_test(path_ike_rekey_keeps_ping),
      cmocka_unit_test(path_ike_wrong_psk_logged),
      cmocka_unit_test(path_cycles_release_everything),
      cmocka_unit_test(path_rekeys_reuse_expired_slots),
      cmocka_unit_test(path_inbound_half_first),
      cmocka_unit_test(path_held_outbound_after_rekey),
      cmocka_unit_test(path_held_outbound_alone),
      cmocka_unit_test(path_failed_logins_leave_room),
      cmocka_unit_test(path_ike_delete_frees_tunnel),
      cmocka_unit_test(path_no_raw_esp_warns),
      cmocka_unit_test(path_ipv6_udp_checksum),
  };

  return cmocka_run_group_tests(tests, test_netns_enter, NULL);
}
