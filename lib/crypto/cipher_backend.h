/*
 * The two steps of a cipher context that differ per backend. The shared
 * code in crypto/cipher.c checks arguments, allocates the context and
 * handles the NULL cipher. Each backend's cipher.c supplies these two.
 */
#ifndef L2TPSEC_CRYPTO_CIPHER_BACKEND_H
#define L2TPSEC_CRYPTO_CIPHER_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

/* The backend's definition of struct l2tpsec__cipher, with its alg. */
#if defined(L2TPSEC_CRYPTO_OPENSSL)
#include "crypto/openssl/openssl.h"
#else
#include "crypto/mbedtls/cipher.h"
#endif

/*
 * Expands key for c->alg in both directions. Returns 0,
 * L2TPSEC_ERR_INVALID_ARGUMENT for a key length c->alg does not take,
 * L2TPSEC_ERR_UNSUPPORTED or L2TPSEC_ERR_CRYPTO. On error the context
 * may be half set up, and l2tpsec__cipher_del frees it.
 */
int l2tpsec__cipher_backend_setup(l2tpsec__cipher *c, const uint8_t *key,
                                  size_t len);

/*
 * Runs CBC over len bytes for a CBC algorithm. The shared code has
 * already checked that len is a non-zero multiple of the block size.
 */
int l2tpsec__cipher_backend_cbc(l2tpsec__cipher *c, bool encrypt,
                                const uint8_t *iv, const uint8_t *in,
                                uint8_t *out, size_t len);

#endif
