/*
 * IKEv1 key derivation against independently computed values. The
 * expected values come from ikev1_kdf_vectors.py in this folder, which
 * implements RFC 2409 sections 5 and 5.5 and Appendix B with Python's
 * hmac module (run with /usr/bin/python3). The inputs below are the same
 * byte patterns that script uses.
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

static const char psk[] = "l2tpsec test psk";
static const uint8_t cky_i[8] = {0x00, 0x11, 0x22, 0x33,
                                 0x44, 0x55, 0x66, 0x77};
static const uint8_t cky_r[8] = {0x88, 0x99, 0xaa, 0xbb,
                                 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t spi[4] = {0xc0, 0xff, 0xee, 0x01};
#define PROTO_ESP 3

struct inputs {
  uint8_t ni[16], nr[20], gxy[128], gqm[256];
};

/* Byte i of a pattern is start + 3 * i, modulo 256. */
static void fill_pattern(uint8_t *p, size_t len, uint8_t start) {
  for (size_t i = 0; i < len; i++)
    p[i] = (uint8_t)(start + 3 * i);
}

static void make_inputs(struct inputs *in) {
  fill_pattern(in->ni, sizeof(in->ni), 0x10);
  fill_pattern(in->nr, sizeof(in->nr), 0x80);
  fill_pattern(in->gxy, sizeof(in->gxy), 0x01);
  fill_pattern(in->gqm, sizeof(in->gqm), 0x40);
}

struct kdf_vector {
  enum l2tpsec__hash_alg prf;
  const char *skeyid_psk, *skeyid_sig, *skeyid_d, *skeyid_a, *skeyid_e;
  const char *enc_key_32, *keymat_56, *keymat_56_pfs;
};

