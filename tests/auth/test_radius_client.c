/*
 * RADIUS client logins: request contents, reply validation (each case of
 * a forged or malformed reply), retransmission and failover timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "l2tpsec/errors.h"
#include "radius_harness.h"

#define T0 (1000 * L2TPSEC_SECONDS)
#define SEC L2TPSEC_SECONDS

static const uint8_t framed_ip_attr[] = {
    RADIUS_FRAMED_IP_ADDRESS, 6, 192, 0, 2, 10};

/* Starts a PAP login and checks that exactly one datagram went out. */
static uint64_t start_login(struct harness *h, l2tpsec_tstamp now) {
  l2tpsec_radius_auth_request r = harness_pap_request("Secr3t!123456");
  size_t before = h->sent_count;
  uint64_t login = 0;

  assert_int_equal(l2tpsec_radius_client_auth(h->client, &r, now, &login), 0);
  assert_int_equal(h->sent_count, before + 1);
  return login;
}

static void setup_one_login(struct harness *h, size_t servers) {
  harness_settings(h, servers);
  harness_start(h);
  start_login(h, T0);
}

static void pap_request_carries_attributes(void **state) {
  struct harness h;
  const struct sent_datagram *d;
  const uint8_t *v;
  uint8_t pad[16], plain[16];
  size_t len = 0;

  setup_one_login(&h, 1);
  d = &h.sent[0];
  assert_int_equal(d->channel, L2TPSEC_RADIUS_CHANNEL_CLIENT);
  assert_int_equal(harness_sent_server(&h, 0), 0);
  assert_int_equal(d->data[0], RADIUS_ACCESS_REQUEST);
  assert_int_equal(d->data[20], RADIUS_MESSAGE_AUTHENTICATOR);

  v = harness_find_attr(d->data, d->len, RADIUS_USER_NAME, &len);
  assert_non_null(v);
  assert_memory_equal(v, "alice", 5);
  v = harness_find_attr(d->data, d->len, RADIUS_USER_PASSWORD, &len);
  assert_non_null(v);
  assert_int_equal(len, 16);
  {
    l2tpsec__iovec parts[2] = {{"secret0", 7}, {d->data + 4, 16}};

    assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 2, pad), 0);
  }
  for (size_t i = 0; i < 16; i++)
    plain[i] = v[i] ^ pad[i];
  assert_memory_equal(plain, "Secr3t!123456\0\0\0", 16);

  v = harness_find_attr(d->data, d->len, RADIUS_NAS_IDENTIFIER, &len);
  assert_non_null(v);
  assert_memory_equal(v, "nas-test", 8);
  v = harness_find_attr(d->data, d->len, RADIUS_NAS_IP_ADDRESS, &len);
  assert_non_null(v);
  assert_memory_equal(v, "\xc0\x00\x02\x01", 4);
  assert_int_equal(harness_attr_u32(d->data, d->len, RADIUS_NAS_PORT), 7);
  assert_int_equal(harness_attr_u32(d->data, d->len, RADIUS_NAS_PORT_TYPE), 5);
  assert_int_equal(harness_attr_u32(d->data, d->len, RADIUS_SERVICE_TYPE), 2);
  assert_int_equal(harness_attr_u32(d->data, d->len, RADIUS_FRAMED_PROTOCOL),
                   1);
  v = harness_find_attr(d->data, d->len, RADIUS_CALLING_STATION_ID, &len);
  assert_non_null(v);
  assert_memory_equal(v, "203.0.113.5", 11);
  v = harness_find_attr(d->data, d->len, RADIUS_CALLED_STATION_ID, &len);
  assert_non_null(v);
  assert_memory_equal(v, "198.51.100.1", 12);
  harness_stop(&h);
}

