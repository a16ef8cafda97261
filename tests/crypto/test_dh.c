/*
 * Diffie-Hellman: the MODP primes against the RFC 2409/3526 formulas,
 * RFC 5903 vectors for groups 19-21, RFC 7748 vectors for X25519 (group
 * 31), and rejection of invalid peer values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "crypto/modp_groups.h"
#include "hex.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/rand.h"

#define MAX_DH 512

static const int modp_group_ids[] = {2, 5, 14, 15, 16};

static void modp_primes_match_rfc_formulas(void **state) {
  const char *script = L2TPSEC_SOURCE_DIR "/tests/crypto/modp_primes.py";
  char cmd[512], line[1200];
  int found = 0;
  FILE *f;

  snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s", script);
  f = popen(cmd, "r");
  assert_non_null(f);
  while (fgets(line, sizeof(line), f) != NULL) {
    int group;
    char hex[1100];
    const struct l2tpsec__modp_group *g;

    assert_int_equal(sscanf(line, "%d %1099s", &group, hex), 2);
    g = l2tpsec__modp_group(group);
    assert_non_null(g);
    assert_string_equal(g->prime, hex);
    assert_int_equal(strlen(hex) * 4, g->prime_bits);
    found++;
  }
  /* A missing /usr/bin/python3 prints nothing: fail, do not skip. */
  assert_int_equal(pclose(f), 0);
  assert_int_equal(found, 5);
}

static void exchange(int group, uint64_t seed_a, uint64_t seed_b) {
  l2tpsec_rand_test_state sa, sb;
  l2tpsec_rand ra = l2tpsec_rand_test(&sa, seed_a);
  l2tpsec_rand rb = l2tpsec_rand_test(&sb, seed_b);
  size_t plen = l2tpsec__dh_public_len(group);
  size_t slen = l2tpsec__dh_shared_len(group);
  uint8_t pa[MAX_DH], pb[MAX_DH], za[MAX_DH], zb[MAX_DH];
  l2tpsec__dh *a, *b;

  assert_true(l2tpsec__dh_supported(group));
  assert_int_equal(l2tpsec__dh_new(&a, group, &ra), 0);
  assert_int_equal(l2tpsec__dh_new(&b, group, &rb), 0);
  assert_int_equal(l2tpsec__dh_public(a, pa, plen), 0);
  assert_int_equal(l2tpsec__dh_public(b, pb, plen), 0);
  assert_memory_not_equal(pa, pb, plen);

  assert_int_equal(l2tpsec__dh_shared(a, pb, plen, za, slen), 0);
  assert_int_equal(l2tpsec__dh_shared(b, pa, plen, zb, slen), 0);
  assert_memory_equal(za, zb, slen);
  l2tpsec__dh_del(a);
  l2tpsec__dh_del(b);
}

static void dh_exchange_agrees_every_group(void **state) {
  static const int groups[] = {2, 5, 14, 15, 16, 19, 20, 21, 31};

  for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
    exchange(groups[i], 1000 + i, 2000 + i);
}

static void dh_lengths_and_unsupported(void **state) {
  static const struct {
    int group;
    size_t public_len, shared_len;
  } sizes[] = {{2, 128, 128},  {5, 192, 192},  {14, 256, 256},
               {15, 384, 384}, {16, 512, 512}, {19, 64, 32},
               {20, 96, 48},   {21, 132, 66},  {31, 32, 32}};
  l2tpsec_rand_test_state s;
  l2tpsec_rand rand = l2tpsec_rand_test(&s, 1);
  l2tpsec__dh *dh = (l2tpsec__dh *)&s;

  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    assert_int_equal(l2tpsec__dh_public_len(sizes[i].group),
                     sizes[i].public_len);
    assert_int_equal(l2tpsec__dh_shared_len(sizes[i].group),
                     sizes[i].shared_len);
  }
  /* Group 1 (768-bit MODP) and 22-24 (MODP with subgroups) are not done. */
  assert_false(l2tpsec__dh_supported(1));
  assert_false(l2tpsec__dh_supported(22));
  assert_int_equal(l2tpsec__dh_public_len(1), 0);
  assert_int_equal(l2tpsec__dh_new(&dh, 1, &rand), L2TPSEC_ERR_UNSUPPORTED);
  assert_null(dh);
  l2tpsec__dh_del(NULL);
}

