/*
 * Failures reported from deployed L2TP servers, each replayed against
 * our LNS byte by byte: NATed clients with equal tunnel ids, short and
 * byte-swapped Result Codes, AVP walker abuse, garbage on the port, ZLB
 * ping-pong and HELLO timing with sleeping phones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"
#include "raw_peer.h"

static struct raw r;

static const l2tpsec_l2tp_event *last_event(enum l2tpsec_l2tp_event_type t) {
  for (int i = r.event_count - 1; i >= 0; i--)
    if (r.events[i].type == t)
      return &r.events[i];
  return NULL;
}

static int count_events(enum l2tpsec_l2tp_event_type t) {
  int n = 0;

  for (int i = 0; i < r.event_count; i++)
    n += r.events[i].type == t;
  return n;
}

static void start_lns(void) {
  l2tpsec_l2tp_settings s;

  raw_settings(&r, &s);
  raw_start(&r, &s);
}

/* Two Windows clients behind one NAT both pick tunnel id 1. */
static void nat_clients_get_two_tunnels(void **state) {
  uint8_t a[256], b[256];
  size_t alen = sccrq_avps(a, 1, "CLIENTA");
  size_t blen = sccrq_avps(b, 1, "CLIENTB");
  l2tpsec__l2tp_msg msg;
  uint16_t tunnel_a, tunnel_b;
  int total;

  start_lns();
  assert_int_equal(raw_send_ctl(&r, 0xa, 0, 0, 0, 0, a, alen), 0);
  assert_int_equal(raw_find_out(&r, L2TP_MSG_SCCRP, &msg), 0);
  assert_int_equal(r.out[0].transport, 0xa);
  tunnel_a = msg.assigned_tunnel_id;

  assert_int_equal(raw_send_ctl(&r, 0xb, 0, 0, 0, 0, b, blen), 0);
  assert_int_equal(raw_find_out(&r, L2TP_MSG_SCCRP, &msg), 1);
  assert_int_equal(r.out[1].transport, 0xb);
  tunnel_b = msg.assigned_tunnel_id;
  assert_int_not_equal(tunnel_a, tunnel_b);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 2);

  /* A's SCCRQ again, byte for byte, a second later: acknowledged on A's
   * transport, and nothing new is created. */
  r.now += L2TPSEC_SECONDS;
  total = r.out_total;
  raw_send_ctl(&r, 0xa, 0, 0, 0, 0, a, alen);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 2);
  assert_int_equal(r.out_total, total + 1);
  assert_int_equal(r.out[total].transport, 0xa);
  assert_int_equal(r.out[total].len, 12); /* ZLB */
  raw_stop(&r);
}

static size_t stopccn(uint8_t *p, const uint8_t *result, size_t result_len) {
  size_t n = avp16(p, 0, L2TP_MSG_STOPCCN);

  n += avp16(p + n, 9, 9);
  n += avp(p + n, true, 1, result, result_len);
  return n;
}

static void stopccn_without_error_code(void **state) {
  const uint8_t result[] = {0, 1};
  const l2tpsec_l2tp_event *down;
  uint8_t avps[64];
  size_t n = stopccn(avps, result, sizeof(result));
  int total;

  start_lns();
  raw_establish(&r);
  total = r.out_total;
  assert_int_equal(raw_send_next(&r, 0, avps, n), 0);
  /* A ZLB acknowledges it: Nr = 3. */
  assert_int_equal(r.out_total, total + 1);
  assert_int_equal(r.out[total].len, 12);
  assert_int_equal(r.out[total].data[11], 3);
  down = last_event(L2TPSEC_L2TP_TUNNEL_DOWN);
  assert_non_null(down);
  assert_int_equal(down->result_code, 1);
  assert_int_equal(down->reason, L2TPSEC_L2TP_REASON_PEER);

  /* State stays to acknowledge a resent StopCCN, then goes. */
  raw_send_ctl(&r, 1, r.tunnel, 0, r.ns - 1, r.nr, avps, n);
  assert_int_equal(r.out_total, total + 2);
  raw_advance(&r, r.now + 60 * L2TPSEC_SECONDS);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 0);
  raw_stop(&r);
}

/* A server releases a plain peer's transport once no tunnel needs it;
 * the tunnel must keep acknowledging the StopCCN until then. */
