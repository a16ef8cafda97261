/*
 * The server object against the real kernel, in a network namespace of
 * the test's own: sockets, TUN configuration from the pool, refusal of
 * plain L2TP, counters, and a clean tear-down.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "l2tpsec/errors.h"
#include "l2tpsec/server.h"
#include "test_netns.h"

static char log_text[4096];

static void on_log(void *user_data, enum l2tpsec_log_level level,
                   enum l2tpsec_log_category category, const char *message) {
  size_t used = strlen(log_text);

  snprintf(log_text + used, sizeof(log_text) - used, "%s\n", message);
}

/* Accepts alice/secret, the only user these tests know. */
static void authenticate(void *user_data, const l2tpsec_auth_request *req) {
  l2tpsec_auth_result result = {0};
  uint8_t *auth_response = result.auth_response;

  result.accept = strcmp(req->user, "alice") == 0 &&
                  l2tpsec_auth_check_secret(req, (const uint8_t *)"secret", 6,
                                            auth_response) == 0;
  result.has_auth_response =
      result.accept && req->method == L2TPSEC_AUTH_MSCHAPV2;
  result.reason = L2TPSEC_AUTH_REASON_WRONG_PASSWORD;
  l2tpsec_auth_complete(req, &result, req->now);
}

static const l2tpsec_server_callbacks callbacks = {authenticate, NULL, NULL};

static const char *const listen_v4[] = {"127.0.0.1"};
static const char *const ranges[] = {"192.0.2.10-192.0.2.20", "192.0.2.100"};

static void fill_settings(l2tpsec_server_settings *s) {
  l2tpsec_server_settings_default(s);
  s->listen_addresses = listen_v4;
  s->listen_address_count = 1;
  s->psk = (const uint8_t *)"a test key";
  s->psk_len = 10;
  s->pool_ranges = ranges;
  s->pool_range_count = 2;
  s->local_address = "192.0.2.1";
  s->dns[0] = "192.0.2.53";
  s->tun_name = "e2esrv0";
  s->log = (l2tpsec_log){on_log, NULL, L2TPSEC_LOG_DEBUG};
}

static void pump(uv_loop_t *loop, int ms) {
  for (int i = 0; i < ms; i++) {
    uv_run(loop, UV_RUN_NOWAIT);
    usleep(1000);
  }
}

