/* Integrity check values of the HMAC transforms (RFC 4303 section 2.8). */
#include <string.h>

#include "esp/esp_internal.h"
#include "l2tpsec/mem.h"

int l2tpsec__esp_icv_compute(l2tpsec_esp_sa *sa, const uint8_t *data,
                             size_t len, uint8_t *icv, size_t icv_len) {
  uint8_t digest[L2TPSEC_HASH_MAX];
  int rv;

  rv = l2tpsec__hmac_start(sa->hmac);
  if (rv == 0)
    rv = l2tpsec__hmac_update(sa->hmac, data, len);
  if (rv == 0)
    rv = l2tpsec__hmac_finish(sa->hmac, digest);
  if (rv == 0)
    memcpy(icv, digest, icv_len);
  return rv;
}

bool l2tpsec__esp_icv_matches(l2tpsec_esp_sa *sa, const uint8_t *data,
                              size_t len, const uint8_t *icv, size_t icv_len) {
  uint8_t expected[ESP_ICV_MAX];

  if (l2tpsec__esp_icv_compute(sa, data, len, expected, icv_len) != 0)
    return false;
#ifdef L2TPSEC_FUZZ_NULL_CRYPTO
  /*
   * Fuzzing build: a fuzzer cannot forge an HMAC, so every ICV passes and
   * the code after the integrity check is reached.
   */
  return true;
#else
  return l2tpsec_memeq_consttime(expected, icv, icv_len) == 1;
#endif
}
