/* RADIUS accounting (RFC 2866) and Disconnect-Request (RFC 5176). */
#include <arpa/inet.h>
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

static const l2tpsec_radius_class classes[1] = {{4, {'c', 'l', 's', '1'}}};

static l2tpsec_radius_acct_record stop_record(void) {
  l2tpsec_radius_acct_record r;

  memset(&r, 0, sizeof(r));
  r.status = L2TPSEC_RADIUS_ACCT_STOP;
  r.session_id = "sess-0001";
  r.user_name = "alice";
  r.has_framed_ip = true;
  memcpy(r.framed_ip, "\xc0\x00\x02\x0a", 4);
  r.input_octets = 5ULL * 4294967296ULL + 1234; /* wrapped 5 times */
  r.output_octets = 987654;
  r.input_packets = 100;
  r.output_packets = 200;
  r.session_time = 3661;
  r.terminate_cause = L2TPSEC_RADIUS_TERM_USER_REQUEST;
  r.classes = classes;
  r.class_count = 1;
  r.nas_port = 7;
  r.calling_station_id = "203.0.113.5";
  return r;
}

static void start_with_accounting(struct harness *h, size_t servers) {
  harness_settings(h, servers);
  harness_start(h);
}

static void stop_record_attributes(void **state) {
  static const uint8_t zero[16];
  l2tpsec_radius_acct_record rec = stop_record();
  struct harness h;
  const struct sent_datagram *d;
  uint8_t copy[RADIUS_PACKET_MAX], expected[16];
  const uint8_t *v;
  size_t len = 0;

  start_with_accounting(&h, 1);
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0), 0);
  assert_int_equal(h.sent_count, 1);
  d = &h.sent[0];
  assert_int_equal(ntohs(d->to.sin_port), 21813);
  assert_int_equal(d->data[0], RADIUS_ACCOUNTING_REQUEST);

  /* RFC 2866 section 3: Request Authenticator over a zero field. */
  memcpy(copy, d->data, d->len);
  memcpy(copy + 4, zero, 16);
  {
    l2tpsec__iovec parts[2] = {{copy, d->len}, {"secret0", 7}};

    assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 2, expected), 0);
  }
  assert_memory_equal(d->data + 4, expected, 16);
  assert_int_equal(l2tpsec__radius_check_signed_request(
                       d->data, d->len, (const uint8_t *)"secret0", 7, true),
                   RADIUS_CHECK_OK);

  assert_int_equal(harness_attr_u32(d->data, d->len, RADIUS_ACCT_STATUS_TYPE),
                   2);
  v = harness_find_attr(d->data, d->len, RADIUS_ACCT_SESSION_ID, &len);
  assert_non_null(v);
  assert_memory_equal(v, "sess-0001", 9);
  assert_int_equal(harness_attr_u32(d->data, d->len, RADIUS_ACCT_INPUT_OCTETS),
                   1234);
  assert_int_equal(
      harness_attr_u32(d->data, d->len, RADIUS_ACCT_INPUT_GIGAWORDS), 5);
  assert_int_equal(harness_attr_u32(d->data, d->len, RADIUS_ACCT_OUTPUT_OCTETS),
                   987654);
  assert_int_equal(
      harness_attr_u32(d->data, d->len, RADIUS_ACCT_OUTPUT_GIGAWORDS), 0);
  assert_int_equal(harness_attr_u32(d->data, d->len, RADIUS_ACCT_INPUT_PACKETS),
                   100);
  assert_int_equal(
      harness_attr_u32(d->data, d->len, RADIUS_ACCT_OUTPUT_PACKETS), 200);
  assert_int_equal(harness_attr_u32(d->data, d->len, RADIUS_ACCT_SESSION_TIME),
                   3661);
  assert_int_equal(
      harness_attr_u32(d->data, d->len, RADIUS_ACCT_TERMINATE_CAUSE), 1);
  assert_int_equal(harness_attr_u32(d->data, d->len, RADIUS_ACCT_DELAY_TIME),
                   0);
  v = harness_find_attr(d->data, d->len, RADIUS_CLASS, &len);
  assert_non_null(v);
  assert_int_equal(len, 4);
  assert_memory_equal(v, "cls1", 4);
  v = harness_find_attr(d->data, d->len, RADIUS_FRAMED_IP_ADDRESS, &len);
  assert_non_null(v);
  assert_memory_equal(v, "\xc0\x00\x02\x0a", 4);

  assert_int_equal(
      harness_answer(&h, 0, RADIUS_ACCOUNTING_RESPONSE, NULL, 0, 0, T0 + SEC),
      0);
  assert_int_equal(l2tpsec_radius_client_next_deadline(h.client),
                   L2TPSEC_TSTAMP_NEVER);
  harness_stop(&h);
}