static void accept_applies_session_attributes(void **state) {
  static const uint8_t attrs[] = {RADIUS_FRAMED_IP_ADDRESS,
                                  6,
                                  192,
                                  0,
                                  2,
                                  10,
                                  RADIUS_FRAMED_POOL,
                                  8,
                                  'p',
                                  'o',
                                  'o',
                                  'l',
                                  '-',
                                  'a',
                                  RADIUS_SESSION_TIMEOUT,
                                  6,
                                  0,
                                  0,
                                  0x0e,
                                  0x10,
                                  RADIUS_IDLE_TIMEOUT,
                                  6,
                                  0,
                                  0,
                                  0x02,
                                  0x58,
                                  RADIUS_CLASS,
                                  5,
                                  'c',
                                  'l',
                                  '1',
                                  RADIUS_CLASS,
                                  4,
                                  'c',
                                  '2',
                                  RADIUS_REPLY_MESSAGE,
                                  7,
                                  'H',
                                  'e',
                                  'l',
                                  'l',
                                  'o',
                                  RADIUS_REPLY_MESSAGE,
                                  5,
                                  'b',
                                  'y',
                                  'e',
                                  RADIUS_VENDOR_SPECIFIC,
                                  9,
                                  0,
                                  0,
                                  0x30,
                                  0x39,
                                  1,
                                  3,
                                  'x'};
  struct harness h;
  const l2tpsec_radius_auth_result *r;
  l2tpsec_radius_stats stats;

  setup_one_login(&h, 1);
  assert_int_equal(harness_answer(&h, 0, RADIUS_ACCESS_ACCEPT, attrs,
                                  sizeof(attrs), 0, T0 + SEC),
                   0);
  assert_int_equal(h.done_count, 1);
  r = &h.done[0];
  assert_int_equal(r->outcome, L2TPSEC_RADIUS_ACCEPT);
  assert_true(r->has_framed_ip);
  assert_memory_equal(r->framed_ip, "\xc0\x00\x02\x0a", 4);
  assert_string_equal(r->framed_pool, "pool-a");
  assert_int_equal(r->session_timeout, 3600);
  assert_int_equal(r->idle_timeout, 600);
  assert_int_equal(r->class_count, 2);
  assert_int_equal(r->classes[0].len, 3);
  assert_memory_equal(r->classes[0].data, "cl1", 3);
  assert_int_equal(r->classes[1].len, 2);
  assert_string_equal(r->reply_message, "Hello\nbye");

  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.replies_accepted, 1);
  assert_int_equal(l2tpsec_radius_client_next_deadline(h.client),
                   L2TPSEC_TSTAMP_NEVER);
  harness_stop(&h);
}

/* Delivers raw bytes from server 0 and checks nothing was applied. */
static void expect_dropped(struct harness *h, const uint8_t *bytes, size_t len,
                           int expected_rc) {
  int logs = h->log_lines;

  assert_int_equal(harness_deliver(h, 0, 0, bytes, len, T0 + SEC), expected_rc);
  assert_int_equal(h->done_count, 0);
  assert_int_equal(h->log_lines, logs + 1);
}

static void reply_of_10_bytes_dropped(void **state) {
  struct harness h;
  uint8_t reply[RADIUS_PACKET_MAX];
  l2tpsec_radius_stats stats;

  setup_one_login(&h, 1);
  harness_reply(&h, 0, RADIUS_ACCESS_ACCEPT, NULL, 0, 0, reply);
  expect_dropped(&h, reply, 10, L2TPSEC_ERR_TRUNCATED);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.dropped_malformed, 1);
  harness_stop(&h);
}

static void reply_length_4096_in_40_bytes_dropped(void **state) {
  struct harness h;
  uint8_t reply[RADIUS_PACKET_MAX];
  size_t len;

  setup_one_login(&h, 1);
  len = harness_reply(&h, 0, RADIUS_ACCESS_ACCEPT, framed_ip_attr,
                      sizeof(framed_ip_attr), 0, reply);
  assert_int_equal(len, 44);
  reply[2] = 0x10;
  reply[3] = 0x00;
  expect_dropped(&h, reply, 40, L2TPSEC_ERR_MALFORMED);
  harness_stop(&h);
}

static void reply_length_12_dropped(void **state) {
  struct harness h;
  uint8_t reply[RADIUS_PACKET_MAX];
  size_t len;

  setup_one_login(&h, 1);
  len = harness_reply(&h, 0, RADIUS_ACCESS_ACCEPT, NULL, 0, 0, reply);
  reply[2] = 0;
  reply[3] = 12;
  expect_dropped(&h, reply, len, L2TPSEC_ERR_MALFORMED);
  harness_stop(&h);
}

static void forged_reply_applies_nothing(void **state) {
  struct harness h;
  uint8_t reply[RADIUS_PACKET_MAX];
  l2tpsec_radius_stats stats;
  size_t len;

  setup_one_login(&h, 1);
  len = harness_reply(&h, 0, RADIUS_ACCESS_ACCEPT, framed_ip_attr,
                      sizeof(framed_ip_attr), REPLY_WRONG_SECRET, reply);
  expect_dropped(&h, reply, len, L2TPSEC_ERR_INTEGRITY);
  len = harness_reply(&h, 0, RADIUS_ACCESS_ACCEPT, framed_ip_attr,
                      sizeof(framed_ip_attr), REPLY_BAD_AUTH, reply);
  expect_dropped(&h, reply, len, L2TPSEC_ERR_INTEGRITY);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.dropped_bad_authenticator, 2);

  /* The login is still waiting and takes the genuine reply. */
  assert_int_equal(
      harness_answer(&h, 0, RADIUS_ACCESS_REJECT, NULL, 0, 0, T0 + 2 * SEC), 0);
  assert_int_equal(h.done_count, 1);
  assert_int_equal(h.done[0].outcome, L2TPSEC_RADIUS_REJECT);
  assert_false(h.done[0].has_framed_ip);
  harness_stop(&h);
}