/*
 * Group 2 with a fixed exponent x and peer value 2^y. /usr/bin/python3
 * computed the expected values as pow(2, x, p) and pow(pow(2, y, p), x, p),
 * with p printed by modp_primes.py.
 */
static void modp_group2_known_answer(void **state) {
  uint8_t x[32], peer[128], expected_pub[128], expected_shared[128];
  uint8_t pub[128], shared[128];
  l2tpsec__dh *dh;

  unhex("0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0", x,
        sizeof(x));
  unhex("d712542630b39d45d88b341cbb6ac16ff2af9f8d5e051cbcacf1b13e8f884a74"
        "fbb21dac5001af64567daa09bc80781a13c03ac84ec02001f832a5a8a04dfa2d"
        "f9eeb91af17c569edab2bfaac56df2fa57e8e5cb769213f2338494906c5970a9"
        "21bc61f4f78f3b571dc1e9900b9fe8272098031d1dd88c09dd8efb0d07389281",
        expected_pub, sizeof(expected_pub));
  unhex("c43dad442b30ca60229399a976b5835633d93f73e421aa212eba8b1b3969ac77"
        "90fff41a2f57ec53bdf5a0c140e445f7b5d80f29bf21d9124ace78277aad5bb1"
        "22972f9779c06960753bb2db52787a78046e439004eb788c26ce5f2d64b11129"
        "1f3d7d77e509b74ab70ad24a6638d8067a290cacd914bac2433a342a98a32ca8",
        peer, sizeof(peer));
  unhex("145529093cb004154e64d24cbe3ffc0fc794d025deac1818878041331aa295c0"
        "0d4256e2d0d6b8c128a4923e5b4d3a808ef6592947445b7d5f75140715ce9a06"
        "f8fa91f066f68fc6db047601fcbdc30dff299e20ce61e1102e88c2d4bdab9aa1"
        "06a5604269f92f69bd3bfa0e68b771d1b0cd7379b0aaec606c9d7c1a0ddafaef",
        expected_shared, sizeof(expected_shared));

  assert_int_equal(l2tpsec__dh_new_private(&dh, 2, x, sizeof(x)), 0);
  assert_int_equal(l2tpsec__dh_public(dh, pub, sizeof(pub)), 0);
  assert_memory_equal(pub, expected_pub, sizeof(pub));
  assert_int_equal(l2tpsec__dh_shared(dh, peer, 128, shared, 128), 0);
  assert_memory_equal(shared, expected_shared, sizeof(shared));
  l2tpsec__dh_del(dh);
}

/* A small shared secret is left-padded with zeros to the prime's size. */
static void modp_pads_small_values(void **state) {
  uint8_t x = 3, peer[256] = {0}, pub[256], shared[256], expected[256] = {0};
  l2tpsec__dh *dh;

  assert_int_equal(l2tpsec__dh_new_private(&dh, 14, &x, 1), 0);
  assert_int_equal(l2tpsec__dh_public(dh, pub, 256), 0);
  expected[255] = 8; /* 2^3 */
  assert_memory_equal(pub, expected, 256);
  peer[255] = 4;
  assert_int_equal(l2tpsec__dh_shared(dh, peer, 256, shared, 256), 0);
  expected[255] = 64; /* 4^3 */
  assert_memory_equal(shared, expected, 256);
  l2tpsec__dh_del(dh);
}

