/* RADIUS wire format: password hiding, authenticators, layout checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/radius_wire.h"
#include "crypto/crypto.h"
#include "l2tpsec/errors.h"

static const uint8_t secret[] = "xyzzy5461";
#define SECRET_LEN (sizeof(secret) - 1)

static const uint8_t req_auth[16] = {0x0f, 0x40, 0x3f, 0x94, 0x73, 0x97,
                                     0x80, 0x57, 0xbd, 0x83, 0xd5, 0xcb,
                                     0x98, 0xf4, 0x22, 0x7a};

static void md5_of(const void *a, size_t a_len, const void *b, size_t b_len,
                   uint8_t out[16]) {
  l2tpsec__iovec parts[2] = {{a, a_len}, {b, b_len}};

  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 2, out), 0);
}

/* Undoes RFC 2865 section 5.2 hiding the way a server does. */
static void reveal(const uint8_t *hidden, size_t len, uint8_t *out) {
  const uint8_t *previous = req_auth;
  uint8_t pad[16];

  for (size_t off = 0; off < len; off += 16) {
    md5_of(secret, SECRET_LEN, previous, 16, pad);
    for (size_t i = 0; i < 16; i++)
      out[off + i] = hidden[off + i] ^ pad[i];
    previous = hidden + off;
  }
}

static void pap_hiding_round_trips(void **state) {
  const char *passwords[] = {"a", "Secr3t!123456", "exactly16bytes!!",
                             "a password that spans three blocks of md5"};

  for (size_t n = 0; n < 4; n++) {
    size_t len = strlen(passwords[n]);
    uint8_t hidden[128], plain[128];
    size_t hidden_len = 0;

    assert_int_equal(l2tpsec__radius_hide_password(
                         (const uint8_t *)passwords[n], len, secret, SECRET_LEN,
                         req_auth, hidden, &hidden_len),
                     0);
    assert_int_equal(hidden_len, (len + 15) / 16 * 16);
    assert_memory_not_equal(hidden, passwords[n], len);
    reveal(hidden, hidden_len, plain);
    assert_memory_equal(plain, passwords[n], len);
    for (size_t i = len; i < hidden_len; i++)
      assert_int_equal(plain[i], 0);
  }
}

