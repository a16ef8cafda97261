/* Tunnel authentication (RFC 2661 sections 4.2 and 5.1.1). */
#include "crypto/crypto.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"

/*
 * The response is CHAP's (RFC 1994) with the Message Type of the message
 * that carries it as the identifier: 2 in SCCRP, 3 in SCCCN.
 */
int l2tpsec__l2tp_chap_response(const l2tpsec_l2tp *ep, uint8_t msg_type,
                                const uint8_t *challenge, size_t len,
                                uint8_t out[16]) {
  l2tpsec__iovec parts[3] = {
      {&msg_type, 1}, {ep->secret, ep->secret_len}, {challenge, len}};

  if (l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 3, out) != 0)
    return L2TPSEC_ERR_CRYPTO;
  return 0;
}
