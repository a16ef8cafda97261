/* MODP Diffie-Hellman (RFC 2409 section 6, RFC 3526) over mbedTLS bignums. */
#include "crypto/mbedtls/compat.h"

#include "crypto/mbedtls/dh.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

/* Largest exponent we draw, in bytes (group 16: 480 bits). */
#define MAX_EXPONENT_BYTES 64

int l2tpsec__modp_setup(l2tpsec__dh *dh, const struct l2tpsec__modp_group *g) {
  if (mbedtls_mpi_read_string(&dh->p, 16, g->prime) != 0)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

/* pub = 2^priv mod p. */
static int compute_public(l2tpsec__dh *dh) {
  mbedtls_mpi g;
  int rc;

  mbedtls_mpi_init(&g);
  rc = mbedtls_mpi_lset(&g, 2);
  if (rc == 0)
    rc = mbedtls_mpi_exp_mod(&dh->pub, &g, &dh->priv, &dh->p, NULL);
  mbedtls_mpi_free(&g);
  return rc == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}

/*
 * Draws an exponent of exactly exponent_bits bits: the top bit is set so
 * that every exponentiation takes the same number of squarings.
 */
int l2tpsec__modp_generate(l2tpsec__dh *dh,
                           const struct l2tpsec__modp_group *g) {
  uint8_t buf[MAX_EXPONENT_BYTES];
  size_t len = ((size_t)g->exponent_bits + 7) / 8;
  int rc;

  rc = l2tpsec_rand_bytes(&dh->rand, buf, len);
  if (rc == 0 && mbedtls_mpi_read_binary(&dh->priv, buf, len) != 0)
    rc = L2TPSEC_ERR_CRYPTO;
  l2tpsec_wipe(buf, sizeof(buf));
  if (rc != 0)
    return rc;

  for (size_t bit = (size_t)g->exponent_bits; bit < len * 8; bit++) {
    if (mbedtls_mpi_set_bit(&dh->priv, bit, 0) != 0)
      return L2TPSEC_ERR_CRYPTO;
  }
  if (mbedtls_mpi_set_bit(&dh->priv, (size_t)g->exponent_bits - 1, 1) != 0)
    return L2TPSEC_ERR_CRYPTO;
  return compute_public(dh);
}

int l2tpsec__modp_set_private(l2tpsec__dh *dh, const uint8_t *priv,
                              size_t len) {
  if (mbedtls_mpi_read_binary(&dh->priv, priv, len) != 0)
    return L2TPSEC_ERR_CRYPTO;
  /* Exponents 0 and 1 give away the shared secret; x must also be < p. */
  if (mbedtls_mpi_cmp_int(&dh->priv, 1) <= 0 ||
      mbedtls_mpi_cmp_mpi(&dh->priv, &dh->p) >= 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  return compute_public(dh);
}

/*
 * Rejects y <= 1 and y >= p - 1. The values 0, 1 and p - 1 would force the
 * shared secret into a subgroup of order 1 or 2, and larger values are not
 * valid encodings of a group element.
 */
static int check_peer_value(const l2tpsec__dh *dh, const mbedtls_mpi *y) {
  mbedtls_mpi p_minus_1;
  int in_range;

  mbedtls_mpi_init(&p_minus_1);
  if (mbedtls_mpi_sub_int(&p_minus_1, &dh->p, 1) != 0) {
    mbedtls_mpi_free(&p_minus_1);
    return L2TPSEC_ERR_CRYPTO;
  }
  in_range =
      mbedtls_mpi_cmp_int(y, 1) > 0 && mbedtls_mpi_cmp_mpi(y, &p_minus_1) < 0;
  mbedtls_mpi_free(&p_minus_1);
  return in_range ? 0 : L2TPSEC_ERR_MALFORMED;
}

int l2tpsec__modp_shared(l2tpsec__dh *dh, const uint8_t *peer, size_t len,
                         uint8_t *out) {
  mbedtls_mpi y, z;
  int rc;

  mbedtls_mpi_init(&y);
  mbedtls_mpi_init(&z);
  rc = mbedtls_mpi_read_binary(&y, peer, len) == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
  if (rc == 0)
    rc = check_peer_value(dh, &y);
  if (rc == 0 && mbedtls_mpi_exp_mod(&z, &y, &dh->priv, &dh->p, NULL) != 0)
    rc = L2TPSEC_ERR_CRYPTO;
  /* Left-padded to the prime's length, as IKE's g^xy is. */
  if (rc == 0 && mbedtls_mpi_write_binary(&z, out, dh->shared_len) != 0)
    rc = L2TPSEC_ERR_CRYPTO;

  mbedtls_mpi_free(&y);
  mbedtls_mpi_free(&z);
  return rc;
}
