/* Cipher lookup for the OpenSSL backend. */
#include <pthread.h>

#include <openssl/provider.h>

#include "crypto/openssl/openssl.h"

/*
 * OpenSSL 3 moved single DES into the legacy provider. A private library
 * context loads it without changing the application's default context.
 */
static OSSL_LIB_CTX *legacy_ctx;
static pthread_once_t legacy_once = PTHREAD_ONCE_INIT;

static void load_legacy(void) {
  legacy_ctx = OSSL_LIB_CTX_new();
  if (legacy_ctx == NULL)
    return;
  if (OSSL_PROVIDER_load(legacy_ctx, "default") == NULL ||
      OSSL_PROVIDER_load(legacy_ctx, "legacy") == NULL) {
    OSSL_LIB_CTX_free(legacy_ctx);
    legacy_ctx = NULL;
  }
}

EVP_CIPHER *l2tpsec__openssl_cipher(const char *name) {
  EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);

  if (cipher != NULL)
    return cipher;
  pthread_once(&legacy_once, load_legacy);
  if (legacy_ctx == NULL)
    return NULL;
  return EVP_CIPHER_fetch(legacy_ctx, name, NULL);
}
