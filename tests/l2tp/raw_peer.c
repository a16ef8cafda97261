/* A hand-driven L2TP peer; see raw_peer.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "raw_peer.h"

static int capture_send(void *user_data, uint64_t transport,
                        l2tpsec_pkt *pkt) {
  struct raw *r = user_data;
  struct raw_out *o = &r->out[r->out_count % RAW_MAX_OUT];

  if (r->transport_released && transport == 1)
    return -1;
  o->transport = transport;
  o->at = r->now;
  o->len = pkt->len < sizeof(o->data) ? pkt->len : sizeof(o->data);
  memcpy(o->data, pkt->data, o->len);
  r->out_count++;
  r->out_total++;
  return 0;
}

static void capture_event(void *user_data, const l2tpsec_l2tp_event *ev) {
  struct raw *r = user_data;

  /* Counted apart, so that tests reading the last events find the
   * TUNNEL_DOWN that comes just before. */
  if (ev->type == L2TPSEC_L2TP_TUNNEL_FREED) {
    r->freed_count++;
    if (r->release_transport && ev->transport == 1 &&
        l2tpsec_l2tp_tunnel_count(r->ep) == 0)
      r->transport_released = true;
    return;
  }
  /* When full, the newest event replaces the last one kept. */
  if (r->event_count >= RAW_MAX_EVENTS)
    r->event_count = RAW_MAX_EVENTS - 1;
  r->events[r->event_count] = *ev;
  snprintf(r->messages[r->event_count], sizeof(r->messages[0]), "%s",
           ev->message);
  r->events[r->event_count].message = r->messages[r->event_count];
  r->events[r->event_count].peer_host_name = "";
  r->event_count++;
}

static void capture_frame(void *user_data, uint16_t tunnel_id,
                          uint16_t session_id, const uint8_t *frame,
                          size_t len) {
  struct raw *r = user_data;

  r->last_frame_len = len < sizeof(r->last_frame) ? len : sizeof(r->last_frame);
  memcpy(r->last_frame, frame, r->last_frame_len);
}

static void capture_log(void *user_data, enum l2tpsec_log_level level,
                        enum l2tpsec_log_category category,
                        const char *message) {
  struct raw *r = user_data;

  snprintf(r->log[r->log_count % RAW_MAX_LOG], sizeof(r->log[0]), "%s",
           message);
  r->log_count++;
}

void raw_settings(struct raw *r, l2tpsec_l2tp_settings *s) {
  memset(r, 0, sizeof(*r));
  r->now = 1000 * L2TPSEC_SECONDS;
  l2tpsec_l2tp_settings_default(s);
  s->rand = l2tpsec_rand_test(&r->rand_state, 77);
  s->log.fn = capture_log;
  s->log.user_data = r;
  s->log.max_level = L2TPSEC_LOG_DEBUG;
}

void raw_start(struct raw *r, const l2tpsec_l2tp_settings *s) {
  l2tpsec_l2tp_callbacks cb = {capture_send, capture_frame, capture_event};

  assert_int_equal(l2tpsec_l2tp_new(&r->ep, s, &cb, r), 0);
}

void raw_stop(struct raw *r) {
  l2tpsec_l2tp_del(r->ep);
}

size_t avp(uint8_t *p, bool mandatory, uint16_t attr, const void *value,
           size_t len) {
  size_t total = 6 + len;

  p[0] = (uint8_t)((mandatory ? 0x80 : 0) | (total >> 8));
  p[1] = (uint8_t)total;
  p[2] = p[3] = 0;
  p[4] = (uint8_t)(attr >> 8);
  p[5] = (uint8_t)attr;
  if (len > 0)
    memcpy(p + 6, value, len);
  return total;
}

size_t avp16(uint8_t *p, uint16_t attr, uint16_t value) {
  uint8_t v[2] = {(uint8_t)(value >> 8), (uint8_t)value};

  return avp(p, true, attr, v, 2);
}

