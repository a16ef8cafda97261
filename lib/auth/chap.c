/* CHAP-MD5 and MS-CHAPv2 computations (RFC 1994, RFC 2759 section 8). */
#include <stdbool.h>
#include <string.h>

#include "auth/chap.h"
#include "crypto/crypto.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

int l2tpsec__chap_md5_response(uint8_t id, const uint8_t *secret,
                               size_t secret_len, const uint8_t *challenge,
                               size_t challenge_len, uint8_t out[16]) {
  l2tpsec__iovec parts[3] = {
      {&id, 1}, {secret, secret_len}, {challenge, challenge_len}};

  return l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 3, out);
}

/* Decodes one UTF-8 sequence at in[*i]; a byte that does not start a
 * valid, shortest-form sequence is returned as itself (Latin-1). */
static uint32_t next_code_point(const uint8_t *in, size_t len, size_t *i) {
  static const uint32_t min_value[4] = {0, 0x80, 0x800, 0x10000};
  uint8_t b = in[*i];
  size_t need;
  uint32_t cp;

  if (b >= 0xc2 && b < 0xe0) {
    need = 1;
    cp = b & 0x1f;
  } else if (b >= 0xe0 && b < 0xf0) {
    need = 2;
    cp = b & 0x0f;
  } else if (b >= 0xf0 && b < 0xf5) {
    need = 3;
    cp = b & 0x07;
  } else {
    (*i)++;
    return b;
  }

  if (len - *i <= need)
    need = 0;
  for (size_t k = 1; k <= need; k++) {
    if ((in[*i + k] & 0xc0) != 0x80) {
      need = 0;
      break;
    }
    cp = cp << 6 | (in[*i + k] & 0x3f);
  }
  if (need == 0 || cp < min_value[need] || cp > 0x10ffff ||
      (cp >= 0xd800 && cp < 0xe000)) {
    (*i)++;
    return b;
  }
  *i += need + 1;
  return cp;
}

/* Appends one UTF-16LE code unit; returns false when the buffer is full. */
static bool put_unit(uint8_t *out, size_t *n, size_t cap, uint32_t unit) {
  if (*n + 2 > cap)
    return false;
  out[*n] = (uint8_t)unit;
  out[*n + 1] = (uint8_t)(unit >> 8);
  *n += 2;
  return true;
}

int l2tpsec__nt_password_hash(const uint8_t *password, size_t len,
                              uint8_t out[16]) {
  uint8_t unicode[2 * MSCHAPV2_PASSWORD_MAX];
  size_t n = 0, i = 0;
  bool fits = true;
  int rc;

  while (i < len && fits) {
    uint32_t cp = next_code_point(password, len, &i);

    if (cp < 0x10000) {
      fits = put_unit(unicode, &n, sizeof(unicode), cp);
    } else {
      cp -= 0x10000;
      fits = put_unit(unicode, &n, sizeof(unicode), 0xd800 | cp >> 10) &&
             put_unit(unicode, &n, sizeof(unicode), 0xdc00 | (cp & 0x3ff));
    }
  }
  if (!fits) {
    l2tpsec_wipe(unicode, sizeof(unicode));
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  }

  l2tpsec__iovec part = {unicode, n};
  rc = l2tpsec__hash(L2TPSEC_HASH_MD4, &part, 1, out);
  l2tpsec_wipe(unicode, sizeof(unicode));
  return rc;
}

int l2tpsec__mschapv2_challenge_hash(const uint8_t peer_challenge[16],
                                     const uint8_t auth_challenge[16],
                                     const char *user, size_t user_len,
                                     uint8_t out[8]) {
  uint8_t digest[20];
  const char *backslash = memchr(user, '\\', user_len);
  int rc;

  /* Only the part after the last backslash is hashed. */
  while (backslash != NULL) {
    size_t skip = (size_t)(backslash - user) + 1;

    user += skip;
    user_len -= skip;
    backslash = memchr(user, '\\', user_len);
  }

  l2tpsec__iovec parts[3] = {
      {peer_challenge, 16}, {auth_challenge, 16}, {user, user_len}};
  rc = l2tpsec__hash(L2TPSEC_HASH_SHA1, parts, 3, digest);
  if (rc == 0)
    memcpy(out, digest, 8);
  return rc;
}

/* RFC 2759 8.5 ChallengeResponse: the 16-byte hash padded with zeros to
 * 21 bytes is three 7-byte DES keys, each encrypting the challenge. */
static int challenge_response(const uint8_t challenge[8],
                              const uint8_t password_hash[16],
                              uint8_t out[24]) {
  uint8_t keys[21] = {0};
  int rc = 0;

  memcpy(keys, password_hash, 16);
  for (int k = 0; k < 3 && rc == 0; k++)
    rc = l2tpsec__des_ecb_encrypt_7(keys + 7 * k, challenge, out + 8 * k);
  l2tpsec_wipe(keys, sizeof(keys));
  return rc;
}

int l2tpsec__mschapv2_nt_response(const uint8_t auth_challenge[16],
                                  const uint8_t peer_challenge[16],
                                  const char *user, size_t user_len,
                                  const uint8_t password_hash[16],
                                  uint8_t out[24]) {
  uint8_t challenge[8];
  int rc;

  rc = l2tpsec__mschapv2_challenge_hash(peer_challenge, auth_challenge, user,
                                        user_len, challenge);
  if (rc != 0)
    return rc;
  return challenge_response(challenge, password_hash, out);
}

/* The two constants of RFC 2759 section 8.7. */
static const char magic1[] = "Magic server to client signing constant";
static const char magic2[] = "Pad to make it do more than one iteration";

int l2tpsec__mschapv2_auth_response(const uint8_t password_hash[16],
                                    const uint8_t nt_response[24],
                                    const uint8_t peer_challenge[16],
                                    const uint8_t auth_challenge[16],
                                    const char *user, size_t user_len,
                                    uint8_t out[20]) {
  uint8_t hash_hash[16], digest[20], challenge[8];
  l2tpsec__iovec first[3] = {{hash_hash, 16},
                             {nt_response, 24},
                             {magic1, sizeof(magic1) - 1}};
  l2tpsec__iovec second[3] = {
      {digest, 20}, {challenge, 8}, {magic2, sizeof(magic2) - 1}};
  l2tpsec__iovec hash_part = {password_hash, 16};
  int rc;

  rc = l2tpsec__hash(L2TPSEC_HASH_MD4, &hash_part, 1, hash_hash);
  if (rc == 0)
    rc = l2tpsec__hash(L2TPSEC_HASH_SHA1, first, 3, digest);
  if (rc == 0)
    rc = l2tpsec__mschapv2_challenge_hash(peer_challenge, auth_challenge,
                                          user, user_len, challenge);
  if (rc == 0)
    rc = l2tpsec__hash(L2TPSEC_HASH_SHA1, second, 3, out);
  l2tpsec_wipe(hash_hash, sizeof(hash_hash));
  return rc;
}

void l2tpsec__hex_upper(const uint8_t *in, size_t len, char *out) {
  static const char digits[] = "0123456789ABCDEF";

  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * len] = '\0';
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool l2tpsec__hex_decode(const char *in, size_t len, uint8_t *out) {
  for (size_t i = 0; i < len; i++) {
    int hi = hex_value(in[2 * i]), lo = hex_value(in[2 * i + 1]);

    if (hi < 0 || lo < 0)
      return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}
