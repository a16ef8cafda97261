/* The cipher context shared by the CBC and GCM files of this backend. */
#ifndef L2TPSEC_CRYPTO_MBEDTLS_CIPHER_H
#define L2TPSEC_CRYPTO_MBEDTLS_CIPHER_H

#include "crypto/mbedtls/compat.h"

#include <mbedtls/aes.h>
#include <mbedtls/des.h>
#include <mbedtls/gcm.h>

#include "crypto/crypto.h"

/* Expanded keys for both directions; only the member for alg is set up. */
struct l2tpsec__cipher {
  enum l2tpsec__cipher_alg alg;
  union {
    struct {
      mbedtls_aes_context enc, dec;
    } aes;
    struct {
      mbedtls_des3_context enc, dec;
    } des3;
    struct {
      mbedtls_des_context enc, dec;
    } des;
    mbedtls_gcm_context gcm;
  } u;
};

/*
 * True in a L2TPSEC_FUZZ_NULL_CRYPTO build, where CBC and GCM copy their
 * input and every GCM tag verifies, so fuzzers reach encrypted states.
 */
#if defined(L2TPSEC_FUZZ_NULL_CRYPTO)
#define L2TPSEC_NULL_CIPHERS 1
#else
#define L2TPSEC_NULL_CIPHERS 0
#endif

#endif
