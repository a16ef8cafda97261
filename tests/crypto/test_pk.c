/*
 * Private keys, IKEv1 signatures and X.509 chains. The certificates and
 * keys are generated at test time by make_test_certs.sh with openssl, and
 * openssl's pkeyutl signs and verifies the same hashes so that each
 * signature format is checked against an independent implementation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/rand.h"

static char dir[] = "/tmp/l2tpsec-test-pk-XXXXXX";

static void run(const char *fmt, ...) {
  char cmd[1024];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  if (system(cmd) != 0)
    fail_msg("command failed: %s", cmd);
}

static uint8_t *read_file(const char *name, size_t *len) {
  char path[256];
  uint8_t *data;
  long size;
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "rb");
  if (f == NULL)
    fail_msg("cannot open %s", path);
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  data = malloc((size_t)size + 1);
  assert_non_null(data);
  assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
  fclose(f);
  *len = (size_t)size;
  return data;
}

static void write_file(const char *name, const uint8_t *data, size_t len) {
  char path[256];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

static l2tpsec__x509 *load_certs(const char *const *names, size_t n) {
  l2tpsec__x509 *chain = NULL;

  for (size_t i = 0; i < n; i++) {
    size_t len;
    uint8_t *data = read_file(names[i], &len);

    assert_int_equal(l2tpsec__x509_parse(&chain, data, len), 0);
    free(data);
  }
  return chain;
}

static l2tpsec__pkey *load_key(const char *name) {
  l2tpsec_rand rand = l2tpsec_rand_system();
  l2tpsec__pkey *key;
  size_t len;
  uint8_t *data = read_file(name, &len);

  assert_int_equal(l2tpsec__pkey_parse_private(&key, data, len, &rand), 0);
  free(data);
  return key;
}

static int setup_certs(void **state) {
  if (mkdtemp(dir) == NULL)
    return -1;
  run("sh %s/tests/crypto/make_test_certs.sh %s", L2TPSEC_SOURCE_DIR, dir);
  return 0;
}

static int remove_certs(void **state) {
  run("rm -rf %s", dir);
  return 0;
}

static void x509_chain_verifies(void **state) {
  static const char *const chain_files[] = {"leaf.pem", "inter.pem"};
  static const char *const ca_files[] = {"root.pem"};
  l2tpsec__x509 *chain = load_certs(chain_files, 2);
  l2tpsec__x509 *cas = load_certs(ca_files, 1);
  char reason[256] = "unchanged";

  assert_int_equal(l2tpsec__x509_verify(chain, cas, (int64_t)time(NULL), reason,
                                        sizeof(reason)),
                   0);
  assert_string_equal(reason, "");
  l2tpsec__x509_del(chain);
  l2tpsec__x509_del(cas);
}

static void x509_rejects_wrong_ca(void **state) {
  static const char *const chain_files[] = {"leaf.pem", "inter.pem"};
  static const char *const ca_files[] = {"other_root.pem"};
  l2tpsec__x509 *chain = load_certs(chain_files, 2);
  l2tpsec__x509 *cas = load_certs(ca_files, 1);
  char reason[256];

  assert_int_equal(l2tpsec__x509_verify(chain, cas, (int64_t)time(NULL), reason,
                                        sizeof(reason)),
                   L2TPSEC_ERR_AUTH_FAILED);
  assert_non_null(strstr(reason, "not correctly signed by the trusted CA"));
  l2tpsec__x509_del(chain);
  l2tpsec__x509_del(cas);
}

static void x509_rejects_missing_intermediate(void **state) {
  static const char *const chain_files[] = {"leaf.pem"};
  static const char *const ca_files[] = {"root.pem"};
  l2tpsec__x509 *chain = load_certs(chain_files, 1);
  l2tpsec__x509 *cas = load_certs(ca_files, 1);

  assert_int_equal(
      l2tpsec__x509_verify(chain, cas, (int64_t)time(NULL), NULL, 0),
      L2TPSEC_ERR_AUTH_FAILED);
  l2tpsec__x509_del(chain);
  l2tpsec__x509_del(cas);
}

/* Validity uses the caller's time, not the system clock. */
static void x509_checks_given_time(void **state) {
  static const char *const chain_files[] = {"leaf.pem", "inter.pem"};
  static const char *const ca_files[] = {"root.pem"};
  l2tpsec__x509 *chain = load_certs(chain_files, 2);
  l2tpsec__x509 *cas = load_certs(ca_files, 1);
  int64_t now = (int64_t)time(NULL);
  char reason[256];

  assert_int_equal(l2tpsec__x509_verify(chain, cas, now + 40 * 86400, reason,
                                        sizeof(reason)),
                   L2TPSEC_ERR_AUTH_FAILED);
  assert_non_null(strstr(reason, "expired"));
  assert_int_equal(
      l2tpsec__x509_verify(chain, cas, now - 86400, reason, sizeof(reason)),
      L2TPSEC_ERR_AUTH_FAILED);
  assert_non_null(strstr(reason, "future"));
  assert_int_equal(l2tpsec__x509_verify(chain, cas, now + 29 * 86400, NULL, 0),
                   0);
  l2tpsec__x509_del(chain);
  l2tpsec__x509_del(cas);
}

