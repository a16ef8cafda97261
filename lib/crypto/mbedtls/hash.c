/* One-shot hashes over mbedTLS's generic message-digest layer. */
#include "crypto/mbedtls/compat.h"

#include <mbedtls/md.h>

#include "crypto/crypto.h"
#include "crypto/mbedtls/md_map.h"
#include "crypto/md4.h"
#include "l2tpsec/errors.h"

const mbedtls_md_info_t *l2tpsec__mbedtls_md_info(enum l2tpsec__hash_alg alg) {
  switch (alg) {
  case L2TPSEC_HASH_MD4:
#if defined(MBEDTLS_MD4_C)
    return mbedtls_md_info_from_type(MBEDTLS_MD_MD4);
#else
    return NULL;
#endif
  case L2TPSEC_HASH_MD5:
    return mbedtls_md_info_from_type(MBEDTLS_MD_MD5);
  case L2TPSEC_HASH_SHA1:
    return mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
  case L2TPSEC_HASH_SHA256:
    return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  case L2TPSEC_HASH_SHA384:
    return mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
  case L2TPSEC_HASH_SHA512:
    return mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
  }
  return NULL;
}

/* MD4 through crypto/md4.c, for mbedTLS builds without MBEDTLS_MD4_C. */
static int hash_md4_builtin(const l2tpsec__iovec *parts, size_t n,
                            uint8_t *out) {
  l2tpsec__md4_ctx ctx;

  l2tpsec__md4_init(&ctx);
  for (size_t i = 0; i < n; i++)
    l2tpsec__md4_update(&ctx, parts[i].base, parts[i].len);
  l2tpsec__md4_finish(&ctx, out);
  return 0;
}

static int hash_parts(mbedtls_md_context_t *ctx, const l2tpsec__iovec *parts,
                      size_t n, uint8_t *out) {
  if (mbedtls_md_starts(ctx) != 0)
    return L2TPSEC_ERR_CRYPTO;
  for (size_t i = 0; i < n; i++) {
    if (mbedtls_md_update(ctx, parts[i].base, parts[i].len) != 0)
      return L2TPSEC_ERR_CRYPTO;
  }
  return mbedtls_md_finish(ctx, out) == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__hash(enum l2tpsec__hash_alg alg, const l2tpsec__iovec *parts,
                  size_t n, uint8_t *out) {
  const mbedtls_md_info_t *info = l2tpsec__mbedtls_md_info(alg);
  mbedtls_md_context_t ctx;
  int rc;

  if (info == NULL && alg == L2TPSEC_HASH_MD4)
    return hash_md4_builtin(parts, n, out);
  if (info == NULL || (parts == NULL && n > 0) || out == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  mbedtls_md_init(&ctx);
  if (mbedtls_md_setup(&ctx, info, 0) != 0) {
    mbedtls_md_free(&ctx);
    return L2TPSEC_ERR_NOMEM;
  }
  rc = hash_parts(&ctx, parts, n, out);
  mbedtls_md_free(&ctx);
  return rc;
}
