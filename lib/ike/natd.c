/* NAT discovery hashes (RFC 3947 section 3.2). */
#include "ike/isakmp.h"
#include "ike/natd.h"
#include "l2tpsec/errors.h"

bool l2tpsec__ike_hash_alg(uint16_t ike_hash, enum l2tpsec__hash_alg *alg) {
  switch (ike_hash) {
  case IKE_HASH_MD5:
    *alg = L2TPSEC_HASH_MD5;
    return true;
  case IKE_HASH_SHA1:
    *alg = L2TPSEC_HASH_SHA1;
    return true;
  case IKE_HASH_SHA256:
    *alg = L2TPSEC_HASH_SHA256;
    return true;
  case IKE_HASH_SHA384:
    *alg = L2TPSEC_HASH_SHA384;
    return true;
  case IKE_HASH_SHA512:
    *alg = L2TPSEC_HASH_SHA512;
    return true;
  }
  return false;
}

int l2tpsec__ike_natd_hash(enum l2tpsec__hash_alg alg, const uint8_t icookie[8],
                           const uint8_t rcookie[8],
                           const l2tpsec_ike_endpoint *ep, uint8_t *out) {
  uint8_t port[2] = {(uint8_t)(ep->port >> 8), (uint8_t)ep->port};
  size_t addr_len = ep->family == 6 ? 16 : 4;

  if (ep->family != 4 && ep->family != 6)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  l2tpsec__iovec parts[] = {
      {icookie, ISAKMP_COOKIE_LEN},
      {rcookie, ISAKMP_COOKIE_LEN},
      {ep->addr, addr_len},
      {port, sizeof(port)},
  };
  return l2tpsec__hash(alg, parts, 4, out);
}
