/*
 * Main mode authenticated with signatures over X.509 certificates: RSA
 * (RFC 2409 section 5.1) and ECDSA (RFC 4754), with the CERT, CERTREQ
 * and SIG payloads and the ID types IPV4_ADDR, IPV6_ADDR, FQDN,
 * USER_FQDN and DER_ASN1_DN.
 */
#ifndef L2TPSEC_IKE_CERT_AUTH_H
#define L2TPSEC_IKE_CERT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "ike/isakmp.h"
#include "ike/writer.h"
#include "l2tpsec/ike.h"

struct ike_sa;

/* Our certificate, key, trust anchors and identities. */
typedef struct ike_cert_cfg ike_cert_cfg;

/*
 * Parses the certificate settings into ike->cert (left NULL when no
 * cert is set). Returns 0, L2TPSEC_ERR_INVALID_ARGUMENT for a missing
 * companion setting, L2TPSEC_ERR_CONFIG for one that does not parse or
 * fit (logged with what to fix) or L2TPSEC_ERR_NOMEM.
 */
int l2tpsec__ike_cert_init(l2tpsec_ike *ike,
                           const l2tpsec_ike_settings *settings);
void l2tpsec__ike_cert_free(ike_cert_cfg *cfg);

/* True for the signature methods 3, 9, 10 and 11. */
bool l2tpsec__ike_auth_is_sig(uint16_t auth);

/*
 * The hash whose HMAC, keyed with SKEYID, gives HASH_I and HASH_R: the
 * negotiated PRF's, except that the ECDSA methods 9, 10 and 11 use
 * SHA-256, SHA-384 and SHA-512, the hashes that RFC 4754 pairs with
 * them. strongSwan 5.9.8 does the same (keymat_v1.c), so ECDSA on
 * P-384 with a SHA-256 PRF signs a 48-byte HASH_I.
 */
enum l2tpsec__hash_alg l2tpsec__ike_auth_prf(const struct ike_sa *sa);

/* Writes the methods a responder accepts (at most 2) and returns their
 * count: PSK when a PSK is set, our key's signature method when a
 * certificate is. */
size_t l2tpsec__ike_auth_accepted(const l2tpsec_ike *ike, uint16_t out[2]);

/* The method an initiator offers: the signature method with a
 * certificate, else PSK. */
uint16_t l2tpsec__ike_auth_offered(const l2tpsec_ike *ike);

/* MM3 and MM4: appends a CERTREQ for each trust anchor when sa uses
 * signatures. */
void l2tpsec__ike_put_certreq(const l2tpsec_ike *ike, const struct ike_sa *sa,
                              ike_writer *w);

/* MM3 and MM4: logs when the peer's CERTREQs name only CAs other than
 * our certificate's issuer. Our certificate is sent anyway. */
void l2tpsec__ike_check_certreq(l2tpsec_ike *ike, const struct ike_sa *sa,
                                const isakmp_msg *msg, l2tpsec_tstamp now);

/* MM5 and MM6 with signatures: writes ID, CERT... and SIG after the
 * header. Returns 0 or a negative error code. */
int l2tpsec__ike_put_sig_auth(l2tpsec_ike *ike, struct ike_sa *sa,
                              ike_writer *w);

/*
 * Authenticates the peer from a decrypted MM5 or MM6 with signatures:
 * certificate chain against the CAs, ID against the certificate and
 * remote_id, then SIG. Returns true when all pass; otherwise it has
 * counted the drop and logged the reason.
 */
bool l2tpsec__ike_verify_sig_auth(l2tpsec_ike *ike, struct ike_sa *sa,
                                  const isakmp_msg *msg, l2tpsec_tstamp now);

#endif
