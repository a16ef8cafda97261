/* The Diffie-Hellman object shared by the MODP and ECP files. */
#ifndef L2TPSEC_CRYPTO_MBEDTLS_DH_H
#define L2TPSEC_CRYPTO_MBEDTLS_DH_H

#include "crypto/mbedtls/compat.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>

#include "crypto/crypto.h"
#include "crypto/modp_groups.h"

enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

struct l2tpsec__dh {
  int group;
  enum dh_kind kind;
  size_t public_len, shared_len;
  l2tpsec_rand rand; /* blinding for ECP multiplication */
  mbedtls_mpi priv;  /* exponent (MODP) or scalar (ECP) */
  mbedtls_mpi p;     /* MODP prime */
  mbedtls_mpi pub;   /* MODP public value g^x mod p */
  mbedtls_ecp_group grp;
  mbedtls_ecp_point q; /* ECP public point */
};

/* MODP (dh_modp.c). */
int l2tpsec__modp_setup(l2tpsec__dh *dh, const struct l2tpsec__modp_group *g);
int l2tpsec__modp_generate(l2tpsec__dh *dh,
                           const struct l2tpsec__modp_group *g);
int l2tpsec__modp_set_private(l2tpsec__dh *dh, const uint8_t *priv, size_t len);
int l2tpsec__modp_shared(l2tpsec__dh *dh, const uint8_t *peer, size_t len,
                         uint8_t *out);

/* Weierstrass curves and Curve25519 (dh_ecp.c). */
int l2tpsec__ecp_setup(l2tpsec__dh *dh, mbedtls_ecp_group_id id);
int l2tpsec__ecp_generate(l2tpsec__dh *dh);
int l2tpsec__ecp_set_private(l2tpsec__dh *dh, const uint8_t *priv, size_t len);
int l2tpsec__ecp_public(const l2tpsec__dh *dh, uint8_t *out);
int l2tpsec__ecp_shared(l2tpsec__dh *dh, const uint8_t *peer, size_t len,
                        uint8_t *out);

#endif