/* 0, 1, p - 1, p and 2^n - 1 are rejected, as is a wrong length. */
static void modp_rejects_invalid_peer(void **state) {
  for (size_t i = 0; i < 5; i++) {
    const struct l2tpsec__modp_group *g =
        l2tpsec__modp_group(modp_group_ids[i]);
    size_t len = (size_t)g->prime_bits / 8;
    uint8_t p[512], peer[512], out[512];
    l2tpsec_rand_test_state s;
    l2tpsec_rand rand = l2tpsec_rand_test(&s, 7);
    l2tpsec__dh *dh;

    unhex(g->prime, p, sizeof(p));
    assert_int_equal(l2tpsec__dh_new(&dh, g->group, &rand), 0);

    memset(peer, 0, len);
    assert_int_equal(l2tpsec__dh_shared(dh, peer, len, out, len),
                     L2TPSEC_ERR_MALFORMED);
    peer[len - 1] = 1;
    assert_int_equal(l2tpsec__dh_shared(dh, peer, len, out, len),
                     L2TPSEC_ERR_MALFORMED);
    memcpy(peer, p, len);
    peer[len - 1] -= 1; /* p - 1; p ends in 0xff */
    assert_int_equal(l2tpsec__dh_shared(dh, peer, len, out, len),
                     L2TPSEC_ERR_MALFORMED);
    assert_int_equal(l2tpsec__dh_shared(dh, p, len, out, len),
                     L2TPSEC_ERR_MALFORMED);
    memset(peer, 0xff, len);
    assert_int_equal(l2tpsec__dh_shared(dh, peer, len, out, len),
                     L2TPSEC_ERR_MALFORMED);
    /* p - 2 is the largest valid value. */
    memcpy(peer, p, len);
    peer[len - 1] -= 2;
    assert_int_equal(l2tpsec__dh_shared(dh, peer, len, out, len), 0);
    assert_int_equal(l2tpsec__dh_shared(dh, peer, len - 1, out, len),
                     L2TPSEC_ERR_MALFORMED);
    l2tpsec__dh_del(dh);
  }
}

struct ecp_vector {
  int group;
  const char *i, *gix, *giy, *r, *grx, *gry, *girx;
};

/* RFC 5903 section 8. */
static const struct ecp_vector rfc5903[] = {
    {19, "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
     "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
     "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
     "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
     "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
     "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
     "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"},
    {20,
     "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
     "E35B538041E649EE3FAEF896783AB194",
     "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
     "DE3AC808ACB4BDB4C88732AEE95F41AA",
     "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E"
     "EB9FCFF3C2C947DAE69B4C634573A81C",
     "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
     "E0308312916B8ED2960E4BD55A7448FC",
     "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
     "0D1AC43A0336DEF96FDA41D0774A3571",
     "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF"
     "F83FA40142209DFF5EAAD96DB9E6386C",
     "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
     "D603135569B9E9D09CF5D4A270F59746"},
    {21,
     "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A0"
     "95AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D"
     "4A52",
     "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBE"
     "E1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176C"
     "ED3E",
     "017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10A"
     "D8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3926F"
     "9582",
     "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E"
     "9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB15168"
     "5EB9",
     "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A21"
     "9B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9"
     "460F",
     "015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87"
     "220B6536C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD17F0F"
     "C56A",
     "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04"
     "D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3"
     "DDEA"},
};

struct ecp_bytes {
  uint8_t i[66], r[66], gi[132], gr[132], gir[66];
  size_t n; /* coordinate length */
};

static void decode_ecp(const struct ecp_vector *v, struct ecp_bytes *b) {
  b->n = unhex(v->i, b->i, sizeof(b->i));
  assert_int_equal(unhex(v->r, b->r, sizeof(b->r)), b->n);
  assert_int_equal(unhex(v->gix, b->gi, b->n), b->n);
  assert_int_equal(unhex(v->giy, b->gi + b->n, b->n), b->n);
  assert_int_equal(unhex(v->grx, b->gr, b->n), b->n);
  assert_int_equal(unhex(v->gry, b->gr + b->n, b->n), b->n);
  assert_int_equal(unhex(v->girx, b->gir, sizeof(b->gir)), b->n);
}

