/*
 * Packet protection for the null VPN loop of bench/path.sh: an ESP-shaped
 * envelope (RFC 4303 layout: SPI, sequence number, IV, padded payload,
 * ICV) built directly on lib/crypto, with no SA table, no replay window
 * and no rekeying. It costs what the cipher costs and little more, which
 * is the point of the anchor. Not for real traffic.
 */
#ifndef L2TPSEC_BENCH_NULL_VPN_SEAL_H
#define L2TPSEC_BENCH_NULL_VPN_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

enum nv_suite {
  NV_SUITE_AES128_GCM16, /* "aes128gcm16": AES-128-GCM, 16-byte tag */
  NV_SUITE_AES128_SHA1,  /* "aes128-sha1": AES-128-CBC + HMAC-SHA1-96 */
};

/* Bytes the envelope adds at most around a payload. */
#define NV_SEAL_OVERHEAD 64

/* One direction's keys and sequence counter. */
typedef struct nv_keys {
  enum nv_suite suite;
  l2tpsec__cipher *cipher;
  l2tpsec__hmac_ctx *hmac; /* CBC suite only */
  uint8_t salt[4];         /* GCM nonce prefix (RFC 4106 section 4) */
  uint32_t spi;
  uint64_t seq;
} nv_keys;

/* Parses "aes128gcm16" or "aes128-sha1"; returns -1 for anything else. */
int nv_suite_parse(const char *name, enum nv_suite *suite);

/*
 * Creates the keys of one direction from `secret` (any length), which
 * both ends must share, and `direction` (0 or 1), so the two directions
 * use different keys. Returns 0 or a negative L2TPSEC_ERR_* code.
 */
int nv_seal_init(nv_keys *s, enum nv_suite suite, const char *secret,
                 int direction);
void nv_seal_free(nv_keys *s);

/*
 * Protects `len` bytes of `in` into `out`, which must hold len +
 * NV_SEAL_OVERHEAD bytes. Returns the envelope's length, or a negative
 * L2TPSEC_ERR_* code.
 */
long nv_seal(nv_keys *s, const uint8_t *in, size_t len, uint8_t *out);

/*
 * Checks and removes the envelope of `len` bytes of `in`, writing the
 * payload to `out` (at least len bytes). Returns the payload length, or
 * L2TPSEC_ERR_MALFORMED for a short or badly padded envelope or a wrong
 * SPI, L2TPSEC_ERR_INTEGRITY for a wrong ICV.
 */
long nv_open(nv_keys *s, const uint8_t *in, size_t len, uint8_t *out);

#endif