/* An authenticated Accept with a bad attribute becomes a Reject. */
static void expect_invalid_attribute_rejects(const uint8_t *attrs, size_t len) {
  struct harness h;
  l2tpsec_radius_stats stats;
  int logs;

  setup_one_login(&h, 1);
  logs = h.log_lines;
  assert_int_equal(
      harness_answer(&h, 0, RADIUS_ACCESS_ACCEPT, attrs, len, 0, T0 + SEC), 0);
  assert_int_equal(h.done_count, 1);
  assert_int_equal(h.done[0].outcome, L2TPSEC_RADIUS_REJECT);
  assert_false(h.done[0].has_framed_ip);
  assert_int_equal(h.done[0].session_timeout, 0);
  assert_int_equal(h.log_lines, logs + 1);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.rejected_invalid_attribute, 1);
  harness_stop(&h);
}

static void framed_ip_of_length_10_rejects(void **state) {
  static const uint8_t attrs[] = {RADIUS_SESSION_TIMEOUT,
                                  6,
                                  0,
                                  0,
                                  0,
                                  60,
                                  RADIUS_FRAMED_IP_ADDRESS,
                                  10,
                                  192,
                                  0,
                                  2,
                                  10,
                                  0x41,
                                  0x41,
                                  0x41,
                                  0x41};

  expect_invalid_attribute_rejects(attrs, sizeof(attrs));
}

static void ipv6_prefix_length_200_rejects(void **state) {
  static const uint8_t attrs[] = {RADIUS_FRAMED_IP_ADDRESS,
                                  6,
                                  192,
                                  0,
                                  2,
                                  10,
                                  RADIUS_FRAMED_IPV6_PREFIX,
                                  20,
                                  0,
                                  200,
                                  0x20,
                                  0x01,
                                  0x0d,
                                  0xb8,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0};

  expect_invalid_attribute_rejects(attrs, sizeof(attrs));
}

static void short_session_timeout_rejects(void **state) {
  static const uint8_t attrs[] = {RADIUS_SESSION_TIMEOUT, 5, 0, 0, 60};

  expect_invalid_attribute_rejects(attrs, sizeof(attrs));
}

static void malformed_ms_success_rejects(void **state) {
  static const uint8_t attrs[] = {
      RADIUS_VENDOR_SPECIFIC,  12, 0, 0,   1,   55,
      RADIUS_MS_CHAP2_SUCCESS, 6,  1, 'S', '=', 'A'};

  expect_invalid_attribute_rejects(attrs, sizeof(attrs));
}

static void wrong_identifier_dropped(void **state) {
  struct harness h;
  uint8_t reply[RADIUS_PACKET_MAX];
  l2tpsec_radius_stats stats;
  size_t len;

  setup_one_login(&h, 1);
  len = harness_reply(&h, 0, RADIUS_ACCESS_ACCEPT, framed_ip_attr,
                      sizeof(framed_ip_attr), 0, reply);
  reply[1] ^= 0x01;
  expect_dropped(&h, reply, len, L2TPSEC_ERR_NOT_FOUND);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.dropped_unknown_id, 1);
  harness_stop(&h);
}

static void wrong_source_port_dropped(void **state) {
  struct harness h;
  uint8_t reply[RADIUS_PACKET_MAX];
  l2tpsec_radius_stats stats;
  struct sockaddr_in from = harness_server_addr(0, 0);
  size_t len;

  setup_one_login(&h, 1);
  len = harness_reply(&h, 0, RADIUS_ACCESS_ACCEPT, framed_ip_attr,
                      sizeof(framed_ip_attr), 0, reply);
  from.sin_port = htons(ntohs(from.sin_port) + 100);
  assert_int_equal(
      l2tpsec_radius_client_input(h.client, (struct sockaddr *)&from,
                                  sizeof(from), reply, len, T0 + SEC),
      L2TPSEC_ERR_NOT_FOUND);
  from = harness_server_addr(0, 0);
  from.sin_addr.s_addr = htonl(0xc6336402); /* 198.51.100.2 */
  assert_int_equal(
      l2tpsec_radius_client_input(h.client, (struct sockaddr *)&from,
                                  sizeof(from), reply, len, T0 + SEC),
      L2TPSEC_ERR_NOT_FOUND);
  assert_int_equal(h.done_count, 0);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.dropped_unknown_source, 2);
  harness_stop(&h);
}

