/*
 * Hashes and HMAC against published vectors: RFC 1320 (MD4), RFC 1321
 * (MD5), FIPS 180-4 examples (SHA-1, SHA-256, SHA-384, SHA-512), RFC 2202
 * (HMAC-MD5, HMAC-SHA-1) and RFC 4231 (HMAC-SHA-2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto/md4.h"
#include "hex.h"
#include "l2tpsec/errors.h"

struct digest_vector {
  const char *message;
  const char *digest;
};

/* RFC 1320 appendix A.5 and RFC 1321 appendix A.5 use the same inputs. */
static const char *const suite_inputs[] = {
    "",
    "a",
    "abc",
    "message digest",
    "abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "1234567890123456789012345678901234567890"
    "1234567890123456789012345678901234567890",
};

static const char *const md4_digests[] = {
    "31d6cfe0d16ae931b73c59d7e0c089c0", "bde52cb31de33e46245e05fbdbd6fb24",
    "a448017aaf21d8525fc10ae87aa6729d", "d9130a8164549fe818874806e1c7014b",
    "d79e1c308aa5bbcdeea8ed63df412da9", "043f8582f241db351ce627e153e7f0e4",
    "e33b4ddc9c38f2199c3e7b164fcc0536",
};

static const char *const md5_digests[] = {
    "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
    "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
    "c3fcd3d76192e4007dfb496cca67e13b", "d174ab98d277d9f5a5611c2c9f419d9f",
    "57edf4a22be3c955ac49da2e2107b67a",
};

static void assert_digest(enum l2tpsec__hash_alg alg, const char *message,
                          const char *expected_hex) {
  uint8_t expected[L2TPSEC_HASH_MAX];
  uint8_t out[L2TPSEC_HASH_MAX];
  size_t len = unhex(expected_hex, expected, sizeof(expected));
  l2tpsec__iovec part = {message, strlen(message)};

  assert_int_equal(l2tpsec__hash_len(alg), len);
  assert_int_equal(l2tpsec__hash(alg, &part, 1, out), 0);
  assert_memory_equal(out, expected, len);
}

static void md4_rfc1320_vectors(void **state) {
  for (size_t i = 0; i < 7; i++)
    assert_digest(L2TPSEC_HASH_MD4, suite_inputs[i], md4_digests[i]);
}

/*
 * Builds on mbedTLS 3.x hash MD4 with crypto/md4.c. On 2.28 l2tpsec__hash
 * calls mbedTLS's MD4, so this test calls ours directly.
 */
static void md4_builtin_rfc1320_vectors(void **state) {
  for (size_t i = 0; i < 7; i++) {
    uint8_t expected[16];
    uint8_t out[16];
    l2tpsec__md4_ctx ctx;

    unhex(md4_digests[i], expected, sizeof(expected));
    l2tpsec__md4_init(&ctx);
    l2tpsec__md4_update(&ctx, suite_inputs[i], strlen(suite_inputs[i]));
    l2tpsec__md4_finish(&ctx, out);
    assert_memory_equal(out, expected, 16);
  }
}

/* Feeds the builtin MD4 one byte at a time across block boundaries. */
static void md4_builtin_incremental(void **state) {
  const char *msg = suite_inputs[6];
  uint8_t expected[16];
  uint8_t out[16];
  l2tpsec__md4_ctx ctx;

  unhex(md4_digests[6], expected, sizeof(expected));
  l2tpsec__md4_init(&ctx);
  for (size_t i = 0; i < strlen(msg); i++)
    l2tpsec__md4_update(&ctx, msg + i, 1);
  l2tpsec__md4_finish(&ctx, out);
  assert_memory_equal(out, expected, 16);
}

/* Messages of 55, 56, 63, 64 and 65 bytes end right at a padding edge. */
static void md4_builtin_matches_backend_at_edges(void **state) {
  static const size_t lengths[] = {55, 56, 57, 63, 64, 65, 119, 120, 200};
  uint8_t msg[200];

  for (size_t i = 0; i < sizeof(msg); i++)
    msg[i] = (uint8_t)(i * 7 + 1);
  for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
    l2tpsec__iovec part = {msg, lengths[i]};
    uint8_t backend[16];
    uint8_t ours[16];
    l2tpsec__md4_ctx ctx;

    assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD4, &part, 1, backend), 0);
    l2tpsec__md4_init(&ctx);
    l2tpsec__md4_update(&ctx, msg, lengths[i]);
    l2tpsec__md4_finish(&ctx, ours);
    assert_memory_equal(ours, backend, 16);
  }
}

static void md5_rfc1321_vectors(void **state) {
  for (size_t i = 0; i < 7; i++)
    assert_digest(L2TPSEC_HASH_MD5, suite_inputs[i], md5_digests[i]);
}