int raw_send_ctl(struct raw *r, uint64_t transport, uint16_t tunnel,
                 uint16_t session, uint16_t ns, uint16_t nr,
                 const uint8_t *avps, size_t len) {
  uint8_t buf[2048];
  size_t total = 12 + len;

  buf[0] = 0xc8;
  buf[1] = 0x02;
  buf[2] = (uint8_t)(total >> 8);
  buf[3] = (uint8_t)total;
  buf[4] = (uint8_t)(tunnel >> 8);
  buf[5] = (uint8_t)tunnel;
  buf[6] = (uint8_t)(session >> 8);
  buf[7] = (uint8_t)session;
  buf[8] = (uint8_t)(ns >> 8);
  buf[9] = (uint8_t)ns;
  buf[10] = (uint8_t)(nr >> 8);
  buf[11] = (uint8_t)nr;
  if (len > 0)
    memcpy(buf + 12, avps, len);
  return l2tpsec_l2tp_input(r->ep, transport, buf, total, r->now);
}

size_t sccrq_avps(uint8_t *p, uint16_t peer_tid, const char *host) {
  const uint8_t framing[4] = {0, 0, 0, 3};
  size_t n = 0;

  n += avp16(p + n, 0, 1);     /* Message Type SCCRQ */
  n += avp16(p + n, 2, 0x100); /* Protocol Version 1.0 */
  n += avp(p + n, true, 7, host, strlen(host));
  n += avp(p + n, true, 3, framing, 4);
  n += avp16(p + n, 9, peer_tid);
  return n;
}

int raw_out_type(struct raw *r, int i, l2tpsec__l2tp_msg *msg) {
  struct raw_out *o = &r->out[i % RAW_MAX_OUT];
  uint8_t copy[1500];

  if (o->len < 12 || !(o->data[0] & 0x80))
    return -1;
  memcpy(copy, o->data + 12, o->len - 12);
  if (l2tpsec__l2tp_msg_parse(copy, o->len - 12, NULL, 0, msg) != 0)
    return -1;
  /* Byte ranges point into `copy`, so callers use only scalar fields. */
  return msg->type;
}

int raw_find_out(struct raw *r, uint16_t type, l2tpsec__l2tp_msg *msg) {
  int first = r->out_count > RAW_MAX_OUT ? r->out_count - RAW_MAX_OUT : 0;

  for (int i = r->out_count - 1; i >= first; i--)
    if (raw_out_type(r, i, msg) == type)
      return i;
  return -1;
}

void raw_establish(struct raw *r) {
  uint8_t avps[256];
  l2tpsec__l2tp_msg msg;
  size_t n = sccrq_avps(avps, 9, "raw-peer");

  assert_int_equal(raw_send_ctl(r, 1, 0, 0, 0, 0, avps, n), 0);
  assert_true(raw_find_out(r, 2, &msg) >= 0); /* SCCRP */
  r->tunnel = msg.assigned_tunnel_id;
  r->peer_tunnel = 9;
  n = avp16(avps, 0, 3); /* SCCCN */
  assert_int_equal(raw_send_ctl(r, 1, r->tunnel, 0, 1, 1, avps, n), 0);
  r->ns = 2;
  r->nr = 1;
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r->ep), 1);
}

int raw_send_next(struct raw *r, uint16_t session, const uint8_t *avps,
                  size_t len) {
  int rc = raw_send_ctl(r, 1, r->tunnel, session, r->ns, r->nr, avps, len);

  r->ns++;
  return rc;
}

bool raw_logged(const struct raw *r, const char *needle) {
  int first = r->log_count > RAW_MAX_LOG ? r->log_count - RAW_MAX_LOG : 0;

  for (int i = first; i < r->log_count; i++)
    if (strstr(r->log[i % RAW_MAX_LOG], needle) != NULL)
      return true;
  return false;
}

void raw_advance(struct raw *r, l2tpsec_tstamp until) {
  for (int steps = 0;; steps++) {
    l2tpsec_tstamp d = l2tpsec_l2tp_next_deadline(r->ep);

    assert_true(steps < 1000000); /* a deadline that never moves */
    if (d > until)
      break;
    if (d > r->now)
      r->now = d;
    l2tpsec_l2tp_handle_timeout(r->ep, r->now);
  }
  r->now = until;
}