static void x509_ecdsa_chain_verifies(void **state) {
  static const char *const chain_files[] = {"ec_leaf.pem"};
  static const char *const ca_files[] = {"ec_root.pem"};
  l2tpsec__x509 *chain = load_certs(chain_files, 1);
  l2tpsec__x509 *cas = load_certs(ca_files, 1);

  assert_int_equal(
      l2tpsec__x509_verify(chain, cas, (int64_t)time(NULL), NULL, 0), 0);
  l2tpsec__x509_del(chain);
  l2tpsec__x509_del(cas);
}

/* DER and subject DER match what openssl and python3-cryptography wrote. */
static void x509_der_and_subject(void **state) {
  static const char *const der_files[] = {"leaf.der"};
  l2tpsec__x509 *leaf = load_certs(der_files, 1);
  size_t der_len, subject_len, len;
  uint8_t *der = read_file("leaf.der", &der_len);
  uint8_t *subject = read_file("leaf_subject.der", &subject_len);
  const uint8_t *p;

  assert_int_equal(l2tpsec__x509_der(leaf, &p, &len), 0);
  assert_int_equal(len, der_len);
  assert_memory_equal(p, der, len);
  assert_int_equal(l2tpsec__x509_subject_der(leaf, &p, &len), 0);
  assert_int_equal(len, subject_len);
  assert_memory_equal(p, subject, len);
  free(der);
  free(subject);
  l2tpsec__x509_del(leaf);
}

static void x509_san_match(void **state) {
  static const char *const files[] = {"leaf.pem"};
  static const uint8_t ip[4] = {192, 0, 2, 10};
  static const uint8_t other_ip[4] = {192, 0, 2, 11};
  l2tpsec__x509 *leaf = load_certs(files, 1);

  assert_true(
      l2tpsec__x509_has_san(leaf, 2, (const uint8_t *)"vpn.example.com", 15));
  assert_true(
      l2tpsec__x509_has_san(leaf, 2, (const uint8_t *)"VPN.Example.com", 15));
  assert_false(
      l2tpsec__x509_has_san(leaf, 2, (const uint8_t *)"vpn.example.co", 14));
  assert_true(
      l2tpsec__x509_has_san(leaf, 1, (const uint8_t *)"vpn@example.com", 15));
  assert_false(
      l2tpsec__x509_has_san(leaf, 2, (const uint8_t *)"vpn@example.com", 15));
  assert_true(l2tpsec__x509_has_san(leaf, 7, ip, 4));
  assert_false(l2tpsec__x509_has_san(leaf, 7, other_ip, 4));
  l2tpsec__x509_del(leaf);
}

static void x509_rejects_garbage(void **state) {
  static const uint8_t junk[] = {0x30, 0x82, 0x01, 0x00, 0x02, 0x01};
  static const char pem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n"
                            "-----END CERTIFICATE-----\n";
  l2tpsec__x509 *chain = NULL;

  assert_int_equal(l2tpsec__x509_parse(&chain, junk, sizeof(junk)),
                   L2TPSEC_ERR_MALFORMED);
  assert_null(chain);
  assert_int_equal(
      l2tpsec__x509_parse(&chain, (const uint8_t *)pem, strlen(pem)),
      L2TPSEC_ERR_MALFORMED);
  assert_null(chain);
  l2tpsec__x509_del(NULL);
}

