/* State shared by the files of certificate authentication. */
#ifndef L2TPSEC_IKE_CERT_INTERNAL_H
#define L2TPSEC_IKE_CERT_INTERNAL_H

#include "crypto/crypto.h"
#include "ike/cert_auth.h"
#include "ike/ike_internal.h"

/* Certificate encoding of CERT and CERTREQ payloads (RFC 2408 3.9). */
#define ISAKMP_CERT_X509_SIG 4

/* subjectAltName choices (RFC 5280 4.2.1.6) compared with peer IDs. */
#define IKE_SAN_EMAIL 1 /* rfc822Name */
#define IKE_SAN_DNS 2   /* dNSName */
#define IKE_SAN_IP 7    /* iPAddress */

/* Largest signature: RSA-8192 (1024 bytes); ECDSA P-521 needs 132. */
#define IKE_SIG_MAX 1024
/* Largest ID data we send: a subject DN or a name. */
#define IKE_CERT_ID_MAX 1024

struct ike_cert_cfg {
  l2tpsec__x509 *cert; /* leaf, then intermediates */
  l2tpsec__pkey *key;
  l2tpsec__x509 *cas;
  uint16_t auth_method; /* IKE_AUTH_RSA_SIG or IKE_AUTH_ECDSA_* */
  uint8_t id_type; /* l2tpsec_ike_id_type: 0 or an IPSEC_ID_* value */
  uint8_t id[IKE_CERT_ID_MAX];
  size_t id_len;
  char *remote_id; /* NULL: any name the certificate carries */
};

#endif