static void accept_without_message_authenticator_dropped(void **state) {
  struct harness h;
  uint8_t reply[RADIUS_PACKET_MAX];
  l2tpsec_radius_stats stats;
  size_t len;

  setup_one_login(&h, 1);
  len = harness_reply(&h, 0, RADIUS_ACCESS_ACCEPT, framed_ip_attr,
                      sizeof(framed_ip_attr), REPLY_NO_MA, reply);
  expect_dropped(&h, reply, len, L2TPSEC_ERR_INTEGRITY);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.dropped_no_message_authenticator, 1);
  harness_stop(&h);
}

static void accept_without_ma_allowed_when_not_required(void **state) {
  struct harness h;

  harness_settings(&h, 1);
  h.settings.require_message_authenticator = false;
  harness_start(&h);
  start_login(&h, T0);
  assert_int_equal(harness_answer(&h, 0, RADIUS_ACCESS_ACCEPT, NULL, 0,
                                  REPLY_NO_MA, T0 + SEC),
                   0);
  assert_int_equal(h.done_count, 1);
  harness_stop(&h);
}

static void chap_request_attributes(void **state) {
  static const uint8_t challenge[20] = {1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
                                        11, 12, 13, 14, 15, 16, 17, 18, 19};
  static const uint8_t response[16] = {0xaa, 0xbb, 0xcc};
  struct harness h;
  l2tpsec_radius_auth_request r = harness_pap_request("unused");
  const struct sent_datagram *d;
  const uint8_t *v;
  uint64_t login;
  size_t len = 0;

  harness_settings(&h, 1);
  harness_start(&h);
  r.method = L2TPSEC_RADIUS_CHAP_MD5;
  r.chap_id = 0x42;
  r.challenge = challenge;
  r.challenge_len = sizeof(challenge);
  r.response = response;
  r.response_len = sizeof(response);
  assert_int_equal(l2tpsec_radius_client_auth(h.client, &r, T0, &login), 0);
  d = &h.sent[0];

  assert_null(harness_find_attr(d->data, d->len, RADIUS_USER_PASSWORD, &len));
  v = harness_find_attr(d->data, d->len, RADIUS_CHAP_PASSWORD, &len);
  assert_non_null(v);
  assert_int_equal(len, 17);
  assert_int_equal(v[0], 0x42);
  assert_memory_equal(v + 1, response, 16);
  v = harness_find_attr(d->data, d->len, RADIUS_CHAP_CHALLENGE, &len);
  assert_non_null(v);
  assert_int_equal(len, sizeof(challenge));
  assert_memory_equal(v, challenge, sizeof(challenge));
  harness_stop(&h);
}

static void mschapv2_request_and_success(void **state) {
  uint8_t challenge[16], response[49];
  struct harness h;
  l2tpsec_radius_auth_request r = harness_pap_request("unused");
  const struct sent_datagram *d;
  const uint8_t *v;
  uint8_t attrs[64];
  uint64_t login;
  size_t len = 0;

  for (int i = 0; i < 16; i++)
    challenge[i] = (uint8_t)(0x10 + i);
  for (int i = 0; i < 49; i++)
    response[i] = (uint8_t)(0x80 + i);
  harness_settings(&h, 1);
  harness_start(&h);
  r.method = L2TPSEC_RADIUS_MSCHAPV2;
  r.chap_id = 7;
  r.challenge = challenge;
  r.challenge_len = 16;
  r.response = response;
  r.response_len = 49;
  assert_int_equal(l2tpsec_radius_client_auth(h.client, &r, T0, &login), 0);
  d = &h.sent[0];

  v = harness_find_ms_attr(d->data, d->len, RADIUS_MS_CHAP_CHALLENGE, &len);
  assert_non_null(v);
  assert_int_equal(len, 16);
  assert_memory_equal(v, challenge, 16);
  v = harness_find_ms_attr(d->data, d->len, RADIUS_MS_CHAP2_RESPONSE, &len);
  assert_non_null(v);
  assert_int_equal(len, 50);
  assert_int_equal(v[0], 7);                      /* Ident */
  assert_int_equal(v[1], response[48]);           /* Flags */
  assert_memory_equal(v + 2, response, 16);       /* Peer-Challenge */
  assert_memory_equal(v + 26, response + 24, 24); /* NT-Response */

  /* MS-CHAP2-Success: Ident + "S=" + 40 hex digits. */
  attrs[0] = RADIUS_VENDOR_SPECIFIC;
  attrs[1] = 2 + 4 + 2 + 43;
  memcpy(attrs + 2, "\x00\x00\x01\x37", 4);
  attrs[6] = RADIUS_MS_CHAP2_SUCCESS;
  attrs[7] = 2 + 43;
  attrs[8] = 7;
  memcpy(attrs + 9, "S=0123456789ABCDEF0123456789ABCDEF01234567", 42);
  assert_int_equal(
      harness_answer(&h, 0, RADIUS_ACCESS_ACCEPT, attrs, attrs[1], 0, T0 + SEC),
      0);
  assert_int_equal(h.done_count, 1);
  assert_true(h.done[0].has_mschap2_success);
  assert_string_equal(h.done[0].mschap2_success,
                      "S=0123456789ABCDEF0123456789ABCDEF01234567");
  harness_stop(&h);
}