static void stopccn_acked_until_freed(void **state) {
  const uint8_t result[] = {0, 1};
  uint8_t avps[64];
  size_t n = stopccn(avps, result, sizeof(result));
  uint16_t stop_ns;
  int total;

  start_lns();
  r.release_transport = true;
  raw_establish(&r);
  stop_ns = r.ns;
  total = r.out_total;
  assert_int_equal(raw_send_next(&r, 0, avps, n), 0);
  assert_int_equal(r.out_total, total + 1);
  assert_int_equal(r.out[total].len, 12);
  assert_int_equal(l2tp_get16(r.out[total].data + 10), stop_ns + 1);
  assert_false(r.transport_released);

  /* The peer missed the ZLB and resends the StopCCN 8 s later. */
  r.now += 8 * L2TPSEC_SECONDS;
  raw_advance(&r, r.now);
  raw_send_ctl(&r, 1, r.tunnel, 0, stop_ns, r.nr, avps, n);
  assert_int_equal(r.out_total, total + 2);
  assert_int_equal(r.out[total + 1].len, 12);
  assert_int_equal(l2tp_get16(r.out[total + 1].data + 10), stop_ns + 1);

  raw_advance(&r, r.now + 60 * L2TPSEC_SECONDS);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 0);
  assert_true(r.transport_released);
  raw_stop(&r);
}

static void stopccn_apple_byte_order(void **state) {
  const uint8_t result[] = {1, 0, 0, 0};
  uint8_t avps[64];
  size_t n = stopccn(avps, result, sizeof(result));

  start_lns();
  raw_establish(&r);
  raw_send_next(&r, 0, avps, n);
  assert_int_equal(last_event(L2TPSEC_L2TP_TUNNEL_DOWN)->result_code, 1);
  assert_true(raw_logged(&r, "little-endian"));
  raw_stop(&r);
}

static void stopccn_result_of_seven_bytes(void **state) {
  const uint8_t result[] = {0};
  l2tpsec__l2tp_msg msg;
  uint8_t avps[64];
  size_t n = stopccn(avps, result, sizeof(result));
  int i;

  start_lns();
  raw_establish(&r);
  raw_send_next(&r, 0, avps, n);
  i = raw_find_out(&r, L2TP_MSG_STOPCCN, &msg);
  assert_true(i >= 0);
  assert_int_equal(msg.result_code, 2);
  assert_int_equal(msg.error_code, 2);
  assert_true(msg.has_error_code);
  /* Our Result Code AVP: full form, network byte order. */
  assert_int_equal(r.out[i].data[12 + 8 + 8 + 1] >= 10, 1);
  assert_int_equal(r.out[i].data[12 + 16 + 6], 0);
  assert_int_equal(r.out[i].data[12 + 16 + 7], 2);
  raw_stop(&r);
}

static void stopccn_long_message_truncated(void **state) {
  uint8_t result[4 + 1000];
  uint8_t avps[1100];
  size_t n;

  memset(result, 'x', sizeof(result));
  result[0] = 0;
  result[1] = 2;
  result[2] = 0;
  result[3] = 6;
  n = stopccn(avps, result, sizeof(result));
  start_lns();
  raw_establish(&r);
  raw_send_next(&r, 0, avps, n);
  assert_int_equal(last_event(L2TPSEC_L2TP_TUNNEL_DOWN)->result_code, 2);
  assert_int_equal(last_event(L2TPSEC_L2TP_TUNNEL_DOWN)->error_code, 6);
  assert_int_equal(strlen(last_event(L2TPSEC_L2TP_TUNNEL_DOWN)->message),
                   L2TP_MESSAGE_MAX);
  raw_stop(&r);
}

/* ICRQ and ICCN from the raw peer (session 5); returns the LNS's id. */
static uint16_t open_raw_session(void) {
  uint8_t avps[128];
  const uint8_t serial[4] = {0, 0, 0, 1};
  const uint8_t speed[4] = {0, 1, 0, 0};
  const uint8_t framing[4] = {0, 0, 0, 1};
  l2tpsec__l2tp_msg msg;
  uint16_t sid;
  size_t n;

  n = avp16(avps, 0, L2TP_MSG_ICRQ);
  n += avp16(avps + n, 14, 5);
  n += avp(avps + n, true, 15, serial, 4);
  assert_int_equal(raw_send_next(&r, 0, avps, n), 0);
  assert_true(raw_find_out(&r, L2TP_MSG_ICRP, &msg) >= 0);
  sid = msg.assigned_session_id;
  r.nr++;

  n = avp16(avps, 0, L2TP_MSG_ICCN);
  n += avp(avps + n, true, 24, speed, 4);
  n += avp(avps + n, true, 19, framing, 4);
  assert_int_equal(raw_send_next(&r, sid, avps, n), 0);
  assert_int_equal(count_events(L2TPSEC_L2TP_SESSION_UP), 1);
  return sid;
}

