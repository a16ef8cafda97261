/*
 * libFuzzer harness for the L2TP LNS. For every tunnel state (none,
 * SCCRP sent, established, established with a session, closing
 * after our StopCCN, closed by the peer's StopCCN), with and without a
 * tunnel secret, a hand-driven peer brings a fresh LNS to that state and
 * the input is then fed to it as one datagram. The input's tunnel id,
 * session id, Ns and Nr are taken relative to the LNS's own values (see
 * aim_at_state) so that mutations reach the state machines instead of
 * stopping at the id lookup. Finally the clock runs for ten minutes so
 * that retransmission, HELLO and expiry paths run too.
 */
#include <stdint.h>
#include <string.h>

#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/l2tp.h"

enum state {
  S_NONE,
  S_WAIT_CONNECT,
  S_ESTABLISHED,
  S_SESSION,
  S_CLOSING,
  S_CLOSED,
  S_COUNT
};

struct lns {
  l2tpsec_l2tp *ep;
  l2tpsec_rand_test_state rand;
  l2tpsec_tstamp now;
  uint8_t last[1500]; /* last datagram the LNS sent */
  size_t last_len;
  uint16_t peer_ns; /* Ns the LNS expects next from us */
  uint16_t session;  /* LNS's session id, S_SESSION on */
};

static const uint8_t secret[] = "fuzz-secret";

static int capture(void *user_data, uint64_t transport, l2tpsec_pkt *pkt) {
  struct lns *l = user_data;

  if (pkt->len <= sizeof(l->last)) {
    memcpy(l->last, pkt->data, pkt->len);
    l->last_len = pkt->len;
  }
  return 0;
}

static size_t put_avp(uint8_t *p, uint16_t attr, const void *v, size_t len) {
  p[0] = (uint8_t)(0x80 | ((6 + len) >> 8));
  p[1] = (uint8_t)(6 + len);
  p[2] = p[3] = 0;
  p[4] = (uint8_t)(attr >> 8);
  p[5] = (uint8_t)attr;
  if (len > 0)
    memcpy(p + 6, v, len);
  return 6 + len;
}

static size_t put_u16(uint8_t *p, uint16_t attr, uint16_t v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

  return put_avp(p, attr, b, 2);
}

static l2tpsec__l2tp_tunnel *the_tunnel(struct lns *l) {
  for (size_t i = 0; i < l->ep->tunnels.cap; i++)
    if (l->ep->tunnels.slots[i].value != NULL)
      return l->ep->tunnels.slots[i].value;
  return NULL;
}

/* Sends AVPs as the next control message of the peer (tunnel id 9). */
static void send_ctl(struct lns *l, uint16_t session, const uint8_t *avps,
                     size_t len) {
  l2tpsec__l2tp_tunnel *t = the_tunnel(l);
  uint8_t buf[512];

  buf[0] = 0xc8;
  buf[1] = 0x02;
  l2tp_put16(buf + 2, (uint16_t)(12 + len));
  l2tp_put16(buf + 4, t != NULL ? t->id : 0);
  l2tp_put16(buf + 6, session);
  l2tp_put16(buf + 8, l->peer_ns++);
  l2tp_put16(buf + 10, t != NULL ? t->ctl.ns_next : 0);
  memcpy(buf + 12, avps, len);
  l2tpsec_l2tp_input(l->ep, 1, buf, 12 + len, l->now);
}

/* The LNS's last message, parsed; false when it was no control message. */
static bool last_message(struct lns *l, uint8_t *copy,
                         l2tpsec__l2tp_msg *msg) {
  if (l->last_len <= 12)
    return false;
  memcpy(copy, l->last + 12, l->last_len - 12);
  return l2tpsec__l2tp_msg_parse(copy, l->last_len - 12, NULL, 0, msg) == 0;
}

static void establish(struct lns *l, bool with_secret) {
  uint8_t avps[256], copy[1500], response[16];
  const uint8_t framing[4] = {0, 0, 0, 3};
  l2tpsec__l2tp_msg msg;
  size_t n;

  n = put_u16(avps, 0, 1);
  n += put_u16(avps + n, 2, 0x0100);
  n += put_avp(avps + n, 7, "fuzz", 4);
  n += put_avp(avps + n, 3, framing, 4);
  n += put_u16(avps + n, 9, 9);
  send_ctl(l, 0, avps, n);
  if (!last_message(l, copy, &msg))
    return;

  n = put_u16(avps, 0, 3);
  if (with_secret && l2tpsec__l2tp_has(&msg, L2TP_AVP_CHALLENGE) &&
      l2tpsec__l2tp_chap_response(l->ep, 3, msg.challenge.data,
                                  msg.challenge.len, response) == 0)
    n += put_avp(avps + n, 13, response, 16);
  send_ctl(l, 0, avps, n);
}