static void mschap_error_reported_on_reject(void **state) {
  static const char text[] = "E=691 R=0 V=3";
  struct harness h;
  uint8_t attrs[64];

  setup_one_login(&h, 1);
  attrs[0] = RADIUS_VENDOR_SPECIFIC;
  attrs[1] = (uint8_t)(2 + 4 + 2 + 1 + strlen(text));
  memcpy(attrs + 2, "\x00\x00\x01\x37", 4);
  attrs[6] = RADIUS_MS_CHAP_ERROR;
  attrs[7] = (uint8_t)(2 + 1 + strlen(text));
  attrs[8] = 7;
  memcpy(attrs + 9, text, strlen(text));
  assert_int_equal(
      harness_answer(&h, 0, RADIUS_ACCESS_REJECT, attrs, attrs[1], 0, T0 + SEC),
      0);
  assert_int_equal(h.done[0].outcome, L2TPSEC_RADIUS_REJECT);
  assert_string_equal(h.done[0].mschap_error, text);
  harness_stop(&h);
}

/*
 * A push-approval server answers 25 s after the first copy. Copies go out
 * every 5 s with the same bytes (Identifier and Request Authenticator),
 * the second server hears nothing, and the late Accept is honoured.
 */
static void late_accept_honoured_without_failover(void **state) {
  struct harness h;
  l2tpsec_tstamp now = T0;
  l2tpsec_radius_stats stats;

  setup_one_login(&h, 2);
  assert_int_equal(l2tpsec_radius_client_next_deadline(h.client), T0 + 5 * SEC);
  for (int step = 1; step <= 5; step++) {
    now = T0 + (l2tpsec_tstamp)step * 5 * SEC - 1;
    l2tpsec_radius_client_handle_timeout(h.client, now);
    assert_int_equal(h.sent_count, (size_t)step); /* not early */
    now += 1;
    l2tpsec_radius_client_handle_timeout(h.client, now);
    assert_int_equal(h.sent_count, (size_t)step + 1);
    assert_int_equal(harness_sent_server(&h, (size_t)step), 0);
    assert_int_equal(h.sent[step].len, h.sent[0].len);
    assert_memory_equal(h.sent[step].data, h.sent[0].data, h.sent[0].len);
  }

  assert_int_equal(
      harness_answer(&h, 5, RADIUS_ACCESS_ACCEPT, NULL, 0, 0, T0 + 25 * SEC),
      0);
  assert_int_equal(h.done_count, 1);
  assert_int_equal(h.done[0].outcome, L2TPSEC_RADIUS_ACCEPT);
  for (size_t i = 0; i < h.sent_count; i++)
    assert_int_equal(harness_sent_server(&h, i), 0);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.retransmissions, 5);
  assert_int_equal(stats.failovers, 0);
  harness_stop(&h);
}

/* Counts datagrams that went to `server`. */
static size_t sent_to(const struct harness *h, int server) {
  size_t n = 0;

  for (size_t i = 0; i < h->sent_count; i++)
    n += harness_sent_server(h, i) == server;
  return n;
}

/* Runs the clock in 1-second steps from `from` to `to` inclusive. */
static void run_clock(struct harness *h, l2tpsec_tstamp from,
                      l2tpsec_tstamp to) {
  for (l2tpsec_tstamp t = from; t <= to; t += SEC)
    l2tpsec_radius_client_handle_timeout(h->client, t);
}

/*
 * A silent first server keeps the login for its whole 30 s before the
 * second is asked; the first server's late answer is then ignored.
 */
