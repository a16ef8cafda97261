/*
 * Diffie-Hellman by IKE group number: the table of groups, the object's
 * life cycle and dispatch to the MODP and ECP implementations.
 */
#include "crypto/mbedtls/compat.h"

#include <stdlib.h>

#include "crypto/crypto.h"
#include "crypto/mbedtls/dh.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

struct ecp_group_info {
  int group;
  enum dh_kind kind;
  mbedtls_ecp_group_id id;
  size_t public_len, shared_len;
};

/*
 * RFC 5903 section 7: public value x || y, shared secret x. RFC 8031
 * section 2: Curve25519 values are the 32-byte little-endian u.
 */
static const struct ecp_group_info ecp_groups[] = {
    {19, DH_ECP, MBEDTLS_ECP_DP_SECP256R1, 64, 32},
    {20, DH_ECP, MBEDTLS_ECP_DP_SECP384R1, 96, 48},
    {21, DH_ECP, MBEDTLS_ECP_DP_SECP521R1, 132, 66},
    {31, DH_X25519, MBEDTLS_ECP_DP_CURVE25519, 32, 32},
};

static const struct ecp_group_info *ecp_group(int group) {
  for (size_t i = 0; i < sizeof(ecp_groups) / sizeof(ecp_groups[0]); i++) {
    if (ecp_groups[i].group == group)
      return &ecp_groups[i];
  }
  return NULL;
}

bool l2tpsec__dh_supported(int group) {
  return l2tpsec__modp_group(group) != NULL || ecp_group(group) != NULL;
}

size_t l2tpsec__dh_public_len(int group) {
  const struct l2tpsec__modp_group *modp = l2tpsec__modp_group(group);
  const struct ecp_group_info *ecp = ecp_group(group);

  if (modp != NULL)
    return (size_t)modp->prime_bits / 8;
  return ecp != NULL ? ecp->public_len : 0;
}

size_t l2tpsec__dh_shared_len(int group) {
  const struct l2tpsec__modp_group *modp = l2tpsec__modp_group(group);
  const struct ecp_group_info *ecp = ecp_group(group);

  if (modp != NULL)
    return (size_t)modp->prime_bits / 8;
  return ecp != NULL ? ecp->shared_len : 0;
}

/* Allocates the object and loads the group's parameters. */
static int dh_create(l2tpsec__dh **pdh, int group) {
  const struct l2tpsec__modp_group *modp = l2tpsec__modp_group(group);
  const struct ecp_group_info *ecp = ecp_group(group);
  l2tpsec__dh *dh;
  int rc;

  if (modp == NULL && ecp == NULL)
    return L2TPSEC_ERR_UNSUPPORTED;
  dh = calloc(1, sizeof(*dh));
  if (dh == NULL)
    return L2TPSEC_ERR_NOMEM;

  dh->group = group;
  dh->public_len = l2tpsec__dh_public_len(group);
  dh->shared_len = l2tpsec__dh_shared_len(group);
  mbedtls_mpi_init(&dh->priv);
  mbedtls_mpi_init(&dh->p);
  mbedtls_mpi_init(&dh->pub);
  mbedtls_ecp_group_init(&dh->grp);
  mbedtls_ecp_point_init(&dh->q);
  if (modp != NULL) {
    dh->kind = DH_MODP;
    rc = l2tpsec__modp_setup(dh, modp);
  } else {
    dh->kind = ecp->kind;
    rc = l2tpsec__ecp_setup(dh, ecp->id);
  }
  if (rc != 0) {
    l2tpsec__dh_del(dh);
    return rc;
  }
  *pdh = dh;
  return 0;
}

int l2tpsec__dh_new(l2tpsec__dh **pdh, int group, const l2tpsec_rand *rand) {
  l2tpsec__dh *dh;
  int rc;

  *pdh = NULL;
  if (rand == NULL || rand->fn == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = dh_create(&dh, group);
  if (rc != 0)
    return rc;

  dh->rand = *rand;
  if (dh->kind == DH_MODP)
    rc = l2tpsec__modp_generate(dh, l2tpsec__modp_group(group));
  else
    rc = l2tpsec__ecp_generate(dh);
  if (rc != 0) {
    l2tpsec__dh_del(dh);
    return rc;
  }
  *pdh = dh;
  return 0;
}

int l2tpsec__dh_new_private(l2tpsec__dh **pdh, int group, const uint8_t *priv,
                            size_t priv_len) {
  l2tpsec__dh *dh;
  int rc;

  *pdh = NULL;
  if (priv == NULL || priv_len == 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = dh_create(&dh, group);
  if (rc != 0)
    return rc;

  dh->rand = l2tpsec_rand_system();
  if (dh->kind == DH_MODP)
    rc = l2tpsec__modp_set_private(dh, priv, priv_len);
  else
    rc = l2tpsec__ecp_set_private(dh, priv, priv_len);
  if (rc != 0) {
    l2tpsec__dh_del(dh);
    return rc;
  }
  *pdh = dh;
  return 0;
}

void l2tpsec__dh_del(l2tpsec__dh *dh) {
  if (dh == NULL)
    return;
  /* mbedtls_mpi_free zeroizes the limbs, the private value included. */
  mbedtls_mpi_free(&dh->priv);
  mbedtls_mpi_free(&dh->p);
  mbedtls_mpi_free(&dh->pub);
  mbedtls_ecp_group_free(&dh->grp);
  mbedtls_ecp_point_free(&dh->q);
  l2tpsec_wipe(dh, sizeof(*dh));
  free(dh);
}

int l2tpsec__dh_public(const l2tpsec__dh *dh, uint8_t *out, size_t out_len) {
  if (out_len != dh->public_len)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (dh->kind != DH_MODP)
    return l2tpsec__ecp_public(dh, out);
  if (mbedtls_mpi_write_binary(&dh->pub, out, out_len) != 0)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}

int l2tpsec__dh_shared(l2tpsec__dh *dh, const uint8_t *peer, size_t peer_len,
                       uint8_t *out, size_t out_len) {
  if (out_len != dh->shared_len)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (peer == NULL || peer_len != dh->public_len)
    return L2TPSEC_ERR_MALFORMED;
  if (dh->kind == DH_MODP)
    return l2tpsec__modp_shared(dh, peer, peer_len, out);
  return l2tpsec__ecp_shared(dh, peer, peer_len, out);
}
