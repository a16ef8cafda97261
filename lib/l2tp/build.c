/* Building control messages into the reliable send queue. */
#include <stdlib.h>
#include <string.h>

#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"

void l2tpsec__l2tp_writer_start(l2tpsec__l2tp_tunnel *t,
                                l2tpsec__l2tp_writer *w, uint8_t *buf,
                                size_t cap, uint16_t type) {
  l2tpsec_l2tp *ep = t->ep;

  l2tpsec__l2tp_writer_init(w, buf, cap);
  w->secret = ep->secret;
  w->secret_len = ep->secret_len;
  w->hide = ep->settings.hide_avps && ep->secret_len > 0;
  l2tpsec__l2tp_put_u16(w, true, L2TP_AVP_MESSAGE_TYPE, type);
}

void l2tpsec__l2tp_put_secret(l2tpsec__l2tp_tunnel *t, l2tpsec__l2tp_writer *w,
                              uint16_t attr, const void *value, size_t len) {
  /* 16 bytes of Random Vector, then up to 15 bytes of padding. */
  uint8_t random[16 + 15];
  size_t pad;

  if (!w->hide) {
    l2tpsec__l2tp_put(w, true, attr, value, len);
    return;
  }
  if (l2tpsec_rand_bytes(&t->ep->settings.rand, random, sizeof(random)) != 0) {
    w->overflow = true;
    return;
  }
  /* Random padding hides the value's length (section 4.3). */
  pad = random[16] & 0x0f;
  l2tpsec__l2tp_put_hidden(w, true, attr, value, len, random, pad);
}

void l2tpsec__l2tp_put_result(l2tpsec__l2tp_writer *w, uint16_t result,
                              uint16_t error, const char *message) {
  uint8_t value[4 + L2TP_MESSAGE_MAX];
  size_t mlen = message != NULL ? strlen(message) : 0;

  if (mlen > L2TP_MESSAGE_MAX)
    mlen = L2TP_MESSAGE_MAX;
  /* Always the full form, in network byte order. */
  l2tp_put16(value, result);
  l2tp_put16(value + 2, error);
  if (mlen > 0)
    memcpy(value + 4, message, mlen);
  l2tpsec__l2tp_put(w, true, L2TP_AVP_RESULT_CODE, value, 4 + mlen);
}

l2tpsec__l2tp_txmsg *l2tpsec__l2tp_msg_new(l2tpsec__l2tp_tunnel *t,
                                           uint16_t peer_session,
                                           const l2tpsec__l2tp_writer *w) {
  size_t len = L2TP_CTL_HEADER_LEN + w->len;
  l2tpsec__l2tp_txmsg *m;

  if (w->overflow || len > L2TP_CTL_MAX)
    return NULL;
  m = malloc(sizeof(*m) + len);
  if (m == NULL)
    return NULL;

  memset(m, 0, sizeof(*m));
  m->len = (uint16_t)len;
  l2tp_put16(m->data, L2TP_FLAG_T | L2TP_FLAG_L | L2TP_FLAG_S | L2TP_VERSION);
  l2tp_put16(m->data + 2, (uint16_t)len);
  l2tp_put16(m->data + 4, t->peer_id);
  l2tp_put16(m->data + 6, peer_session);
  /* Ns and Nr are written when the message is queued and sent. */
  memcpy(m->data + L2TP_CTL_HEADER_LEN, w->buf, w->len);
  return m;
}

int l2tpsec__l2tp_send_msg(l2tpsec__l2tp_tunnel *t, uint16_t peer_session,
                           const l2tpsec__l2tp_writer *w, l2tpsec_tstamp now) {
  l2tpsec__l2tp_txmsg *m = l2tpsec__l2tp_msg_new(t, peer_session, w);

  if (m == NULL)
    return w->overflow ? L2TPSEC_ERR_NOBUFS : L2TPSEC_ERR_NOMEM;
  l2tpsec__l2tp_ctl_queue(t, m, now);
  return 0;
}
