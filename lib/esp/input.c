/*
 * Inbound processing (RFC 4303 section 3.4): length, anti-replay, ICV,
 * decryption, then the plaintext checks of payload.c.
 */
#include <string.h>

#include "esp/esp_internal.h"
#include "esp/payload.h"
#include "l2tpsec/errors.h"

/* Logs one dropped packet, rate-limited: a flood costs a counter only. */
#define LOG_DROP(sa, now, ...)                                                 \
  l2tpsec__log_limited(&(sa)->log, &(sa)->drop_log, now, L2TPSEC_LOG_INFO,     \
                       L2TPSEC_LOG_ESP, __VA_ARGS__)

static bool detecting_icv(const l2tpsec_esp_sa *sa) {
  return sa->sha256_icv == L2TPSEC_ESP_SHA256_ICV_DETECT;
}

/* Smallest packet that can be valid: header, IV, one block, ICV. */
static size_t min_len(const l2tpsec_esp_sa *sa) {
  size_t icv = detecting_icv(sa) ? 12 : sa->icv_len;

  return ESP_HEADER_LEN + sa->iv_len + sa->align + icv;
}

static bool hmac_ok(l2tpsec_esp_sa *sa, const l2tpsec_pkt *pkt,
                    size_t icv_len) {
  size_t covered = pkt->len - icv_len;

  return l2tpsec__esp_icv_matches(sa, pkt->data, covered, pkt->data + covered,
                                  icv_len);
}

/*
 * DETECT mode: the first packet that authenticates with 128 bits or,
 * failing that, with 96 bits fixes the SA's ICV length.
 */
static bool detect_icv(l2tpsec_esp_sa *sa, const l2tpsec_pkt *pkt) {
  if (pkt->len >= min_len(sa) + 4 && hmac_ok(sa, pkt, 16)) {
    sa->sha256_icv = L2TPSEC_ESP_SHA256_ICV_128;
    L2TPSEC_LOG(&sa->log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_ESP,
                "ESP SA 0x%08x: peer uses the 128-bit HMAC-SHA2-256 ICV of "
                "RFC 4868",
                sa->spi);
    return true;
  }
  if (!hmac_ok(sa, pkt, 12))
    return false;

  sa->sha256_icv = L2TPSEC_ESP_SHA256_ICV_96;
  sa->icv_len = 12;
  L2TPSEC_LOG(&sa->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_ESP,
              "ESP SA 0x%08x: peer uses the 96-bit HMAC-SHA2-256 ICV of the "
              "pre-RFC 4868 drafts (Android 6/7); the SA keeps using it",
              sa->spi);
  l2tpsec__esp_raise(sa, L2TPSEC_ESP_EVENT_SHA256_ICV96_DETECTED);
  return true;
}

/*
 * Logs an ICV failure. On an RFC 4868 SHA2-256 SA it also tries the
 * 96-bit truncation, only when a log line is due, to name the likely fix.
 */
static void log_icv_failure(l2tpsec_esp_sa *sa, const l2tpsec_pkt *pkt,
                            uint32_t seq, l2tpsec_tstamp now) {
  bool hint =
      sa->integ == L2TPSEC_ESP_INTEG_HMAC_SHA256_128 && sa->icv_len == 16 &&
      L2TPSEC_LOG_ENABLED(&sa->log, L2TPSEC_LOG_INFO) && hmac_ok(sa, pkt, 12);

  if (hint)
    LOG_DROP(sa, now,
             "ESP SA 0x%08x: ICV check failed on seq %u, but the packet "
             "verifies with a 96-bit HMAC-SHA2-256 ICV: the peer uses the "
             "pre-RFC 4868 truncation (Android 6/7); set sha256_icv to 96 "
             "or DETECT for this peer",
             sa->spi, seq);
  else
    LOG_DROP(sa, now, "ESP SA 0x%08x: ICV check failed on seq %u, dropped",
             sa->spi, seq);
}

/* HMAC transforms: verify before decrypting (section 3.4.4). */
static int authenticate(l2tpsec_esp_sa *sa, const l2tpsec_pkt *pkt,
                        uint32_t seq, l2tpsec_tstamp now) {
  bool ok;

  if (sa->hmac == NULL)
    return 0;
  ok = detecting_icv(sa) ? detect_icv(sa, pkt) : hmac_ok(sa, pkt, sa->icv_len);
  if (ok)
    return 0;

  sa->stats.icv_failures++;
  log_icv_failure(sa, pkt, seq, now);
  return L2TPSEC_ERR_INTEGRITY;
}

static int open_gcm(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt, uint8_t *body,
                    size_t body_len) {
  uint8_t nonce[ESP_GCM_SALT_LEN + ESP_GCM_IV_LEN];

  memcpy(nonce, sa->salt, ESP_GCM_SALT_LEN);
  memcpy(nonce + ESP_GCM_SALT_LEN, pkt->data + ESP_HEADER_LEN, ESP_GCM_IV_LEN);
  return l2tpsec__gcm_decrypt(sa->cipher, nonce, sizeof(nonce), pkt->data,
                              ESP_HEADER_LEN, body, body, body_len,
                              body + body_len, sa->icv_len);
}