static void start_record_has_no_counters(void **state) {
  l2tpsec_radius_acct_record rec = stop_record();
  struct harness h;
  size_t len;

  rec.status = L2TPSEC_RADIUS_ACCT_START;
  start_with_accounting(&h, 1);
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0), 0);
  assert_null(harness_find_attr(h.sent[0].data, h.sent[0].len,
                                RADIUS_ACCT_INPUT_OCTETS, &len));
  assert_null(harness_find_attr(h.sent[0].data, h.sent[0].len,
                                RADIUS_ACCT_TERMINATE_CAUSE, &len));
  rec.status = L2TPSEC_RADIUS_ACCT_INTERIM;
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0), 0);
  assert_int_equal(
      harness_attr_u32(h.sent[1].data, h.sent[1].len, RADIUS_ACCT_STATUS_TYPE),
      3);
  assert_null(harness_find_attr(h.sent[1].data, h.sent[1].len,
                                RADIUS_ACCT_TERMINATE_CAUSE, &len));
  harness_stop(&h);
}

static void window_holds_back_records(void **state) {
  l2tpsec_radius_acct_record rec = stop_record();
  struct harness h;

  harness_settings(&h, 1);
  h.settings.acct_window = 1;
  harness_start(&h);
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0), 0);
  rec.session_id = "sess-0002";
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0), 0);
  assert_int_equal(h.sent_count, 1);

  /* Waiting 3 s shows up as Acct-Delay-Time on the second record. */
  assert_int_equal(harness_answer(&h, 0, RADIUS_ACCOUNTING_RESPONSE, NULL, 0, 0,
                                  T0 + 3 * SEC),
                   0);
  assert_int_equal(h.sent_count, 2);
  assert_int_equal(
      harness_attr_u32(h.sent[1].data, h.sent[1].len, RADIUS_ACCT_DELAY_TIME),
      3);
  harness_stop(&h);
}

static void full_queue_drops_and_reports(void **state) {
  l2tpsec_radius_acct_record rec = stop_record();
  struct harness h;
  l2tpsec_radius_stats stats;

  harness_settings(&h, 1);
  h.settings.acct_queue_max = 2;
  harness_start(&h);
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0), 0);
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0), 0);
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0),
                   L2TPSEC_ERR_LIMIT);
  assert_int_equal(h.acct_dropped, 1);
  assert_int_equal(h.last_drop, L2TPSEC_RADIUS_DROP_QUEUE_FULL);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.acct_dropped, 1);
  harness_stop(&h);
}

/*
 * Both servers are down for 10 minutes: the record keeps being retried,
 * moving between servers, and is delivered once one comes back.
 */
static void record_rides_out_outage(void **state) {
  l2tpsec_radius_acct_record rec = stop_record();
  struct harness h;

  start_with_accounting(&h, 2);
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0), 0);
  for (l2tpsec_tstamp t = T0; t <= T0 + 600 * SEC; t += SEC)
    l2tpsec_radius_client_handle_timeout(h.client, t);
  assert_int_equal(h.acct_dropped, 0);
  assert_true(h.sent_count >= 100);
  assert_int_equal(harness_answer(&h, h.sent_count - 1,
                                  RADIUS_ACCOUNTING_RESPONSE, NULL, 0, 0,
                                  T0 + 600 * SEC),
                   0);
  assert_int_equal(l2tpsec_radius_client_next_deadline(h.client),
                   L2TPSEC_TSTAMP_NEVER);
  harness_stop(&h);
}

