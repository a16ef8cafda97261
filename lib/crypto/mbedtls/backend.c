/* Facts about the mbedTLS backend: name, version, CPU acceleration. */
#include "crypto/mbedtls/compat.h"

#include <cpuid.h>

#if !L2TPSEC_MBEDTLS_3 && defined(MBEDTLS_AESNI_C)
#include <mbedtls/aesni.h>
#endif

#include "crypto/crypto.h"

const char *l2tpsec__crypto_backend(void) {
  return "mbedTLS " MBEDTLS_VERSION_STRING;
}

#if L2TPSEC_MBEDTLS_3 && defined(MBEDTLS_AESNI_C)
/* CPUID leaf 1, ECX: bit 25 = AES-NI, bit 1 = PCLMULQDQ. */
static void cpu_features(bool *aes, bool *clmul) {
  unsigned eax, ebx, ecx, edx;

  *aes = false;
  *clmul = false;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0)
    return;
  *aes = (ecx >> 25) & 1;
  *clmul = (ecx >> 1) & 1;
}
#endif

void l2tpsec__crypto_accel(bool *aesni, bool *pclmul) {
#if !L2TPSEC_MBEDTLS_3 && defined(MBEDTLS_AESNI_C) &&                          \
    defined(MBEDTLS_AESNI_HAVE_CODE)
  /* 2.28: the library's own run-time check, the one its AES and GCM use. */
  *aesni = mbedtls_aesni_has_support(MBEDTLS_AESNI_AES) != 0;
  *pclmul = mbedtls_aesni_has_support(MBEDTLS_AESNI_CLMUL) != 0;
#elif L2TPSEC_MBEDTLS_3 && defined(MBEDTLS_AESNI_C)
  /*
   * NOTE: 3.x keeps its check private. MBEDTLS_AESNI_C makes it use
   * AES-NI and PCLMULQDQ whenever the CPU has them, so CPUID is a close
   * stand-in, but it cannot see a library built without AES-NI code.
   */
  cpu_features(aesni, pclmul);
#else
  *aesni = false;
  *pclmul = false;
#endif
}
