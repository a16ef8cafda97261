/*
 * libFuzzer harness for the crypto module's inputs from the network:
 * certificates (CERT payloads), private-key files, IKE signatures and
 * Diffie-Hellman peer values (KE payloads).
 *
 * Input format: [1-byte target][1-byte parameter][data].
 *   target 0: X.509 parse of data; on success, subject, SAN (type =
 *             parameter) and signature checks and a self-verification.
 *   target 1: private-key parse of data.
 *   target 2: DH shared secret with data as the peer value, group chosen
 *             by parameter.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"
#include "l2tpsec/rand.h"

static void fuzz_x509(uint8_t param, const uint8_t *data, size_t len) {
  static const uint8_t hash[32] = {1};
  l2tpsec__x509 *chain = NULL;
  const uint8_t *der;
  size_t der_len;
  char reason[128];

  if (l2tpsec__x509_parse(&chain, data, len) != 0)
    return;
  l2tpsec__x509_subject_der(chain, &der, &der_len);
  l2tpsec__x509_der(chain, &der, &der_len);
  l2tpsec__x509_has_san(chain, param & 7, data, len < 64 ? len : 64);
  l2tpsec__x509_verify_ike_sig(chain, hash, sizeof(hash), data, len);
  l2tpsec__x509_verify(chain, chain, 1700000000, reason, sizeof(reason));
  l2tpsec__x509_del(chain);
}

static void fuzz_pkey(const uint8_t *data, size_t len) {
  l2tpsec_rand_test_state state;
  l2tpsec_rand rand = l2tpsec_rand_test(&state, 1);
  l2tpsec__pkey *key;

  if (l2tpsec__pkey_parse_private(&key, data, len, &rand) == 0)
    l2tpsec__pkey_del(key);
}

/* Key pairs are made once per group: MODP key generation is slow. */
static void fuzz_dh(uint8_t param, const uint8_t *data, size_t len) {
  static const int groups[] = {2, 14, 19, 20, 21, 31};
  static l2tpsec__dh *pairs[6];
  /* The DH object keeps using its random source, so it must outlive it. */
  static l2tpsec_rand_test_state states[6];
  size_t i = param % 6;
  uint8_t shared[512];

  if (pairs[i] == NULL) {
    l2tpsec_rand rand = l2tpsec_rand_test(&states[i], 42 + i);

    if (l2tpsec__dh_new(&pairs[i], groups[i], &rand) != 0)
      return;
  }
  l2tpsec__dh_shared(pairs[i], data, len, shared,
                     l2tpsec__dh_shared_len(groups[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  switch (data[0] % 3) {
  case 0:
    fuzz_x509(data[1], data + 2, size - 2);
    break;
  case 1:
    fuzz_pkey(data + 2, size - 2);
    break;
  default:
    fuzz_dh(data[1], data + 2, size - 2);
    break;
  }
  return 0;
}