static void cdn_without_error_code(void **state) {
  const uint8_t result[] = {0, 3};
  uint8_t avps[64];
  uint16_t sid;
  size_t n;

  start_lns();
  raw_establish(&r);
  sid = open_raw_session();
  n = avp16(avps, 0, L2TP_MSG_CDN);
  n += avp(avps + n, true, 1, result, sizeof(result));
  n += avp16(avps + n, 14, 5);
  assert_int_equal(raw_send_next(&r, sid, avps, n), 0);
  assert_int_equal(last_event(L2TPSEC_L2TP_SESSION_DOWN)->result_code, 3);
  assert_int_equal(l2tpsec_l2tp_session_count(r.ep), 0);
  assert_int_equal(count_events(L2TPSEC_L2TP_TUNNEL_DOWN), 0);
  raw_stop(&r);
}

/* Sends AVP bytes after a HELLO Message Type; expects StopCCN 2/2. */
static void expect_stop_2_2(const uint8_t *extra, size_t extra_len) {
  uint8_t avps[128];
  l2tpsec__l2tp_msg msg;
  size_t n = avp16(avps, 0, L2TP_MSG_HELLO);

  memcpy(avps + n, extra, extra_len);
  start_lns();
  raw_establish(&r);
  raw_send_next(&r, 0, avps, n + extra_len);
  assert_true(raw_find_out(&r, L2TP_MSG_STOPCCN, &msg) >= 0);
  assert_int_equal(msg.result_code, 2);
  assert_int_equal(msg.error_code, 2);
  raw_stop(&r);
}

static void walker_zero_length_avp(void **state) {
  const uint8_t zero[] = {0x00, 0x00, 0x00, 0x00, 0x01, 0x2c};
  uint8_t sccrq[256];
  size_t n = avp16(sccrq, 0, L2TP_MSG_SCCRQ);
  l2tpsec_l2tp_stats st;

  expect_stop_2_2(zero, sizeof(zero));

  /* In an SCCRQ nothing is created and nothing is sent. */
  memcpy(sccrq + n, zero, sizeof(zero));
  n += sizeof(zero);
  n += sccrq_avps(sccrq + n, 3, "x") - 8;
  start_lns();
  assert_int_equal(raw_send_ctl(&r, 1, 0, 0, 0, 0, sccrq, n),
                   L2TPSEC_ERR_MALFORMED);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 0);
  assert_int_equal(r.out_total, 0);
  l2tpsec_l2tp_get_stats(r.ep, &st);
  assert_int_equal(st.rx_malformed, 1);
  raw_stop(&r);
}

static void walker_length_five(void **state) {
  const uint8_t five[] = {0x00, 0x05, 0x00, 0x00, 0x00};

  expect_stop_2_2(five, sizeof(five));
}

static void walker_length_past_message(void **state) {
  uint8_t big[40] = {0x03, 0xff, 0x00, 0x00, 0x00, 0x07};

  expect_stop_2_2(big, sizeof(big));
}

static void walker_hidden_then_zero_length(void **state) {
  const uint8_t avps[] = {0x40, 0x08, 0, 0, 0, 9, 0x12, 0x34,
                          0x00, 0x00, 0, 0, 0, 9};

  expect_stop_2_2(avps, sizeof(avps));
}

/* Hides like section 4.3, written separately from the library's code. */
static void hide_by_hand(uint16_t attr, const char *secret,
                         const uint8_t vector[16], uint8_t *data,
                         size_t len) {
  uint8_t type[2] = {(uint8_t)(attr >> 8), (uint8_t)attr};
  uint8_t key[16];
  l2tpsec__iovec first[3] = {
      {type, 2}, {secret, strlen(secret)}, {vector, 16}};

  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD5, first, 3, key), 0);
  for (size_t pos = 0; pos < len; pos += 16) {
    for (size_t i = 0; i < 16 && pos + i < len; i++)
      data[pos + i] ^= key[i];
    if (pos + 16 < len) {
      l2tpsec__iovec next[2] = {{secret, strlen(secret)}, {data + pos, 16}};
      assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD5, next, 2, key), 0);
    }
  }
}

static size_t padded_hidden_avps(uint8_t *p, uint16_t original_len) {
  uint8_t vector[16], body[2 + 16 + 7];
  size_t n = avp16(p, 0, L2TP_MSG_ICCN);

  for (int i = 0; i < 16; i++)
    vector[i] = (uint8_t)(i * 7 + 1);
  body[0] = (uint8_t)(original_len >> 8);
  body[1] = (uint8_t)original_len;
  for (int i = 0; i < 16; i++)
    body[2 + i] = (uint8_t)(0xa0 + i);
  memset(body + 18, 0x55, 7);
  hide_by_hand(33, "SECRET", vector, body, sizeof(body));

  n += avp(p + n, true, 36, vector, 16);
  n += avp(p + n, true, 33, body, sizeof(body));
  p[n - sizeof(body) - 6] |= 0x40; /* H bit */
  return n;
}

