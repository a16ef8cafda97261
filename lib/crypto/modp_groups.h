/* Parameters of the MODP groups of RFC 2409 and RFC 3526. */
#ifndef L2TPSEC_CRYPTO_MODP_GROUPS_H
#define L2TPSEC_CRYPTO_MODP_GROUPS_H

struct l2tpsec__modp_group {
  int group;         /* IKE group number */
  int prime_bits;    /* size of p */
  int exponent_bits; /* size of the private exponent we draw */
  const char *prime; /* p in upper-case hex, most significant first */
};

/* Returns the group's parameters, or NULL for a group that is not MODP. */
const struct l2tpsec__modp_group *l2tpsec__modp_group(int group);

#endif
