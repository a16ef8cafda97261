/* TOTP values (RFC 6238 over RFC 4226's HOTP) and the password+code
 * split. */
#include <string.h>

#include "crypto/crypto.h"
#include "l2tpsec/auth.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

static enum l2tpsec__hash_alg hash_alg(enum l2tpsec_totp_hash hash) {
  switch (hash) {
  case L2TPSEC_TOTP_SHA256:
    return L2TPSEC_HASH_SHA256;
  case L2TPSEC_TOTP_SHA512:
    return L2TPSEC_HASH_SHA512;
  default:
    return L2TPSEC_HASH_SHA1;
  }
}

/* RFC 4226 section 5.3: dynamic truncation of the HMAC, then the low
 * `digits` decimal digits, zero-padded. */
static void truncate_to_digits(const uint8_t *mac, size_t mac_len,
                               unsigned digits, char *out) {
  unsigned offset = mac[mac_len - 1] & 0x0f;
  uint32_t value = (uint32_t)(mac[offset] & 0x7f) << 24 |
                   (uint32_t)mac[offset + 1] << 16 |
                   (uint32_t)mac[offset + 2] << 8 | mac[offset + 3];

  for (unsigned i = digits; i > 0; i--) {
    out[i - 1] = (char)('0' + value % 10);
    value /= 10;
  }
  out[digits] = '\0';
}

int l2tpsec_totp_code(enum l2tpsec_totp_hash hash, const uint8_t *key,
                      size_t key_len, int64_t unix_time, uint32_t step_s,
                      unsigned digits, char *out) {
  uint8_t counter[8], mac[L2TPSEC_HASH_MAX];
  enum l2tpsec__hash_alg alg = hash_alg(hash);
  uint64_t steps;
  l2tpsec__iovec part = {counter, sizeof(counter)};

  if (key == NULL || key_len == 0 || out == NULL || step_s == 0 ||
      digits < 6 || digits > 8 || unix_time < 0 ||
      (unsigned)hash > L2TPSEC_TOTP_SHA512)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  /* T = floor((time - T0) / step) as a big-endian 64-bit counter. */
  steps = (uint64_t)unix_time / step_s;
  for (int i = 7; i >= 0; i--) {
    counter[i] = (uint8_t)steps;
    steps >>= 8;
  }
  if (l2tpsec__hmac(alg, key, key_len, &part, 1, mac) != 0)
    return L2TPSEC_ERR_CRYPTO;
  truncate_to_digits(mac, l2tpsec__hash_len(alg), digits, out);
  l2tpsec_wipe(mac, sizeof(mac));
  return 0;
}

long l2tpsec_auth_split_code(const uint8_t *field, size_t len,
                             unsigned digits) {
  if (field == NULL || digits == 0 || len < digits)
    return -1;
  for (size_t i = len - digits; i < len; i++)
    if (field[i] < '0' || field[i] > '9')
      return -1;
  return (long)(len - digits);
}