static void hidden_avp_with_padding(void **state) {
  uint8_t avps[128];
  size_t n = padded_hidden_avps(avps, 16);
  l2tpsec__l2tp_msg msg;

  assert_int_equal(
      l2tpsec__l2tp_msg_parse(avps, n, (const uint8_t *)"SECRET", 6, &msg),
      0);
  assert_int_equal(msg.proxy_authen_response.len, 16);
  assert_int_equal(msg.proxy_authen_response.data[0], 0xa0);
  assert_int_equal(msg.proxy_authen_response.data[15], 0xaf);

  n = padded_hidden_avps(avps, 0x28);
  assert_int_equal(
      l2tpsec__l2tp_msg_parse(avps, n, (const uint8_t *)"SECRET", 6, &msg),
      L2TPSEC_ERR_MALFORMED);
}

static void hidden_avp_without_vector(void **state) {
  uint8_t avps[64];
  const uint8_t body[4] = {1, 2, 3, 4};
  l2tpsec__l2tp_msg msg;
  size_t n = avp16(avps, 0, L2TP_MSG_HELLO);

  n += avp(avps + n, true, 30, body, sizeof(body));
  avps[n - 10] |= 0x40;
  assert_int_equal(
      l2tpsec__l2tp_msg_parse(avps, n, (const uint8_t *)"SECRET", 6, &msg),
      L2TPSEC_ERR_AUTH_FAILED);

  avps[n - 10] &= 0x7f; /* not mandatory: skipped */
  assert_int_equal(
      l2tpsec__l2tp_msg_parse(avps, n, (const uint8_t *)"SECRET", 6, &msg),
      0);
  assert_int_equal(msg.hidden_failures, 1);
  assert_false(l2tpsec__l2tp_has(&msg, 30));
}

static long resident_kib(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");

  assert_non_null(f);
  assert_int_equal(fscanf(f, "%ld %ld", &pages, &resident), 2);
  fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void garbage_creates_no_state(void **state) {
  uint8_t junk[36] = {0x00, 0x3a, 0, 0, 0, 0, 0, 0, 0x70, 0x01};
  const uint8_t zlb0[] = {0xc8, 2, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0};
  const uint8_t short6[] = {0xc8, 2, 0, 12, 0, 0};
  l2tpsec_l2tp_stats st;
  long before;

  start_lns();
  before = resident_kib();
  /* 1,000 datagrams a second for 100 seconds of each kind. */
  for (int i = 0; i < 100000; i++) {
    r.now += L2TPSEC_MILLISECONDS;
    l2tpsec_l2tp_input(r.ep, 1, junk, sizeof(junk), r.now);
    l2tpsec_l2tp_input(r.ep, 1, zlb0, sizeof(zlb0), r.now);
    l2tpsec_l2tp_input(r.ep, 1, short6, sizeof(short6), r.now);
  }
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 0);
  assert_int_equal(r.out_total, 0);
  assert_true(resident_kib() - before < 1024);
  l2tpsec_l2tp_get_stats(r.ep, &st);
  assert_int_equal(st.rx_bad_version, 100000);
  assert_int_equal(st.rx_unknown_tunnel, 100000);
  assert_int_equal(st.rx_malformed, 100000);
  /* Logging is rate-limited to 10 lines a second for each of the three
   * kinds, plus one summary line per kind and second. */
  assert_true(r.log_count <= 3 * 11 * 101);
  assert_true(raw_logged(&r, "suppressed"));
  raw_stop(&r);
}

static const char *last_log(void) {
  return r.log_count > 0 ? r.log[(r.log_count - 1) % RAW_MAX_LOG] : "";
}

/* A flood of one kind of drop is charged to that kind only, and its
 * suppressed count is logged once the flood stops. */
static void rx_log_counts_kept_per_kind(void **state) {
  const uint8_t v3[] = {0xc8, 3, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0};
  const uint8_t stray[] = {0xc8, 2, 0, 12, 0x77, 0x77, 0, 0, 0, 0, 0, 0};

  start_lns();
  for (int i = 0; i < 554; i++)
    l2tpsec_l2tp_input(r.ep, 1, v3, sizeof(v3), r.now);
  assert_int_equal(r.log_count, 10);

  l2tpsec_l2tp_input(r.ep, 1, stray, sizeof(stray), r.now);
  assert_int_equal(r.log_count, 11);
  assert_non_null(strstr(last_log(), "unknown tunnel 30583"));
  assert_null(strstr(last_log(), "suppressed"));

  raw_advance(&r, r.now + 2 * L2TPSEC_SECONDS);
  assert_int_equal(r.log_count, 12);
  assert_non_null(strstr(last_log(), "544 wrong-version datagram log lines "
                                     "suppressed"));
  raw_stop(&r);
}

