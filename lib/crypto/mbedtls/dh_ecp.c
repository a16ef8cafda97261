/*
 * Elliptic-curve Diffie-Hellman: NIST P-256/384/521 with the RFC 5903
 * encodings (IKE groups 19-21) and X25519 with the RFC 8031 encoding
 * (group 31), over mbedTLS's ECP module.
 */
#include "crypto/mbedtls/compat.h"

#include <string.h>

#include "crypto/mbedtls/dh.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

/* Uncompressed point: 0x04 || x || y, 66-byte coordinates for P-521. */
#define MAX_POINT_LEN (1 + 2 * 66)
#define X25519_LEN 32

int l2tpsec__ecp_setup(l2tpsec__dh *dh, mbedtls_ecp_group_id id) {
  return mbedtls_ecp_group_load(&dh->grp, id) == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}

int l2tpsec__ecp_generate(l2tpsec__dh *dh) {
  if (mbedtls_ecp_gen_keypair(&dh->grp, &dh->priv, &dh->q, l2tpsec__mbedtls_rng,
                              &dh->rand) != 0)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

/* RFC 7748 section 5: clear bits 0-2 and 255, set bit 254. */
static int read_x25519_scalar(mbedtls_mpi *d, const uint8_t *priv) {
  uint8_t k[X25519_LEN];
  int rc;

  memcpy(k, priv, X25519_LEN);
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
  rc = mbedtls_mpi_read_binary_le(d, k, X25519_LEN);
  l2tpsec_wipe(k, sizeof(k));
  return rc;
}

int l2tpsec__ecp_set_private(l2tpsec__dh *dh, const uint8_t *priv, size_t len) {
  int rc;

  if (dh->kind == DH_X25519) {
    if (len != X25519_LEN)
      return L2TPSEC_ERR_INVALID_ARGUMENT;
    rc = read_x25519_scalar(&dh->priv, priv);
  } else {
    rc = mbedtls_mpi_read_binary(&dh->priv, priv, len);
  }
  if (rc != 0)
    return L2TPSEC_ERR_CRYPTO;
  if (mbedtls_ecp_check_privkey(&dh->grp, &dh->priv) != 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  rc = mbedtls_ecp_mul(&dh->grp, &dh->q, &dh->priv, &dh->grp.G,
                       l2tpsec__mbedtls_rng, &dh->rand);
  return rc == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}

/*
 * Encodes a point the IKE way: x || y for Weierstrass curves (the
 * uncompressed SEC 1 form without its 0x04 prefix), the little-endian u
 * for X25519. Writes dh->public_len bytes.
 */
static int encode_point(const l2tpsec__dh *dh, const mbedtls_ecp_point *pt,
                        uint8_t *out) {
  uint8_t buf[MAX_POINT_LEN];
  size_t len;

  if (mbedtls_ecp_point_write_binary(&dh->grp, pt, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                     &len, buf, sizeof(buf)) != 0)
    return L2TPSEC_ERR_CRYPTO;
  if (dh->kind == DH_X25519) {
    if (len != X25519_LEN)
      return L2TPSEC_ERR_CRYPTO;
    memcpy(out, buf, X25519_LEN);
    return 0;
  }
  if (len != 1 + dh->public_len)
    return L2TPSEC_ERR_CRYPTO;
  memcpy(out, buf + 1, dh->public_len);
  return 0;
}

int l2tpsec__ecp_public(const l2tpsec__dh *dh, uint8_t *out) {
  return encode_point(dh, &dh->q, out);
}

/*
 * Decodes and validates the peer's value. A Weierstrass point must lie on
 * the curve (mbedtls_ecp_check_pubkey). For X25519 the top bit of u is
 * ignored, as RFC 7748 section 5 requires.
 */
static int decode_peer(l2tpsec__dh *dh, const uint8_t *peer, size_t len,
                       mbedtls_ecp_point *pt) {
  uint8_t buf[MAX_POINT_LEN];
  int rc;

  if (dh->kind == DH_X25519) {
    memcpy(buf, peer, X25519_LEN);
    buf[31] &= 0x7f;
    rc = mbedtls_ecp_point_read_binary(&dh->grp, pt, buf, X25519_LEN);
  } else {
    buf[0] = 0x04;
    memcpy(buf + 1, peer, len);
    rc = mbedtls_ecp_point_read_binary(&dh->grp, pt, buf, 1 + len);
  }
  if (rc != 0 || mbedtls_ecp_check_pubkey(&dh->grp, pt) != 0)
    return L2TPSEC_ERR_MALFORMED;
  return 0;
}

static bool all_zero(const uint8_t *p, size_t len) {
  uint8_t acc = 0;

  for (size_t i = 0; i < len; i++)
    acc |= p[i];
  return acc == 0;
}

int l2tpsec__ecp_shared(l2tpsec__dh *dh, const uint8_t *peer, size_t len,
                        uint8_t *out) {
  uint8_t encoded[2 * 66];
  mbedtls_ecp_point pt, shared;
  int rc;

  mbedtls_ecp_point_init(&pt);
  mbedtls_ecp_point_init(&shared);
  rc = decode_peer(dh, peer, len, &pt);
  if (rc == 0 && mbedtls_ecp_mul(&dh->grp, &shared, &dh->priv, &pt,
                                 l2tpsec__mbedtls_rng, &dh->rand) != 0)
    rc = L2TPSEC_ERR_CRYPTO;
  if (rc == 0 && mbedtls_ecp_is_zero(&shared))
    rc = L2TPSEC_ERR_MALFORMED;
  if (rc == 0)
    rc = encode_point(dh, &shared, encoded);

  /* RFC 5903 section 7: the shared secret is the x coordinate only. */
  if (rc == 0)
    memcpy(out, encoded, dh->shared_len);
  /*
   * A low-order peer value makes the X25519 output all zeros, which
   * RFC 7748 section 6.1 says to reject. mbedTLS 2.28 already rejects the
   * known low-order points in check_pubkey, so this is a second line.
   */
  if (rc == 0 && dh->kind == DH_X25519 && all_zero(out, dh->shared_len))
    rc = L2TPSEC_ERR_MALFORMED;

  l2tpsec_wipe(encoded, sizeof(encoded));
  mbedtls_ecp_point_free(&pt);
  mbedtls_ecp_point_free(&shared);
  return rc;
}