static const struct kdf_vector vectors[] = {
    {L2TPSEC_HASH_MD5, "f5c2b50eb0e51fcdb4d920bb04a327a1",
     "194003bed03ae390e15962debc710540", "33822baf88b28d26a7b85453b47c4119",
     "9b18016b8d171bbe350545b4bb0e833f", "35f884dc27ae603b1ef84e7e11449f7a",
     "e8b4b781740492e8737031ef63ea08ccadbe27cfea88935cafcd08fc0c663e06",
     "1a104f2ee8d5ddbc20962fd3be3a080b8906d67a4f2beee2b344a8d785b7996c"
     "cee7a85060831c7e9f49579d4f31e27b9d21462150ce4637",
     "86c46db6b1df27ee032c54a3ae2effceb78279f133864aa1ac689f09991ec94d"
     "7cd6bdc740e67298c2a354bb28f92ed80865bf1c7b2ecc7b"},
    {L2TPSEC_HASH_SHA1, "a96080eb11c7c8042b22686e2e137bb0304fbf3b",
     "26aca52d66ffe16ad0c1084531420f4cad4db71a",
     "9226ca8c1f2f27f55c1cfd32fd09ab649ee4324b",
     "7b13503140be8dc434e16d45deab9efe91017343",
     "6e31e35fe105cd56e5cc9cf44cc38032421bb882",
     "08da497f648d08a96d4a7e4409d4862a7618405b8adf3e5f01c2e1ed6d2f5cf5",
     "68b4f25d2887f3f65b0cf40a9eb7556b6bef7f5c0961fa5f3e9e03287943ccfb"
     "0f3ca760acf74ded3227b390c9f0fd9644b65c1c756c29c3",
     "ed618d6dd8315dc2788c4ef4d909c4122161884581ce061f7e693645afd922b4"
     "98bac8427dc455b2963722e268e39ff021f34837035112bb"},
    {L2TPSEC_HASH_SHA256,
     "88992675e42ea54380290653a30e3efb0c61120c275d2300c4216bd93889d967",
     "5b322d117e9bd31466dbd803cd5d728fdc020a05811c8688692935191218f96c",
     "48bfc67ff4fc59ef44457b7792a9457e9fff765203018aea5128601f67f43cfd",
     "6a1389ef26ff71aa4700b620e4e9e19f94f8ed76ced4da56faa3b6be8d86a646",
     "aff19c97f5dc7b9817159ac66c05e2f3213f30f7b1f0492cbfb11322df2bfed5",
     "aff19c97f5dc7b9817159ac66c05e2f3213f30f7b1f0492cbfb11322df2bfed5",
     "5702bd703525d148000e2ea2f8becbed82a17e9b113bcfb837434f5d853100c9"
     "b216a2caccc96a65311c451c895c605830d2f81e3d99c9ea",
     "bf1ff61b79dd815f99ffcb587082cdb35099030347f93a374c8bcf8a7c572d69"
     "64945db435c0cda3d08a9d91ea231b2c6603945db6448a06"},
    {L2TPSEC_HASH_SHA384,
     "3dea16e561250de06fb176d9e55607553c5820e34446ed344aef0d371f7b12e2"
     "b01c08955f428d278de2524faf28011f",
     "9fa7612d2535a24494be9193145c50017b990348fd2e63d9e59c691d5ce40d7c"
     "d9155ad440f2dc12665b7265492bc1c1",
     "9e6ef53f4e43d5f8c82fff9548910956379bd92964ed303062527ecb422a4dc4"
     "8753cf9fc16a75bdaea839374e999b2f",
     "f43de8fb69e77c508e95d4768be853608a1f40416b4184f9a313225e08fd9e67"
     "7c68f71e8205a71c287659956ef5f445",
     "9ec151911b91396b89ae50b0f5408e6ff4fcee710a391061fdb20114f8695be8"
     "960758bb84d535ef4936fcfd49460749",
     "9ec151911b91396b89ae50b0f5408e6ff4fcee710a391061fdb20114f8695be8",
     "322f9ada34f6ce3a5e65ec0a2308c15e57eb6265efd30a6965df3a4972a36106"
     "3bec78def559913d7c5b5f258576e2582c542f56efcc3313",
     "167dc69230d9076c07b9b2b03f021005f8321cb3c2bda3c7da1a37f567c3cb60"
     "eef7cce257c66485a5bf5ff901661981e6c4c5f156bc6c59"},
    {L2TPSEC_HASH_SHA512,
     "951264e281f41506a660048634411445d91870a4946295a2001002a3b3eba89a"
     "a28690362e5291c449de618f2ad063face29eb7237a1b69dc66e9771c58d0844",
     "e17aada076e582d67ac26adcab61bab6e505fe538a3c199430728531ac274f4a"
     "fd3a07da748f6fba15379d283e9bbc821498f95590747b388d305373757387d8",
     "aca7881cf7422a782dc7a739f2fe8a388f50cdba4b0cf2c0e19c450529c6430e"
     "f5ea20bfed2e95024141c1ad3d3cebad3fbb6bfd96114ed8ab34c9694f72c4e5",
     "ae6da261727ec5cdf479bc4a31df3aca343daacc3841b6feb26746e15f8c6b9b"
     "5e57bd13bf94065b1571973f8865fc1c9f518b1fad494b6c0d3162b56910565e",
     "db4411ef21947dccb229a5c7907228b6e1b08d76fb5b783efd2a88bf5338025c"
     "4c28d3e0105a39ec222091d0e649541ee8585dd764f1b947d69fd6d2c39e06b2",
     "db4411ef21947dccb229a5c7907228b6e1b08d76fb5b783efd2a88bf5338025c",
     "8bee91c23565d8939cf779bdbce528a45c699a0e35cb4f5de4c237d810b6808b"
     "0f460c69c7d4eb16f5ccb758ce4a1c106525323b8ee00c22",
     "c2ad94ded25bd998eeaa34c33163361ca45d5886f6d52a64e645ec781850ae52"
     "3902b9bad78ef15bf646faff9ef48cab9292c9e379c93f9e"},
};

#define N_VECTORS (sizeof(vectors) / sizeof(vectors[0]))

static void assert_hex_equal(const uint8_t *actual, const char *hex) {
  uint8_t expected[64];
  size_t len = unhex(hex, expected, sizeof(expected));

  assert_memory_equal(actual, expected, len);
}

