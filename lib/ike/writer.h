/*
 * Bounded byte writer for building ISAKMP messages. Every put checks the
 * capacity; after an overflow the writer ignores further puts and
 * `failed` stays set, so a builder checks once at the end.
 */
#ifndef L2TPSEC_IKE_WRITER_H
#define L2TPSEC_IKE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ike_writer {
  uint8_t *buf;
  size_t cap;
  size_t len;
  bool failed;
  /* Offset of the "next payload" byte to patch when the next payload
   * starts: byte 16 of the header, then byte 0 of each payload. */
  size_t np_offset;
} ike_writer;

static inline void ike_writer_init(ike_writer *w, uint8_t *buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->failed = false;
  w->np_offset = 16;
}

/* Reserves n bytes and returns them, or NULL after an overflow. */
static inline uint8_t *ike_put(ike_writer *w, size_t n) {
  if (w->failed || n > w->cap - w->len) {
    w->failed = true;
    return NULL;
  }
  uint8_t *p = w->buf + w->len;
  w->len += n;
  return p;
}

static inline void ike_put8(ike_writer *w, uint8_t v) {
  uint8_t *p = ike_put(w, 1);
  if (p)
    p[0] = v;
}

static inline void ike_put16(ike_writer *w, uint16_t v) {
  uint8_t *p = ike_put(w, 2);
  if (p) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
  }
}

static inline void ike_put32(ike_writer *w, uint32_t v) {
  uint8_t *p = ike_put(w, 4);
  if (p) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
  }
}

static inline void ike_put_bytes(ike_writer *w, const void *src, size_t n) {
  uint8_t *p = ike_put(w, n);
  if (p && n > 0)
    memcpy(p, src, n);
}

/*
 * Starts a payload of `type`: links it from the previous payload's (or
 * the header's) next-payload byte and writes a generic header whose
 * length ike_payload_end fills in. Returns the payload's offset.
 */
size_t l2tpsec__ike_payload_begin(ike_writer *w, uint8_t type);

/* Sets the length of the payload that starts at `offset`. */
void l2tpsec__ike_payload_end(ike_writer *w, size_t offset);

/* Writes a whole payload with the given body. */
void l2tpsec__ike_put_payload(ike_writer *w, uint8_t type, const void *body,
                              size_t len);

#endif
