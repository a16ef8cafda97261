/*
 * The backend-neutral part of cipher contexts: argument checks,
 * allocation, block sizes and the NULL cipher. The key setup and the
 * CBC rounds come from the backend (crypto/cipher_backend.h).
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/cipher_backend.h"
#include "l2tpsec/errors.h"

int l2tpsec__cipher_new(l2tpsec__cipher **pc, enum l2tpsec__cipher_alg alg,
                        const uint8_t *key, size_t key_len) {
  l2tpsec__cipher *c;
  int rc;

  *pc = NULL;
  if (key == NULL && key_len > 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return L2TPSEC_ERR_NOMEM;

  c->alg = alg;
  if (alg == L2TPSEC_CIPHER_NULL)
    rc = 0;
  else
    rc = l2tpsec__cipher_backend_setup(c, key, key_len);
  if (rc != 0) {
    /* A context that failed setup may be half initialised: free it all. */
    l2tpsec__cipher_del(c);
    return rc;
  }
  *pc = c;
  return 0;
}

size_t l2tpsec__cipher_block_len(const l2tpsec__cipher *c) {
  switch (c->alg) {
  case L2TPSEC_CIPHER_AES_CBC:
    return 16;
  case L2TPSEC_CIPHER_DES3_CBC:
  case L2TPSEC_CIPHER_DES_CBC:
    return 8;
  case L2TPSEC_CIPHER_AES_GCM:
  case L2TPSEC_CIPHER_NULL:
    return 1;
  }
  return 1;
}

static int cbc_checked(l2tpsec__cipher *c, bool encrypt, const uint8_t *iv,
                       const uint8_t *in, uint8_t *out, size_t len) {
  if (c->alg == L2TPSEC_CIPHER_AES_GCM)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (len % l2tpsec__cipher_block_len(c) != 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (len == 0)
    return 0;
  if (c->alg == L2TPSEC_CIPHER_NULL || L2TPSEC_NULL_CIPHERS) {
    memmove(out, in, len);
    return 0;
  }
  return l2tpsec__cipher_backend_cbc(c, encrypt, iv, in, out, len);
}

int l2tpsec__cbc_encrypt(l2tpsec__cipher *c, const uint8_t *iv,
                         const uint8_t *in, uint8_t *out, size_t len) {
  return cbc_checked(c, true, iv, in, out, len);
}

int l2tpsec__cbc_decrypt(l2tpsec__cipher *c, const uint8_t *iv,
                         const uint8_t *in, uint8_t *out, size_t len) {
  return cbc_checked(c, false, iv, in, out, len);
}
