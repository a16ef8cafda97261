/* Unprotected informational notifies (RFC 2408 section 3.14). */
#include "ike/ike_internal.h"

void l2tpsec__ike_send_notify_clear(l2tpsec_ike *ike, const ike_rx *rx,
                                    uint16_t type) {
  ike_writer w;

  if (!l2tpsec__ratelimit_allow(&ike->reply_limit, rx->now, NULL))
    return;

  ike_writer_init(&w, ike->out, sizeof(ike->out));
  ike_put_bytes(&w, rx->hdr.icookie, ISAKMP_COOKIE_LEN);
  ike_put_bytes(&w, rx->hdr.rcookie, ISAKMP_COOKIE_LEN);
  ike_put8(&w, ISAKMP_NP_NONE);
  ike_put8(&w, ISAKMP_VERSION);
  ike_put8(&w, ISAKMP_XCHG_INFO);
  ike_put8(&w, 0);
  ike_put32(&w, 0);
  ike_put32(&w, 0);

  /* N: DOI, protocol ISAKMP, SPI = both cookies (RFC 2408 3.14). */
  size_t off = l2tpsec__ike_payload_begin(&w, ISAKMP_NP_N);
  ike_put32(&w, ISAKMP_DOI_IPSEC);
  ike_put8(&w, ISAKMP_PROTO_ISAKMP);
  ike_put8(&w, 2 * ISAKMP_COOKIE_LEN);
  ike_put16(&w, type);
  ike_put_bytes(&w, rx->hdr.icookie, ISAKMP_COOKIE_LEN);
  ike_put_bytes(&w, rx->hdr.rcookie, ISAKMP_COOKIE_LEN);
  l2tpsec__ike_payload_end(&w, off);
  if (w.failed)
    return;
  isakmp_put32(w.buf + 24, (uint32_t)w.len);
  (void)ike->cb.send(ike->user_data, w.buf, w.len, rx->local, rx->remote);
}
