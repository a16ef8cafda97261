/* Plaintext checks after decryption (RFC 4303 sections 2.4 to 2.7). */
#include <stddef.h>

#include "esp/payload.h"
#include "l2tpsec/errors.h"

#define LOG_DROP(sa, now, ...)                                                 \
  l2tpsec__log_limited(&(sa)->log, &(sa)->drop_log, now, L2TPSEC_LOG_INFO,     \
                       L2TPSEC_LOG_ESP, __VA_ARGS__)

/*
 * Strips the trailer. The padding must be 1, 2, 3... as section 2.4
 * defines it for ciphers that specify no other padding.
 */
static int strip_padding(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt, uint8_t *nh,
                         l2tpsec_tstamp now) {
  const uint8_t *end = pkt->data + pkt->len;
  size_t pad_len = end[-2];
  bool bad = pad_len + ESP_TRAILER_LEN > pkt->len;

  for (size_t i = 0; !bad && i < pad_len; i++)
    bad = end[-(ptrdiff_t)(ESP_TRAILER_LEN + pad_len - i)] != (uint8_t)(i + 1);
  if (bad) {
    sa->stats.padding_errors++;
    LOG_DROP(sa, now,
             "ESP SA 0x%08x: invalid padding (pad length %zu in "
             "%zu bytes), dropped",
             sa->spi, pad_len, pkt->len);
    return L2TPSEC_ERR_MALFORMED;
  }
  *nh = end[-1];
  l2tpsec_pkt_trim(pkt, pkt->len - ESP_TRAILER_LEN - pad_len);
  return 0;
}

/*
 * Tunnel mode carries IPv4 or IPv6 only. Transport mode rejects what
 * cannot follow ESP (hop-by-hop options), IPComp (never negotiated here)
 * and the reserved 255.
 */
static bool next_header_valid(const l2tpsec_esp_sa *sa, uint8_t nh) {
  if (nh == ESP_NH_NO_NEXT)
    return true;
  if (sa->mode == L2TPSEC_ESP_TUNNEL)
    return nh == ESP_NH_IPV4 || nh == ESP_NH_IPV6;
  return nh != 0 && nh != ESP_NH_IPCOMP && nh != 255;
}

/*
 * Length of the inner datagram from its own header, so TFC padding after
 * it can be dropped (section 2.7). Returns 0 when the header is invalid,
 * and pkt->len for protocols without a length this layer reads.
 */
static size_t inner_len(const l2tpsec_esp_sa *sa, const l2tpsec_pkt *pkt,
                        uint8_t nh) {
  const uint8_t *p = pkt->data;
  size_t len = pkt->len;
  size_t total;

  if (nh == ESP_NH_IPV4) {
    if (len < 20 || p[0] >> 4 != 4)
      return 0;
    total = l2tpsec__get16(p + 2);
    return total >= 20 && total <= len ? total : 0;
  }
  if (nh == ESP_NH_IPV6) {
    if (len < 40 || p[0] >> 4 != 6)
      return 0;
    total = 40 + (size_t)l2tpsec__get16(p + 4);
    return total <= len ? total : 0;
  }
  if (nh == ESP_NH_UDP && sa->mode == L2TPSEC_ESP_TRANSPORT) {
    if (len < 8)
      return 0;
    total = l2tpsec__get16(p + 4);
    return total >= 8 && total <= len ? total : 0;
  }
  return len;
}

/*
 * RFC 3948 section 3.1.2: in UDP-encapsulated transport mode the inner
 * UDP checksum covers the peer's pre-NAT address. The ICV already
 * authenticated the datagram, so over IPv4 the checksum is set to zero,
 * which means "not computed". IPv6 forbids a zero UDP checksum, so it is
 * left alone there.
 */
static void clear_inner_udp_checksum(const l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt,
                                     uint8_t nh) {
  if (sa->mode != L2TPSEC_ESP_TRANSPORT || nh != ESP_NH_UDP ||
      sa->family != L2TPSEC_ESP_IPV4 || sa->encap_remote_port == 0)
    return;
  pkt->data[6] = 0;
  pkt->data[7] = 0;
}

int l2tpsec__esp_payload_finish(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt,
                                uint8_t *next_header, l2tpsec_tstamp now) {
  uint8_t nh;
  size_t len;
  int rv;

  rv = strip_padding(sa, pkt, &nh, now);
  if (rv != 0)
    return rv;
  if (!next_header_valid(sa, nh)) {
    sa->stats.next_header_errors++;
    LOG_DROP(sa, now,
             "ESP SA 0x%08x: next header %u is not valid in %s "
             "mode, dropped",
             sa->spi, nh,
             sa->mode == L2TPSEC_ESP_TUNNEL ? "tunnel" : "transport");
    return L2TPSEC_ERR_UNSUPPORTED;
  }
  *next_header = nh;

  /* A dummy packet (section 2.6) is dropped by the caller. */
  if (nh == ESP_NH_NO_NEXT) {
    sa->stats.dummy_packets++;
    pkt->len = 0;
    return 0;
  }

  len = inner_len(sa, pkt, nh);
  if (len == 0) {
    sa->stats.malformed++;
    LOG_DROP(sa, now,
             "ESP SA 0x%08x: inner packet (next header %u) has an "
             "invalid length field, dropped",
             sa->spi, nh);
    return L2TPSEC_ERR_MALFORMED;
  }
  l2tpsec_pkt_trim(pkt, len);
  clear_inner_udp_checksum(sa, pkt, nh);
  l2tpsec__esp_lifetime_account(sa, len);
  return 0;
}
