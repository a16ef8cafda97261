/* AES-GCM (NIST SP 800-38D; RFC 4106 for ESP) over mbedTLS. */
#include "crypto/mbedtls/compat.h"

#include <string.h>

#include "crypto/crypto.h"
#include "crypto/mbedtls/cipher.h"
#include "l2tpsec/errors.h"

/* RFC 4106: 4-byte salt + 8-byte IV; ICV of 8, 12 or 16 bytes. */
#define GCM_NONCE_LEN 12

static int check_args(const l2tpsec__cipher *c, size_t nonce_len,
                      const uint8_t *aad, size_t aad_len, size_t tag_len) {
  if (c->alg != L2TPSEC_CIPHER_AES_GCM && c->alg != L2TPSEC_CIPHER_NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (nonce_len != GCM_NONCE_LEN)
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

int l2tpsec__gcm_encrypt(l2tpsec__cipher *c, const uint8_t *nonce,
                         size_t nonce_len, const uint8_t *aad, size_t aad_len,
                         const uint8_t *in, uint8_t *out, size_t len,
                         uint8_t *tag, size_t tag_len) {
  int rc = check_args(c, nonce_len, aad, aad_len, tag_len);

  if (rc != 0)
    return rc;
  if (copies(c)) {
    if (len > 0)
      memmove(out, in, len);
    memset(tag, 0, tag_len);
    return 0;
  }

  rc =
      mbedtls_gcm_crypt_and_tag(&c->u.gcm, MBEDTLS_GCM_ENCRYPT, len, nonce,
                                nonce_len, aad, aad_len, in, out, tag_len, tag);
  return rc == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__gcm_decrypt(l2tpsec__cipher *c, const uint8_t *nonce,
                         size_t nonce_len, const uint8_t *aad, size_t aad_len,
                         const uint8_t *in, uint8_t *out, size_t len,
                         const uint8_t *tag, size_t tag_len) {
  int rc = check_args(c, nonce_len, aad, aad_len, tag_len);

  if (rc != 0)
    return rc;
  if (copies(c)) {
    if (len > 0)
      memmove(out, in, len);
    return 0;
  }

  /* mbedTLS compares the tag in constant time and zeroes out on failure. */
  rc = mbedtls_gcm_auth_decrypt(&c->u.gcm, len, nonce, nonce_len, aad, aad_len,
                                tag, tag_len, in, out);
  if (rc == MBEDTLS_ERR_GCM_AUTH_FAILED)
    return L2TPSEC_ERR_INTEGRITY;
  return rc == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}