static void half_open_tunnel_expires(void **state) {
  uint8_t avps[128];
  size_t n = sccrq_avps(avps, 4, "half-open");

  start_lns();
  raw_send_ctl(&r, 5, 0, 0, 0, 0, avps, n);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 1);
  raw_advance(&r, r.now + 30 * L2TPSEC_SECONDS);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 0);
  /* The down line names the peer by its transport. */
  assert_true(raw_logged(&r, "(transport 5, peer tunnel 4, host "
                             "\"half-open\") closed"));
  raw_stop(&r);
}

/* 2,000 SCCRQs in 2 s whose tunnels never come up and expire about 23 s
 * later: a bounded number of log lines, while an established tunnel
 * still gets its notice line when it closes. */
static void half_open_flood_logs_bounded(void **state) {
  l2tpsec_l2tp_settings s;
  uint8_t avps[128];
  int before;

  raw_settings(&r, &s);
  s.log.max_level = L2TPSEC_LOG_INFO;
  raw_start(&r, &s);
  raw_establish(&r);
  for (int i = 0; i < 2000; i++) {
    size_t n = sccrq_avps(avps, (uint16_t)(100 + i), "flood");

    r.now += L2TPSEC_MILLISECONDS;
    raw_send_ctl(&r, 2, 0, 0, 0, 0, avps, n);
  }
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 2001);

  before = r.log_count;
  raw_advance(&r, r.now + 40 * L2TPSEC_SECONDS);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 1);
  /* 10 lines a second over the 2 s the expiries spread across, plus
   * one summary line of the suppressed count each second. */
  assert_true(r.log_count - before <= 40);
  assert_true(raw_logged(&r, "suppressed"));

  before = r.log_count;
  assert_int_equal(l2tpsec_l2tp_tunnel_close(r.ep, r.tunnel, 1, r.now), 0);
  assert_int_equal(r.log_count, before + 1);
  assert_non_null(strstr(last_log(), "(transport 1, peer tunnel 9"));
  raw_stop(&r);
}

static void zlb_never_answered(void **state) {
  uint8_t zlb[12] = {0xc8, 2, 0, 12};
  uint8_t hello[8];
  size_t n = avp16(hello, 0, L2TP_MSG_HELLO);
  int total, exchanged = 0;

  start_lns();
  raw_establish(&r);
  zlb[4] = (uint8_t)(r.tunnel >> 8);
  zlb[5] = (uint8_t)r.tunnel;
  zlb[9] = 9; /* Ns 9 while the LNS expects 2 */
  zlb[11] = (uint8_t)r.nr;
  total = r.out_total;
  assert_int_equal(l2tpsec_l2tp_input(r.ep, 1, zlb, 12, r.now), 0);
  assert_int_equal(r.out_total, total);

  /* An out-of-order HELLO still gets one ZLB... */
  raw_send_ctl(&r, 1, r.tunnel, 0, (uint16_t)(r.ns + 2), r.nr, hello, n);
  assert_int_equal(r.out_total, total + 1);

  /* ...and a peer that echoes every ZLB gets no conversation going. */
  for (int ms = 0; ms < 10000; ms += 10) {
    int before = r.out_total;

    raw_advance(&r, r.now + 10 * L2TPSEC_MILLISECONDS);
    for (int i = before; i < r.out_total; i++) {
      exchanged++;
      if (r.out[i % RAW_MAX_OUT].len == 12) {
        l2tpsec_l2tp_input(r.ep, 1, zlb, 12, r.now);
        exchanged++;
      }
    }
  }
  assert_true(exchanged < 20);
  raw_stop(&r);
}

static void send_data(uint16_t sid) {
  uint8_t frame[10] = {0, 0, 0, 0, 0, 0, 0xff, 0x03, 0xc0, 0x21};

  frame[2] = (uint8_t)(r.tunnel >> 8);
  frame[3] = (uint8_t)r.tunnel;
  frame[4] = (uint8_t)(sid >> 8);
  frame[5] = (uint8_t)sid;
  frame[1] = 0x02;
  assert_int_equal(l2tpsec_l2tp_input(r.ep, 1, frame, sizeof(frame), r.now),
                   0);
}

static void hello_not_sent_while_data_flows(void **state) {
  l2tpsec_l2tp_stats before, after;
  uint16_t sid;

  start_lns();
  raw_establish(&r);
  sid = open_raw_session();
  l2tpsec_l2tp_get_stats(r.ep, &before);
  for (int s = 0; s < 600; s++) {
    raw_advance(&r, r.now + L2TPSEC_SECONDS);
    send_data(sid);
  }
  l2tpsec_l2tp_get_stats(r.ep, &after);
  assert_int_equal(after.tx_control, before.tx_control);
  assert_int_equal(after.tx_retransmits, 0);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 1);
  raw_stop(&r);
}

