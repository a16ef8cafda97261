/* Facts about the OpenSSL backend: name, version, CPU acceleration. */
#include <cpuid.h>
#include <pthread.h>
#include <stdio.h>

#include <openssl/crypto.h>
#include <mbedtls/version.h>

#include "crypto/openssl/openssl.h"

static char backend_name[128];
static pthread_once_t backend_name_once = PTHREAD_ONCE_INIT;

static void format_backend_name(void) {
  snprintf(backend_name, sizeof(backend_name), "%s + mbedTLS %s",
           OpenSSL_version(OPENSSL_VERSION), MBEDTLS_VERSION_STRING);
}

const char *l2tpsec__crypto_backend(void) {
  pthread_once(&backend_name_once, format_backend_name);
  return backend_name;
}

/*
 * NOTE: OpenSSL keeps its CPU capability vector private, so this reads
 * CPUID leaf 1 (ECX bit 25 AES-NI, bit 1 PCLMULQDQ), which OpenSSL's
 * AES and GCM code also follow unless OPENSSL_ia32cap masks them.
 */
void l2tpsec__crypto_accel(bool *aesni, bool *pclmul) {
  unsigned eax, ebx, ecx, edx;

  *aesni = false;
  *pclmul = false;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0)
    return;
  *aesni = (ecx >> 25) & 1;
  *pclmul = (ecx >> 1) & 1;
}
