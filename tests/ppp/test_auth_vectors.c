/*
 * Published test vectors: MS-CHAPv2 (RFC 2759 section 9.2), TOTP
 * (RFC 6238 Appendix B, SHA-1/256/512), and CHAP-MD5 (RFC 1994) checked
 * against an MD5 value computed independently with Python's hashlib.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/chap.h"
#include "l2tpsec/auth.h"
#include "l2tpsec/errors.h"

/* RFC 2759 section 9.2. */
static const char user[] = "User";
static const char password[] = "clientPass";
static const uint8_t auth_challenge[16] = {
    0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
    0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28};
static const uint8_t peer_challenge[16] = {
    0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
    0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};
static const uint8_t challenge[8] = {0xD0, 0x2E, 0x43, 0x86,
                                     0xBC, 0xE9, 0x12, 0x26};
static const uint8_t password_hash[16] = {
    0x44, 0xEB, 0xBA, 0x8D, 0x53, 0x12, 0xB8, 0xD6,
    0x11, 0x47, 0x44, 0x11, 0xF5, 0x69, 0x89, 0xAE};
static const uint8_t nt_response[24] = {
    0x82, 0x30, 0x9E, 0xCD, 0x8D, 0x70, 0x8B, 0x5E, 0xA0, 0x8F, 0xAA, 0x39,
    0x81, 0xCD, 0x83, 0x54, 0x42, 0x33, 0x11, 0x4A, 0x3D, 0x85, 0xD6, 0xDF};
static const char auth_response_text[] =
    "407A5589115FD0D6209F510FE9C04566932CDA56";

static void mschapv2_rfc2759_vector(void **state) {
  uint8_t hash[16], ch[8], response[24], auth[20];
  char hex[41];

  assert_int_equal(l2tpsec__nt_password_hash((const uint8_t *)password,
                                             strlen(password), hash),
                   0);
  assert_memory_equal(hash, password_hash, 16);
  assert_int_equal(l2tpsec__mschapv2_challenge_hash(
                       peer_challenge, auth_challenge, user, 4, ch),
                   0);
  assert_memory_equal(ch, challenge, 8);
  assert_int_equal(l2tpsec__mschapv2_nt_response(auth_challenge,
                                                 peer_challenge, user, 4,
                                                 hash, response),
                   0);
  assert_memory_equal(response, nt_response, 24);
  assert_int_equal(l2tpsec__mschapv2_auth_response(hash, response,
                                                   peer_challenge,
                                                   auth_challenge, user, 4,
                                                   auth),
                   0);
  l2tpsec__hex_upper(auth, 20, hex);
  assert_string_equal(hex, auth_response_text);
}

/* A Windows client sends "DOMAIN\User"; only "User" enters the hash. */
static void mschapv2_domain_prefix_ignored(void **state) {
  uint8_t ch[8];

  assert_int_equal(l2tpsec__mschapv2_challenge_hash(
                       peer_challenge, auth_challenge, "CORP\\User", 9, ch),
                   0);
  assert_memory_equal(ch, challenge, 8);
}

static l2tpsec_auth_request mschapv2_request(void) {
  l2tpsec_auth_request req;

  memset(&req, 0, sizeof(req));
  req.method = L2TPSEC_AUTH_MSCHAPV2;
  req.user = user;
  req.user_len = 4;
  req.challenge = auth_challenge;
  req.challenge_len = 16;
  req.peer_challenge = peer_challenge;
  req.nt_response = nt_response;
  return req;
}

static void check_secret_mschapv2(void **state) {
  l2tpsec_auth_request req = mschapv2_request();
  uint8_t auth[20];
  char hex[41];

  assert_int_equal(l2tpsec_auth_check_secret(&req, (const uint8_t *)password,
                                             strlen(password), auth),
                   0);
  l2tpsec__hex_upper(auth, 20, hex);
  assert_string_equal(hex, auth_response_text);
  assert_int_equal(l2tpsec_auth_check_secret(&req, (const uint8_t *)"clientPasS",
                                             10, auth),
                   L2TPSEC_ERR_AUTH_FAILED);
}

/* MD5(0x01 | "clientPass" | 00 01 ... 0f), from Python's hashlib. */
static void chap_md5_known_answer(void **state) {
  static const uint8_t expected[16] = {0x0c, 0x88, 0x4e, 0x67, 0x8b, 0x2a,
                                       0x0e, 0x30, 0xbd, 0xa2, 0x59, 0x08,
                                       0x6e, 0x9b, 0x4e, 0xbf};
  uint8_t ch[16], out[16];
  l2tpsec_auth_request req;

  for (int i = 0; i < 16; i++)
    ch[i] = (uint8_t)i;
  assert_int_equal(l2tpsec__chap_md5_response(1, (const uint8_t *)password,
                                              10, ch, 16, out),
                   0);
  assert_memory_equal(out, expected, 16);

  /* The same value verified the other way, by the server's check. */
  memset(&req, 0, sizeof(req));
  req.method = L2TPSEC_AUTH_CHAP_MD5;
  req.chap_id = 1;
  req.challenge = ch;
  req.challenge_len = 16;
  req.response = expected;
  req.response_len = 16;
  assert_int_equal(
      l2tpsec_auth_check_secret(&req, (const uint8_t *)password, 10, NULL), 0);
  req.chap_id = 2;
  assert_int_equal(
      l2tpsec_auth_check_secret(&req, (const uint8_t *)password, 10, NULL),
      L2TPSEC_ERR_AUTH_FAILED);
}

/* RFC 6238 Appendix B: 8-digit values for three hashes. */
static void totp_rfc6238_vectors(void **state) {
  static const struct {
    int64_t time;
    const char *sha1, *sha256, *sha512;
  } rows[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  const char *seed20 = "12345678901234567890";
  const char *seed32 = "12345678901234567890123456789012";
  const char *seed64 = "1234567890123456789012345678901234567890"
                       "123456789012345678901234";
  char code[9];

  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    assert_int_equal(l2tpsec_totp_code(L2TPSEC_TOTP_SHA1,
                                       (const uint8_t *)seed20, 20,
                                       rows[i].time, 30, 8, code),
                     0);
    assert_string_equal(code, rows[i].sha1);
    assert_int_equal(l2tpsec_totp_code(L2TPSEC_TOTP_SHA256,
                                       (const uint8_t *)seed32, 32,
                                       rows[i].time, 30, 8, code),
                     0);
    assert_string_equal(code, rows[i].sha256);
    assert_int_equal(l2tpsec_totp_code(L2TPSEC_TOTP_SHA512,
                                       (const uint8_t *)seed64, 64,
                                       rows[i].time, 30, 8, code),
                     0);
    assert_string_equal(code, rows[i].sha512);
  }
  /* Six digits are the low six of the same value. */
  assert_int_equal(l2tpsec_totp_code(L2TPSEC_TOTP_SHA1,
                                     (const uint8_t *)seed20, 20, 59, 30, 6,
                                     code),
                   0);
  assert_string_equal(code, "287082");
  assert_int_equal(l2tpsec_totp_code(L2TPSEC_TOTP_SHA1,
                                     (const uint8_t *)seed20, 20, 59, 30, 9,
                                     code),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(mschapv2_rfc2759_vector),
      cmocka_unit_test(mschapv2_domain_prefix_ignored),
      cmocka_unit_test(check_secret_mschapv2),
      cmocka_unit_test(chap_md5_known_answer),
      cmocka_unit_test(totp_rfc6238_vectors),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
