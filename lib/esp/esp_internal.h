/* ESP internals shared by the files of lib/esp. */
#ifndef L2TPSEC_ESP_INTERNAL_H
#define L2TPSEC_ESP_INTERNAL_H

#include "core/ratelimit.h"
#include "crypto/crypto.h"
#include "esp/replay.h"
#include "l2tpsec/esp.h"

/* ESP header: SPI and sequence number (RFC 4303 section 2). */
#define ESP_HEADER_LEN 8

/* Pad length and next header bytes that end the plaintext. */
#define ESP_TRAILER_LEN 2

/* Payloads are padded to a multiple of 4 at least (section 2.4). */
#define ESP_MIN_ALIGN 4

/* Longest ICV of any transform (HMAC-SHA-512-256, AES-GCM-16). */
#define ESP_ICV_MAX 32

/* RFC 4106 nonce: 4-byte salt from the key material + 8-byte IV. */
#define ESP_GCM_SALT_LEN 4
#define ESP_GCM_IV_LEN 8

/*
 * Outbound SAs raise the soft event when the sequence number reaches
 * this value, leaving 2^24 packets for the rekey before the hard limit.
 */
#define ESP_SEQ_SOFT_LIMIT (UINT32_MAX - (1u << 24))

/* Next header values with a meaning for this layer (IANA protocols). */
enum {
  ESP_NH_IPV4 = 4,
  ESP_NH_UDP = 17,
  ESP_NH_IPV6 = 41,
  ESP_NH_NO_NEXT = 59,
  ESP_NH_IPCOMP = 108,
};

struct l2tpsec_esp_sa {
  uint32_t spi;
  enum l2tpsec_esp_direction direction;
  enum l2tpsec_esp_mode mode;
  enum l2tpsec_esp_family family;
  enum l2tpsec_esp_encr encr;
  enum l2tpsec_esp_integ integ;

  l2tpsec__cipher *cipher; /* NULL for NULL encryption */
  l2tpsec__hmac_ctx *hmac; /* NULL for AES-GCM and no integrity */
  uint8_t salt[ESP_GCM_SALT_LEN];
  bool aead;
  size_t iv_len;
  size_t align;   /* the cipher block, at least ESP_MIN_ALIGN */
  size_t icv_len; /* the current ICV length */
  enum l2tpsec_esp_sha256_icv sha256_icv;

  l2tpsec__replay replay; /* inbound only */
  uint64_t seq_out;       /* outbound: last sequence number sent */

  l2tpsec_esp_lifetime soft;
  l2tpsec_esp_lifetime hard;
  l2tpsec_tstamp created;
  bool soft_raised;
  bool hard_raised;

  uint16_t encap_local_port;
  uint16_t encap_remote_port;
  uint64_t owner;

  l2tpsec_esp_sa_stats stats;
  l2tpsec_rand rand;
  l2tpsec_log log;
  l2tpsec__ratelimit drop_log;
  l2tpsec_esp_callbacks callbacks;
  void *user_data;

  /* Table membership: hash chains and insertion order. */
  struct l2tpsec_esp_sa *next_by_spi;
  struct l2tpsec_esp_sa *next_by_owner;
  uint64_t table_order;
  bool in_table;
};

static inline uint32_t l2tpsec__get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static inline void l2tpsec__put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static inline uint16_t l2tpsec__get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void l2tpsec__put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* transform.c: checks the settings and sets up the SA's crypto state. */
int l2tpsec__esp_transform_setup(l2tpsec_esp_sa *sa,
                                 const l2tpsec_esp_sa_settings *s);

/* Returns the name of an encryption or integrity transform, for logs. */
const char *l2tpsec__esp_encr_name(enum l2tpsec_esp_encr encr);
const char *l2tpsec__esp_integ_name(enum l2tpsec_esp_integ integ);

/*
 * icv.c: computes the HMAC of data and compares its first icv_len bytes
 * with icv in constant time.
 */
bool l2tpsec__esp_icv_matches(l2tpsec_esp_sa *sa, const uint8_t *data,
                              size_t len, const uint8_t *icv, size_t icv_len);

/* Writes the first icv_len bytes of the HMAC of data to icv. */
int l2tpsec__esp_icv_compute(l2tpsec_esp_sa *sa, const uint8_t *data,
                             size_t len, uint8_t *icv, size_t icv_len);

/* lifetime.c */
void l2tpsec__esp_raise(l2tpsec_esp_sa *sa, enum l2tpsec_esp_event event);

/* Closes the SA and raises its HARD_EXPIRED event, once. */
void l2tpsec__esp_hard_expire(l2tpsec_esp_sa *sa, const char *reason);

/*
 * Raises due time events and returns true when the SA has reached a hard
 * limit and must not process the packet.
 */
bool l2tpsec__esp_lifetime_check(l2tpsec_esp_sa *sa, l2tpsec_tstamp now);

/* Counts one processed packet and raises the events its limits reach. */
void l2tpsec__esp_lifetime_account(l2tpsec_esp_sa *sa, size_t bytes);

#endif
