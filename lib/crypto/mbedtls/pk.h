/* Objects shared by the public-key and X.509 files of this backend. */
#ifndef L2TPSEC_CRYPTO_MBEDTLS_PK_H
#define L2TPSEC_CRYPTO_MBEDTLS_PK_H

#include "crypto/mbedtls/compat.h"

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "crypto/crypto.h"

struct l2tpsec__pkey {
  mbedtls_pk_context pk;
};

/* A chain: the first certificate, then the others in the order added. */
struct l2tpsec__x509 {
  mbedtls_x509_crt crt;
};

/*
 * mbedTLS parses PEM only from a NUL-terminated buffer whose length
 * counts the NUL. Returns a malloc'ed copy so terminated (the caller
 * frees it and uses *parse_len), or NULL with *parse_len = len when data
 * is not PEM and can be parsed in place.
 */
uint8_t *l2tpsec__pem_terminated(const uint8_t *data, size_t len,
                                 size_t *parse_len, int *err);

#endif