static void pkey_parses_pem_and_der(void **state) {
  l2tpsec__pkey *rsa = load_key("leaf.key");
  l2tpsec__pkey *rsa_der = load_key("leaf.key.der");
  l2tpsec__pkey *ec = load_key("ec_leaf.key");
  l2tpsec_rand rand = l2tpsec_rand_system();
  l2tpsec__pkey *bad = (l2tpsec__pkey *)&rand;

  assert_int_equal(l2tpsec__pkey_type(rsa), L2TPSEC_PKEY_RSA);
  assert_int_equal(l2tpsec__pkey_type(rsa_der), L2TPSEC_PKEY_RSA);
  assert_int_equal(l2tpsec__pkey_type(ec), L2TPSEC_PKEY_ECDSA);
  assert_int_equal(
      l2tpsec__pkey_parse_private(&bad, (const uint8_t *)"junk", 4, &rand),
      L2TPSEC_ERR_MALFORMED);
  assert_null(bad);
  l2tpsec__pkey_del(rsa);
  l2tpsec__pkey_del(rsa_der);
  l2tpsec__pkey_del(ec);
  l2tpsec__pkey_del(NULL);
}

/*
 * PKCS#1 v1.5 signing is deterministic, so our signature of a raw SHA-1
 * hash must equal the one `openssl pkeyutl -sign` makes without -digest,
 * which pads the input with no DigestInfo.
 */
static void rsa_ike_signature_matches_openssl(void **state) {
  static const char *const files[] = {"leaf.pem"};
  l2tpsec__pkey *key = load_key("leaf.key");
  l2tpsec__x509 *leaf = load_certs(files, 1);
  l2tpsec_rand rand = l2tpsec_rand_system();
  uint8_t hash[20], sig[512];
  size_t sig_len, openssl_len;
  uint8_t *openssl_sig;

  for (int i = 0; i < 20; i++)
    hash[i] = (uint8_t)(0xa0 + i);
  write_file("hash20.bin", hash, sizeof(hash));
  run("openssl pkeyutl -sign -inkey %s/leaf.key -in %s/hash20.bin "
      "-out %s/rsa.sig",
      dir, dir, dir);
  openssl_sig = read_file("rsa.sig", &openssl_len);

  assert_int_equal(
      l2tpsec__pkey_sign_ike(key, hash, 20, sig, &sig_len, sizeof(sig), &rand),
      0);
  assert_int_equal(sig_len, 256);
  assert_int_equal(openssl_len, 256);
  assert_memory_equal(sig, openssl_sig, 256);

  assert_int_equal(l2tpsec__x509_verify_ike_sig(leaf, hash, 20, sig, 256), 0);
  sig[100] ^= 0x04;
  assert_int_equal(l2tpsec__x509_verify_ike_sig(leaf, hash, 20, sig, 256),
                   L2TPSEC_ERR_AUTH_FAILED);
  assert_int_equal(l2tpsec__x509_verify_ike_sig(leaf, hash, 20, sig, 255),
                   L2TPSEC_ERR_AUTH_FAILED);
  assert_int_equal(
      l2tpsec__pkey_sign_ike(key, hash, 20, sig, &sig_len, 255, &rand),
      L2TPSEC_ERR_NOBUFS);
  free(openssl_sig);
  l2tpsec__pkey_del(key);
  l2tpsec__x509_del(leaf);
}

/* Appends a DER INTEGER holding the n-byte unsigned big-endian value. */
static size_t der_integer(uint8_t *out, const uint8_t *v, size_t n) {
  size_t skip = 0, len = 0;

  while (skip < n - 1 && v[skip] == 0)
    skip++;
  out[len++] = 0x02;
  out[len++] = (uint8_t)(n - skip + (v[skip] >= 0x80));
  if (v[skip] >= 0x80)
    out[len++] = 0;
  memcpy(out + len, v + skip, n - skip);
  return len + n - skip;
}