static void pap_hiding_rejects_bad_lengths(void **state) {
  uint8_t pw[129] = {0}, out[128];
  size_t out_len;

  assert_int_equal(l2tpsec__radius_hide_password(pw, 0, secret, SECRET_LEN,
                                                 req_auth, out, &out_len),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(l2tpsec__radius_hide_password(pw, 129, secret, SECRET_LEN,
                                                 req_auth, out, &out_len),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(l2tpsec__radius_hide_password(pw, 128, secret, SECRET_LEN,
                                                 req_auth, out, &out_len),
                   0);
  assert_int_equal(out_len, 128);
}

static int build_access_request(uint8_t *buf) {
  l2tpsec__radius_writer w;

  l2tpsec__radius_begin(&w, buf, RADIUS_PACKET_MAX, RADIUS_ACCESS_REQUEST, 9,
                        req_auth);
  l2tpsec__radius_add_message_authenticator(&w);
  l2tpsec__radius_add_string(&w, RADIUS_USER_NAME, "nemo");
  l2tpsec__radius_add_u32(&w, RADIUS_NAS_PORT, 3);
  return l2tpsec__radius_finish_access_request(&w, secret, SECRET_LEN);
}

static void access_request_message_authenticator(void **state) {
  uint8_t buf[RADIUS_PACKET_MAX], copy[RADIUS_PACKET_MAX], mac[16];
  int len = build_access_request(buf);
  l2tpsec__iovec part = {copy, (size_t)len};

  assert_int_equal(len, 20 + 18 + 6 + 6);
  assert_int_equal(buf[0], RADIUS_ACCESS_REQUEST);
  assert_int_equal(buf[1], 9);
  assert_int_equal(radius_get16(buf + 2), len);
  assert_memory_equal(buf + 4, req_auth, 16);
  assert_int_equal(buf[20], RADIUS_MESSAGE_AUTHENTICATOR);
  assert_int_equal(buf[21], 18);

  /* RFC 3579 section 3.2: HMAC-MD5 over the packet with the MA zeroed. */
  memcpy(copy, buf, (size_t)len);
  memset(copy + 22, 0, 16);
  assert_int_equal(
      l2tpsec__hmac(L2TPSEC_HASH_MD5, secret, SECRET_LEN, &part, 1, mac), 0);
  assert_memory_equal(mac, buf + 22, 16);
}

static void writer_rejects_oversized_values(void **state) {
  uint8_t buf[64], big[254] = {0};
  l2tpsec__radius_writer w;

  l2tpsec__radius_begin(&w, buf, sizeof(buf), RADIUS_ACCESS_REQUEST, 1,
                        req_auth);
  l2tpsec__radius_add(&w, RADIUS_CLASS, big, 254);
  assert_true(w.failed);
  assert_true(l2tpsec__radius_finish_access_request(&w, secret, SECRET_LEN) <
              0);

  l2tpsec__radius_begin(&w, buf, sizeof(buf), RADIUS_ACCESS_REQUEST, 1,
                        req_auth);
  l2tpsec__radius_add(&w, RADIUS_CLASS, big, 60);
  assert_true(w.failed); /* 20 + 62 does not fit in 64 */
}

static void response_checks_authenticators(void **state) {
  uint8_t buf[RADIUS_PACKET_MAX];
  l2tpsec__radius_writer w;
  size_t plen;
  int len;

  l2tpsec__radius_begin(&w, buf, sizeof(buf), RADIUS_ACCESS_ACCEPT, 9,
                        req_auth);
  l2tpsec__radius_add_message_authenticator(&w);
  l2tpsec__radius_add_u32(&w, RADIUS_SESSION_TIMEOUT, 3600);
  len = l2tpsec__radius_finish_response(&w, req_auth, secret, SECRET_LEN);
  assert_true(len > 0);

  assert_int_equal(l2tpsec__radius_check_layout(buf, (size_t)len, &plen),
                   RADIUS_CHECK_OK);
  assert_int_equal(l2tpsec__radius_check_response(buf, plen, req_auth, secret,
                                                  SECRET_LEN, true),
                   RADIUS_CHECK_OK);
  assert_int_equal(l2tpsec__radius_check_response(
                       buf, plen, req_auth, (const uint8_t *)"other", 5, true),
                   RADIUS_CHECK_AUTHENTICATOR);

  buf[len - 1] ^= 1; /* Session-Timeout changed in transit */
  assert_int_equal(l2tpsec__radius_check_response(buf, plen, req_auth, secret,
                                                  SECRET_LEN, true),
                   RADIUS_CHECK_AUTHENTICATOR);
}

/* A reply whose Response Authenticator is right but whose MA is not. */
static void response_checks_message_authenticator(void **state) {
  uint8_t buf[RADIUS_PACKET_MAX];
  l2tpsec__radius_writer w;
  int len;

  l2tpsec__radius_begin(&w, buf, sizeof(buf), RADIUS_ACCESS_ACCEPT, 9,
                        req_auth);
  l2tpsec__radius_add_message_authenticator(&w);
  len = l2tpsec__radius_finish_response(&w, req_auth, secret, SECRET_LEN);
  buf[22] ^= 0x80;
  /* Recompute only the Response Authenticator over the damaged MA. */
  {
    uint8_t digest[16];
    l2tpsec__iovec parts[4] = {{buf, 4},
                               {req_auth, 16},
                               {buf + 20, (size_t)len - 20},
                               {secret, SECRET_LEN}};

    assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 4, digest), 0);
    memcpy(buf + 4, digest, 16);
  }
  assert_int_equal(l2tpsec__radius_check_response(buf, (size_t)len, req_auth,
                                                  secret, SECRET_LEN, true),
                   RADIUS_CHECK_BAD_MA);

  l2tpsec__radius_begin(&w, buf, sizeof(buf), RADIUS_ACCESS_ACCEPT, 9,
                        req_auth);
  len = l2tpsec__radius_finish_response(&w, req_auth, secret, SECRET_LEN);
  assert_int_equal(l2tpsec__radius_check_response(buf, (size_t)len, req_auth,
                                                  secret, SECRET_LEN, true),
                   RADIUS_CHECK_NO_MA);
  assert_int_equal(l2tpsec__radius_check_response(buf, (size_t)len, req_auth,
                                                  secret, SECRET_LEN, false),
                   RADIUS_CHECK_OK);
}

struct layout_case {
  const char *name;
  uint8_t bytes[64];
  size_t datagram_len;
  enum radius_check expected;
};