static void ecp_rfc5903_vectors(void **state) {
  for (size_t k = 0; k < 3; k++) {
    struct ecp_bytes b;
    uint8_t pub[132], shared[66];
    l2tpsec__dh *di, *dr;

    decode_ecp(&rfc5903[k], &b);
    assert_int_equal(l2tpsec__dh_public_len(rfc5903[k].group), 2 * b.n);
    assert_int_equal(l2tpsec__dh_new_private(&di, rfc5903[k].group, b.i, b.n),
                     0);
    assert_int_equal(l2tpsec__dh_new_private(&dr, rfc5903[k].group, b.r, b.n),
                     0);

    assert_int_equal(l2tpsec__dh_public(di, pub, 2 * b.n), 0);
    assert_memory_equal(pub, b.gi, 2 * b.n);
    assert_int_equal(l2tpsec__dh_public(dr, pub, 2 * b.n), 0);
    assert_memory_equal(pub, b.gr, 2 * b.n);

    assert_int_equal(l2tpsec__dh_shared(di, b.gr, 2 * b.n, shared, b.n), 0);
    assert_memory_equal(shared, b.gir, b.n);
    assert_int_equal(l2tpsec__dh_shared(dr, b.gi, 2 * b.n, shared, b.n), 0);
    assert_memory_equal(shared, b.gir, b.n);
    l2tpsec__dh_del(di);
    l2tpsec__dh_del(dr);
  }
}

/* A point off the curve, or the all-zero encoding, is rejected. */
static void ecp_rejects_invalid_points(void **state) {
  for (size_t k = 0; k < 3; k++) {
    struct ecp_bytes b;
    uint8_t zero[132] = {0}, shared[66];
    l2tpsec__dh *di;

    decode_ecp(&rfc5903[k], &b);
    assert_int_equal(l2tpsec__dh_new_private(&di, rfc5903[k].group, b.i, b.n),
                     0);
    b.gr[2 * b.n - 1] ^= 0x01;
    assert_int_equal(l2tpsec__dh_shared(di, b.gr, 2 * b.n, shared, b.n),
                     L2TPSEC_ERR_MALFORMED);
    assert_int_equal(l2tpsec__dh_shared(di, zero, 2 * b.n, shared, b.n),
                     L2TPSEC_ERR_MALFORMED);
    assert_int_equal(l2tpsec__dh_shared(di, b.gr, 2 * b.n - 1, shared, b.n),
                     L2TPSEC_ERR_MALFORMED);
    l2tpsec__dh_del(di);
  }
}