/* Reads a DER INTEGER into n bytes, left-padded; returns bytes consumed. */
static size_t der_read_integer(const uint8_t *in, uint8_t *out, size_t n) {
  size_t len = in[1];
  const uint8_t *v = in + 2;

  assert_int_equal(in[0], 0x02);
  while (len > n) {
    assert_int_equal(*v, 0);
    v++;
    len--;
  }
  memset(out, 0, n - len);
  memcpy(out + n - len, v, len);
  return 2 + in[1];
}

/*
 * RFC 4754 raw r || s, checked both ways against openssl's DER
 * ECDSA-Sig-Value: openssl verifies ours, and we verify openssl's.
 */
static void ecdsa_ike_signature_interoperates(void **state) {
  static const char *const files[] = {"ec_leaf.pem"};
  l2tpsec__pkey *key = load_key("ec_leaf.key");
  l2tpsec__x509 *leaf = load_certs(files, 1);
  l2tpsec_rand rand = l2tpsec_rand_system();
  uint8_t hash[32], sig[64], der[80], raw[64];
  size_t sig_len, der_len = 2, openssl_len, off;
  uint8_t *openssl_sig;

  for (int i = 0; i < 32; i++)
    hash[i] = (uint8_t)(0x11 * i);
  write_file("hash32.bin", hash, sizeof(hash));
  assert_int_equal(
      l2tpsec__pkey_sign_ike(key, hash, 32, sig, &sig_len, sizeof(sig), &rand),
      0);
  assert_int_equal(sig_len, 64);
  assert_int_equal(l2tpsec__x509_verify_ike_sig(leaf, hash, 32, sig, 64), 0);

  der_len += der_integer(der + der_len, sig, 32);
  der_len += der_integer(der + der_len, sig + 32, 32);
  der[0] = 0x30;
  der[1] = (uint8_t)(der_len - 2);
  write_file("ours.der", der, der_len);
  run("openssl x509 -in %s/ec_leaf.pem -pubkey -noout >%s/ec_pub.pem", dir,
      dir);
  run("openssl pkeyutl -verify -pubin -inkey %s/ec_pub.pem -in "
      "%s/hash32.bin -sigfile %s/ours.der >/dev/null",
      dir, dir, dir);

  run("openssl pkeyutl -sign -inkey %s/ec_leaf.key -in %s/hash32.bin "
      "-out %s/theirs.der",
      dir, dir, dir);
  openssl_sig = read_file("theirs.der", &openssl_len);
  assert_int_equal(openssl_sig[0], 0x30);
  off = 2 + der_read_integer(openssl_sig + 2, raw, 32);
  der_read_integer(openssl_sig + off, raw + 32, 32);
  assert_int_equal(l2tpsec__x509_verify_ike_sig(leaf, hash, 32, raw, 64), 0);

  raw[5] ^= 0x01;
  assert_int_equal(l2tpsec__x509_verify_ike_sig(leaf, hash, 32, raw, 64),
                   L2TPSEC_ERR_AUTH_FAILED);
  assert_int_equal(l2tpsec__x509_verify_ike_sig(leaf, hash, 32, sig, 63),
                   L2TPSEC_ERR_AUTH_FAILED);
  free(openssl_sig);
  l2tpsec__pkey_del(key);
  l2tpsec__x509_del(leaf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(x509_chain_verifies),
      cmocka_unit_test(x509_rejects_wrong_ca),
      cmocka_unit_test(x509_rejects_missing_intermediate),
      cmocka_unit_test(x509_checks_given_time),
      cmocka_unit_test(x509_ecdsa_chain_verifies),
      cmocka_unit_test(x509_der_and_subject),
      cmocka_unit_test(x509_san_match),
      cmocka_unit_test(x509_rejects_garbage),
      cmocka_unit_test(pkey_parses_pem_and_der),
      cmocka_unit_test(rsa_ike_signature_matches_openssl),
      cmocka_unit_test(ecdsa_ike_signature_interoperates),
  };

  return cmocka_run_group_tests(tests, setup_certs, remove_certs);
}
