/*
 * Differences between mbedTLS 2.28 (Debian 12) and 3.x (3.6 LTS) that the
 * backend relies on. Every file under lib/crypto/mbedtls includes this
 * first. Only APIs present in both versions are used elsewhere, so the
 * guards stay here:
 * - 3.x made struct fields private: we use accessor functions only, and
 *   MBEDTLS_PRIVATE exists in both (defined here for 2.28).
 * - 3.x removed MD4 (MBEDTLS_MD4_C): crypto/md4.c takes over.
 * - 3.x made aesni.h private: crypto_accel falls back to CPUID.
 * - 3.x added f_rng/p_rng to mbedtls_pk_parse_key.
 */
#ifndef L2TPSEC_CRYPTO_MBEDTLS_COMPAT_H
#define L2TPSEC_CRYPTO_MBEDTLS_COMPAT_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/version.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <mbedtls/build_info.h>
#define L2TPSEC_MBEDTLS_3 1
#else
#if defined(MBEDTLS_CONFIG_FILE)
#include MBEDTLS_CONFIG_FILE
#else
#include <mbedtls/config.h>
#endif
#define L2TPSEC_MBEDTLS_3 0
#endif

#ifndef MBEDTLS_PRIVATE
#define MBEDTLS_PRIVATE(member) member
#endif

/*
 * Drops const for mbedTLS functions that take a non-const pointer to an
 * object they only read (mbedtls_x509_crt_verify, mbedtls_pk_verify).
 */
#define L2TPSEC_UNCONST(type, ptr) ((type *)(uintptr_t)(ptr))

/* Random callback with the signature mbedTLS takes for f_rng. */
int l2tpsec__mbedtls_rng(void *rand, unsigned char *out, size_t len);

#endif