/* FIPS 180-4 examples: "abc" and the two-block messages. */
static const char two_block_448[] =
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char two_block_896[] =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void sha_fips180_vectors(void **state) {
  assert_digest(L2TPSEC_HASH_SHA1, "abc",
                "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert_digest(L2TPSEC_HASH_SHA1, two_block_448,
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  assert_digest(L2TPSEC_HASH_SHA256, "abc",
                "ba7816bf8f01cfea414140de5dae2223"
                "b00361a396177a9cb410ff61f20015ad");
  assert_digest(L2TPSEC_HASH_SHA256, two_block_448,
                "248d6a61d20638b8e5c026930c3e6039"
                "a33ce45964ff2167f6ecedd419db06c1");
  assert_digest(L2TPSEC_HASH_SHA384, "abc",
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
                "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  assert_digest(L2TPSEC_HASH_SHA384, two_block_896,
                "09330c33f71147e83d192fc782cd1b4753111b173b3b05d2"
                "2fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039");
  assert_digest(
      L2TPSEC_HASH_SHA512, "abc",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  assert_digest(
      L2TPSEC_HASH_SHA512, two_block_896,
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
      "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

/* The iovec form hashes the concatenation of its pieces. */
static void hash_joins_iovec_parts(void **state) {
  l2tpsec__iovec parts[3] = {{"ab", 2}, {"", 0}, {"c", 1}};
  uint8_t expected[20];
  uint8_t out[20];

  unhex("a9993e364706816aba3e25717850c26c9cd0d89d", expected, 20);
  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_SHA1, parts, 3, out), 0);
  assert_memory_equal(out, expected, 20);
}

static void hash_sizes(void **state) {
  assert_int_equal(l2tpsec__hash_block_len(L2TPSEC_HASH_MD4), 64);
  assert_int_equal(l2tpsec__hash_block_len(L2TPSEC_HASH_SHA256), 64);
  assert_int_equal(l2tpsec__hash_block_len(L2TPSEC_HASH_SHA384), 128);
  assert_int_equal(l2tpsec__hash_block_len(L2TPSEC_HASH_SHA512), 128);
  assert_int_equal(l2tpsec__hash_len((enum l2tpsec__hash_alg)99), 0);
  assert_int_equal(
      l2tpsec__hash((enum l2tpsec__hash_alg)99, NULL, 0, (uint8_t[64]){0}),
      L2TPSEC_ERR_INVALID_ARGUMENT);
}

struct hmac_case {
  enum l2tpsec__hash_alg alg;
  const char *key_hex;
  const char *data_hex;
  const char *mac_hex; /* may be a truncated prefix of the full HMAC */
};

#define HI_THERE "4869205468657265"
#define JEFE "4a656665"
#define WHAT_DO_YA_WANT                                                        \
  "7768617420646f2079612077616e7420666f72206e6f7468696e673f"
#define DD50                                                                   \
  "dddddddddddddddddddddddddddddddddddddddddddddddddd"                         \
  "dddddddddddddddddddddddddddddddddddddddddddddddddd"
#define LARGER_KEY_TEXT                                                        \
  "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"           \
  "65204b6579202d2048617368204b6579204669727374"
#define AA16 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define AA20 AA16 "aaaaaaaa"
#define AA80 AA20 AA20 AA20 AA20
#define AA131 AA80 AA20 AA20 "aaaaaaaaaaaaaaaaaaaaaa"
#define OB20 "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"

static const struct hmac_case hmac_cases[] = {
    /* RFC 2202 test cases 1, 2, 3 and 6. */
    {L2TPSEC_HASH_MD5, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", HI_THERE,
     "9294727a3638bb1c13f48ef8158bfc9d"},
    {L2TPSEC_HASH_MD5, JEFE, WHAT_DO_YA_WANT,
     "750c783e6ab0b503eaa86e310a5db738"},
    {L2TPSEC_HASH_MD5, AA16, DD50, "56be34521d144c88dbb8c733f0e8b3f6"},
    {L2TPSEC_HASH_MD5, AA80, LARGER_KEY_TEXT,
     "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
    {L2TPSEC_HASH_SHA1, OB20, HI_THERE,
     "b617318655057264e28bc0b6fb378c8ef146be00"},
    {L2TPSEC_HASH_SHA1, JEFE, WHAT_DO_YA_WANT,
     "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
    {L2TPSEC_HASH_SHA1, AA20, DD50, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
    {L2TPSEC_HASH_SHA1, AA80, LARGER_KEY_TEXT,
     "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
    /* RFC 4231 test cases 1, 2, 5 (truncated to 128 bits) and 6. */
    {L2TPSEC_HASH_SHA256, OB20, HI_THERE,
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {L2TPSEC_HASH_SHA384, OB20, HI_THERE,
     "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec6"
     "82aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
    {L2TPSEC_HASH_SHA512, OB20, HI_THERE,
     "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
     "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
    {L2TPSEC_HASH_SHA256, JEFE, WHAT_DO_YA_WANT,
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {L2TPSEC_HASH_SHA384, JEFE, WHAT_DO_YA_WANT,
     "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47"
     "e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
    {L2TPSEC_HASH_SHA512, JEFE, WHAT_DO_YA_WANT,
     "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
     "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
    {L2TPSEC_HASH_SHA256, "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
     "546573742057697468205472756e636174696f6e",
     "a3b6167473100ee06e0c796c2955552b"},
    {L2TPSEC_HASH_SHA256, AA131, LARGER_KEY_TEXT,
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {L2TPSEC_HASH_SHA384, AA131, LARGER_KEY_TEXT,
     "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f"
     "3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"},
    {L2TPSEC_HASH_SHA512, AA131, LARGER_KEY_TEXT,
     "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
     "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
};

#define N_HMAC_CASES (sizeof(hmac_cases) / sizeof(hmac_cases[0]))

struct hmac_input {
  uint8_t key[131];
  size_t key_len;
  uint8_t data[100];
  size_t data_len;
  uint8_t mac[64];
  size_t mac_len;
};

static void decode_case(const struct hmac_case *c, struct hmac_input *in) {
  in->key_len = unhex(c->key_hex, in->key, sizeof(in->key));
  in->data_len = unhex(c->data_hex, in->data, sizeof(in->data));
  in->mac_len = unhex(c->mac_hex, in->mac, sizeof(in->mac));
}

static void hmac_rfc2202_rfc4231_one_shot(void **state) {
  for (size_t i = 0; i < N_HMAC_CASES; i++) {
    struct hmac_input in;
    l2tpsec__iovec part;
    uint8_t out[L2TPSEC_HASH_MAX];

    decode_case(&hmac_cases[i], &in);
    part.base = in.data;
    part.len = in.data_len;
    assert_int_equal(
        l2tpsec__hmac(hmac_cases[i].alg, in.key, in.key_len, &part, 1, out), 0);
    assert_memory_equal(out, in.mac, in.mac_len);
  }
}

/* A keyed context is reused: each vector is computed twice on it. */
static void hmac_context_reuses_key(void **state) {
  for (size_t i = 0; i < N_HMAC_CASES; i++) {
    struct hmac_input in;
    l2tpsec__hmac_ctx *ctx;

    decode_case(&hmac_cases[i], &in);
    assert_int_equal(
        l2tpsec__hmac_new(&ctx, hmac_cases[i].alg, in.key, in.key_len), 0);
    for (int round = 0; round < 2; round++) {
      uint8_t out[L2TPSEC_HASH_MAX];

      assert_int_equal(l2tpsec__hmac_start(ctx), 0);
      assert_int_equal(l2tpsec__hmac_update(ctx, in.data, 3), 0);
      assert_int_equal(l2tpsec__hmac_update(ctx, in.data + 3, in.data_len - 3),
                       0);
      assert_int_equal(l2tpsec__hmac_finish(ctx, out), 0);
      assert_memory_equal(out, in.mac, in.mac_len);
    }
    l2tpsec__hmac_del(ctx);
  }
}

static void hmac_rejects_md4_and_unknown(void **state) {
  l2tpsec__hmac_ctx *ctx = (l2tpsec__hmac_ctx *)&ctx;

  assert_int_equal(
      l2tpsec__hmac_new(&ctx, L2TPSEC_HASH_MD4, (const uint8_t *)"k", 1),
      L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_null(ctx);
  assert_int_equal(l2tpsec__hmac_new(&ctx, (enum l2tpsec__hash_alg)42,
                                     (const uint8_t *)"k", 1),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  l2tpsec__hmac_del(NULL);
}

/* An empty key is valid HMAC input (RFC 2104 pads it with zeros). */
static void hmac_accepts_empty_key(void **state) {
  l2tpsec__iovec part = {"abc", 3};
  uint8_t a[32], b[32];

  assert_int_equal(l2tpsec__hmac(L2TPSEC_HASH_SHA256, NULL, 0, &part, 1, a), 0);
  assert_int_equal(
      l2tpsec__hmac(L2TPSEC_HASH_SHA256, (const uint8_t *)"\0", 1, &part, 1, b),
      0);
  assert_memory_equal(a, b, 32);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(md4_rfc1320_vectors),
      cmocka_unit_test(md4_builtin_rfc1320_vectors),
      cmocka_unit_test(md4_builtin_incremental),
      cmocka_unit_test(md4_builtin_matches_backend_at_edges),
      cmocka_unit_test(md5_rfc1321_vectors),
      cmocka_unit_test(sha_fips180_vectors),
      cmocka_unit_test(hash_joins_iovec_parts),
      cmocka_unit_test(hash_sizes),
      cmocka_unit_test(hmac_rfc2202_rfc4231_one_shot),
      cmocka_unit_test(hmac_context_reuses_key),
      cmocka_unit_test(hmac_rejects_md4_and_unknown),
      cmocka_unit_test(hmac_accepts_empty_key),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
