/*
 * A 1500-byte IPv4 packet from the server's side of the tunnel to a
 * client whose PPP MRU is 1400: with DF clear the server splits it into
 * fragments that the client reassembles whole; with DF set it replies
 * with ICMP "fragmentation needed" instead. The server's TUN MTU is 1500
 * so that the kernel hands the whole packet to the server. Runs in a
 * network namespace of its own (needs root).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
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

#define NATT_PORT 4500
#define CLIENT_MRU 1400  /* the PPP default, which the test peer uses */
#define UDP_PAYLOAD 1472 /* 20 + 8 + 1472 = a 1500-byte IPv4 packet */
#define DISCARD_PORT 9

static void authenticate(void *user_data, const l2tpsec_auth_request *req) {
  l2tpsec_auth_result result = {0};

  result.accept = l2tpsec_auth_check_secret(req, (const uint8_t *)"secret", 6,
                                            result.auth_response) == 0;
  result.has_auth_response =
      result.accept && req->method == L2TPSEC_AUTH_MSCHAPV2;
  l2tpsec_auth_complete(req, &result, req->now);
}

static const l2tpsec_server_callbacks callbacks = {authenticate, NULL, NULL};

/* The fragments of one datagram, as the client's IP stack would collect
 * them before reassembly. */
struct reassembly {
  uint8_t payload[2048]; /* the IP payload: UDP header and data */
  bool have[2048];
  size_t end; /* payload length, known once the last fragment arrived */
  int fragments;
  size_t largest; /* total length of the largest fragment */
  uint16_t ip_id;
  bool ids_differ, bad_checksum, whole_packet;
};

static struct reassembly got;

static void collect_fragment(struct test_peer *p, const uint8_t *ip,
                             size_t len) {
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  size_t offset = (size_t)((ip[6] & 0x1f) << 8 | ip[7]) * 8;
  bool more = (ip[6] & 0x20) != 0;
  uint16_t id = (uint16_t)(ip[4] << 8 | ip[5]);

  if (len < 20 || ip[9] != IPPROTO_UDP || ihl < 20 || ihl > len ||
      offset + len - ihl > sizeof(got.payload))
    return;
  if (offset == 0 && !more)
    got.whole_packet = true;
  if (got.fragments > 0 && id != got.ip_id)
    got.ids_differ = true;
  got.ip_id = id;
  got.fragments++;
  if (len > got.largest)
    got.largest = len;
  if (l2tpsec__inet_checksum(ip, ihl, 0) != 0)
    got.bad_checksum = true;

  memcpy(got.payload + offset, ip + ihl, len - ihl);
  memset(got.have + offset, 1, len - ihl);
  if (!more)
    got.end = offset + len - ihl;
}

static bool reassembled(void) {
  if (got.end == 0)
    return false;
  for (size_t i = 0; i < got.end; i++) {
    if (!got.have[i])
      return false;
  }
  return true;
}

struct fixture {
  uv_loop_t loop;
  l2tpsec_server *server;
  struct test_peer peer;
};

static void start(struct fixture *f) {
  l2tpsec_server_settings s;

  uv_loop_init(&f->loop);
  test_peer_server_settings(&s, NATT_PORT, "fragpath0");
  s.tun_mtu = 1500;
  assert_int_equal(
      l2tpsec_server_new(&f->server, &f->loop, &s, &callbacks, NULL), 0);

  test_peer_open(&f->peer, "127.0.0.1", 40600, NATT_PORT, 1, 11, "secret");
  test_peer_add_to_server(&f->peer, f->server, 1);
  f->peer.on_ip = collect_fragment;
  test_peer_connect(&f->peer);
}

