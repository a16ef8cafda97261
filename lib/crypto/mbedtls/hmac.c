/* HMAC (RFC 2104), one-shot and keyed contexts, over mbedTLS. */
#include "crypto/mbedtls/compat.h"

#include <stdlib.h>

#include <mbedtls/md.h>

#include "crypto/crypto.h"
#include "crypto/mbedtls/md_map.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

/* Stands in for a NULL key of length 0, which mbedTLS would memcpy from. */
static const uint8_t empty_key[1];

struct l2tpsec__hmac_ctx {
  mbedtls_md_context_t md;
};

/*
 * HMAC is defined for MD4 but nothing in L2TP/IPsec uses it, so MD4 is
 * rejected here even where mbedTLS has it, keeping every backend alike.
 */
static const mbedtls_md_info_t *hmac_info(enum l2tpsec__hash_alg alg) {
  if (alg == L2TPSEC_HASH_MD4)
    return NULL;
  return l2tpsec__mbedtls_md_info(alg);
}

int l2tpsec__hmac_new(l2tpsec__hmac_ctx **pctx, enum l2tpsec__hash_alg alg,
                      const uint8_t *key, size_t key_len) {
  const mbedtls_md_info_t *info = hmac_info(alg);
  l2tpsec__hmac_ctx *ctx;

  *pctx = NULL;
  if (info == NULL || (key == NULL && key_len > 0))
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  ctx = calloc(1, sizeof(*ctx));
  if (ctx == NULL)
    return L2TPSEC_ERR_NOMEM;

  mbedtls_md_init(&ctx->md);
  if (mbedtls_md_setup(&ctx->md, info, 1) != 0) {
    l2tpsec__hmac_del(ctx);
    return L2TPSEC_ERR_NOMEM;
  }
  /* Absorbs the key into the inner and outer pads once, here. */
  if (mbedtls_md_hmac_starts(&ctx->md, key_len > 0 ? key : empty_key,
                             key_len) != 0) {
    l2tpsec__hmac_del(ctx);
    return L2TPSEC_ERR_CRYPTO;
  }
  *pctx = ctx;
  return 0;
}

void l2tpsec__hmac_del(l2tpsec__hmac_ctx *ctx) {
  if (ctx == NULL)
    return;
  /* mbedtls_md_free zeroizes the padded keys it allocated. */
  mbedtls_md_free(&ctx->md);
  l2tpsec_wipe(ctx, sizeof(*ctx));
  free(ctx);
}

int l2tpsec__hmac_start(l2tpsec__hmac_ctx *ctx) {
  return mbedtls_md_hmac_reset(&ctx->md) == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__hmac_update(l2tpsec__hmac_ctx *ctx, const uint8_t *data,
                         size_t len) {
  return mbedtls_md_hmac_update(&ctx->md, data, len) == 0 ? 0
                                                          : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__hmac_finish(l2tpsec__hmac_ctx *ctx, uint8_t *out) {
  return mbedtls_md_hmac_finish(&ctx->md, out) == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__hmac(enum l2tpsec__hash_alg alg, const uint8_t *key,
                  size_t key_len, const l2tpsec__iovec *parts, size_t n,
                  uint8_t *out) {
  l2tpsec__hmac_ctx *ctx;
  int rc;

  if ((parts == NULL && n > 0) || out == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = l2tpsec__hmac_new(&ctx, alg, key, key_len);
  if (rc != 0)
    return rc;

  for (size_t i = 0; i < n && rc == 0; i++)
    rc = l2tpsec__hmac_update(ctx, parts[i].base, parts[i].len);
  if (rc == 0)
    rc = l2tpsec__hmac_finish(ctx, out);
  l2tpsec__hmac_del(ctx);
  return rc;
}
