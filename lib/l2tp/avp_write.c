/* AVP writer (RFC 2661 section 4.1), with hiding (section 4.3). */
#include <string.h>

#include "l2tp/avp.h"
#include "l2tp/bytes.h"

void l2tpsec__l2tp_writer_init(l2tpsec__l2tp_writer *w, uint8_t *buf,
                               size_t cap) {
  memset(w, 0, sizeof(*w));
  w->buf = buf;
  w->cap = cap;
}

/* Reserves an AVP of `value_len` bytes and returns its value area. */
static uint8_t *reserve(l2tpsec__l2tp_writer *w, uint16_t flags,
                        uint16_t attr, size_t value_len) {
  size_t total = L2TP_AVP_HEADER_LEN + value_len;
  uint8_t *p;

  if (w->overflow || total > L2TP_AVP_LEN_MASK || total > w->cap - w->len) {
    w->overflow = true;
    return NULL;
  }

  p = w->buf + w->len;
  l2tp_put16(p, (uint16_t)(flags | total));
  l2tp_put16(p + 2, 0); /* IETF vendor */
  l2tp_put16(p + 4, attr);
  w->len += total;
  return p + L2TP_AVP_HEADER_LEN;
}

void l2tpsec__l2tp_put(l2tpsec__l2tp_writer *w, bool mandatory, uint16_t attr,
                       const void *value, size_t len) {
  uint8_t *p = reserve(w, mandatory ? L2TP_AVP_M : 0, attr, len);

  if (p != NULL && len > 0)
    memcpy(p, value, len);
}

void l2tpsec__l2tp_put_u16(l2tpsec__l2tp_writer *w, bool mandatory,
                           uint16_t attr, uint16_t value) {
  uint8_t v[2];

  l2tp_put16(v, value);
  l2tpsec__l2tp_put(w, mandatory, attr, v, sizeof(v));
}

void l2tpsec__l2tp_put_u32(l2tpsec__l2tp_writer *w, bool mandatory,
                           uint16_t attr, uint32_t value) {
  uint8_t v[4];

  l2tp_put32(v, value);
  l2tpsec__l2tp_put(w, mandatory, attr, v, sizeof(v));
}

void l2tpsec__l2tp_put_hidden(l2tpsec__l2tp_writer *w, bool mandatory,
                              uint16_t attr, const void *value, size_t len,
                              const uint8_t *random, size_t pad) {
  uint16_t flags = (uint16_t)((mandatory ? L2TP_AVP_M : 0) | L2TP_AVP_H);
  uint8_t *p;
  int n;

  /* One Random Vector covers every hidden AVP after it. */
  if (!w->have_vector) {
    memcpy(w->random_vector, random, sizeof(w->random_vector));
    l2tpsec__l2tp_put(w, true, L2TP_AVP_RANDOM_VECTOR, w->random_vector,
                      sizeof(w->random_vector));
    w->have_vector = true;
  }

  p = reserve(w, flags, attr, 2 + len + pad);
  if (p == NULL)
    return;
  n = l2tpsec__l2tp_hide(attr, w->secret, w->secret_len, w->random_vector,
                         sizeof(w->random_vector), value, len, random + 16,
                         pad, p, 2 + len + pad);
  if (n < 0)
    w->overflow = true;
}