static int connected_udp(const char *addr, uint16_t port) {
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
  int fd = socket(AF_INET, SOCK_DGRAM, 0);

  inet_pton(AF_INET, addr, &sin.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
  return fd;
}

static int tun_has_address(const char *name, const char *addr,
                           const char *mask) {
  struct ifaddrs *list, *ifa;
  int found = 0;

  assert_int_equal(getifaddrs(&list), 0);
  for (ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
    char a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN];

    if (strcmp(ifa->ifa_name, name) != 0 || ifa->ifa_addr == NULL ||
        ifa->ifa_addr->sa_family != AF_INET)
      continue;
    inet_ntop(AF_INET, &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr, a,
              sizeof(a));
    inet_ntop(AF_INET, &((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr, m,
              sizeof(m));
    found |= strcmp(a, addr) == 0 && strcmp(m, mask) == 0;
  }
  freeifaddrs(list);
  return found;
}

static void server_configures_tun_from_pool(void **state) {
  l2tpsec_server_settings s;
  l2tpsec_server *server;
  l2tpsec_server_stats stats;
  uv_loop_t loop;
  int fd;

  uv_loop_init(&loop);
  log_text[0] = '\0';
  fill_settings(&s);
  assert_int_equal(l2tpsec_server_new(&server, &loop, &s, &callbacks, NULL), 0);
  assert_string_equal(l2tpsec_server_tun_name(server), "e2esrv0");
  /* 192.0.2.1 to 192.0.2.100 share the first 25 bits. */
  assert_true(tun_has_address("e2esrv0", "192.0.2.1", "255.255.255.128"));
  assert_non_null(strstr(log_text, "server started: IKE on port 500"));

  /* The kernel routes a pool address into the TUN device. */
  fd = connected_udp("192.0.2.15", 9);
  assert_int_equal(send(fd, "x", 1, 0), 1);
  close(fd);
  fd = connected_udp("127.0.0.1", 500);
  assert_int_equal(send(fd, "ike", 3, 0), 3);
  close(fd);
  pump(&loop, 50);

  l2tpsec_server_stats_get(server, &stats);
  assert_int_equal(stats.ike_received, 1);
  assert_true(stats.tun_received >= 1);
  assert_true(stats.dropped_no_session >= 1);
  assert_int_equal(stats.addresses_leased, 0);

  l2tpsec_server_del(server);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(if_nametoindex("e2esrv0"), 0);
}

/* Plain UDP/1701 gets ICMP port unreachable unless a setting allows it. */
static void server_refuses_plain_l2tp(void **state) {
  l2tpsec_server_settings s;
  l2tpsec_server *server;
  l2tpsec_server_stats stats;
  uv_loop_t loop;
  char buf[8];
  int fd;

  uv_loop_init(&loop);
  fill_settings(&s);
  assert_int_equal(l2tpsec_server_new(&server, &loop, &s, &callbacks, NULL), 0);
  fd = connected_udp("127.0.0.1", 1701);
  assert_int_equal(send(fd, "\xc8\x02", 2, 0), 2);
  pump(&loop, 20);
  assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
  assert_int_equal(errno, ECONNREFUSED);
  close(fd);
  l2tpsec_server_del(server);
  uv_run(&loop, UV_RUN_DEFAULT);

  s.allow_plain_l2tp = true;
  assert_int_equal(l2tpsec_server_new(&server, &loop, &s, &callbacks, NULL), 0);
  fd = connected_udp("127.0.0.1", 1701);
  assert_int_equal(send(fd, "\xc8\x02", 2, 0), 2);
  pump(&loop, 20);
  assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
  assert_int_equal(errno, EAGAIN);
  l2tpsec_server_stats_get(server, &stats);
  assert_int_equal(stats.plain_l2tp_received, 1);
  close(fd);
  l2tpsec_server_del(server);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/*
 * Sends a datagram and returns the last one that came back within 200 ms.
 * Earlier datagrams are dropped: on a loaded machine the server may resend
 * its previous message (an SCCRP after 1 s) before it reads ours.
 */
static ssize_t exchange(uv_loop_t *loop, int fd, const uint8_t *msg,
                        size_t len, uint8_t *reply, size_t cap) {
  ssize_t last = -1;
  ssize_t n;

  while (recv(fd, reply, cap, MSG_DONTWAIT) >= 0)
    continue;

  assert_int_equal(send(fd, msg, len, 0), (ssize_t)len);
  pump(loop, 200);

  while ((n = recv(fd, reply, cap, MSG_DONTWAIT)) >= 0)
    last = n;
  return last;
}

/* Value of a 2-byte AVP in an L2TP control message, or 0. */
static uint16_t avp16_value(const uint8_t *msg, size_t len, uint16_t attr) {
  size_t off = 12;

  while (off + 6 <= len) {
    size_t avp_len = ((msg[off] & 3) << 8) | msg[off + 1];

    if (avp_len < 6 || off + avp_len > len)
      return 0;
    if (msg[off + 5] == attr && avp_len == 8)
      return (uint16_t)(msg[off + 6] << 8 | msg[off + 7]);
    off += avp_len;
  }
  return 0;
}

/* A plain-UDP peer's SCCRQ, asking for a tunnel with its tunnel id 9. */
static const uint8_t sccrq[] = {
    0xc8, 2, 0, 57, 0, 0, 0, 0, 0, 0, 0, 0,
    0x80, 8, 0, 0, 0, 0, 0, 1,                     /* SCCRQ */
    0x80, 8, 0, 0, 0, 2, 1, 0,                     /* protocol 1.0 */
    0x80, 10, 0, 0, 0, 3, 0, 0, 0, 3,              /* framing */
    0x80, 11, 0, 0, 0, 7, 'p', 'l', 'a', 'i', 'n', /* host name */
    0x80, 8, 0, 0, 0, 9, 0, 9};                    /* our tunnel 9 */

/* A plain-UDP peer's StopCCN is acknowledged with a ZLB, and so is its
 * retransmission: the peer's transport outlives TUNNEL_DOWN. */
static void server_acks_plain_stopccn(void **state) {
  uint8_t scccn[] = {0xc8, 2, 0, 20, 0, 0, 0, 0, 0, 1, 0, 1,
                     0x80, 8, 0, 0, 0, 0, 0, 3};
  uint8_t stopccn[] = {0xc8, 2, 0, 36, 0, 0, 0, 0, 0, 2, 0, 1,
                       0x80, 8, 0, 0, 0, 0, 0, 4,
                       0x80, 8, 0, 0, 0, 9, 0, 9,
                       0x80, 8, 0, 0, 0, 1, 0, 1};
  l2tpsec_server_settings s;
  l2tpsec_server *server;
  uv_loop_t loop;
  uint8_t reply[1500];
  uint16_t tunnel;
  ssize_t n;
  int fd;

  uv_loop_init(&loop);
  fill_settings(&s);
  s.allow_plain_l2tp = true;
  assert_int_equal(l2tpsec_server_new(&server, &loop, &s, &callbacks, NULL), 0);
  fd = connected_udp("127.0.0.1", 1701);

  n = exchange(&loop, fd, sccrq, sizeof(sccrq), reply, sizeof(reply));
  assert_true(n > 12);
  tunnel = avp16_value(reply, (size_t)n, 9);
  assert_int_not_equal(tunnel, 0);
  scccn[4] = stopccn[4] = (uint8_t)(tunnel >> 8);
  scccn[5] = stopccn[5] = (uint8_t)tunnel;
  n = exchange(&loop, fd, scccn, sizeof(scccn), reply, sizeof(reply));
  assert_int_equal(n, 12);

  for (int copy = 0; copy < 2; copy++) {
    n = exchange(&loop, fd, stopccn, sizeof(stopccn), reply, sizeof(reply));
    assert_int_equal(n, 12);
    assert_int_equal(reply[10] << 8 | reply[11], 3); /* Nr = StopCCN Ns + 1 */
  }
  close(fd);
  l2tpsec_server_del(server);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* Plain peers have their own cap: with max_plain_peers 2, an SCCRQ from
 * a third source port gets no reply and counts as a drop. */
static void server_caps_plain_peers(void **state) {
  l2tpsec_server_settings s;
  l2tpsec_server *server;
  l2tpsec_server_stats stats;
  uv_loop_t loop;
  uint8_t reply[1500];
  int fd[3];

  uv_loop_init(&loop);
  fill_settings(&s);
  s.allow_plain_l2tp = true;
  s.max_plain_peers = 2;
  log_text[0] = '\0';
  assert_int_equal(l2tpsec_server_new(&server, &loop, &s, &callbacks, NULL), 0);
  for (int i = 0; i < 3; i++)
    fd[i] = connected_udp("127.0.0.1", 1701);

  assert_true(exchange(&loop, fd[0], sccrq, sizeof(sccrq), reply,
                       sizeof(reply)) > 12);
  assert_true(exchange(&loop, fd[1], sccrq, sizeof(sccrq), reply,
                       sizeof(reply)) > 12);
  assert_int_equal(
      exchange(&loop, fd[2], sccrq, sizeof(sccrq), reply, sizeof(reply)), -1);
  l2tpsec_server_stats_get(server, &stats);
  assert_int_equal(stats.dropped_plain_limit, 1);
  assert_non_null(strstr(log_text, "max_plain_peers"));

  for (int i = 0; i < 3; i++)
    close(fd[i]);
  l2tpsec_server_del(server);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void server_rejects_bad_settings(void **state) {
  static const char *const bad_range[] = {"192.0.2.20-192.0.2.10"};
  l2tpsec_server_settings s;
  l2tpsec_server *server = (void *)1;
  uv_loop_t loop;

  uv_loop_init(&loop);
  log_text[0] = '\0';
  fill_settings(&s);
  s.local_address = "192.0.2";
  assert_int_equal(l2tpsec_server_new(&server, &loop, &s, &callbacks, NULL),
                   L2TPSEC_ERR_CONFIG);
  assert_null(server);
  assert_non_null(strstr(log_text, "invalid local address '192.0.2'"));

  fill_settings(&s);
  s.pool_ranges = bad_range;
  s.pool_range_count = 1;
  assert_int_equal(l2tpsec_server_new(&server, &loop, &s, &callbacks, NULL),
                   L2TPSEC_ERR_CONFIG);
  assert_non_null(
      strstr(log_text, "invalid pool range '192.0.2.20-192.0.2.10'"));

  fill_settings(&s);
  s.tun_mtu = 100;
  assert_int_equal(l2tpsec_server_new(&server, &loop, &s, &callbacks, NULL),
                   L2TPSEC_ERR_CONFIG);

  fill_settings(&s);
  s.listen_address_count = 0;
  assert_int_equal(l2tpsec_server_new(&server, &loop, &s, &callbacks, NULL),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(server_configures_tun_from_pool),
      cmocka_unit_test(server_refuses_plain_l2tp),
      cmocka_unit_test(server_acks_plain_stopccn),
      cmocka_unit_test(server_caps_plain_peers),
      cmocka_unit_test(server_rejects_bad_settings),
  };

  return cmocka_run_group_tests(tests, test_netns_enter, NULL);
}
