/* Mapping from our hash identifiers to mbedTLS message-digest info. */
#ifndef L2TPSEC_CRYPTO_MBEDTLS_MD_MAP_H
#define L2TPSEC_CRYPTO_MBEDTLS_MD_MAP_H

#include "crypto/mbedtls/compat.h"

#include <mbedtls/md.h>

#include "crypto/crypto.h"

/* Returns NULL for an unknown algorithm and for MD4 when mbedTLS lacks it. */
const mbedtls_md_info_t *l2tpsec__mbedtls_md_info(enum l2tpsec__hash_alg alg);

#endif
