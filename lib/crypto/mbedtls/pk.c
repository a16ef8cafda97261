/*
 * Private keys and IKEv1 signatures (RFC 2409 section 5.1 for RSA,
 * RFC 4754 for ECDSA) over mbedTLS's pk, rsa and ecdsa modules.
 */
#include "crypto/mbedtls/compat.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/rsa.h>

#include "crypto/mbedtls/pk.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

static bool looks_like_pem(const uint8_t *data, size_t len) {
  static const char marker[] = "-----BEGIN";

  for (size_t i = 0; i + sizeof(marker) - 1 <= len; i++) {
    if (memcmp(data + i, marker, sizeof(marker) - 1) == 0)
      return true;
  }
  return false;
}

uint8_t *l2tpsec__pem_terminated(const uint8_t *data, size_t len,
                                 size_t *parse_len, int *err) {
  uint8_t *copy;

  *err = 0;
  *parse_len = len;
  if (!looks_like_pem(data, len))
    return NULL;
  copy = malloc(len + 1);
  if (copy == NULL) {
    *err = L2TPSEC_ERR_NOMEM;
    return NULL;
  }
  memcpy(copy, data, len);
  copy[len] = '\0';
  *parse_len = len + 1;
  return copy;
}

static int parse_key(mbedtls_pk_context *pk, const uint8_t *buf, size_t len,
                     l2tpsec_rand *rand) {
#if L2TPSEC_MBEDTLS_3
  return mbedtls_pk_parse_key(pk, buf, len, NULL, 0, l2tpsec__mbedtls_rng,
                              rand);
#else
  (void)rand;
  return mbedtls_pk_parse_key(pk, buf, len, NULL, 0);
#endif
}

static bool supported_key(const mbedtls_pk_context *pk) {
  return mbedtls_pk_can_do(pk, MBEDTLS_PK_RSA) ||
         mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA);
}

int l2tpsec__pkey_parse_private(l2tpsec__pkey **pkey, const uint8_t *data,
                                size_t len, const l2tpsec_rand *rand) {
  size_t parse_len;
  int err;
  uint8_t *pem;
  l2tpsec__pkey *key;
  l2tpsec_rand rng;
  int rc;

  *pkey = NULL;
  if (rand == NULL || rand->fn == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rng = *rand;
  pem = l2tpsec__pem_terminated(data, len, &parse_len, &err);
  if (err != 0)
    return err;
  key = calloc(1, sizeof(*key));
  if (key == NULL) {
    free(pem);
    return L2TPSEC_ERR_NOMEM;
  }

  mbedtls_pk_init(&key->pk);
  rc = parse_key(&key->pk, pem != NULL ? pem : data, parse_len, &rng);
  if (pem != NULL) {
    l2tpsec_wipe(pem, parse_len);
    free(pem);
  }
  if (rc != 0 || !supported_key(&key->pk)) {
    l2tpsec__pkey_del(key);
    return rc != 0 ? L2TPSEC_ERR_MALFORMED : L2TPSEC_ERR_UNSUPPORTED;
  }
  *pkey = key;
  return 0;
}

void l2tpsec__pkey_del(l2tpsec__pkey *pkey) {
  if (pkey == NULL)
    return;
  /* mbedtls_pk_free frees and zeroizes the RSA or EC private key. */
  mbedtls_pk_free(&pkey->pk);
  l2tpsec_wipe(pkey, sizeof(*pkey));
  free(pkey);
}

enum l2tpsec__pkey_type l2tpsec__pkey_type(const l2tpsec__pkey *pkey) {
  return mbedtls_pk_can_do(&pkey->pk, MBEDTLS_PK_RSA) ? L2TPSEC_PKEY_RSA
                                                      : L2TPSEC_PKEY_ECDSA;
}

/*
 * PKCS#1 v1.5 type-1 padding over the raw hash: MBEDTLS_MD_NONE makes
 * mbedTLS skip the DigestInfo, as IKEv1 requires.
 */
static int sign_rsa(mbedtls_rsa_context *rsa, const uint8_t *hash,
                    size_t hash_len, uint8_t *sig, size_t *sig_len,
                    size_t sig_cap, l2tpsec_rand *rand) {
  size_t len = mbedtls_rsa_get_len(rsa);
  int rc;

  if (sig_cap < len)
    return L2TPSEC_ERR_NOBUFS;
#if L2TPSEC_MBEDTLS_3
  rc = mbedtls_rsa_pkcs1_sign(rsa, l2tpsec__mbedtls_rng, rand, MBEDTLS_MD_NONE,
                              (unsigned)hash_len, hash, sig);
#else
  rc = mbedtls_rsa_pkcs1_sign(rsa, l2tpsec__mbedtls_rng, rand,
                              MBEDTLS_RSA_PRIVATE, MBEDTLS_MD_NONE,
                              (unsigned)hash_len, hash, sig);
#endif
  if (rc != 0)
    return L2TPSEC_ERR_CRYPTO;
  *sig_len = len;
  return 0;
}

/* RFC 4754 section 7: r and s, each left-padded to the group's size. */
static int sign_ecdsa(mbedtls_ecp_keypair *ec, const uint8_t *hash,
                      size_t hash_len, uint8_t *sig, size_t *sig_len,
                      size_t sig_cap, l2tpsec_rand *rand) {
  mbedtls_ecp_group *grp = &ec->MBEDTLS_PRIVATE(grp);
  size_t n = (grp->pbits + 7) / 8;
  mbedtls_mpi r, s;
  int rc;

  if (sig_cap < 2 * n)
    return L2TPSEC_ERR_NOBUFS;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  rc = mbedtls_ecdsa_sign(grp, &r, &s, &ec->MBEDTLS_PRIVATE(d), hash, hash_len,
                          l2tpsec__mbedtls_rng, rand);
  if (rc == 0)
    rc = mbedtls_mpi_write_binary(&r, sig, n);
  if (rc == 0)
    rc = mbedtls_mpi_write_binary(&s, sig + n, n);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  if (rc != 0)
    return L2TPSEC_ERR_CRYPTO;
  *sig_len = 2 * n;
  return 0;
}

int l2tpsec__pkey_sign_ike(const l2tpsec__pkey *key, const uint8_t *hash,
                           size_t hash_len, uint8_t *sig, size_t *sig_len,
                           size_t sig_cap, const l2tpsec_rand *rand) {
  l2tpsec_rand rng;

  if (hash == NULL || hash_len == 0 || rand == NULL || rand->fn == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  /* mbedTLS takes a non-const context for f_rng; hand it a copy. */
  rng = *rand;
  if (l2tpsec__pkey_type(key) == L2TPSEC_PKEY_RSA)
    return sign_rsa(mbedtls_pk_rsa(key->pk), hash, hash_len, sig, sig_len,
                    sig_cap, &rng);
  return sign_ecdsa(mbedtls_pk_ec(key->pk), hash, hash_len, sig, sig_len,
                    sig_cap, &rng);
}

int l2tpsec__pkey_info(const l2tpsec__pkey *key, enum l2tpsec__pkey_type *type,
                       size_t *bits) {
  *type = l2tpsec__pkey_type(key);
  *bits = mbedtls_pk_get_bitlen(&key->pk);
  return 0;
}