static void unanswered_hello_closes_on_schedule(void **state) {
  const l2tpsec_tstamp offsets[] = {60, 61, 63, 67, 75};
  l2tpsec_tstamp idle_since;
  int total;

  start_lns();
  raw_establish(&r);
  idle_since = r.now;
  total = r.out_total;
  raw_advance(&r, r.now + 200 * L2TPSEC_SECONDS);

  /* HELLO after 60 s idle, resent after 1, 2, 4 and 8 s, then the
   * tunnel closes 8 s (the cap) after the last. */
  assert_int_equal(r.out_total - total, 5);
  for (int i = 0; i < 5; i++)
    assert_int_equal(r.out[total + i].at - idle_since,
                     offsets[i] * L2TPSEC_SECONDS);
  assert_int_equal(count_events(L2TPSEC_L2TP_TUNNEL_DOWN), 1);
  assert_int_equal(last_event(L2TPSEC_L2TP_TUNNEL_DOWN)->reason,
                   L2TPSEC_L2TP_REASON_TIMEOUT);
  assert_true(raw_logged(&r, "no acknowledgement after 5 transmissions"));
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 0);
  raw_stop(&r);
}

static void hello_timers_set_per_tunnel(void **state) {
  const l2tpsec_tstamp offsets[] = {30, 31, 33};
  l2tpsec_tstamp idle_since;
  int total;

  start_lns();
  raw_establish(&r);
  assert_int_equal(l2tpsec_l2tp_tunnel_set_timers(r.ep, r.tunnel,
                                                  30 * L2TPSEC_SECONDS, 3,
                                                  2 * L2TPSEC_SECONDS),
                   0);
  idle_since = r.now;
  total = r.out_total;
  raw_advance(&r, r.now + 34 * L2TPSEC_SECONDS);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 1);
  raw_advance(&r, r.now + 2 * L2TPSEC_SECONDS);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 0);
  assert_int_equal(r.out_total - total, 3);
  for (int i = 0; i < 3; i++)
    assert_int_equal(r.out[total + i].at - idle_since,
                     offsets[i] * L2TPSEC_SECONDS);
  raw_stop(&r);
}

static void hello_disabled_survives_silence(void **state) {
  l2tpsec_l2tp_settings s;
  int total;

  raw_settings(&r, &s);
  s.hello_interval = 0;
  raw_start(&r, &s);
  raw_establish(&r);
  total = r.out_total;
  raw_advance(&r, r.now + 600 * L2TPSEC_SECONDS);
  assert_int_equal(r.out_total, total);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 1);
  raw_stop(&r);
}

static void ocrq_refused_with_cdn(void **state) {
  uint8_t avps[64];
  const uint8_t serial[4] = {0, 0, 0, 7};
  l2tpsec__l2tp_msg msg;
  size_t n = avp16(avps, 0, L2TP_MSG_OCRQ);

  n += avp16(avps + n, 14, 44);
  n += avp(avps + n, true, 15, serial, 4);
  start_lns();
  raw_establish(&r);
  raw_send_next(&r, 0, avps, n);
  assert_true(raw_find_out(&r, L2TP_MSG_CDN, &msg) >= 0);
  assert_int_equal(msg.result_code, 5);
  assert_int_equal(r.out[r.out_count - 1].data[7], 44); /* peer session */
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 1);
  raw_stop(&r);
}

static void unknown_mandatory_avp_ends_call(void **state) {
  uint8_t avps[64];
  const uint8_t speed[4] = {0, 1, 0, 0}, framing[4] = {0, 0, 0, 1};
  l2tpsec__l2tp_msg msg;
  uint16_t sid;
  size_t n;

  start_lns();
  raw_establish(&r);
  sid = open_raw_session();
  /* An SLI with an unknown mandatory attribute 200 ends only the call. */
  n = avp16(avps, 0, L2TP_MSG_SLI);
  n += avp(avps + n, true, 200, speed, 4);
  raw_send_next(&r, sid, avps, n);
  assert_true(raw_find_out(&r, L2TP_MSG_CDN, &msg) >= 0);
  assert_int_equal(msg.result_code, 2);
  assert_int_equal(msg.error_code, 8);
  assert_int_equal(l2tpsec_l2tp_session_count(r.ep), 0);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 1);

  /* In a HELLO it ends the tunnel. */
  n = avp16(avps, 0, L2TP_MSG_HELLO);
  n += avp(avps + n, true, 200, framing, 4);
  raw_send_next(&r, 0, avps, n);
  assert_true(raw_find_out(&r, L2TP_MSG_STOPCCN, &msg) >= 0);
  assert_int_equal(msg.result_code, 2);
  assert_int_equal(msg.error_code, 8);
  raw_stop(&r);
}