static void old_record_dropped_and_reported(void **state) {
  l2tpsec_radius_acct_record rec = stop_record();
  struct harness h;

  harness_settings(&h, 1);
  h.settings.acct_max_age = 120 * SEC;
  harness_start(&h);
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0), 0);
  for (l2tpsec_tstamp t = T0; t < T0 + 120 * SEC; t += SEC)
    l2tpsec_radius_client_handle_timeout(h.client, t);
  assert_int_equal(h.acct_dropped, 0);
  l2tpsec_radius_client_handle_timeout(h.client, T0 + 120 * SEC);
  assert_int_equal(h.acct_dropped, 1);
  assert_int_equal(h.last_drop, L2TPSEC_RADIUS_DROP_TOO_OLD);
  assert_int_equal(l2tpsec_radius_client_next_deadline(h.client),
                   L2TPSEC_TSTAMP_NEVER);
  harness_stop(&h);
}

static void invalid_records_rejected(void **state) {
  l2tpsec_radius_acct_record rec = stop_record();
  struct harness h;

  start_with_accounting(&h, 1);
  rec.session_id = NULL;
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  rec = stop_record();
  rec.status = 9;
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  harness_stop(&h);

  harness_settings(&h, 1);
  h.settings.servers[0].acct_port = 0;
  harness_start(&h);
  rec = stop_record();
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0),
                   L2TPSEC_ERR_STATE);
  harness_stop(&h);
}

/* Recomputes a reply's Response Authenticator for request authenticator
 * `req_auth` after a test changed its bytes. */
static void resign(uint8_t *reply, size_t len, const uint8_t *req_auth) {
  uint8_t digest[16];
  l2tpsec__iovec parts[4] = {
      {reply, 4}, {req_auth, 16}, {reply + 20, len - 20}, {"secret0", 7}};

  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 4, digest), 0);
  memcpy(reply + 4, digest, 16);
}

/*
 * FreeRADIUS 3.2 computes an Accounting-Response's Message-Authenticator
 * over a zero authenticator field. That form is accepted, and a wrong
 * Message-Authenticator is not.
 */
static void acct_response_ma_over_zero_field(void **state) {
  static const uint8_t zero[16];
  l2tpsec_radius_acct_record rec = stop_record();
  const struct sent_datagram *req;
  struct harness h;
  uint8_t reply[RADIUS_PACKET_MAX];
  l2tpsec__radius_writer w;
  l2tpsec_radius_stats stats;
  int len;

  start_with_accounting(&h, 1);
  assert_int_equal(l2tpsec_radius_client_acct(h.client, &rec, T0), 0);
  req = &h.sent[0];

  /* The signed-request form computes the MA over a zero field. */
  l2tpsec__radius_begin(&w, reply, sizeof(reply), RADIUS_ACCOUNTING_RESPONSE,
                        req->data[1], zero);
  l2tpsec__radius_add_message_authenticator(&w);
  len =
      l2tpsec__radius_finish_signed_request(&w, (const uint8_t *)"secret0", 7);
  assert_true(len > 0);

  reply[22] ^= 1;
  resign(reply, (size_t)len, req->data + 4);
  assert_int_equal(harness_deliver(&h, 0, 1, reply, (size_t)len, T0 + SEC),
                   L2TPSEC_ERR_INTEGRITY);
  reply[22] ^= 1;
  resign(reply, (size_t)len, req->data + 4);
  assert_int_equal(harness_deliver(&h, 0, 1, reply, (size_t)len, T0 + SEC), 0);

  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.replies_accepted, 1);
  assert_int_equal(stats.dropped_bad_message_authenticator, 1);
  harness_stop(&h);
}

/* --- Disconnect-Request ------------------------------------------------ */

static const char dae_secret[] = "dae-secret";

