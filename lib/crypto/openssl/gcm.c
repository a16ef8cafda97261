/* AES-GCM (NIST SP 800-38D; RFC 4106 for ESP) over OpenSSL's EVP. */
#include <limits.h>
#include <string.h>

#include "crypto/openssl/openssl.h"
#include "l2tpsec/errors.h"

/* RFC 4106: 4-byte salt + 8-byte IV, OpenSSL's default GCM IV length. */
#define GCM_NONCE_LEN 12

static int check_args(const l2tpsec__cipher *c, size_t nonce_len,
                      const uint8_t *aad, size_t aad_len, size_t len,
                      size_t tag_len) {
  if (c->alg != L2TPSEC_CIPHER_AES_GCM && c->alg != L2TPSEC_CIPHER_NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (nonce_len != GCM_NONCE_LEN || len > INT_MAX || aad_len > INT_MAX)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (tag_len != 8 && tag_len != 12 && tag_len != 16)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (aad == NULL && aad_len > 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  return 0;
}

/* NULL cipher and fuzzing builds: copy, and use an all-zero tag. */
static bool copies(const l2tpsec__cipher *c) {
  return c->alg == L2TPSEC_CIPHER_NULL || L2TPSEC_NULL_CIPHERS;
}

/* Starts a message: new nonce on the keyed context, then the AAD. */
static bool start(EVP_CIPHER_CTX *ctx, const uint8_t *nonce, const uint8_t *aad,
                  size_t aad_len) {
  int outl = 0;

  if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, -1) != 1)
    return false;
  return aad_len == 0 ||
         EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len) == 1;
}

int l2tpsec__gcm_encrypt(l2tpsec__cipher *c, const uint8_t *nonce,
                         size_t nonce_len, const uint8_t *aad, size_t aad_len,
                         const uint8_t *in, uint8_t *out, size_t len,
                         uint8_t *tag, size_t tag_len) {
  int rc = check_args(c, nonce_len, aad, aad_len, len, tag_len);
  int outl = 0, finl = 0;

  if (rc != 0)
    return rc;
  if (copies(c)) {
    if (len > 0)
      memmove(out, in, len);
    memset(tag, 0, tag_len);
    return 0;
  }
  if (!start(c->enc, nonce, aad, aad_len) ||
      (len > 0 && EVP_CipherUpdate(c->enc, out, &outl, in, (int)len) != 1) ||
      EVP_CipherFinal_ex(c->enc, out + outl, &finl) != 1 ||
      EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_GCM_GET_TAG, (int)tag_len, tag) != 1)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

int l2tpsec__gcm_decrypt(l2tpsec__cipher *c, const uint8_t *nonce,
                         size_t nonce_len, const uint8_t *aad, size_t aad_len,
                         const uint8_t *in, uint8_t *out, size_t len,
                         const uint8_t *tag, size_t tag_len) {
  int rc = check_args(c, nonce_len, aad, aad_len, len, tag_len);
  uint8_t expected[16];
  int outl = 0, finl = 0;

  if (rc != 0)
    return rc;
  if (copies(c)) {
    if (len > 0)
      memmove(out, in, len);
    return 0;
  }
  /* SET_TAG copies the tag; the ctrl interface only lacks a const. */
  memcpy(expected, tag, tag_len);
  if (!start(c->dec, nonce, aad, aad_len) ||
      (len > 0 && EVP_CipherUpdate(c->dec, out, &outl, in, (int)len) != 1) ||
      EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_GCM_SET_TAG, (int)tag_len,
                          expected) != 1)
    return L2TPSEC_ERR_CRYPTO;

  /* The final step compares the tag in constant time. */
  if (EVP_CipherFinal_ex(c->dec, out + outl, &finl) != 1)
    return L2TPSEC_ERR_INTEGRITY;
  return 0;
}
