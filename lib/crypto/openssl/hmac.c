/* HMAC (RFC 2104), one-shot and keyed contexts, over OpenSSL's EVP_MAC. */
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "crypto/openssl/openssl.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

/* Stands in for a NULL key of length 0. */
static const uint8_t empty_key[1];

struct l2tpsec__hmac_ctx {
  EVP_MAC *mac;
  EVP_MAC_CTX *ctx;
  size_t digest_len;
};

/* OpenSSL's digest names, which OSSL_PARAM takes as non-const strings. */
static char *digest_name(enum l2tpsec__hash_alg alg) {
  static char md5[] = "MD5", sha1[] = "SHA1", sha256[] = "SHA256",
              sha384[] = "SHA384", sha512[] = "SHA512";

  switch (alg) {
  case L2TPSEC_HASH_MD5:
    return md5;
  case L2TPSEC_HASH_SHA1:
    return sha1;
  case L2TPSEC_HASH_SHA256:
    return sha256;
  case L2TPSEC_HASH_SHA384:
    return sha384;
  case L2TPSEC_HASH_SHA512:
    return sha512;
  case L2TPSEC_HASH_MD4:
    break;
  }
  return NULL;
}

static int set_key(l2tpsec__hmac_ctx *h, enum l2tpsec__hash_alg alg,
                   const uint8_t *key, size_t key_len) {
  OSSL_PARAM params[2];

  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                               digest_name(alg), 0);
  params[1] = OSSL_PARAM_construct_end();
  if (EVP_MAC_init(h->ctx, key_len > 0 ? key : empty_key, key_len, params) != 1)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

int l2tpsec__hmac_new(l2tpsec__hmac_ctx **pctx, enum l2tpsec__hash_alg alg,
                      const uint8_t *key, size_t key_len) {
  l2tpsec__hmac_ctx *h;
  int rc;

  *pctx = NULL;
  /* MD4 has no HMAC use in L2TP/IPsec; every backend rejects it. */
  if (l2tpsec__openssl_md(alg) == NULL || (key == NULL && key_len > 0))
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  h = calloc(1, sizeof(*h));
  if (h == NULL)
    return L2TPSEC_ERR_NOMEM;
  h->digest_len = l2tpsec__hash_len(alg);
  h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  h->ctx = h->mac != NULL ? EVP_MAC_CTX_new(h->mac) : NULL;
  rc = h->ctx != NULL ? set_key(h, alg, key, key_len) : L2TPSEC_ERR_NOMEM;
  if (rc != 0) {
    l2tpsec__hmac_del(h);
    return rc;
  }
  *pctx = h;
  return 0;
}

void l2tpsec__hmac_del(l2tpsec__hmac_ctx *h) {
  if (h == NULL)
    return;
  /* EVP_MAC_CTX_free cleanses the key material it holds. */
  EVP_MAC_CTX_free(h->ctx);
  EVP_MAC_free(h->mac);
  l2tpsec_wipe(h, sizeof(*h));
  free(h);
}

/* A NULL key makes OpenSSL restart from the key schedule set at creation. */
int l2tpsec__hmac_start(l2tpsec__hmac_ctx *h) {
  return EVP_MAC_init(h->ctx, NULL, 0, NULL) == 1 ? 0 : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__hmac_update(l2tpsec__hmac_ctx *h, const uint8_t *data,
                         size_t len) {
  return EVP_MAC_update(h->ctx, data, len) == 1 ? 0 : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__hmac_finish(l2tpsec__hmac_ctx *h, uint8_t *out) {
  size_t len = 0;

  if (EVP_MAC_final(h->ctx, out, &len, h->digest_len) != 1 ||
      len != h->digest_len)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

int l2tpsec__hmac(enum l2tpsec__hash_alg alg, const uint8_t *key,
                  size_t key_len, const l2tpsec__iovec *parts, size_t n,
                  uint8_t *out) {
  l2tpsec__hmac_ctx *h;
  int rc;

  if ((parts == NULL && n > 0) || out == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = l2tpsec__hmac_new(&h, alg, key, key_len);
  if (rc != 0)
    return rc;
  for (size_t i = 0; i < n && rc == 0; i++)
    rc = l2tpsec__hmac_update(h, parts[i].base, parts[i].len);
  if (rc == 0)
    rc = l2tpsec__hmac_finish(h, out);
  l2tpsec__hmac_del(h);
  return rc;
}