static void start_with_dae(struct harness *h) {
  struct sockaddr_in a = harness_server_addr(2, 0);

  harness_settings(h, 1);
  memcpy(&h->settings.dae_clients[0].addr, &a, sizeof(a));
  h->settings.dae_clients[0].secret = (const uint8_t *)dae_secret;
  h->settings.dae_clients[0].secret_len = strlen(dae_secret);
  h->settings.dae_client_count = 1;
  harness_start(h);
}

static size_t disconnect_request(uint8_t *buf, const char *user,
                                 const char *secret, bool with_ma) {
  static const uint8_t zero[16];
  l2tpsec__radius_writer w;
  int len;

  l2tpsec__radius_begin(&w, buf, RADIUS_PACKET_MAX, RADIUS_DISCONNECT_REQUEST,
                        77, zero);
  if (with_ma)
    l2tpsec__radius_add_message_authenticator(&w);
  l2tpsec__radius_add_string(&w, RADIUS_USER_NAME, user);
  l2tpsec__radius_add_string(&w, RADIUS_ACCT_SESSION_ID, "sess-0001");
  len = l2tpsec__radius_finish_signed_request(&w, (const uint8_t *)secret,
                                              strlen(secret));
  assert_true(len > 0);
  return (size_t)len;
}

static int deliver_dae(struct harness *h, const uint8_t *buf, size_t len,
                       uint32_t from_ip) {
  struct sockaddr_in from = harness_server_addr(2, 0);

  from.sin_port = htons(40000);
  if (from_ip != 0)
    from.sin_addr.s_addr = htonl(from_ip);
  return l2tpsec_radius_client_dae_input(h->client, (struct sockaddr *)&from,
                                         sizeof(from), buf, len, T0);
}

static void disconnect_request_ends_session(void **state) {
  struct harness h;
  uint8_t buf[RADIUS_PACKET_MAX];
  size_t len;
  const struct sent_datagram *ack;

  start_with_dae(&h);
  len = disconnect_request(buf, "alice", dae_secret, true);
  assert_int_equal(deliver_dae(&h, buf, len, 0), 0);
  assert_int_equal(h.disconnects, 1);
  assert_string_equal(h.last_disconnect_user, "alice");

  assert_int_equal(h.sent_count, 1);
  ack = &h.sent[0];
  assert_int_equal(ack->channel, L2TPSEC_RADIUS_CHANNEL_DAE);
  assert_int_equal(ntohs(ack->to.sin_port), 40000);
  assert_int_equal(ack->data[0], RADIUS_DISCONNECT_ACK);
  assert_int_equal(ack->data[1], 77);
  assert_int_equal(l2tpsec__radius_check_response(ack->data, ack->len, buf + 4,
                                                  (const uint8_t *)dae_secret,
                                                  strlen(dae_secret), true),
                   RADIUS_CHECK_OK);
  harness_stop(&h);
}

static void disconnect_for_unknown_session_naked(void **state) {
  struct harness h;
  uint8_t buf[RADIUS_PACKET_MAX];
  size_t len;

  start_with_dae(&h);
  h.disconnect_result = 0;
  len = disconnect_request(buf, "mallory", dae_secret, true);
  assert_int_equal(deliver_dae(&h, buf, len, 0), 0);
  assert_int_equal(h.sent[0].data[0], RADIUS_DISCONNECT_NAK);
  assert_int_equal(
      harness_attr_u32(h.sent[0].data, h.sent[0].len, RADIUS_ERROR_CAUSE),
      RADIUS_ERROR_SESSION_NOT_FOUND);
  harness_stop(&h);
}

