/* Payload chaining for the ISAKMP message builder (RFC 2408 3.2). */
#include "ike/writer.h"

size_t l2tpsec__ike_payload_begin(ike_writer *w, uint8_t type) {
  size_t offset = w->len;

  if (!w->failed && w->np_offset < w->len)
    w->buf[w->np_offset] = type;
  w->np_offset = offset;
  ike_put8(w, 0); /* next payload, patched by the following payload */
  ike_put8(w, 0); /* reserved */
  ike_put16(w, 0);
  return offset;
}

void l2tpsec__ike_payload_end(ike_writer *w, size_t offset) {
  size_t len = w->len - offset;

  if (w->failed)
    return;
  if (len > 0xffff) {
    w->failed = true;
    return;
  }
  w->buf[offset + 2] = (uint8_t)(len >> 8);
  w->buf[offset + 3] = (uint8_t)len;
}

void l2tpsec__ike_put_payload(ike_writer *w, uint8_t type, const void *body,
                              size_t len) {
  size_t offset = l2tpsec__ike_payload_begin(w, type);

  ike_put_bytes(w, body, len);
  l2tpsec__ike_payload_end(w, offset);
}
