/* One-shot hashes over OpenSSL's EVP digests. */
#include "crypto/openssl/openssl.h"
#include "crypto/md4.h"
#include "l2tpsec/errors.h"

const EVP_MD *l2tpsec__openssl_md(enum l2tpsec__hash_alg alg) {
  switch (alg) {
  case L2TPSEC_HASH_MD5:
    return EVP_md5();
  case L2TPSEC_HASH_SHA1:
    return EVP_sha1();
  case L2TPSEC_HASH_SHA256:
    return EVP_sha256();
  case L2TPSEC_HASH_SHA384:
    return EVP_sha384();
  case L2TPSEC_HASH_SHA512:
    return EVP_sha512();
  case L2TPSEC_HASH_MD4:
    break;
  }
  return NULL;
}

/* OpenSSL 3 keeps MD4 in the legacy provider; crypto/md4.c does it. */
static int hash_md4(const l2tpsec__iovec *parts, size_t n, uint8_t *out) {
  l2tpsec__md4_ctx ctx;

  l2tpsec__md4_init(&ctx);
  for (size_t i = 0; i < n; i++)
    l2tpsec__md4_update(&ctx, parts[i].base, parts[i].len);
  l2tpsec__md4_finish(&ctx, out);
  return 0;
}

static int hash_parts(EVP_MD_CTX *ctx, const EVP_MD *md,
                      const l2tpsec__iovec *parts, size_t n, uint8_t *out) {
  if (EVP_DigestInit_ex(ctx, md, NULL) != 1)
    return L2TPSEC_ERR_CRYPTO;
  for (size_t i = 0; i < n; i++)
    if (EVP_DigestUpdate(ctx, parts[i].base, parts[i].len) != 1)
      return L2TPSEC_ERR_CRYPTO;
  return EVP_DigestFinal_ex(ctx, out, NULL) == 1 ? 0 : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__hash(enum l2tpsec__hash_alg alg, const l2tpsec__iovec *parts,
                  size_t n, uint8_t *out) {
  const EVP_MD *md = l2tpsec__openssl_md(alg);
  EVP_MD_CTX *ctx;
  int rc;

  if ((parts == NULL && n > 0) || out == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (alg == L2TPSEC_HASH_MD4)
    return hash_md4(parts, n, out);
  if (md == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  ctx = EVP_MD_CTX_new();
  if (ctx == NULL)
    return L2TPSEC_ERR_NOMEM;
  rc = hash_parts(ctx, md, parts, n, out);
  EVP_MD_CTX_free(ctx);
  return rc;
}
