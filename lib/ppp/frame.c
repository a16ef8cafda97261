/* PPP frame headers, control packet output and option list checks. */
#include <string.h>

#include "ppp/ppp_internal.h"

uint16_t l2tpsec__get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t l2tpsec__get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

void l2tpsec__put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

void l2tpsec__put32(uint8_t *p, uint32_t v) {
  l2tpsec__put16(p, (uint16_t)(v >> 16));
  l2tpsec__put16(p + 2, (uint16_t)v);
}

/*
 * Address/control bytes FF 03 are optional on input whatever ACFC negotiated,
 * and a protocol field may be compressed to one byte (PFC): a protocol's
 * low byte is odd and its high byte even (RFC 1661 section 2), so an odd
 * first byte is a compressed field.
 */
int l2tpsec__ppp_parse_header(l2tpsec_pkt *frame, uint16_t *protocol) {
  const uint8_t *p = frame->data;

  if (frame->len >= 1 && p[0] == 0xff) {
    if (frame->len < 2 || p[1] != 0x03)
      return L2TPSEC_ERR_MALFORMED;
    l2tpsec_pkt_pull(frame, 2);
    p = frame->data;
  }
  if (frame->len < 1)
    return L2TPSEC_ERR_TRUNCATED;
  if (p[0] & 1) {
    *protocol = p[0];
    l2tpsec_pkt_pull(frame, 1);
    return 0;
  }
  if (frame->len < 2)
    return L2TPSEC_ERR_TRUNCATED;
  if ((p[1] & 1) == 0)
    return L2TPSEC_ERR_MALFORMED;
  *protocol = l2tpsec__get16(p);
  l2tpsec_pkt_pull(frame, 2);
  return 0;
}

bool l2tpsec__ppp_options_valid(const uint8_t *opts, size_t len) {
  size_t off = 0;

  while (off < len) {
    if (len - off < 2 || opts[off + 1] < 2 || opts[off + 1] > len - off)
      return false;
    off += opts[off + 1];
  }
  return true;
}

/*
 * Frames are built in a stack buffer with PPP_HEADROOM free in front.
 * LCP always goes out with FF 03 and a two-byte protocol (RFC 1661
 * sections 6.5 and 6.6 forbid compressing LCP).
 */
void l2tpsec__ppp_send_raw(l2tpsec_ppp *ppp, uint16_t protocol,
                           const uint8_t *packet, size_t len) {
  uint8_t storage[PPP_HEADROOM + 4 + PPP_CONTROL_MAX];
  l2tpsec_pkt pkt;
  uint8_t *hdr;

  if (len > PPP_CONTROL_MAX)
    len = PPP_CONTROL_MAX;
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), PPP_HEADROOM + 4);
  memcpy(l2tpsec_pkt_put(&pkt, len), packet, len);

  hdr = l2tpsec_pkt_push(&pkt, 2);
  l2tpsec__put16(hdr, protocol);
  if (protocol == PPP_LCP || !ppp->lcp_peer.acfc) {
    hdr = l2tpsec_pkt_push(&pkt, 2);
    hdr[0] = 0xff;
    hdr[1] = 0x03;
  }
  ppp->stats.frames_out++;
  ppp->cb.send_frame(ppp->user_data, &pkt);
}

/* The information field (code, id, length, data) never exceeds the
 * peer's MRU: data such as an echoed or rejected packet is truncated. */
void l2tpsec__ppp_send_control(l2tpsec_ppp *ppp, uint16_t protocol,
                               uint8_t code, uint8_t id, const uint8_t *data,
                               size_t len) {
  uint8_t packet[PPP_CONTROL_MAX];
  size_t limit = ppp->lcp_peer.mru;

  if (limit > PPP_CONTROL_MAX)
    limit = PPP_CONTROL_MAX;
  if (len > limit - 4)
    len = limit - 4;
  packet[0] = code;
  packet[1] = id;
  l2tpsec__put16(packet + 2, (uint16_t)(len + 4));
  if (len > 0)
    memcpy(packet + 4, data, len);
  l2tpsec__ppp_send_raw(ppp, protocol, packet, len + 4);
}

void l2tpsec__ppp_drop(l2tpsec_ppp *ppp, l2tpsec_tstamp now, bool malformed,
                       const char *what, uint16_t protocol) {
  if (malformed)
    ppp->stats.malformed++;
  else
    ppp->stats.unexpected++;
  l2tpsec__log_limited(&ppp->settings.log, &ppp->rx_log, now,
                       malformed ? L2TPSEC_LOG_NOTICE : L2TPSEC_LOG_DEBUG,
                       L2TPSEC_LOG_PPP, "dropped frame (protocol 0x%04x): %s",
                       protocol, what);
}
