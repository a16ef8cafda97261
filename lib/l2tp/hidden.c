/*
 * Hidden AVPs (RFC 2661 section 4.3). The value becomes
 * Original Length (2 bytes) || value || padding, XORed with a key stream
 * of MD5 blocks: b1 = MD5(attribute type || secret || Random Vector),
 * bi = MD5(secret || c(i-1)), where c(i-1) is the previous 16 bytes of
 * hidden text. The last block may be partial.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "l2tp/avp.h"
#include "l2tp/bytes.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

#define MD5_LEN 16

static int first_block(uint16_t attr, const uint8_t *secret,
                       size_t secret_len, const uint8_t *vector,
                       size_t vector_len, uint8_t out[MD5_LEN]) {
  uint8_t type[2];
  l2tpsec__iovec parts[3] = {
      {type, 2}, {secret, secret_len}, {vector, vector_len}};

  l2tp_put16(type, attr);
  return l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 3, out);
}

static int next_block(const uint8_t *secret, size_t secret_len,
                      const uint8_t prev[MD5_LEN], uint8_t out[MD5_LEN]) {
  l2tpsec__iovec parts[2] = {{secret, secret_len}, {prev, MD5_LEN}};

  return l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 2, out);
}

/* XORs data with the key stream. `hiding` is true when data is the
 * plain text, false when it is the hidden text. */
static int apply_stream(uint16_t attr, const uint8_t *secret,
                        size_t secret_len, const uint8_t *vector,
                        size_t vector_len, uint8_t *data, size_t len,
                        bool hiding) {
  uint8_t key[MD5_LEN], prev[MD5_LEN];
  int rc = first_block(attr, secret, secret_len, vector, vector_len, key);

  for (size_t pos = 0; rc == 0 && pos < len; pos += MD5_LEN) {
    size_t n = len - pos < MD5_LEN ? len - pos : MD5_LEN;

    if (!hiding)
      memcpy(prev, data + pos, n);
    for (size_t i = 0; i < n; i++)
      data[pos + i] ^= key[i];
    if (hiding)
      memcpy(prev, data + pos, n);
    if (n == MD5_LEN && pos + n < len)
      rc = next_block(secret, secret_len, prev, key);
  }

  l2tpsec_wipe(key, sizeof(key));
  l2tpsec_wipe(prev, sizeof(prev));
  return rc == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__l2tp_hide(uint16_t attr, const uint8_t *secret,
                       size_t secret_len, const uint8_t *vector,
                       size_t vector_len, const uint8_t *value, size_t len,
                       const uint8_t *padding, size_t pad, uint8_t *out,
                       size_t out_cap) {
  size_t total = 2 + len + pad;
  int rc;

  if (total > out_cap || len > 0xffff)
    return L2TPSEC_ERR_NOBUFS;

  l2tp_put16(out, (uint16_t)len);
  if (len > 0)
    memcpy(out + 2, value, len);
  if (pad > 0)
    memcpy(out + 2 + len, padding, pad);

  rc = apply_stream(attr, secret, secret_len, vector, vector_len, out, total,
                    true);
  return rc != 0 ? rc : (int)total;
}

int l2tpsec__l2tp_reveal(uint16_t attr, const uint8_t *secret,
                         size_t secret_len, const uint8_t *vector,
                         size_t vector_len, uint8_t *data, size_t len,
                         const uint8_t **value, size_t *value_len) {
  size_t original;
  int rc;

  if (len < 2)
    return L2TPSEC_ERR_MALFORMED;
  rc = apply_stream(attr, secret, secret_len, vector, vector_len, data, len,
                    false);
  if (rc != 0)
    return rc;

  /* Anything after the original value is padding (section 4.3). */
  original = l2tp_get16(data);
  if (original > len - 2)
    return L2TPSEC_ERR_MALFORMED;
  *value = data + 2;
  *value_len = original;
  return 0;
}