static void layout_rejects_bad_framing(void **state) {
  static const struct layout_case cases[] = {
      {"10-byte datagram", {2, 1, 0, 10}, 10, RADIUS_CHECK_SHORT},
      {"Length 4096 in 40 bytes", {2, 1, 0x10, 0x00}, 40, RADIUS_CHECK_LENGTH},
      {"Length 12", {2, 1, 0, 12}, 40, RADIUS_CHECK_LENGTH},
      {"Length 4097", {2, 1, 0x10, 0x01}, 40, RADIUS_CHECK_LENGTH},
      {"attribute length 1",
       {2, 1, 0, 24, [20] = 8, 1, 0, 0},
       24,
       RADIUS_CHECK_ATTRIBUTES},
      {"attribute length 0",
       {2, 1, 0, 24, [20] = 8, 0, 0, 0},
       24,
       RADIUS_CHECK_ATTRIBUTES},
      {"attribute overruns Length",
       {2, 1, 0, 26, [20] = 8, 10, 192, 0, 2, 1},
       40,
       RADIUS_CHECK_ATTRIBUTES},
      {"lone attribute type byte",
       {2, 1, 0, 21, [20] = 8},
       21,
       RADIUS_CHECK_ATTRIBUTES},
      {"padding past Length ignored",
       {2, 1, 0, 26, [20] = 8, 6, 192, 0, 2, 1, 0xff, 0xff},
       40,
       RADIUS_CHECK_OK},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t plen = 0;

    print_message("case: %s\n", cases[i].name);
    assert_int_equal(l2tpsec__radius_check_layout(cases[i].bytes,
                                                  cases[i].datagram_len, &plen),
                     cases[i].expected);
  }
}

static void vendor_split_checks_layout(void **state) {
  static const uint8_t good[] = {0, 0, 1, 55, 26, 5, 'a', 'b', 'c'};
  static const uint8_t short_inner[] = {0, 0, 1, 55, 26, 1, 'a', 'b', 'c'};
  static const uint8_t long_inner[] = {0, 0, 1, 55, 26, 9, 'a', 'b', 'c'};
  const uint8_t *v;
  uint32_t vendor;
  uint8_t type;
  size_t len;

  assert_true(l2tpsec__radius_split_vendor(good, sizeof(good), &vendor, &type,
                                           &v, &len));
  assert_int_equal(vendor, 311);
  assert_int_equal(type, 26);
  assert_int_equal(len, 3);
  assert_false(l2tpsec__radius_split_vendor(short_inner, sizeof(short_inner),
                                            &vendor, &type, &v, &len));
  assert_false(l2tpsec__radius_split_vendor(long_inner, sizeof(long_inner),
                                            &vendor, &type, &v, &len));
  assert_false(l2tpsec__radius_split_vendor(good, 5, &vendor, &type, &v, &len));
}

/* RFC 2866 section 3: MD5(Code+Id+Length+16 zero bytes+attributes+secret). */
static void signed_request_authenticator(void **state) {
  static const uint8_t zero[16];
  uint8_t buf[RADIUS_PACKET_MAX], expected[16], copy[RADIUS_PACKET_MAX];
  l2tpsec__radius_writer w;
  int len;

  l2tpsec__radius_begin(&w, buf, sizeof(buf), RADIUS_ACCOUNTING_REQUEST, 4,
                        req_auth);
  l2tpsec__radius_add_message_authenticator(&w);
  l2tpsec__radius_add_u32(&w, RADIUS_ACCT_STATUS_TYPE, 1);
  len = l2tpsec__radius_finish_signed_request(&w, secret, SECRET_LEN);
  assert_true(len > 0);

  memcpy(copy, buf, (size_t)len);
  memcpy(copy + 4, zero, 16);
  md5_of(copy, (size_t)len, secret, SECRET_LEN, expected);
  assert_memory_equal(buf + 4, expected, 16);
  assert_int_equal(l2tpsec__radius_check_signed_request(
                       buf, (size_t)len, secret, SECRET_LEN, true),
                   RADIUS_CHECK_OK);
  buf[len - 1] ^= 1;
  assert_int_equal(l2tpsec__radius_check_signed_request(
                       buf, (size_t)len, secret, SECRET_LEN, true),
                   RADIUS_CHECK_AUTHENTICATOR);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pap_hiding_round_trips),
      cmocka_unit_test(pap_hiding_rejects_bad_lengths),
      cmocka_unit_test(access_request_message_authenticator),
      cmocka_unit_test(writer_rejects_oversized_values),
      cmocka_unit_test(response_checks_authenticators),
      cmocka_unit_test(response_checks_message_authenticator),
      cmocka_unit_test(layout_rejects_bad_framing),
      cmocka_unit_test(vendor_split_checks_layout),
      cmocka_unit_test(signed_request_authenticator),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
