/*
 * IKEv1 key derivation (RFC 2409 section 5, section 5.5 and Appendix B),
 * built on the backend's HMAC, which is IKEv1's prf for every hash it
 * negotiates.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

/* ISAKMP nonces are 8 to 256 bytes (RFC 2409 section 5). */
#define MAX_NONCE_LEN 256

static bool prf_usable(enum l2tpsec__hash_alg prf) {
  return prf != L2TPSEC_HASH_MD4 && l2tpsec__hash_len(prf) != 0;
}

int l2tpsec__ikev1_skeyid_psk(enum l2tpsec__hash_alg prf, const uint8_t *psk,
                              size_t psk_len, const uint8_t *ni, size_t ni_len,
                              const uint8_t *nr, size_t nr_len,
                              uint8_t *skeyid) {
  l2tpsec__iovec nonces[2] = {{ni, ni_len}, {nr, nr_len}};

  if (!prf_usable(prf))
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  return l2tpsec__hmac(prf, psk, psk_len, nonces, 2, skeyid);
}

/* The key is Ni_b | Nr_b, so the nonces are joined in a local buffer. */
int l2tpsec__ikev1_skeyid_sig(enum l2tpsec__hash_alg prf, const uint8_t *ni,
                              size_t ni_len, const uint8_t *nr, size_t nr_len,
                              const uint8_t *gxy, size_t gxy_len,
                              uint8_t *skeyid) {
  uint8_t key[2 * MAX_NONCE_LEN];
  l2tpsec__iovec secret = {gxy, gxy_len};
  int rc;

  if (!prf_usable(prf) || ni_len > MAX_NONCE_LEN || nr_len > MAX_NONCE_LEN)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  memcpy(key, ni, ni_len);
  memcpy(key + ni_len, nr, nr_len);
  rc = l2tpsec__hmac(prf, key, ni_len + nr_len, &secret, 1, skeyid);
  l2tpsec_wipe(key, sizeof(key));
  return rc;
}

int l2tpsec__ikev1_skeyids(enum l2tpsec__hash_alg prf, const uint8_t *skeyid,
                           const uint8_t *gxy, size_t gxy_len,
                           const uint8_t cky_i[8], const uint8_t cky_r[8],
                           uint8_t *skeyid_d, uint8_t *skeyid_a,
                           uint8_t *skeyid_e) {
  size_t n = l2tpsec__hash_len(prf);
  uint8_t index = 0;
  /* parts[0] is the previous output; SKEYID_d has none. */
  l2tpsec__iovec parts[5] = {
      {NULL, 0}, {gxy, gxy_len}, {cky_i, 8}, {cky_r, 8}, {&index, 1}};
  int rc;

  if (!prf_usable(prf))
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = l2tpsec__hmac(prf, skeyid, n, parts, 5, skeyid_d);
  if (rc != 0)
    return rc;

  index = 1;
  parts[0] = (l2tpsec__iovec){skeyid_d, n};
  rc = l2tpsec__hmac(prf, skeyid, n, parts, 5, skeyid_a);
  if (rc != 0)
    return rc;

  index = 2;
  parts[0] = (l2tpsec__iovec){skeyid_a, n};
  return l2tpsec__hmac(prf, skeyid, n, parts, 5, skeyid_e);
}

int l2tpsec__ikev1_enc_key(enum l2tpsec__hash_alg prf, const uint8_t *skeyid_e,
                           uint8_t *key, size_t key_len) {
  size_t n = l2tpsec__hash_len(prf);
  uint8_t block[L2TPSEC_HASH_MAX];
  uint8_t zero = 0;
  l2tpsec__iovec previous = {&zero, 1}; /* K1 = prf(SKEYID_e, 0) */
  int rc = 0;

  if (!prf_usable(prf))
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (key_len <= n) {
    memcpy(key, skeyid_e, key_len);
    return 0;
  }

  for (size_t done = 0; done < key_len && rc == 0; done += n) {
    size_t take = key_len - done < n ? key_len - done : n;

    rc = l2tpsec__hmac(prf, skeyid_e, n, &previous, 1, block);
    memcpy(key + done, block, take);
    previous = (l2tpsec__iovec){block, n};
  }
  l2tpsec_wipe(block, sizeof(block));
  return rc;
}

int l2tpsec__ikev1_keymat(enum l2tpsec__hash_alg prf, const uint8_t *skeyid_d,
                          const uint8_t *gqm, size_t gqm_len, uint8_t protocol,
                          const uint8_t spi[4], const uint8_t *ni,
                          size_t ni_len, const uint8_t *nr, size_t nr_len,
                          uint8_t *out, size_t out_len) {
  size_t n = l2tpsec__hash_len(prf);
  uint8_t block[L2TPSEC_HASH_MAX];
  /* parts[0] is Kn-1, empty for K1; parts[1] is g(qm)^xy, empty without PFS. */
  l2tpsec__iovec parts[6] = {{NULL, 0},      {gqm, gqm != NULL ? gqm_len : 0},
                             {&protocol, 1}, {spi, 4},
                             {ni, ni_len},   {nr, nr_len}};
  int rc = 0;

  if (!prf_usable(prf))
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  for (size_t done = 0; done < out_len && rc == 0; done += n) {
    size_t take = out_len - done < n ? out_len - done : n;

    rc = l2tpsec__hmac(prf, skeyid_d, n, parts, 6, block);
    memcpy(out + done, block, take);
    parts[0] = (l2tpsec__iovec){block, n};
  }
  l2tpsec_wipe(block, sizeof(block));
  return rc;
}
