/* Key setup, CBC rounds and MS-CHAP's DES-ECB, over OpenSSL's EVP. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cipher_backend.h"
#include "crypto/des_key.h"
#include "crypto/openssl/openssl.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

/* OpenSSL's name for an algorithm and key length, or NULL. */
static const char *cipher_name(enum l2tpsec__cipher_alg alg, size_t len) {
  switch (alg) {
  case L2TPSEC_CIPHER_AES_CBC:
    return len == 16   ? "AES-128-CBC"
           : len == 24 ? "AES-192-CBC"
           : len == 32 ? "AES-256-CBC"
                       : NULL;
  case L2TPSEC_CIPHER_AES_GCM:
    return len == 16   ? "AES-128-GCM"
           : len == 24 ? "AES-192-GCM"
           : len == 32 ? "AES-256-GCM"
                       : NULL;
  case L2TPSEC_CIPHER_DES3_CBC:
    return len == 24 ? "DES-EDE3-CBC" : NULL;
  case L2TPSEC_CIPHER_DES_CBC:
    return len == 8 ? "DES-CBC" : NULL;
  case L2TPSEC_CIPHER_NULL:
    break;
  }
  return NULL;
}

/* Keys one direction; CBC padding is the caller's (ESP, IKE) business. */
static EVP_CIPHER_CTX *keyed_ctx(const EVP_CIPHER *cipher, const uint8_t *key,
                                 int encrypt) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

  if (ctx == NULL)
    return NULL;
  if (EVP_CipherInit_ex(ctx, cipher, NULL, key, NULL, encrypt) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

int l2tpsec__cipher_backend_setup(l2tpsec__cipher *c, const uint8_t *key,
                                  size_t len) {
  const char *name = cipher_name(c->alg, len);
  EVP_CIPHER *cipher;

  if (name == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  cipher = l2tpsec__openssl_cipher(name);
  if (cipher == NULL)
    return L2TPSEC_ERR_UNSUPPORTED;
  c->enc = keyed_ctx(cipher, key, 1);
  c->dec = keyed_ctx(cipher, key, 0);
  EVP_CIPHER_free(cipher);
  return c->enc != NULL && c->dec != NULL ? 0 : L2TPSEC_ERR_CRYPTO;
}

void l2tpsec__cipher_del(l2tpsec__cipher *c) {
  if (c == NULL)
    return;
  /* EVP_CIPHER_CTX_free cleanses the expanded keys. */
  EVP_CIPHER_CTX_free(c->enc);
  EVP_CIPHER_CTX_free(c->dec);
  l2tpsec_wipe(c, sizeof(*c));
  free(c);
}

/* Sets the IV for this call only: the caller keeps the chaining state. */
static int cbc(EVP_CIPHER_CTX *ctx, const uint8_t *iv, const uint8_t *in,
               uint8_t *out, size_t len) {
  int outl = 0;

  if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) != 1 ||
      EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1 ||
      (size_t)outl != len)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

int l2tpsec__cipher_backend_cbc(l2tpsec__cipher *c, bool encrypt,
                                const uint8_t *iv, const uint8_t *in,
                                uint8_t *out, size_t len) {
  /* EVP_CipherUpdate takes an int length. */
  if (len > INT_MAX)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  return cbc(encrypt ? c->enc : c->dec, iv, in, out, len);
}

int l2tpsec__des_ecb_encrypt_7(const uint8_t key7[7], const uint8_t in[8],
                               uint8_t out[8]) {
  EVP_CIPHER *cipher = l2tpsec__openssl_cipher("DES-ECB");
  EVP_CIPHER_CTX *ctx;
  uint8_t key[8];
  int outl = 0, ok;

  if (cipher == NULL)
    return L2TPSEC_ERR_UNSUPPORTED;
  l2tpsec__des_key_from_7(key7, key);
  ctx = keyed_ctx(cipher, key, 1);
  ok =
      ctx != NULL && EVP_CipherUpdate(ctx, out, &outl, in, 8) == 1 && outl == 8;
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  l2tpsec_wipe(key, sizeof(key));
  return ok ? 0 : L2TPSEC_ERR_CRYPTO;
}
