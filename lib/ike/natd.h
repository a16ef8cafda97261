/* NAT discovery hashes (RFC 3947 section 3.2). */
#ifndef L2TPSEC_IKE_NATD_H
#define L2TPSEC_IKE_NATD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "l2tpsec/ike.h"

/*
 * Computes HASH(CKY-I | CKY-R | IP | Port) with the phase-1 hash into out
 * (l2tpsec__hash_len(alg) bytes). Returns 0 or a negative error code.
 */
int l2tpsec__ike_natd_hash(enum l2tpsec__hash_alg alg, const uint8_t icookie[8],
                           const uint8_t rcookie[8],
                           const l2tpsec_ike_endpoint *ep, uint8_t *out);

/* Maps an IKE hash attribute value to the crypto layer's algorithm;
 * returns false for a value we do not implement. */
bool l2tpsec__ike_hash_alg(uint16_t ike_hash, enum l2tpsec__hash_alg *alg);

/*
 * Turns the responder's fake_client_nat (l2tpsec_ike_settings) on or
 * off for the SAs that start from now on, and logs a warning naming what
 * it does and why (a short phrase such as "set in the settings") when on.
 */
void l2tpsec__ike_set_fake_client_nat(l2tpsec_ike *ike, bool on,
                                      const char *why);

#endif
