/* Key setup, CBC rounds and MS-CHAP's DES-ECB, over mbedTLS. */
#include "crypto/mbedtls/compat.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/cipher_backend.h"
#include "crypto/des_key.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

static int setup_aes(l2tpsec__cipher *c, const uint8_t *key, size_t len) {
  unsigned bits = (unsigned)len * 8;

  if (len != 16 && len != 24 && len != 32)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  mbedtls_aes_init(&c->u.aes.enc);
  mbedtls_aes_init(&c->u.aes.dec);
  if (mbedtls_aes_setkey_enc(&c->u.aes.enc, key, bits) != 0 ||
      mbedtls_aes_setkey_dec(&c->u.aes.dec, key, bits) != 0)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

static int setup_des3(l2tpsec__cipher *c, const uint8_t *key, size_t len) {
  if (len != 24)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  mbedtls_des3_init(&c->u.des3.enc);
  mbedtls_des3_init(&c->u.des3.dec);
  if (mbedtls_des3_set3key_enc(&c->u.des3.enc, key) != 0 ||
      mbedtls_des3_set3key_dec(&c->u.des3.dec, key) != 0)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

static int setup_des(l2tpsec__cipher *c, const uint8_t *key, size_t len) {
  if (len != 8)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  mbedtls_des_init(&c->u.des.enc);
  mbedtls_des_init(&c->u.des.dec);
  if (mbedtls_des_setkey_enc(&c->u.des.enc, key) != 0 ||
      mbedtls_des_setkey_dec(&c->u.des.dec, key) != 0)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

static int setup_gcm(l2tpsec__cipher *c, const uint8_t *key, size_t len) {
  if (len != 16 && len != 24 && len != 32)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  mbedtls_gcm_init(&c->u.gcm);
  if (mbedtls_gcm_setkey(&c->u.gcm, MBEDTLS_CIPHER_ID_AES, key,
                         (unsigned)len * 8) != 0)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

int l2tpsec__cipher_backend_setup(l2tpsec__cipher *c, const uint8_t *key,
                                  size_t len) {
  switch (c->alg) {
  case L2TPSEC_CIPHER_AES_CBC:
    return setup_aes(c, key, len);
  case L2TPSEC_CIPHER_DES3_CBC:
    return setup_des3(c, key, len);
  case L2TPSEC_CIPHER_DES_CBC:
    return setup_des(c, key, len);
  case L2TPSEC_CIPHER_AES_GCM:
    return setup_gcm(c, key, len);
  case L2TPSEC_CIPHER_NULL:
    return 0;
  }
  return L2TPSEC_ERR_INVALID_ARGUMENT;
}

void l2tpsec__cipher_del(l2tpsec__cipher *c) {
  if (c == NULL)
    return;
  switch (c->alg) {
  case L2TPSEC_CIPHER_AES_CBC:
    mbedtls_aes_free(&c->u.aes.enc);
    mbedtls_aes_free(&c->u.aes.dec);
    break;
  case L2TPSEC_CIPHER_DES3_CBC:
    mbedtls_des3_free(&c->u.des3.enc);
    mbedtls_des3_free(&c->u.des3.dec);
    break;
  case L2TPSEC_CIPHER_DES_CBC:
    mbedtls_des_free(&c->u.des.enc);
    mbedtls_des_free(&c->u.des.dec);
    break;
  case L2TPSEC_CIPHER_AES_GCM:
    mbedtls_gcm_free(&c->u.gcm);
    break;
  case L2TPSEC_CIPHER_NULL:
    break;
  }
  /* The *_free calls above zeroize too; this also covers a failed setup. */
  l2tpsec_wipe(c, sizeof(*c));
  free(c);
}

int l2tpsec__cipher_backend_cbc(l2tpsec__cipher *c, bool encrypt,
                                const uint8_t *iv_in, const uint8_t *in,
                                uint8_t *out, size_t len) {
  /* mbedTLS advances the IV it is given; the caller's stays untouched. */
  uint8_t iv[16];
  int rc;

  memcpy(iv, iv_in, l2tpsec__cipher_block_len(c));
  switch (c->alg) {
  case L2TPSEC_CIPHER_AES_CBC:
    rc = mbedtls_aes_crypt_cbc(
        encrypt ? &c->u.aes.enc : &c->u.aes.dec,
        encrypt ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, len, iv, in, out);
    break;
  case L2TPSEC_CIPHER_DES3_CBC:
    rc = mbedtls_des3_crypt_cbc(
        encrypt ? &c->u.des3.enc : &c->u.des3.dec,
        encrypt ? MBEDTLS_DES_ENCRYPT : MBEDTLS_DES_DECRYPT, len, iv, in, out);
    break;
  default:
    rc = mbedtls_des_crypt_cbc(
        encrypt ? &c->u.des.enc : &c->u.des.dec,
        encrypt ? MBEDTLS_DES_ENCRYPT : MBEDTLS_DES_DECRYPT, len, iv, in, out);
    break;
  }
  l2tpsec_wipe(iv, sizeof(iv));
  return rc == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__des_ecb_encrypt_7(const uint8_t key7[7], const uint8_t in[8],
                               uint8_t out[8]) {
  mbedtls_des_context des;
  uint8_t key[8];
  int rc;

  l2tpsec__des_key_from_7(key7, key);
  mbedtls_des_init(&des);
  rc = mbedtls_des_setkey_enc(&des, key);
  if (rc == 0)
    rc = mbedtls_des_crypt_ecb(&des, in, out);
  mbedtls_des_free(&des);
  l2tpsec_wipe(key, sizeof(key));
  return rc == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}