static void stop(struct fixture *f) {
  test_peer_close(&f->peer);
  l2tpsec_server_del(f->server);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

/* Runs the server and the peer until `done` returns true or 3 s pass. */
static void pump(struct fixture *f, bool (*done)(struct fixture *f)) {
  uint64_t end = uv_hrtime() + 3 * L2TPSEC_SECONDS;

  while (!done(f) && uv_hrtime() < end) {
    uv_run(&f->loop, UV_RUN_NOWAIT);
    test_peer_poll(&f->peer);
    usleep(500);
  }
}

static bool ipcp_up(struct fixture *f) {
  return f->peer.ipcp_up;
}

static bool datagram_whole(struct fixture *f) {
  return reassembled();
}

static bool icmp_sent(struct fixture *f) {
  l2tpsec_server_stats st;

  l2tpsec_server_stats_get(f->server, &st);
  return st.icmp_too_big > 0;
}

/* Sends UDP_PAYLOAD bytes from the server's namespace to the client's
 * inner address, with DF set or clear (IP_MTU_DISCOVER). */
static void send_big_datagram(const struct test_peer *p, int pmtudisc,
                              uint8_t *sent) {
  struct sockaddr_in to = {.sin_family = AF_INET,
                           .sin_port = htons(DISCARD_PORT)};
  int fd = socket(AF_INET, SOCK_DGRAM, 0);

  assert_true(fd >= 0);
  assert_int_equal(
      setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtudisc, sizeof(pmtudisc)),
      0);
  memcpy(&to.sin_addr, p->address4, 4);
  for (size_t i = 0; i < UDP_PAYLOAD; i++)
    sent[i] = (uint8_t)(i * 7 + 3);
  assert_int_equal(
      sendto(fd, sent, UDP_PAYLOAD, 0, (struct sockaddr *)&to, sizeof(to)),
      UDP_PAYLOAD);
  close(fd);
}

static void fragment_df_clear_arrives_whole(void **state) {
  struct fixture f;
  uint8_t sent[UDP_PAYLOAD];
  l2tpsec_server_stats st;
  l2tpsec_server_session_info info;

  memset(&got, 0, sizeof(got));
  start(&f);
  pump(&f, ipcp_up);
  assert_true(f.peer.ipcp_up);

  send_big_datagram(&f.peer, IP_PMTUDISC_DONT, sent);
  pump(&f, datagram_whole);

  assert_true(reassembled());
  assert_false(got.whole_packet);
  assert_true(got.fragments >= 2);
  assert_true(got.largest <= CLIENT_MRU);
  assert_false(got.ids_differ);
  assert_false(got.bad_checksum);
  assert_int_equal(got.end, 8 + UDP_PAYLOAD);
  assert_int_equal(got.payload[2] << 8 | got.payload[3], DISCARD_PORT);
  assert_int_equal(got.payload[4] << 8 | got.payload[5], 8 + UDP_PAYLOAD);
  assert_memory_equal(got.payload + 8, sent, UDP_PAYLOAD);

  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.fragmented, 1);
  assert_int_equal(st.icmp_too_big, 0);
  assert_int_equal(l2tpsec_server_sessions(f.server, &info, 1), 1);
  assert_int_equal(info.packets_out, 1);
  assert_int_equal(info.bytes_out, 20 + 8 + UDP_PAYLOAD);
  stop(&f);
}

static void fragment_df_set_gets_icmp(void **state) {
  struct fixture f;
  uint8_t sent[UDP_PAYLOAD];
  l2tpsec_server_stats st;

  memset(&got, 0, sizeof(got));
  start(&f);
  pump(&f, ipcp_up);
  assert_true(f.peer.ipcp_up);

  send_big_datagram(&f.peer, IP_PMTUDISC_DO, sent);
  pump(&f, icmp_sent);

  l2tpsec_server_stats_get(f.server, &st);
  assert_int_equal(st.icmp_too_big, 1);
  assert_int_equal(st.fragmented, 0);
  assert_int_equal(got.fragments, 0);
  stop(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fragment_df_clear_arrives_whole),
      cmocka_unit_test(fragment_df_set_gets_icmp),
  };

  return cmocka_run_group_tests(tests, test_netns_enter, NULL);
}