static void disconnect_from_unauthorised_sources_dropped(void **state) {
  struct harness h;
  uint8_t buf[RADIUS_PACKET_MAX];
  l2tpsec_radius_stats stats;
  size_t len;

  start_with_dae(&h);
  len = disconnect_request(buf, "alice", dae_secret, true);
  assert_int_equal(deliver_dae(&h, buf, len, 0xcb007105), /* 203.0.113.5 */
                   L2TPSEC_ERR_NOT_FOUND);
  len = disconnect_request(buf, "alice", "guessed", true);
  assert_int_equal(deliver_dae(&h, buf, len, 0), L2TPSEC_ERR_INTEGRITY);
  len = disconnect_request(buf, "alice", dae_secret, false);
  assert_int_equal(deliver_dae(&h, buf, len, 0), L2TPSEC_ERR_INTEGRITY);
  assert_int_equal(deliver_dae(&h, buf, 12, 0), L2TPSEC_ERR_TRUNCATED);
  buf[0] = RADIUS_ACCESS_REQUEST;
  assert_int_equal(deliver_dae(&h, buf, len, 0), L2TPSEC_ERR_UNSUPPORTED);

  assert_int_equal(h.disconnects, 0);
  assert_int_equal(h.sent_count, 0);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.dae_dropped, 5);
  harness_stop(&h);
}

static void disconnect_without_selection_naked(void **state) {
  static const uint8_t zero[16];
  struct harness h;
  uint8_t buf[RADIUS_PACKET_MAX];
  l2tpsec__radius_writer w;
  int len;

  start_with_dae(&h);
  l2tpsec__radius_begin(&w, buf, sizeof(buf), RADIUS_DISCONNECT_REQUEST, 5,
                        zero);
  l2tpsec__radius_add_message_authenticator(&w);
  len = l2tpsec__radius_finish_signed_request(&w, (const uint8_t *)dae_secret,
                                              strlen(dae_secret));
  assert_int_equal(deliver_dae(&h, buf, (size_t)len, 0), 0);
  assert_int_equal(h.disconnects, 0);
  assert_int_equal(h.sent[0].data[0], RADIUS_DISCONNECT_NAK);
  assert_int_equal(
      harness_attr_u32(h.sent[0].data, h.sent[0].len, RADIUS_ERROR_CAUSE),
      RADIUS_ERROR_MISSING_ATTRIBUTE);
  harness_stop(&h);
}

static void disconnect_retransmission_answered_once(void **state) {
  struct harness h;
  uint8_t buf[RADIUS_PACKET_MAX];
  l2tpsec_radius_stats stats;
  size_t len;

  start_with_dae(&h);
  len = disconnect_request(buf, "alice", dae_secret, true);
  assert_int_equal(deliver_dae(&h, buf, len, 0), 0);
  assert_int_equal(deliver_dae(&h, buf, len, 0), 0);
  assert_int_equal(h.disconnects, 1);
  assert_int_equal(h.sent_count, 2);
  assert_int_equal(h.sent[1].len, h.sent[0].len);
  assert_memory_equal(h.sent[1].data, h.sent[0].data, h.sent[0].len);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.dae_duplicates, 1);
  assert_int_equal(stats.dae_acked, 1);

  /* Different contents make another request. */
  len = disconnect_request(buf, "bob", dae_secret, true);
  assert_int_equal(deliver_dae(&h, buf, len, 0), 0);
  assert_int_equal(h.disconnects, 2);

  /* After 30 s the same bytes are acted on again. */
  {
    struct sockaddr_in from = harness_server_addr(2, 0);

    from.sin_port = htons(40000);
    assert_int_equal(
        l2tpsec_radius_client_dae_input(h.client, (struct sockaddr *)&from,
                                        sizeof(from), buf, len, T0 + 31 * SEC),
        0);
  }
  assert_int_equal(h.disconnects, 3);
  harness_stop(&h);
}

/* --- Event-Timestamp window ------------------------------------------- */

#define WALL_CLOCK 1700000000 /* the client's wall clock in these tests */

static int64_t fixed_wall_clock(void *user_data) {
  return WALL_CLOCK;
}

/* A signed Disconnect-Request for alice with Event-Timestamp `stamp`
 * (none when 0); `id` keeps the duplicate cache out of the way. */