/* Decrypts the body; for AES-GCM this is also the integrity check. */
static int open_body(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt, size_t body_len,
                     uint32_t seq, l2tpsec_tstamp now) {
  uint8_t *iv = pkt->data + ESP_HEADER_LEN;
  uint8_t *body = iv + sa->iv_len;
  int rv;

  if (sa->aead) {
    rv = open_gcm(sa, pkt, body, body_len);
#ifdef L2TPSEC_FUZZ_NULL_CRYPTO
    if (rv == L2TPSEC_ERR_INTEGRITY)
      rv = 0; /* the fuzzing build cannot forge a tag; see icv.c */
#endif
    if (rv == L2TPSEC_ERR_INTEGRITY) {
      sa->stats.icv_failures++;
      LOG_DROP(sa, now,
               "ESP SA 0x%08x: GCM tag check failed on seq %u, "
               "dropped",
               sa->spi, seq);
    }
    return rv;
  }
  if (sa->cipher == NULL)
    return 0;
  return l2tpsec__cbc_decrypt(sa->cipher, iv, body, body, body_len);
}

static int check_header(l2tpsec_esp_sa *sa, const l2tpsec_pkt *pkt,
                        l2tpsec_tstamp now) {
  if (pkt->len < min_len(sa)) {
    sa->stats.malformed++;
    LOG_DROP(sa, now,
             "ESP SA 0x%08x: packet of %zu bytes is shorter than "
             "the %zu-byte minimum, dropped",
             sa->spi, pkt->len, min_len(sa));
    return L2TPSEC_ERR_TRUNCATED;
  }
  if (l2tpsec__get32(pkt->data) != sa->spi) {
    sa->stats.malformed++;
    return L2TPSEC_ERR_MALFORMED;
  }
  return 0;
}

static int check_replay(l2tpsec_esp_sa *sa, uint32_t seq, l2tpsec_tstamp now) {
  if (l2tpsec__replay_check(&sa->replay, seq))
    return 0;
  sa->stats.replay_drops++;
  LOG_DROP(sa, now,
           "ESP SA 0x%08x: seq %u replayed or left of the window "
           "(highest %llu), dropped",
           sa->spi, seq, (unsigned long long)sa->replay.top);
  return L2TPSEC_ERR_REPLAY;
}

/* Length of the encrypted body, once the ICV length is known. */
static int body_len_of(l2tpsec_esp_sa *sa, const l2tpsec_pkt *pkt,
                       size_t *body_len, l2tpsec_tstamp now) {
  size_t overhead = ESP_HEADER_LEN + sa->iv_len + sa->icv_len;

  if (pkt->len < overhead + sa->align ||
      (pkt->len - overhead) % sa->align != 0) {
    sa->stats.malformed++;
    LOG_DROP(sa, now,
             "ESP SA 0x%08x: encrypted part of %zu bytes is not a "
             "multiple of %zu, dropped",
             sa->spi, pkt->len - overhead, sa->align);
    return L2TPSEC_ERR_MALFORMED;
  }
  *body_len = pkt->len - overhead;
  return 0;
}

static int check_args(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt,
                      uint8_t *next_header, l2tpsec_tstamp now) {
  if (sa == NULL || pkt == NULL || next_header == NULL ||
      sa->direction != L2TPSEC_ESP_INBOUND)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (l2tpsec__esp_lifetime_check(sa, now)) {
    sa->stats.expired_drops++;
    return L2TPSEC_ERR_EXHAUSTED;
  }
  return check_header(sa, pkt, now);
}

int l2tpsec_esp_decrypt(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt,
                        l2tpsec_tstamp now, uint8_t *next_header) {
  size_t body_len;
  uint32_t seq;
  int rv;

  rv = check_args(sa, pkt, next_header, now);
  if (rv != 0)
    return rv;
  seq = l2tpsec__get32(pkt->data + 4);

  rv = check_replay(sa, seq, now);
  if (rv == 0)
    rv = authenticate(sa, pkt, seq, now);
  if (rv == 0)
    rv = body_len_of(sa, pkt, &body_len, now);
  if (rv == 0)
    rv = open_body(sa, pkt, body_len, seq, now);
  if (rv != 0)
    return rv;

  /* Only an authenticated packet moves the window (section 3.4.3). */
  l2tpsec__replay_update(&sa->replay, seq);
  l2tpsec_pkt_trim(pkt, pkt->len - sa->icv_len);
  l2tpsec_pkt_pull(pkt, ESP_HEADER_LEN + sa->iv_len);
  return l2tpsec__esp_payload_finish(sa, pkt, next_header, now);
}
