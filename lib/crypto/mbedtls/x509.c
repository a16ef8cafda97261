/*
 * X.509 certificates for IKE certificate authentication: parsing,
 * chain verification at a caller-given time, subject and SAN access,
 * and verification of IKEv1 signatures with a certificate's key.
 */
#include "crypto/mbedtls/compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/oid.h>

#include "crypto/mbedtls/pk.h"
#include "l2tpsec/errors.h"

int l2tpsec__x509_parse(l2tpsec__x509 **chain, const uint8_t *data,
                        size_t len) {
  size_t parse_len;
  int err;
  uint8_t *pem = l2tpsec__pem_terminated(data, len, &parse_len, &err);
  bool created = false;
  int rc;

  if (err != 0)
    return err;
  if (*chain == NULL) {
    *chain = calloc(1, sizeof(**chain));
    if (*chain == NULL) {
      free(pem);
      return L2TPSEC_ERR_NOMEM;
    }
    mbedtls_x509_crt_init(&(*chain)->crt);
    created = true;
  }

  rc = mbedtls_x509_crt_parse(&(*chain)->crt, pem != NULL ? pem : data,
                              parse_len);
  free(pem);
  /* For PEM, a positive rc counts certificates that failed to parse. */
  if (rc != 0 && created) {
    l2tpsec__x509_del(*chain);
    *chain = NULL;
  }
  return rc == 0 ? 0 : L2TPSEC_ERR_MALFORMED;
}

void l2tpsec__x509_del(l2tpsec__x509 *chain) {
  if (chain == NULL)
    return;
  mbedtls_x509_crt_free(&chain->crt);
  free(chain);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  int64_t era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int64_t unix_time(const mbedtls_x509_time *t) {
  return days_from_civil(t->year, t->mon, t->day) * 86400 +
         (int64_t)t->hour * 3600 + t->min * 60 + t->sec;
}

/*
 * mbedTLS checks validity against the system clock. The protocol layers
 * pass time in, so this callback replaces those two flags with a check
 * against the caller's Unix time.
 */
static int check_validity(void *now_ptr, mbedtls_x509_crt *crt, int depth,
                          uint32_t *flags) {
  int64_t now = *(const int64_t *)now_ptr;

  *flags &=
      ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  if (now > unix_time(&crt->valid_to))
    *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
  if (now < unix_time(&crt->valid_from))
    *flags |= MBEDTLS_X509_BADCERT_FUTURE;
  return 0;
}

/*
 * NOTE: no revocation check: CRLs and OCSP are not consulted. The
 * default mbedTLS profile applies (SHA-256 or better, RSA >= 2048 bits).
 */
int l2tpsec__x509_verify(const l2tpsec__x509 *chain, const l2tpsec__x509 *cas,
                         int64_t now_unix, char *reason, size_t reason_len) {
  uint32_t flags = 0;
  int rc;

  if (reason != NULL && reason_len > 0)
    reason[0] = '\0';
  if (chain == NULL || cas == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  rc = mbedtls_x509_crt_verify(L2TPSEC_UNCONST(mbedtls_x509_crt, &chain->crt),
                               L2TPSEC_UNCONST(mbedtls_x509_crt, &cas->crt),
                               NULL, NULL, &flags, check_validity, &now_unix);
  if (rc == 0 && flags == 0)
    return 0;

  if (reason != NULL && reason_len > 0) {
    if (flags != 0)
      mbedtls_x509_crt_verify_info(reason, reason_len, "", flags);
    else
      snprintf(reason, reason_len, "verification failed (mbedTLS -0x%04x)",
               (unsigned)-rc);
  }
  return L2TPSEC_ERR_AUTH_FAILED;
}

static int verify_ecdsa(mbedtls_ecp_keypair *ec, const uint8_t *hash,
                        size_t hash_len, const uint8_t *sig, size_t sig_len) {
  mbedtls_ecp_group *grp = &ec->MBEDTLS_PRIVATE(grp);
  size_t n = (grp->pbits + 7) / 8;
  mbedtls_mpi r, s;
  int rc;

  /* RFC 4754 section 7: r || s, each exactly the group's size. */
  if (sig_len != 2 * n)
    return L2TPSEC_ERR_AUTH_FAILED;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  rc = mbedtls_mpi_read_binary(&r, sig, n);
  if (rc == 0)
    rc = mbedtls_mpi_read_binary(&s, sig + n, n);
  if (rc == 0)
    rc = mbedtls_ecdsa_verify(grp, hash, hash_len, &ec->MBEDTLS_PRIVATE(Q), &r,
                              &s);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return rc == 0 ? 0 : L2TPSEC_ERR_AUTH_FAILED;
}

int l2tpsec__x509_verify_ike_sig(const l2tpsec__x509 *leaf, const uint8_t *hash,
                                 size_t hash_len, const uint8_t *sig,
                                 size_t sig_len) {
  mbedtls_pk_context *pk = L2TPSEC_UNCONST(mbedtls_pk_context, &leaf->crt.pk);

  if (hash == NULL || hash_len == 0 || sig == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA))
    return verify_ecdsa(mbedtls_pk_ec(*pk), hash, hash_len, sig, sig_len);
  if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_RSA))
    return L2TPSEC_ERR_UNSUPPORTED;

  /* MBEDTLS_MD_NONE: PKCS#1 v1.5 over the raw hash, no DigestInfo. */
  if (sig_len != mbedtls_pk_get_len(pk))
    return L2TPSEC_ERR_AUTH_FAILED;
  if (mbedtls_pk_verify(pk, MBEDTLS_MD_NONE, hash, hash_len, sig, sig_len) != 0)
    return L2TPSEC_ERR_AUTH_FAILED;
  return 0;
}