static size_t stamped_request(uint8_t *buf, uint8_t id, uint32_t stamp) {
  static const uint8_t zero[16];
  l2tpsec__radius_writer w;
  int len;

  l2tpsec__radius_begin(&w, buf, RADIUS_PACKET_MAX, RADIUS_DISCONNECT_REQUEST,
                        id, zero);
  l2tpsec__radius_add_message_authenticator(&w);
  l2tpsec__radius_add_string(&w, RADIUS_USER_NAME, "alice");
  if (stamp != 0)
    l2tpsec__radius_add_u32(&w, RADIUS_EVENT_TIMESTAMP, stamp);
  len = l2tpsec__radius_finish_signed_request(&w, (const uint8_t *)dae_secret,
                                              strlen(dae_secret));
  assert_true(len > 0);
  return (size_t)len;
}

static void start_with_clock(struct harness *h, bool require) {
  struct sockaddr_in a = harness_server_addr(2, 0);

  harness_settings(h, 1);
  memcpy(&h->settings.dae_clients[0].addr, &a, sizeof(a));
  h->settings.dae_clients[0].secret = (const uint8_t *)dae_secret;
  h->settings.dae_clients[0].secret_len = strlen(dae_secret);
  h->settings.dae_client_count = 1;
  h->settings.unix_time = fixed_wall_clock;
  h->settings.dae_require_event_timestamp = require;
  harness_start(h);
}

static void disconnect_event_timestamp_window(void **state) {
  struct harness h;
  uint8_t buf[RADIUS_PACKET_MAX];
  l2tpsec_radius_stats stats;
  size_t len;

  start_with_clock(&h, false);
  len = stamped_request(buf, 1, WALL_CLOCK - 10);
  assert_int_equal(deliver_dae(&h, buf, len, 0), 0);
  len = stamped_request(buf, 2, WALL_CLOCK + 300);
  assert_int_equal(deliver_dae(&h, buf, len, 0), 0);
  len = stamped_request(buf, 3, 0);
  assert_int_equal(deliver_dae(&h, buf, len, 0), 0);
  assert_int_equal(h.disconnects, 3);
  assert_int_equal(h.sent_count, 3);

  /* A replay from an hour ago, and a request from the future. */
  len = stamped_request(buf, 4, WALL_CLOCK - 3600);
  assert_int_equal(deliver_dae(&h, buf, len, 0), L2TPSEC_ERR_INTEGRITY);
  len = stamped_request(buf, 5, WALL_CLOCK + 301);
  assert_int_equal(deliver_dae(&h, buf, len, 0), L2TPSEC_ERR_INTEGRITY);
  assert_int_equal(h.disconnects, 3);
  assert_int_equal(h.sent_count, 3);
  l2tpsec_radius_client_stats(h.client, &stats);
  assert_int_equal(stats.dae_dropped, 2);
  harness_stop(&h);
}

static void disconnect_requires_event_timestamp(void **state) {
  struct harness h;
  uint8_t buf[RADIUS_PACKET_MAX];
  size_t len;

  start_with_clock(&h, true);
  len = stamped_request(buf, 1, 0);
  assert_int_equal(deliver_dae(&h, buf, len, 0), L2TPSEC_ERR_INTEGRITY);
  assert_int_equal(h.disconnects, 0);
  len = stamped_request(buf, 2, WALL_CLOCK);
  assert_int_equal(deliver_dae(&h, buf, len, 0), 0);
  assert_int_equal(h.disconnects, 1);
  harness_stop(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(stop_record_attributes),
      cmocka_unit_test(start_record_has_no_counters),
      cmocka_unit_test(window_holds_back_records),
      cmocka_unit_test(full_queue_drops_and_reports),
      cmocka_unit_test(record_rides_out_outage),
      cmocka_unit_test(old_record_dropped_and_reported),
      cmocka_unit_test(invalid_records_rejected),
      cmocka_unit_test(acct_response_ma_over_zero_field),
      cmocka_unit_test(disconnect_request_ends_session),
      cmocka_unit_test(disconnect_for_unknown_session_naked),
      cmocka_unit_test(disconnect_from_unauthorised_sources_dropped),
      cmocka_unit_test(disconnect_without_selection_naked),
      cmocka_unit_test(disconnect_retransmission_answered_once),
      cmocka_unit_test(disconnect_event_timestamp_window),
      cmocka_unit_test(disconnect_requires_event_timestamp),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