static void ikev1_skeyid_psk_and_sig(void **state) {
  struct inputs in;

  make_inputs(&in);
  for (size_t i = 0; i < N_VECTORS; i++) {
    uint8_t skeyid[64];

    assert_int_equal(l2tpsec__ikev1_skeyid_psk(
                         vectors[i].prf, (const uint8_t *)psk, strlen(psk),
                         in.ni, sizeof(in.ni), in.nr, sizeof(in.nr), skeyid),
                     0);
    assert_hex_equal(skeyid, vectors[i].skeyid_psk);
    assert_int_equal(l2tpsec__ikev1_skeyid_sig(
                         vectors[i].prf, in.ni, sizeof(in.ni), in.nr,
                         sizeof(in.nr), in.gxy, sizeof(in.gxy), skeyid),
                     0);
    assert_hex_equal(skeyid, vectors[i].skeyid_sig);
  }
}

static void ikev1_skeyid_d_a_e(void **state) {
  struct inputs in;

  make_inputs(&in);
  for (size_t i = 0; i < N_VECTORS; i++) {
    uint8_t skeyid[64], d[64], a[64], e[64];

    unhex(vectors[i].skeyid_psk, skeyid, sizeof(skeyid));
    assert_int_equal(l2tpsec__ikev1_skeyids(vectors[i].prf, skeyid, in.gxy,
                                            sizeof(in.gxy), cky_i, cky_r, d, a,
                                            e),
                     0);
    assert_hex_equal(d, vectors[i].skeyid_d);
    assert_hex_equal(a, vectors[i].skeyid_a);
    assert_hex_equal(e, vectors[i].skeyid_e);
  }
}

/*
 * A 32-byte key (AES-256) needs Appendix B's expansion with MD5 and
 * SHA-1 and is a prefix of SKEYID_e with the SHA-2 hashes.
 */
static void ikev1_enc_key_expansion(void **state) {
  for (size_t i = 0; i < N_VECTORS; i++) {
    uint8_t e[64], key[32], short_key[16];

    unhex(vectors[i].skeyid_e, e, sizeof(e));
    assert_int_equal(l2tpsec__ikev1_enc_key(vectors[i].prf, e, key, 32), 0);
    assert_hex_equal(key, vectors[i].enc_key_32);
    /* Short keys are always a prefix of SKEYID_e. */
    assert_int_equal(l2tpsec__ikev1_enc_key(vectors[i].prf, e, short_key, 16),
                     0);
    assert_memory_equal(short_key, e, 16);
  }
}

/* 56 bytes = AES-256 + HMAC-SHA-1 keys; several blocks for every hash. */
static void ikev1_keymat_with_and_without_pfs(void **state) {
  struct inputs in;

  make_inputs(&in);
  for (size_t i = 0; i < N_VECTORS; i++) {
    uint8_t d[64], keymat[56], expected[56];

    unhex(vectors[i].skeyid_d, d, sizeof(d));
    assert_int_equal(l2tpsec__ikev1_keymat(vectors[i].prf, d, NULL, 0,
                                           PROTO_ESP, spi, in.ni, sizeof(in.ni),
                                           in.nr, sizeof(in.nr), keymat, 56),
                     0);
    assert_int_equal(unhex(vectors[i].keymat_56, expected, 56), 56);
    assert_memory_equal(keymat, expected, 56);

    assert_int_equal(l2tpsec__ikev1_keymat(vectors[i].prf, d, in.gqm,
                                           sizeof(in.gqm), PROTO_ESP, spi,
                                           in.ni, sizeof(in.ni), in.nr,
                                           sizeof(in.nr), keymat, 56),
                     0);
    assert_int_equal(unhex(vectors[i].keymat_56_pfs, expected, 56), 56);
    assert_memory_equal(keymat, expected, 56);
  }
}

static void ikev1_rejects_md4_prf(void **state) {
  uint8_t out[64] = {0};

  assert_int_equal(l2tpsec__ikev1_skeyid_psk(L2TPSEC_HASH_MD4,
                                             (const uint8_t *)"k", 1, out, 8,
                                             out, 8, out),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(l2tpsec__ikev1_enc_key(L2TPSEC_HASH_MD4, out, out, 32),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ikev1_skeyid_psk_and_sig),
      cmocka_unit_test(ikev1_skeyid_d_a_e),
      cmocka_unit_test(ikev1_enc_key_expansion),
      cmocka_unit_test(ikev1_keymat_with_and_without_pfs),
      cmocka_unit_test(ikev1_rejects_md4_prf),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
