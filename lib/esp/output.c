/* Outbound processing: RFC 4303 section 3.3, in place in the packet. */
#include <string.h>

#include "esp/esp_internal.h"
#include "l2tpsec/errors.h"

/* Pad length for the payload plus trailer to fill whole blocks. */
static size_t pad_len_for(const l2tpsec_esp_sa *sa, size_t payload_len) {
  size_t used = (payload_len + ESP_TRAILER_LEN) % sa->align;

  return used == 0 ? 0 : sa->align - used;
}

/* Appends the padding 1, 2, 3... (section 2.4), pad length, next header. */
static void write_trailer(l2tpsec_pkt *pkt, size_t pad_len,
                          uint8_t next_header) {
  uint8_t *t = l2tpsec_pkt_put(pkt, pad_len + ESP_TRAILER_LEN);

  for (size_t i = 0; i < pad_len; i++)
    t[i] = (uint8_t)(i + 1);
  t[pad_len] = (uint8_t)pad_len;
  t[pad_len + 1] = next_header;
}

static void write_header(const l2tpsec_esp_sa *sa, uint8_t *h, uint64_t seq) {
  l2tpsec__put32(h, sa->spi);
  l2tpsec__put32(h + 4, (uint32_t)seq);
}

/*
 * AES-GCM: the IV is the 64-bit sequence number, unique per key as RFC
 * 4106 section 3.1 requires; the AAD is SPI and sequence number.
 */
static int seal_gcm(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt, uint64_t seq) {
  uint8_t nonce[ESP_GCM_SALT_LEN + ESP_GCM_IV_LEN];
  uint8_t *h = pkt->data;
  uint8_t *body = h + ESP_HEADER_LEN + ESP_GCM_IV_LEN;
  size_t body_len = pkt->len - ESP_HEADER_LEN - ESP_GCM_IV_LEN;
  uint8_t *tag = l2tpsec_pkt_put(pkt, sa->icv_len);

  l2tpsec__put32(h + ESP_HEADER_LEN, (uint32_t)(seq >> 32));
  l2tpsec__put32(h + ESP_HEADER_LEN + 4, (uint32_t)seq);
  memcpy(nonce, sa->salt, ESP_GCM_SALT_LEN);
  memcpy(nonce + ESP_GCM_SALT_LEN, h + ESP_HEADER_LEN, ESP_GCM_IV_LEN);
  return l2tpsec__gcm_encrypt(sa->cipher, nonce, sizeof(nonce), h,
                              ESP_HEADER_LEN, body, body, body_len, tag,
                              sa->icv_len);
}

/* CBC (or NULL) encryption with a random IV, then the HMAC over it all. */
static int seal_cbc(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt) {
  uint8_t *iv = pkt->data + ESP_HEADER_LEN;
  uint8_t *body = iv + sa->iv_len;
  size_t body_len = pkt->len - ESP_HEADER_LEN - sa->iv_len;
  int rv = 0;

  if (sa->cipher != NULL) {
    if (l2tpsec_rand_bytes(&sa->rand, iv, sa->iv_len) != 0)
      return L2TPSEC_ERR_CRYPTO;
    rv = l2tpsec__cbc_encrypt(sa->cipher, iv, body, body, body_len);
  }
  if (rv == 0 && sa->hmac != NULL) {
    size_t covered = pkt->len;
    uint8_t *icv = l2tpsec_pkt_put(pkt, sa->icv_len);

    rv = l2tpsec__esp_icv_compute(sa, pkt->data, covered, icv, sa->icv_len);
  }
  return rv;
}

static int check_sendable(l2tpsec_esp_sa *sa, l2tpsec_tstamp now) {
  if (l2tpsec__esp_lifetime_check(sa, now)) {
    sa->stats.expired_drops++;
    return L2TPSEC_ERR_EXHAUSTED;
  }
  /* Without ESN the counter must not wrap (section 3.3.3). */
  if (sa->seq_out >= UINT32_MAX) {
    l2tpsec__esp_hard_expire(sa, "sequence number");
    sa->stats.expired_drops++;
    return L2TPSEC_ERR_EXHAUSTED;
  }
  return 0;
}

int l2tpsec_esp_encrypt(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt,
                        uint8_t next_header, l2tpsec_tstamp now) {
  size_t payload_len, pad_len;
  uint64_t seq;
  int rv;

  if (sa == NULL || pkt == NULL || sa->direction != L2TPSEC_ESP_OUTBOUND)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rv = check_sendable(sa, now);
  if (rv != 0)
    return rv;

  payload_len = pkt->len;
  pad_len = pad_len_for(sa, payload_len);
  if (l2tpsec_pkt_headroom(pkt) < l2tpsec_esp_sa_overhead_head(sa) ||
      l2tpsec_pkt_tailroom(pkt) < pad_len + ESP_TRAILER_LEN + sa->icv_len)
    return L2TPSEC_ERR_NOBUFS;

  seq = sa->seq_out + 1;
  write_trailer(pkt, pad_len, next_header);
  write_header(sa, l2tpsec_pkt_push(pkt, l2tpsec_esp_sa_overhead_head(sa)),
               seq);
  rv = sa->aead ? seal_gcm(sa, pkt, seq) : seal_cbc(sa, pkt);
  if (rv != 0)
    return rv;

  sa->seq_out = seq;
  l2tpsec__esp_lifetime_account(sa, payload_len);
  return 0;
}
