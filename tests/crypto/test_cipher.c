/*
 * Block ciphers against published vectors: NIST SP 800-38A F.2 (AES-CBC),
 * the GCM specification's test cases by McGrew and Viega (AES-GCM), NIST
 * SP 800-67 (3DES) and FIPS 81 (DES-CBC).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "hex.h"
#include "l2tpsec/errors.h"

/* Known-answer tests need real ciphers, so the fuzzing build skips them. */
#if defined(L2TPSEC_FUZZ_NULL_CRYPTO)
#define SKIP_IN_FUZZ_BUILD() skip()
#else
#define SKIP_IN_FUZZ_BUILD() (void)0
#endif

struct cbc_case {
  enum l2tpsec__cipher_alg alg;
  const char *key, *iv, *plain, *cipher;
};

#define SP800_38A_IV "000102030405060708090a0b0c0d0e0f"
#define SP800_38A_PLAIN                                                        \
  "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"           \
  "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
#define SP800_67_KEY "0123456789abcdef23456789abcdef01456789abcdef0123"
#define SP800_67_PLAIN "54686520717566636b2062726f776e20666f78206a756d70"

static const struct cbc_case cbc_cases[] = {
    /* SP 800-38A F.2.1, F.2.3, F.2.5: CBC-AES128/192/256.Encrypt. */
    {L2TPSEC_CIPHER_AES_CBC, "2b7e151628aed2a6abf7158809cf4f3c", SP800_38A_IV,
     SP800_38A_PLAIN,
     "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
     "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"},
    {L2TPSEC_CIPHER_AES_CBC, "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
     SP800_38A_IV, SP800_38A_PLAIN,
     "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
     "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
    {L2TPSEC_CIPHER_AES_CBC,
     "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
     SP800_38A_IV, SP800_38A_PLAIN,
     "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
     "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
    /*
     * SP 800-67 example: TDEA-ECB of "The qufck brown fox jump". With a
     * zero IV, CBC's first block equals ECB's; the later blocks were
     * computed with python3-cryptography 38 (TripleDES, CBC, zero IV).
     */
    {L2TPSEC_CIPHER_DES3_CBC, SP800_67_KEY, "0000000000000000", SP800_67_PLAIN,
     "a826fd8ce53b855f854b649a0a3903c970d563820afe8b35"},
    /* FIPS 81 appendix C, CBC example: "Now is the time for all ". */
    {L2TPSEC_CIPHER_DES_CBC, "0123456789abcdef", "1234567890abcdef",
     "4e6f77206973207468652074696d6520666f7220616c6c20",
     "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"},
};

struct cbc_bytes {
  uint8_t key[32], iv[16], plain[64], cipher[64];
  size_t key_len, len;
};

static void decode_cbc(const struct cbc_case *c, struct cbc_bytes *b) {
  b->key_len = unhex(c->key, b->key, sizeof(b->key));
  unhex(c->iv, b->iv, sizeof(b->iv));
  b->len = unhex(c->plain, b->plain, sizeof(b->plain));
  assert_int_equal(unhex(c->cipher, b->cipher, sizeof(b->cipher)), b->len);
}

static void cbc_known_answers(void **state) {
  SKIP_IN_FUZZ_BUILD();
  for (size_t i = 0; i < sizeof(cbc_cases) / sizeof(cbc_cases[0]); i++) {
    struct cbc_bytes b;
    uint8_t iv_copy[16];
    uint8_t out[64];
    l2tpsec__cipher *c;

    decode_cbc(&cbc_cases[i], &b);
    memcpy(iv_copy, b.iv, sizeof(iv_copy));
    assert_int_equal(
        l2tpsec__cipher_new(&c, cbc_cases[i].alg, b.key, b.key_len), 0);

    assert_int_equal(l2tpsec__cbc_encrypt(c, b.iv, b.plain, out, b.len), 0);
    assert_memory_equal(out, b.cipher, b.len);
    assert_memory_equal(b.iv, iv_copy, sizeof(iv_copy));
    assert_int_equal(l2tpsec__cbc_decrypt(c, b.iv, b.cipher, out, b.len), 0);
    assert_memory_equal(out, b.plain, b.len);
    l2tpsec__cipher_del(c);
  }
}

/* ESP encrypts and decrypts in place: in == out. */
static void cbc_in_place(void **state) {
  SKIP_IN_FUZZ_BUILD();
  struct cbc_bytes b;
  uint8_t buf[64];
  l2tpsec__cipher *c;

  decode_cbc(&cbc_cases[2], &b);
  assert_int_equal(
      l2tpsec__cipher_new(&c, L2TPSEC_CIPHER_AES_CBC, b.key, b.key_len), 0);
  memcpy(buf, b.plain, b.len);
  assert_int_equal(l2tpsec__cbc_encrypt(c, b.iv, buf, buf, b.len), 0);
  assert_memory_equal(buf, b.cipher, b.len);
  assert_int_equal(l2tpsec__cbc_decrypt(c, b.iv, buf, buf, b.len), 0);
  assert_memory_equal(buf, b.plain, b.len);
  l2tpsec__cipher_del(c);
}

static void cbc_rejects_partial_blocks(void **state) {
  uint8_t key[32] = {0}, iv[16] = {0}, buf[32] = {0};
  l2tpsec__cipher *c;

  assert_int_equal(l2tpsec__cipher_new(&c, L2TPSEC_CIPHER_AES_CBC, key, 16), 0);
  assert_int_equal(l2tpsec__cipher_block_len(c), 16);
  assert_int_equal(l2tpsec__cbc_encrypt(c, iv, buf, buf, 15),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(l2tpsec__cbc_decrypt(c, iv, buf, buf, 17),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  l2tpsec__cipher_del(c);

  assert_int_equal(l2tpsec__cipher_new(&c, L2TPSEC_CIPHER_DES3_CBC, key, 24),
                   0);
  assert_int_equal(l2tpsec__cipher_block_len(c), 8);
  assert_int_equal(l2tpsec__cbc_encrypt(c, iv, buf, buf, 12),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  l2tpsec__cipher_del(c);
}

static void cipher_rejects_bad_key_lengths(void **state) {
  static const struct {
    enum l2tpsec__cipher_alg alg;
    size_t len;
  } bad[] = {
      {L2TPSEC_CIPHER_AES_CBC, 0},   {L2TPSEC_CIPHER_AES_CBC, 20},
      {L2TPSEC_CIPHER_AES_GCM, 15},  {L2TPSEC_CIPHER_AES_GCM, 36},
      {L2TPSEC_CIPHER_DES3_CBC, 16}, {L2TPSEC_CIPHER_DES_CBC, 7},
  };
  uint8_t key[40] = {0};

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    l2tpsec__cipher *c = (l2tpsec__cipher *)key;

    assert_int_equal(l2tpsec__cipher_new(&c, bad[i].alg, key, bad[i].len),
                     L2TPSEC_ERR_INVALID_ARGUMENT);
    assert_null(c);
  }
  l2tpsec__cipher_del(NULL);
}

struct gcm_case {
  const char *key, *iv, *plain, *aad, *cipher, *tag;
};

#define GCM_K "feffe9928665731c6d6a8f9467308308"
#define GCM_IV "cafebabefacedbaddecaf888"
#define GCM_P60                                                                \
  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"           \
  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_AAD "feedfacedeadbeeffeedfacedeadbeefabaddad2"

/* Test cases 2, 3, 4, 10 and 16 of the GCM specification. */
static const struct gcm_case gcm_cases[] = {
    {"00000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {GCM_K, GCM_IV, GCM_P60 "1aafd255", "",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {GCM_K, GCM_IV, GCM_P60, GCM_AAD,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {GCM_K "feffe9928665731c", GCM_IV, GCM_P60, GCM_AAD,
     "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c"
     "7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
     "2519498e80f1478f37ba55bd6d27618c"},
    {GCM_K GCM_K, GCM_IV, GCM_P60, GCM_AAD,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

struct gcm_bytes {
  uint8_t key[32], iv[12], plain[64], aad[20], cipher[64], tag[16];
  size_t key_len, len, aad_len;
};

static void decode_gcm(const struct gcm_case *g, struct gcm_bytes *b) {
  b->key_len = unhex(g->key, b->key, sizeof(b->key));
  assert_int_equal(unhex(g->iv, b->iv, sizeof(b->iv)), 12);
  b->len = unhex(g->plain, b->plain, sizeof(b->plain));
  b->aad_len = unhex(g->aad, b->aad, sizeof(b->aad));
  assert_int_equal(unhex(g->cipher, b->cipher, sizeof(b->cipher)), b->len);
  assert_int_equal(unhex(g->tag, b->tag, sizeof(b->tag)), 16);
}

/* Each vector with the full tag and the ESP truncations to 12 and 8. */
static void gcm_known_answers(void **state) {
  SKIP_IN_FUZZ_BUILD();
  static const size_t tag_lens[] = {16, 12, 8};

  for (size_t i = 0; i < sizeof(gcm_cases) / sizeof(gcm_cases[0]); i++) {
    for (size_t t = 0; t < 3; t++) {
      struct gcm_bytes b;
      uint8_t out[64], tag[16];
      l2tpsec__cipher *c;

      decode_gcm(&gcm_cases[i], &b);
      assert_int_equal(
          l2tpsec__cipher_new(&c, L2TPSEC_CIPHER_AES_GCM, b.key, b.key_len), 0);
      assert_int_equal(l2tpsec__gcm_encrypt(c, b.iv, 12, b.aad, b.aad_len,
                                            b.plain, out, b.len, tag,
                                            tag_lens[t]),
                       0);
      assert_memory_equal(out, b.cipher, b.len);
      assert_memory_equal(tag, b.tag, tag_lens[t]);

      assert_int_equal(l2tpsec__gcm_decrypt(c, b.iv, 12, b.aad, b.aad_len,
                                            b.cipher, out, b.len, b.tag,
                                            tag_lens[t]),
                       0);
      assert_memory_equal(out, b.plain, b.len);
      l2tpsec__cipher_del(c);
    }
  }
}

/* A flipped bit in tag, ciphertext or AAD fails with ERR_INTEGRITY. */
static void gcm_detects_tampering(void **state) {
  SKIP_IN_FUZZ_BUILD();
  struct gcm_bytes b;
  uint8_t out[64];
  l2tpsec__cipher *c;

  decode_gcm(&gcm_cases[2], &b);
  assert_int_equal(
      l2tpsec__cipher_new(&c, L2TPSEC_CIPHER_AES_GCM, b.key, b.key_len), 0);

  b.tag[7] ^= 0x01;
  assert_int_equal(l2tpsec__gcm_decrypt(c, b.iv, 12, b.aad, b.aad_len, b.cipher,
                                        out, b.len, b.tag, 8),
                   L2TPSEC_ERR_INTEGRITY);
  b.tag[7] ^= 0x01;
  b.cipher[0] ^= 0x80;
  assert_int_equal(l2tpsec__gcm_decrypt(c, b.iv, 12, b.aad, b.aad_len, b.cipher,
                                        out, b.len, b.tag, 16),
                   L2TPSEC_ERR_INTEGRITY);
  b.cipher[0] ^= 0x80;
  b.aad[19] ^= 0x02;
  assert_int_equal(l2tpsec__gcm_decrypt(c, b.iv, 12, b.aad, b.aad_len, b.cipher,
                                        out, b.len, b.tag, 12),
                   L2TPSEC_ERR_INTEGRITY);
  l2tpsec__cipher_del(c);
}

static void gcm_rejects_bad_lengths(void **state) {
  uint8_t key[16] = {0}, iv[12] = {0}, buf[16] = {0}, tag[16];
  l2tpsec__cipher *c;

  assert_int_equal(l2tpsec__cipher_new(&c, L2TPSEC_CIPHER_AES_GCM, key, 16), 0);
  assert_int_equal(l2tpsec__cipher_block_len(c), 1);
  assert_int_equal(
      l2tpsec__gcm_encrypt(c, iv, 12, NULL, 0, buf, buf, 16, tag, 4),
      L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      l2tpsec__gcm_encrypt(c, iv, 8, NULL, 0, buf, buf, 16, tag, 16),
      L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      l2tpsec__gcm_decrypt(c, iv, 12, NULL, 0, buf, buf, 16, tag, 10),
      L2TPSEC_ERR_INVALID_ARGUMENT);
  /* CBC calls on a GCM context are a caller bug, not a silent copy. */
  assert_int_equal(l2tpsec__cbc_encrypt(c, iv, buf, buf, 16),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  l2tpsec__cipher_del(c);
}

/* The NULL cipher copies and always verifies; tests and fuzzers use it. */
static void null_cipher_copies(void **state) {
  uint8_t iv[16] = {0}, in[16], out[16], tag[16];
  l2tpsec__cipher *c;

  memset(in, 0x5a, sizeof(in));
  assert_int_equal(l2tpsec__cipher_new(&c, L2TPSEC_CIPHER_NULL, NULL, 0), 0);
  assert_int_equal(l2tpsec__cbc_encrypt(c, iv, in, out, 16), 0);
  assert_memory_equal(in, out, 16);
  assert_int_equal(
      l2tpsec__gcm_encrypt(c, iv, 12, NULL, 0, in, out, 16, tag, 16), 0);
  assert_memory_equal(in, out, 16);
  assert_int_equal(
      l2tpsec__gcm_decrypt(c, iv, 12, NULL, 0, in, out, 16, tag, 16), 0);
  l2tpsec__cipher_del(c);
}

#if defined(L2TPSEC_FUZZ_NULL_CRYPTO)
/* The fuzzing build copies through AES-GCM and accepts any tag. */
static void fuzz_build_copies(void **state) {
  uint8_t key[16] = {0}, iv[16] = {0}, in[16], out[16], tag[16];
  l2tpsec__cipher *c;

  memset(in, 0xa5, sizeof(in));
  memset(tag, 0x33, sizeof(tag));
  assert_int_equal(l2tpsec__cipher_new(&c, L2TPSEC_CIPHER_AES_GCM, key, 16), 0);
  assert_int_equal(
      l2tpsec__gcm_decrypt(c, iv, 12, NULL, 0, in, out, 16, tag, 16), 0);
  assert_memory_equal(in, out, 16);
  l2tpsec__cipher_del(c);
}

#endif

#if !defined(L2TPSEC_FUZZ_NULL_CRYPTO)
/* A normal build must really encrypt and check tags. */
static void real_ciphers_outside_fuzz_build(void **state) {
  uint8_t key[16] = {0}, iv[16] = {0}, in[16] = {0}, out[16], tag[16];
  l2tpsec__cipher *c;

  assert_int_equal(l2tpsec__cipher_new(&c, L2TPSEC_CIPHER_AES_GCM, key, 16), 0);
  assert_int_equal(
      l2tpsec__gcm_encrypt(c, iv, 12, NULL, 0, in, out, 16, tag, 16), 0);
  assert_memory_not_equal(in, out, 16);
  memset(tag, 0, sizeof(tag));
  assert_int_equal(
      l2tpsec__gcm_decrypt(c, iv, 12, NULL, 0, out, out, 16, tag, 16),
      L2TPSEC_ERR_INTEGRITY);
  l2tpsec__cipher_del(c);
}

#endif

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(cbc_known_answers),
    cmocka_unit_test(cbc_in_place),
    cmocka_unit_test(cbc_rejects_partial_blocks),
    cmocka_unit_test(cipher_rejects_bad_key_lengths),
    cmocka_unit_test(gcm_known_answers),
    cmocka_unit_test(gcm_detects_tampering),
    cmocka_unit_test(gcm_rejects_bad_lengths),
    cmocka_unit_test(null_cipher_copies),
#if defined(L2TPSEC_FUZZ_NULL_CRYPTO)
    cmocka_unit_test(fuzz_build_copies),
#else
    cmocka_unit_test(real_ciphers_outside_fuzz_build),
#endif
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