static void failover_only_after_server_timeout(void **state) {
  struct harness h;
  size_t first;

  setup_one_login(&h, 2);
  run_clock(&h, T0 + SEC, T0 + 29 * SEC);
  l2tpsec_radius_client_handle_timeout(h.client, T0 + 30 * SEC - 1);
  assert_int_equal(sent_to(&h, 1), 0);
  assert_int_equal(sent_to(&h, 0), 6);

  l2tpsec_radius_client_handle_timeout(h.client, T0 + 30 * SEC);
  assert_int_equal(sent_to(&h, 1), 1);
  first = h.sent_count - 1;
  assert_int_equal(harness_sent_server(&h, first), 1);

  /* The first server answers now: the request moved, so it is dropped. */
  assert_int_equal(
      harness_answer(&h, 0, RADIUS_ACCESS_ACCEPT, NULL, 0, 0, T0 + 31 * SEC),
      L2TPSEC_ERR_NOT_FOUND);
  assert_int_equal(h.done_count, 0);
  assert_int_equal(harness_answer(&h, first, RADIUS_ACCESS_ACCEPT, NULL, 0, 0,
                                  T0 + 31 * SEC),
                   0);
  assert_int_equal(h.done_count, 1);
  assert_int_equal(h.done[0].outcome, L2TPSEC_RADIUS_ACCEPT);
  harness_stop(&h);
}

static void dead_server_skipped_until_hold_down_ends(void **state) {
  struct harness h;

  setup_one_login(&h, 2);
  run_clock(&h, T0 + SEC, T0 + 30 * SEC);
  harness_answer(&h, h.sent_count - 1, RADIUS_ACCESS_ACCEPT, NULL, 0, 0,
                 T0 + 31 * SEC);

  start_login(&h, T0 + 40 * SEC);
  assert_int_equal(harness_sent_server(&h, h.sent_count - 1), 1);
  harness_answer(&h, h.sent_count - 1, RADIUS_ACCESS_ACCEPT, NULL, 0, 0,
                 T0 + 41 * SEC);

  /* Dead for 60 s from T0 + 30 s. */
  start_login(&h, T0 + 90 * SEC);
  assert_int_equal(harness_sent_server(&h, h.sent_count - 1), 0);
  harness_stop(&h);
}

static void all_servers_silent_times_out(void **state) {
  struct harness h;
  l2tpsec_radius_stats stats;

  setup_one_login(&h, 2);
  run_clock(&h, T0 + SEC, T0 + 59 * SEC);
  assert_int_equal(h.done_count, 0);
  l2tpsec_radius_client_handle_timeout(h.client, T0 + 60 * SEC);
  assert_int_equal(h.done_count, 1);
  assert_int_equal(h.done[0].outcome, L2TPSEC_RADIUS_TIMEOUT);
  assert_int_equal(sent_to(&h, 0), 6);
  assert_int_equal(sent_to(&h, 1), 6);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.failovers, 1);
  assert_int_equal(l2tpsec_radius_client_next_deadline(h.client),
                   L2TPSEC_TSTAMP_NEVER);
  harness_stop(&h);
}

static void challenge_reported_with_state(void **state) {
  static const uint8_t attrs[] = {
      RADIUS_STATE, 5,   's', 't', '1', RADIUS_REPLY_MESSAGE,
      12,           'E', 'n', 't', 'e', 'r',
      ' ',          'c', 'o', 'd', 'e'};
  struct harness h;

  setup_one_login(&h, 1);
  assert_int_equal(harness_answer(&h, 0, RADIUS_ACCESS_CHALLENGE, attrs,
                                  sizeof(attrs), 0, T0 + SEC),
                   0);
  assert_int_equal(h.done[0].outcome, L2TPSEC_RADIUS_CHALLENGE);
  assert_int_equal(h.done[0].state_len, 3);
  assert_memory_equal(h.done[0].state, "st1", 3);
  assert_string_equal(h.done[0].reply_message, "Enter code");
  harness_stop(&h);
}

static void cancelled_login_gets_no_callback(void **state) {
  struct harness h;
  uint64_t login;

  harness_settings(&h, 1);
  harness_start(&h);
  login = start_login(&h, T0);
  assert_int_equal(l2tpsec_radius_client_cancel(h.client, login), 0);
  assert_int_equal(l2tpsec_radius_client_cancel(h.client, login),
                   L2TPSEC_ERR_NOT_FOUND);
  assert_int_equal(
      harness_answer(&h, 0, RADIUS_ACCESS_ACCEPT, NULL, 0, 0, T0 + SEC),
      L2TPSEC_ERR_NOT_FOUND);
  run_clock(&h, T0, T0 + 40 * SEC);
  assert_int_equal(h.done_count, 0);
  assert_int_equal(h.sent_count, 1);
  harness_stop(&h);
}