int l2tpsec__x509_subject_der(const l2tpsec__x509 *leaf, const uint8_t **der,
                              size_t *len) {
  *der = leaf->crt.subject_raw.p;
  *len = leaf->crt.subject_raw.len;
  return 0;
}

int l2tpsec__x509_der(const l2tpsec__x509 *leaf, const uint8_t **der,
                      size_t *len) {
  *der = leaf->crt.raw.p;
  *len = leaf->crt.raw.len;
  return 0;
}

/* dNSName compares case-insensitively (RFC 5280 section 7.2). */
static bool san_equal(int type, const mbedtls_x509_buf *name,
                      const uint8_t *value, size_t len) {
  if (name->len != len)
    return false;
  if (type == MBEDTLS_X509_SAN_DNS_NAME)
    return strncasecmp((const char *)name->p, (const char *)value, len) == 0;
  return memcmp(name->p, value, len) == 0;
}

bool l2tpsec__x509_has_san(const l2tpsec__x509 *leaf, int type,
                           const uint8_t *value, size_t len) {
  const mbedtls_x509_sequence *cur;

  for (cur = &leaf->crt.subject_alt_names; cur != NULL; cur = cur->next) {
    int tag = cur->buf.tag;

    if (cur->buf.p == NULL)
      continue;
    if ((tag & MBEDTLS_ASN1_TAG_CLASS_MASK) != MBEDTLS_ASN1_CONTEXT_SPECIFIC ||
        (tag & MBEDTLS_ASN1_TAG_VALUE_MASK) != type)
      continue;
    if (san_equal(type, &cur->buf, value, len))
      return true;
  }
  return false;
}

int l2tpsec__x509_key_info(const l2tpsec__x509 *leaf,
                           enum l2tpsec__pkey_type *type, size_t *bits) {
  const mbedtls_pk_context *pk = &leaf->crt.pk;

  if (mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA))
    *type = L2TPSEC_PKEY_ECDSA;
  else if (mbedtls_pk_can_do(pk, MBEDTLS_PK_RSA))
    *type = L2TPSEC_PKEY_RSA;
  else
    return L2TPSEC_ERR_UNSUPPORTED;
  *bits = mbedtls_pk_get_bitlen(pk);
  return 0;
}

int l2tpsec__x509_issuer_der(const l2tpsec__x509 *leaf, const uint8_t **der,
                             size_t *len) {
  *der = leaf->crt.issuer_raw.p;
  *len = leaf->crt.issuer_raw.len;
  return 0;
}

/* A chain's certificates are linked mbedtls_x509_crt structures, and
 * l2tpsec__x509 has one as its only member, so a link converts. */
const l2tpsec__x509 *l2tpsec__x509_next(const l2tpsec__x509 *cert) {
  const mbedtls_x509_crt *next = cert->crt.next;

  if (next == NULL || next->raw.p == NULL)
    return NULL;
  return (const l2tpsec__x509 *)next;
}