static void data_offset_and_length_honoured(void **state) {
  /* L, S and O bits: Length 21, Ns 0, Offset Size 3 with 3 pad bytes,
   * then a 4-byte PPP frame and 3 bytes of link padding after Length. */
  uint8_t d[24] = {0x4a, 0x02, 0, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3,
                   0xee, 0xee, 0xee, 0xff, 0x03, 0xc0, 0x21, 0x77, 0x77};
  l2tpsec_l2tp_stats st;
  uint16_t sid;

  start_lns();
  raw_establish(&r);
  sid = open_raw_session();
  d[4] = (uint8_t)(r.tunnel >> 8);
  d[5] = (uint8_t)r.tunnel;
  d[6] = (uint8_t)(sid >> 8);
  d[7] = (uint8_t)sid;
  assert_int_equal(l2tpsec_l2tp_input(r.ep, 1, d, sizeof(d), r.now), 0);
  /* The same Ns again is stale. */
  assert_int_equal(l2tpsec_l2tp_input(r.ep, 1, d, sizeof(d), r.now),
                   L2TPSEC_ERR_REPLAY);
  l2tpsec_l2tp_get_stats(r.ep, &st);
  assert_int_equal(st.rx_data_frames, 1);
  assert_int_equal(st.rx_data_stale, 1);
  assert_int_equal(r.last_frame_len, 4);
  assert_int_equal(r.last_frame[0], 0xff);
  assert_int_equal(r.last_frame[3], 0x21);
  raw_stop(&r);
}

static void peer_window_limits_sends(void **state) {
  uint8_t avps[256];
  size_t n = sccrq_avps(avps, 9, "slow-peer");
  l2tpsec__l2tp_msg msg;
  uint16_t sid;
  int total;

  /* The peer advertises a Receive Window Size of 1. */
  n += avp16(avps + n, 10, 1);
  start_lns();
  raw_send_ctl(&r, 1, 0, 0, 0, 0, avps, n);
  assert_true(raw_find_out(&r, L2TP_MSG_SCCRP, &msg) >= 0);
  r.tunnel = msg.assigned_tunnel_id;
  n = avp16(avps, 0, L2TP_MSG_SCCCN);
  raw_send_ctl(&r, 1, r.tunnel, 0, 1, 1, avps, n);
  r.ns = 2;
  r.nr = 1;
  sid = open_raw_session();

  /* Two SLIs queued: only the first goes out until it is acknowledged. */
  total = r.out_total;
  assert_int_equal(l2tpsec_l2tp_session_set_link_info(r.ep, r.tunnel, sid, 0,
                                                      0, r.now),
                   0);
  assert_int_equal(l2tpsec_l2tp_session_set_link_info(r.ep, r.tunnel, sid, 1,
                                                      1, r.now),
                   0);
  assert_int_equal(r.out_total, total + 1);
  assert_int_equal(raw_out_type(&r, total, &msg), L2TP_MSG_SLI);
  assert_int_equal(msg.accm_send, 0);

  /* A ZLB acknowledging the first (Nr = its Ns + 1) releases the second. */
  raw_send_ctl(&r, 1, r.tunnel, 0, r.ns, (uint16_t)(r.nr + 1), NULL, 0);
  assert_int_equal(r.out_total, total + 2);
  assert_int_equal(raw_out_type(&r, total + 1, &msg), L2TP_MSG_SLI);
  assert_int_equal(msg.accm_send, 1);
  raw_stop(&r);
}

static void out_of_order_messages_processed_in_order(void **state) {
  uint8_t icrq[64], hello[8];
  const uint8_t serial[4] = {0, 0, 0, 1};
  size_t icrq_len, hello_len = avp16(hello, 0, L2TP_MSG_HELLO);
  l2tpsec_l2tp_stats st;
  l2tpsec__l2tp_msg msg;
  int total;

  icrq_len = avp16(icrq, 0, L2TP_MSG_ICRQ);
  icrq_len += avp16(icrq + icrq_len, 14, 5);
  icrq_len += avp(icrq + icrq_len, true, 15, serial, 4);
  start_lns();
  raw_establish(&r);
  total = r.out_total;

  /* HELLO (Ns 3) arrives before ICRQ (Ns 2): held, one ZLB with Nr 2. */
  raw_send_ctl(&r, 1, r.tunnel, 0, 3, r.nr, hello, hello_len);
  assert_int_equal(r.out_total, total + 1);
  assert_int_equal(r.out[total].len, 12);
  assert_int_equal(r.out[total].data[11], 2);
  assert_int_equal(l2tpsec_l2tp_session_count(r.ep), 0);

  /* ICRQ fills the gap: both run, and the last acknowledgement sent
   * carries Nr 4. */
  raw_send_ctl(&r, 1, r.tunnel, 0, 2, r.nr, icrq, icrq_len);
  assert_int_equal(l2tpsec_l2tp_session_count(r.ep), 1);
  assert_true(raw_find_out(&r, L2TP_MSG_ICRP, &msg) >= 0);
  assert_int_equal(r.out[r.out_count - 1].data[11], 4);
  l2tpsec_l2tp_get_stats(r.ep, &st);
  assert_int_equal(st.rx_out_of_order, 1);
  raw_stop(&r);
}