static void ecp_rejects_scalar_out_of_range(void **state) {
  uint8_t zero[32] = {0}, order_plus[32];
  l2tpsec__dh *dh;

  assert_int_equal(l2tpsec__dh_new_private(&dh, 19, zero, 32),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  memset(order_plus, 0xff, sizeof(order_plus));
  assert_int_equal(l2tpsec__dh_new_private(&dh, 19, order_plus, 32),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_null(dh);
}

/* X25519(k, u) through the DH interface: k as private value, u as peer. */
static void x25519(const uint8_t k[32], const uint8_t u[32], uint8_t out[32]) {
  l2tpsec__dh *dh;

  assert_int_equal(l2tpsec__dh_new_private(&dh, 31, k, 32), 0);
  assert_int_equal(l2tpsec__dh_shared(dh, u, 32, out, 32), 0);
  l2tpsec__dh_del(dh);
}

static void assert_x25519(const char *k_hex, const char *u_hex,
                          const char *out_hex) {
  uint8_t k[32], u[32], expected[32], out[32];

  unhex(k_hex, k, 32);
  unhex(u_hex, u, 32);
  unhex(out_hex, expected, 32);
  x25519(k, u, out);
  assert_memory_equal(out, expected, 32);
}

/* RFC 7748 section 5.2; the second u has its top bit set, to be masked. */
static void x25519_rfc7748_function_vectors(void **state) {
  assert_x25519(
      "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
      "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
      "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
  assert_x25519(
      "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
      "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
      "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

/* RFC 7748 section 5.2, iterated: k, u = X25519(k, u), k; from k = u = 9. */
static void x25519_rfc7748_iterations(void **state) {
  uint8_t k[32] = {9}, u[32] = {9}, next[32], after1[32], after1000[32];

  unhex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
        after1, 32);
  unhex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
        after1000, 32);
  for (int i = 1; i <= 1000; i++) {
    x25519(k, u, next);
    memcpy(u, k, 32);
    memcpy(k, next, 32);
    if (i == 1)
      assert_memory_equal(k, after1, 32);
  }
  assert_memory_equal(k, after1000, 32);
}

/* RFC 7748 section 6.1: Alice and Bob, public keys and shared secret. */
static void x25519_rfc7748_exchange(void **state) {
  uint8_t a[32], b[32], a_pub[32], b_pub[32], k[32], pub[32], shared[32];
  l2tpsec__dh *alice, *bob;

  unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a,
        32);
  unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        a_pub, 32);
  unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b,
        32);
  unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
        b_pub, 32);
  unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", k,
        32);

  assert_int_equal(l2tpsec__dh_new_private(&alice, 31, a, 32), 0);
  assert_int_equal(l2tpsec__dh_new_private(&bob, 31, b, 32), 0);
  assert_int_equal(l2tpsec__dh_public(alice, pub, 32), 0);
  assert_memory_equal(pub, a_pub, 32);
  assert_int_equal(l2tpsec__dh_public(bob, pub, 32), 0);
  assert_memory_equal(pub, b_pub, 32);
  assert_int_equal(l2tpsec__dh_shared(alice, b_pub, 32, shared, 32), 0);
  assert_memory_equal(shared, k, 32);
  assert_int_equal(l2tpsec__dh_shared(bob, a_pub, 32, shared, 32), 0);
  assert_memory_equal(shared, k, 32);
  l2tpsec__dh_del(alice);
  l2tpsec__dh_del(bob);
}

/* Low-order u values make the output all zeros; they must be rejected. */
static void x25519_rejects_low_order_points(void **state) {
  static const char *const low_order[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };
  uint8_t a[32] = {0x77, 0x07, 0x6d}, u[32], shared[32];
  l2tpsec__dh *dh;

  assert_int_equal(l2tpsec__dh_new_private(&dh, 31, a, 32), 0);
  for (size_t i = 0; i < 3; i++) {
    unhex(low_order[i], u, 32);
    assert_int_equal(l2tpsec__dh_shared(dh, u, 32, shared, 32),
                     L2TPSEC_ERR_MALFORMED);
  }
  l2tpsec__dh_del(dh);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(modp_primes_match_rfc_formulas),
      cmocka_unit_test(dh_exchange_agrees_every_group),
      cmocka_unit_test(dh_lengths_and_unsupported),
      cmocka_unit_test(modp_group2_known_answer),
      cmocka_unit_test(modp_pads_small_values),
      cmocka_unit_test(modp_rejects_invalid_peer),
      cmocka_unit_test(ecp_rfc5903_vectors),
      cmocka_unit_test(ecp_rejects_invalid_points),
      cmocka_unit_test(ecp_rejects_scalar_out_of_range),
      cmocka_unit_test(x25519_rfc7748_function_vectors),
      cmocka_unit_test(x25519_rfc7748_iterations),
      cmocka_unit_test(x25519_rfc7748_exchange),
      cmocka_unit_test(x25519_rejects_low_order_points),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