static void open_session(struct lns *l) {
  uint8_t avps[128], copy[1500];
  const uint8_t serial[4] = {0, 0, 0, 1}, speed[4] = {0, 1, 0, 0};
  const uint8_t framing[4] = {0, 0, 0, 1};
  l2tpsec__l2tp_msg msg;
  size_t n;

  n = put_u16(avps, 0, 10);
  n += put_u16(avps + n, 14, 5);
  n += put_avp(avps + n, 15, serial, 4);
  send_ctl(l, 0, avps, n);
  if (!last_message(l, copy, &msg))
    return;
  l->session = msg.assigned_session_id;

  n = put_u16(avps, 0, 12);
  n += put_avp(avps + n, 24, speed, 4);
  n += put_avp(avps + n, 19, framing, 4);
  n += put_avp(avps + n, 39, NULL, 0);
  send_ctl(l, l->session, avps, n);
}

static void reach(struct lns *l, enum state s, bool with_secret) {
  const uint8_t result[4] = {0, 1, 0, 0};
  uint8_t avps[64];
  l2tpsec__l2tp_tunnel *t;
  size_t n;

  if (s >= S_ESTABLISHED)
    establish(l, with_secret);
  if (s >= S_SESSION)
    open_session(l);
  t = the_tunnel(l);
  if (s == S_CLOSING && t != NULL)
    l2tpsec_l2tp_tunnel_close(l->ep, t->id, 1, l->now);
  if (s == S_CLOSED) {
    n = put_u16(avps, 0, 4);
    n += put_u16(avps + n, 9, 9);
    n += put_avp(avps + n, 1, result, sizeof(result));
    send_ctl(l, 0, avps, n);
  }
}

/*
 * Points the datagram at the LNS's tunnel and session (a non-zero id in
 * the input means "the existing one"), and takes Ns as an offset from
 * the Ns the LNS expects and Nr as an offset back from its next Ns.
 */
static void aim_at_state(struct lns *l, uint8_t *d, size_t len) {
  l2tpsec__l2tp_tunnel *t = the_tunnel(l);
  uint16_t flags;
  size_t pos = 2;

  if (len < 6 || t == NULL)
    return;
  flags = l2tp_get16(d);
  if (flags & L2TP_FLAG_L)
    pos += 2;
  if (len >= pos + 2 && l2tp_get16(d + pos) != 0)
    l2tp_put16(d + pos, t->id);
  if (len >= pos + 4 && l2tp_get16(d + pos + 2) != 0 && l->session != 0)
    l2tp_put16(d + pos + 2, l->session);
  if ((flags & L2TP_FLAG_S) && len >= pos + 8) {
    l2tp_put16(d + pos + 4, (uint16_t)(l->peer_ns + l2tp_get16(d + pos + 4)));
    l2tp_put16(d + pos + 6,
               (uint16_t)(t->ctl.ns_next - l2tp_get16(d + pos + 6)));
  }
}

static void run_one(const uint8_t *data, size_t size, enum state s,
                    bool with_secret) {
  l2tpsec_l2tp_callbacks cb = {capture, NULL, NULL};
  l2tpsec_l2tp_settings settings;
  static uint8_t datagram[65536];
  struct lns l;

  memset(&l, 0, sizeof(l));
  l.now = 1000 * L2TPSEC_SECONDS;
  l2tpsec_l2tp_settings_default(&settings);
  settings.rand = l2tpsec_rand_test(&l.rand, 1);
  if (with_secret) {
    settings.secret = secret;
    settings.secret_len = sizeof(secret) - 1;
    settings.hide_avps = true;
  }
  if (l2tpsec_l2tp_new(&l.ep, &settings, &cb, &l) != 0)
    return;

  if (s == S_WAIT_CONNECT) {
    /* Only the SCCRQ: the LNS waits for SCCCN. */
    uint8_t avps[64];
    const uint8_t framing[4] = {0, 0, 0, 3};
    size_t n = put_u16(avps, 0, 1);

    n += put_u16(avps + n, 2, 0x0100);
    n += put_avp(avps + n, 7, "fuzz", 4);
    n += put_avp(avps + n, 3, framing, 4);
    n += put_u16(avps + n, 9, 9);
    send_ctl(&l, 0, avps, n);
  } else {
    reach(&l, s, with_secret);
  }

  memcpy(datagram, data, size);
  aim_at_state(&l, datagram, size);
  l2tpsec_l2tp_input(l.ep, 1, datagram, size, l.now);

  /* Every deadline of the next ten minutes, in order. */
  for (int i = 0; i < 16; i++) {
    l2tpsec_tstamp d = l2tpsec_l2tp_next_deadline(l.ep);

    if (d > 1600 * L2TPSEC_SECONDS)
      break;
    l.now = d > l.now ? d : l.now;
    l2tpsec_l2tp_handle_timeout(l.ep, l.now);
  }
  l2tpsec_l2tp_del(l.ep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65535)
    return 0;
  for (int s = 0; s < S_COUNT; s++) {
    run_one(data, size, (enum state)s, false);
    run_one(data, size, (enum state)s, true);
  }
  return 0;
}
