/*
 * The MS-CHAPv2 example of RFC 2759 section 9.2, computed end to end from
 * the crypto primitives: SHA-1 for ChallengeHash, MD4 for the NT password
 * hash, DES-ECB with 7-byte keys for ChallengeResponse, and the
 * authenticator response. The PPP layer has its own MS-CHAPv2 code; this
 * test only proves the primitives it builds on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto/des_key.h"
#include "hex.h"

static const char user_name[] = "User";
static const char password[] = "clientPass";
#define AUTH_CHALLENGE "5b5d7c7d7b3f2f3e3c2c602132262628"
#define PEER_CHALLENGE "21402324255e262a28295f2b3a337c7e"

/* ChallengeHash (RFC 2759 section 8.2). */
static void challenge_hash(uint8_t challenge[8]) {
  uint8_t peer[16], auth[16], digest[20];
  l2tpsec__iovec parts[3] = {
      {peer, 16}, {auth, 16}, {user_name, strlen(user_name)}};

  unhex(PEER_CHALLENGE, peer, 16);
  unhex(AUTH_CHALLENGE, auth, 16);
  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_SHA1, parts, 3, digest), 0);
  memcpy(challenge, digest, 8);
}

/* NtPasswordHash (section 8.3): MD4 of the UTF-16LE password. */
static void nt_password_hash(uint8_t hash[16]) {
  uint8_t unicode[2 * sizeof(password)];
  size_t n = strlen(password);
  l2tpsec__iovec part = {unicode, 2 * n};

  for (size_t i = 0; i < n; i++) {
    unicode[2 * i] = (uint8_t)password[i];
    unicode[2 * i + 1] = 0;
  }
  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD4, &part, 1, hash), 0);
}

/* ChallengeResponse (section 8.5): three DES-ECB blocks. */
static void challenge_response(const uint8_t challenge[8],
                               const uint8_t hash[16], uint8_t response[24]) {
  uint8_t zhash[21] = {0};

  memcpy(zhash, hash, 16);
  for (int i = 0; i < 3; i++)
    assert_int_equal(
        l2tpsec__des_ecb_encrypt_7(zhash + 7 * i, challenge, response + 8 * i),
        0);
}

static void mschapv2_rfc2759_nt_response(void **state) {
  uint8_t challenge[8], hash[16], response[24];
  uint8_t expected_challenge[8], expected_hash[16], expected_response[24];

  unhex("d02e4386bce91226", expected_challenge, 8);
  unhex("44ebba8d5312b8d611474411f56989ae", expected_hash, 16);
  unhex("82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df", expected_response,
        24);

  challenge_hash(challenge);
  assert_memory_equal(challenge, expected_challenge, 8);
  nt_password_hash(hash);
  assert_memory_equal(hash, expected_hash, 16);
  challenge_response(challenge, hash, response);
  assert_memory_equal(response, expected_response, 24);
}

/* GenerateAuthenticatorResponse (section 8.7) on the same example. */
static void mschapv2_rfc2759_authenticator_response(void **state) {
  static const char magic1[] = "Magic server to client signing constant";
  static const char magic2[] = "Pad to make it do more than one iteration";
  uint8_t challenge[8], hash[16], hash_hash[16], response[24], digest[20];
  uint8_t expected_hash_hash[16];
  char text[43];
  l2tpsec__iovec part = {hash, 16};

  challenge_hash(challenge);
  nt_password_hash(hash);
  challenge_response(challenge, hash, response);
  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD4, &part, 1, hash_hash), 0);
  unhex("41c00c584bd2d91c4017a2a12fa59f3f", expected_hash_hash, 16);
  assert_memory_equal(hash_hash, expected_hash_hash, 16);

  l2tpsec__iovec first[3] = {
      {hash_hash, 16}, {response, 24}, {magic1, strlen(magic1)}};
  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_SHA1, first, 3, digest), 0);
  l2tpsec__iovec second[3] = {
      {digest, 20}, {challenge, 8}, {magic2, strlen(magic2)}};
  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_SHA1, second, 3, digest), 0);

  strcpy(text, "S=");
  for (int i = 0; i < 20; i++)
    snprintf(text + 2 + 2 * i, 3, "%02X", digest[i]);
  assert_string_equal(text, "S=407A5589115FD0D6209F510FE9C04566932CDA56");
}

/* Each expanded byte carries 7 key bits on top and odd parity overall. */
static void des_key_expansion_keeps_bits(void **state) {
  static const uint8_t key7[7] = {0xff, 0x00, 0xa5, 0x5a, 0x12, 0x34, 0x81};
  uint8_t key8[8];
  uint64_t from7 = 0, from8 = 0;

  l2tpsec__des_key_from_7(key7, key8);
  for (int i = 0; i < 7; i++)
    from7 = (from7 << 8) | key7[i];
  for (int i = 0; i < 8; i++) {
    assert_int_equal(__builtin_popcount(key8[i]) % 2, 1);
    from8 = (from8 << 7) | (key8[i] >> 1);
  }
  assert_true(from7 == from8);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(mschapv2_rfc2759_nt_response),
      cmocka_unit_test(mschapv2_rfc2759_authenticator_response),
      cmocka_unit_test(des_key_expansion_keeps_bits),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