static void pending_login_limit(void **state) {
  struct harness h;
  l2tpsec_radius_auth_request r = harness_pap_request("pw");
  uint64_t login;

  harness_settings(&h, 1);
  h.settings.max_pending_auth = 2;
  harness_start(&h);
  start_login(&h, T0);
  start_login(&h, T0);
  assert_int_equal(l2tpsec_radius_client_auth(h.client, &r, T0, &login),
                   L2TPSEC_ERR_LIMIT);
  assert_int_equal(h.sent_count, 2);
  /* Two logins in flight use two Identifiers. */
  assert_int_not_equal(h.sent[0].data[1], h.sent[1].data[1]);
  harness_stop(&h);
}

static void invalid_requests_rejected(void **state) {
  static const uint8_t short_response[15] = {0};
  char long_password[130];
  struct harness h;
  l2tpsec_radius_auth_request r;
  uint64_t login;

  memset(long_password, 'p', sizeof(long_password) - 1);
  long_password[sizeof(long_password) - 1] = '\0';
  harness_settings(&h, 1);
  harness_start(&h);

  r = harness_pap_request("pw");
  r.user_name = "";
  assert_int_equal(l2tpsec_radius_client_auth(h.client, &r, T0, &login),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  r = harness_pap_request(long_password);
  assert_int_equal(l2tpsec_radius_client_auth(h.client, &r, T0, &login),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  r = harness_pap_request("pw");
  r.method = L2TPSEC_RADIUS_CHAP_MD5;
  r.challenge = short_response;
  r.challenge_len = 15;
  r.response = short_response;
  r.response_len = 15;
  assert_int_equal(l2tpsec_radius_client_auth(h.client, &r, T0, &login),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(h.sent_count, 0);
  harness_stop(&h);
}

static int no_send(void *u, enum l2tpsec_radius_channel ch,
                   const struct sockaddr *to, socklen_t to_len,
                   const uint8_t *data, size_t len) {
  return 0;
}

static void no_done(void *u, uint64_t login,
                    const l2tpsec_radius_auth_result *r) {}

static void settings_rejected(void **state) {
  static const uint8_t long_secret[L2TPSEC_RADIUS_SECRET_MAX + 1] = {1};
  l2tpsec_radius_callbacks cb = {no_send, no_done, NULL, NULL};
  l2tpsec_radius_callbacks no_callbacks = {0};
  l2tpsec_radius_client *c = NULL;
  struct harness h;

  harness_settings(&h, 1);
  assert_int_equal(
      l2tpsec_radius_client_new(&c, &h.settings, &no_callbacks, NULL),
      L2TPSEC_ERR_INVALID_ARGUMENT);
  harness_settings(&h, 0);
  assert_int_equal(l2tpsec_radius_client_new(&c, &h.settings, &cb, NULL),
                   L2TPSEC_ERR_CONFIG);
  harness_settings(&h, 1);
  h.settings.servers[0].secret_len = 0;
  assert_int_equal(l2tpsec_radius_client_new(&c, &h.settings, &cb, NULL),
                   L2TPSEC_ERR_CONFIG);
  harness_settings(&h, 1);
  h.settings.servers[0].secret = long_secret;
  h.settings.servers[0].secret_len = sizeof(long_secret);
  assert_int_equal(l2tpsec_radius_client_new(&c, &h.settings, &cb, NULL),
                   L2TPSEC_ERR_CONFIG);
  harness_settings(&h, 1);
  h.settings.servers[0].addr.ss_family = AF_UNIX;
  assert_int_equal(l2tpsec_radius_client_new(&c, &h.settings, &cb, NULL),
                   L2TPSEC_ERR_CONFIG);
  harness_settings(&h, 1);
  h.settings.retry_interval = 0;
  assert_int_equal(l2tpsec_radius_client_new(&c, &h.settings, &cb, NULL),
                   L2TPSEC_ERR_CONFIG);
  assert_null(c);
  l2tpsec_radius_client_del(NULL);
}

struct ipv6_capture {
  uint8_t request[RADIUS_PACKET_MAX];
  size_t len;
  struct sockaddr_in6 to;
  int done;
  enum l2tpsec_radius_outcome outcome;
};

static int capture_ipv6_send(void *user_data,
                             enum l2tpsec_radius_channel channel,
                             const struct sockaddr *to, socklen_t to_len,
                             const uint8_t *data, size_t len) {
  struct ipv6_capture *cap = user_data;

  assert_int_equal(to_len, sizeof(struct sockaddr_in6));
  memcpy(&cap->to, to, sizeof(cap->to));
  memcpy(cap->request, data, len);
  cap->len = len;
  return 0;
}

static void capture_ipv6_done(void *user_data, uint64_t login,
                              const l2tpsec_radius_auth_result *r) {
  struct ipv6_capture *cap = user_data;

  cap->done++;
  cap->outcome = r->outcome;
}

/* An IPv6 server gets the request and its reply is matched by port. */
static void ipv6_server_round_trip(void **state) {
  l2tpsec_radius_callbacks cb = {capture_ipv6_send, capture_ipv6_done, NULL,
                                 NULL};
  l2tpsec_radius_auth_request r = harness_pap_request("pw");
  struct ipv6_capture cap = {0};
  l2tpsec_rand_test_state rng;
  l2tpsec_radius_settings s;
  l2tpsec_radius_client *c = NULL;
  struct sockaddr_in6 *server;
  struct sockaddr_in6 from;
  uint8_t reply[RADIUS_PACKET_MAX];
  l2tpsec__radius_writer w;
  uint64_t login;
  int len;

  l2tpsec_radius_settings_default(&s);
  s.rand = l2tpsec_rand_test(&rng, 3);
  server = (struct sockaddr_in6 *)&s.servers[0].addr;
  server->sin6_family = AF_INET6;
  server->sin6_addr = in6addr_loopback;
  s.servers[0].auth_port = 21900;
  s.servers[0].secret = (const uint8_t *)"v6-secret";
  s.servers[0].secret_len = 9;
  s.server_count = 1;
  assert_int_equal(l2tpsec_radius_client_new(&c, &s, &cb, &cap), 0);
  assert_int_equal(l2tpsec_radius_client_auth(c, &r, T0, &login), 0);
  assert_int_equal(ntohs(cap.to.sin6_port), 21900);
  assert_memory_equal(&cap.to.sin6_addr, &in6addr_loopback, 16);

  l2tpsec__radius_begin(&w, reply, sizeof(reply), RADIUS_ACCESS_ACCEPT,
                        cap.request[1], cap.request + 4);
  l2tpsec__radius_add_message_authenticator(&w);
  len = l2tpsec__radius_finish_response(&w, cap.request + 4,
                                        (const uint8_t *)"v6-secret", 9);
  memset(&from, 0, sizeof(from));
  from.sin6_family = AF_INET6;
  from.sin6_addr = in6addr_loopback;
  from.sin6_port = htons(21901);
  assert_int_equal(l2tpsec_radius_client_input(c, (struct sockaddr *)&from,
                                               sizeof(from), reply, (size_t)len,
                                               T0 + SEC),
                   L2TPSEC_ERR_NOT_FOUND);
  from.sin6_port = htons(21900);
  assert_int_equal(l2tpsec_radius_client_input(c, (struct sockaddr *)&from,
                                               sizeof(from), reply, (size_t)len,
                                               T0 + SEC),
                   0);
  assert_int_equal(cap.done, 1);
  assert_int_equal(cap.outcome, L2TPSEC_RADIUS_ACCEPT);
  l2tpsec_radius_client_del(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pap_request_carries_attributes),
      cmocka_unit_test(accept_applies_session_attributes),
      cmocka_unit_test(reply_of_10_bytes_dropped),
      cmocka_unit_test(reply_length_4096_in_40_bytes_dropped),
      cmocka_unit_test(reply_length_12_dropped),
      cmocka_unit_test(forged_reply_applies_nothing),
      cmocka_unit_test(framed_ip_of_length_10_rejects),
      cmocka_unit_test(ipv6_prefix_length_200_rejects),
      cmocka_unit_test(short_session_timeout_rejects),
      cmocka_unit_test(malformed_ms_success_rejects),
      cmocka_unit_test(wrong_identifier_dropped),
      cmocka_unit_test(wrong_source_port_dropped),
      cmocka_unit_test(accept_without_message_authenticator_dropped),
      cmocka_unit_test(accept_without_ma_allowed_when_not_required),
      cmocka_unit_test(chap_request_attributes),
      cmocka_unit_test(mschapv2_request_and_success),
      cmocka_unit_test(mschap_error_reported_on_reject),
      cmocka_unit_test(late_accept_honoured_without_failover),
      cmocka_unit_test(failover_only_after_server_timeout),
      cmocka_unit_test(dead_server_skipped_until_hold_down_ends),
      cmocka_unit_test(all_servers_silent_times_out),
      cmocka_unit_test(challenge_reported_with_state),
      cmocka_unit_test(cancelled_login_gets_no_callback),
      cmocka_unit_test(pending_login_limit),
      cmocka_unit_test(invalid_requests_rejected),
      cmocka_unit_test(settings_rejected),
      cmocka_unit_test(ipv6_server_round_trip),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