/* HELLO with Ns 7 ahead, beyond the receive window of 4: dropped, but
 * one ZLB gives the peer the Ns we expect. */
static void out_of_window_message_acked(void **state) {
  uint8_t avps[16];
  size_t n = avp16(avps, 0, L2TP_MSG_HELLO);
  l2tpsec_l2tp_stats st;
  int total;

  start_lns();
  raw_establish(&r);
  total = r.out_total;
  raw_send_ctl(&r, 1, r.tunnel, 0, (uint16_t)(r.ns + 7), r.nr, avps, n);
  assert_int_equal(r.out_total, total + 1);
  assert_int_equal(r.out[total].len, 12);
  assert_int_equal(l2tp_get16(r.out[total].data + 10), r.ns);
  l2tpsec_l2tp_get_stats(r.ep, &st);
  assert_int_equal(st.rx_outside_window, 1);

  /* The message in sequence is still taken and acknowledged. */
  assert_int_equal(raw_send_next(&r, 0, avps, n), 0);
  assert_int_equal(r.out_total, total + 2);
  assert_int_equal(l2tp_get16(r.out[total + 1].data + 10), r.ns);
  raw_stop(&r);
}

static void unacknowledging_peer_bounded(void **state) {
  uint8_t avps[64];
  uint8_t serial[4] = {0, 0, 0, 0};
  l2tpsec_l2tp_stats st;

  start_lns();
  raw_establish(&r);
  /* ICRQs whose ICRPs are never acknowledged (Nr stays put). */
  for (int i = 0; i < 300; i++) {
    size_t n = avp16(avps, 0, L2TP_MSG_ICRQ);

    n += avp16(avps + n, 14, (uint16_t)(i + 1));
    serial[3] = (uint8_t)i;
    n += avp(avps + n, true, 15, serial, 4);
    raw_send_next(&r, 0, avps, n);
  }
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 0);
  assert_int_equal(last_event(L2TPSEC_L2TP_TUNNEL_DOWN)->reason,
                   L2TPSEC_L2TP_REASON_PROTOCOL);
  assert_true(raw_logged(&r, "256 control messages unacknowledged"));
  l2tpsec_l2tp_get_stats(r.ep, &st);
  assert_true(st.tx_control <= 256 + 2);
  raw_stop(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nat_clients_get_two_tunnels),
      cmocka_unit_test(stopccn_without_error_code),
      cmocka_unit_test(stopccn_acked_until_freed),
      cmocka_unit_test(stopccn_apple_byte_order),
      cmocka_unit_test(stopccn_result_of_seven_bytes),
      cmocka_unit_test(stopccn_long_message_truncated),
      cmocka_unit_test(cdn_without_error_code),
      cmocka_unit_test(walker_zero_length_avp),
      cmocka_unit_test(walker_length_five),
      cmocka_unit_test(walker_length_past_message),
      cmocka_unit_test(walker_hidden_then_zero_length),
      cmocka_unit_test(hidden_avp_with_padding),
      cmocka_unit_test(hidden_avp_without_vector),
      cmocka_unit_test(garbage_creates_no_state),
      cmocka_unit_test(rx_log_counts_kept_per_kind),
      cmocka_unit_test(half_open_tunnel_expires),
      cmocka_unit_test(half_open_flood_logs_bounded),
      cmocka_unit_test(zlb_never_answered),
      cmocka_unit_test(hello_not_sent_while_data_flows),
      cmocka_unit_test(unanswered_hello_closes_on_schedule),
      cmocka_unit_test(hello_timers_set_per_tunnel),
      cmocka_unit_test(hello_disabled_survives_silence),
      cmocka_unit_test(ocrq_refused_with_cdn),
      cmocka_unit_test(unknown_mandatory_avp_ends_call),
      cmocka_unit_test(data_offset_and_length_honoured),
      cmocka_unit_test(peer_window_limits_sends),
      cmocka_unit_test(out_of_order_messages_processed_in_order),
      cmocka_unit_test(out_of_window_message_acked),
      cmocka_unit_test(unacknowledging_peer_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
