/*
 * Shared declarations of the OpenSSL backend. Every file under
 * lib/crypto/openssl includes this first.
 */
#ifndef L2TPSEC_CRYPTO_OPENSSL_H
#define L2TPSEC_CRYPTO_OPENSSL_H

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "crypto/crypto.h"

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "the OpenSSL crypto backend needs OpenSSL 3.0 or later (EVP_MAC)"
#endif

/*
 * True in a L2TPSEC_FUZZ_NULL_CRYPTO build, where CBC and GCM copy their
 * input and every GCM tag verifies, so fuzzers reach encrypted states.
 */
#if defined(L2TPSEC_FUZZ_NULL_CRYPTO)
#define L2TPSEC_NULL_CIPHERS 1
#else
#define L2TPSEC_NULL_CIPHERS 0
#endif

/* Expanded keys for both directions, as EVP contexts. */
struct l2tpsec__cipher {
  enum l2tpsec__cipher_alg alg;
  EVP_CIPHER_CTX *enc;
  EVP_CIPHER_CTX *dec;
};

/*
 * Fetches a cipher by OpenSSL name from a private library context that
 * also loads the legacy provider, which OpenSSL 3 needs for single DES.
 * Returns NULL when the cipher is unavailable. The caller frees it with
 * EVP_CIPHER_free.
 */
EVP_CIPHER *l2tpsec__openssl_cipher(const char *name);

/* Returns the digest for alg, or NULL for MD4 and unknown algorithms. */
const EVP_MD *l2tpsec__openssl_md(enum l2tpsec__hash_alg alg);

#endif
