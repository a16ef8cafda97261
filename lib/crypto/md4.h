/*
 * MD4 (RFC 1320), written here because mbedTLS 3.x removed it and
 * MS-CHAPv2's NT password hash still needs it. Backends without MD4 route
 * L2TPSEC_HASH_MD4 here. MD4 is broken as a hash: use it for nothing else.
 */
#ifndef L2TPSEC_CRYPTO_MD4_H
#define L2TPSEC_CRYPTO_MD4_H

#include <stddef.h>
#include <stdint.h>

typedef struct l2tpsec__md4_ctx {
  uint32_t state[4];
  uint64_t total_len; /* bytes hashed so far */
  uint8_t block[64];  /* pending input, total_len % 64 bytes of it */
} l2tpsec__md4_ctx;

void l2tpsec__md4_init(l2tpsec__md4_ctx *ctx);
void l2tpsec__md4_update(l2tpsec__md4_ctx *ctx, const void *data, size_t len);
/* Writes the 16-byte digest and wipes the context. */
void l2tpsec__md4_finish(l2tpsec__md4_ctx *ctx, uint8_t out[16]);

#endif
