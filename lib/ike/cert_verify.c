/*
 * The peer's side of certificate authentication in MM5 and MM6. Its
 * certificate chain must verify against our CAs at the current Unix
 * time, and its ID must name that certificate (subject DN or a
 * subjectAltName). When remote_id is set, the certificate must list it.
 * Last, its SIG must verify with the certificate's key.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/log_internal.h"
#include "ike/cert_internal.h"
#include "l2tpsec/errors.h"

/* The ID payload body: type, protocol, port, then the data. */
#define ID_DATA_OFFSET 4

/* Parses the X.509 CERT payloads, in the order sent, into one chain
 * whose first certificate is the leaf. Other encodings are skipped. */
static l2tpsec__x509 *collect_certs(const isakmp_msg *msg, bool *malformed) {
  l2tpsec__x509 *chain = NULL;

  *malformed = false;
  for (size_t i = 0; i < msg->n_cert; i++) {
    const isakmp_payload *p = &msg->cert[i];

    if (p->len < 2 || p->body[0] != ISAKMP_CERT_X509_SIG)
      continue;
    if (l2tpsec__x509_parse(&chain, p->body + 1, p->len - 1) != 0)
      *malformed = true;
  }
  return chain;
}

static int64_t unix_now(const l2tpsec_ike *ike, l2tpsec_tstamp now) {
  return ike->settings.unix_time_origin + (int64_t)(now / L2TPSEC_SECONDS);
}

/* The method negotiated fixes the key type, and for ECDSA the curve. */
static bool key_fits_method(const l2tpsec__x509 *leaf, uint16_t auth) {
  enum l2tpsec__pkey_type type;
  size_t bits;

  if (l2tpsec__x509_key_info(leaf, &type, &bits) != 0)
    return false;
  switch (auth) {
  case IKE_AUTH_RSA_SIG:
    return type == L2TPSEC_PKEY_RSA;
  case IKE_AUTH_ECDSA_P256:
    return type == L2TPSEC_PKEY_ECDSA && bits == 256;
  case IKE_AUTH_ECDSA_P384:
    return type == L2TPSEC_PKEY_ECDSA && bits == 384;
  case IKE_AUTH_ECDSA_P521:
    return type == L2TPSEC_PKEY_ECDSA && bits == 521;
  }
  return false;
}

/* True when the ID in an ID payload body names the leaf certificate. */
static bool id_names_cert(const isakmp_payload *id, const l2tpsec__x509 *leaf) {
  const uint8_t *data = id->body + ID_DATA_OFFSET;
  size_t len = id->len - ID_DATA_OFFSET;
  const uint8_t *subject;
  size_t subject_len;

  switch (id->body[0]) {
  case IPSEC_ID_IPV4_ADDR:
    return len == 4 && l2tpsec__x509_has_san(leaf, IKE_SAN_IP, data, len);
  case IPSEC_ID_IPV6_ADDR:
    return len == 16 && l2tpsec__x509_has_san(leaf, IKE_SAN_IP, data, len);
  case IPSEC_ID_FQDN:
    return l2tpsec__x509_has_san(leaf, IKE_SAN_DNS, data, len);
  case IPSEC_ID_USER_FQDN:
    return l2tpsec__x509_has_san(leaf, IKE_SAN_EMAIL, data, len);
  case IPSEC_ID_DER_ASN1_DN:
    l2tpsec__x509_subject_der(leaf, &subject, &subject_len);
    return len == subject_len && memcmp(data, subject, len) == 0;
  }
  return false;
}

/* remote_id as an IPv4 address, user@domain or DNS name must be one of
 * the certificate's subjectAltNames. */
static bool remote_id_in_cert(const char *remote_id,
                              const l2tpsec__x509 *leaf) {
  uint8_t v4[4];
  size_t len = strlen(remote_id);

  if (inet_pton(AF_INET, remote_id, v4) == 1)
    return l2tpsec__x509_has_san(leaf, IKE_SAN_IP, v4, 4);
  if (memchr(remote_id, '@', len) != NULL)
    return l2tpsec__x509_has_san(leaf, IKE_SAN_EMAIL,
                                 (const uint8_t *)remote_id, len);
  return l2tpsec__x509_has_san(leaf, IKE_SAN_DNS, (const uint8_t *)remote_id,
                               len);
}

static bool reject(l2tpsec_ike *ike, uint64_t *counter, const ike_sa *sa,
                   l2tpsec_tstamp now, const char *what, const char *detail) {
  l2tpsec__ike_drop(ike, counter, now, "%s of IKE SA %llu rejected: %s; %s",
                    sa->initiator ? "MM6" : "MM5", (unsigned long long)sa->id,
                    what, detail);
  return false;
}

/* The chain checks: present, parsable, trusted, valid now, and of the
 * key type the method requires. */
static bool check_chain(l2tpsec_ike *ike, const ike_sa *sa,
                        const l2tpsec__x509 *chain, bool malformed,
                        l2tpsec_tstamp now) {
  uint64_t *counter = &ike->stats.drop_cert;
  char reason[160];

  if (chain == NULL)
    return reject(ike, counter, sa, now, "no X.509 certificate in CERT",
                  malformed ? "the certificate does not parse"
                            : "configure the peer to send its certificate");
  if (l2tpsec__x509_verify(chain, ike->cert->cas, unix_now(ike, now), reason,
                           sizeof(reason)) != 0) {
    /* mbedTLS ends each reason with a newline. */
    reason[strcspn(reason, "\n")] = '\0';
    return reject(ike, counter, sa, now, "peer certificate not trusted",
                  reason[0] != '\0' ? reason : "chain verification failed");
  }
  if (!key_fits_method(chain, sa->chosen.auth))
    return reject(ike, counter, sa, now,
                  "certificate key does not fit the negotiated method",
                  "RSA needs method 3, ECDSA P-256/384/521 methods 9/10/11");
  return true;
}

static bool check_ids(l2tpsec_ike *ike, const ike_sa *sa,
                      const isakmp_payload *id, const l2tpsec__x509 *leaf,
                      l2tpsec_tstamp now) {
  uint64_t *counter = &ike->stats.drop_id_mismatch;
  char text[96], detail[256];

  if (!id_names_cert(id, leaf)) {
    l2tpsec__ike_id_text(id, text, sizeof(text));
    snprintf(detail, sizeof(detail),
             "the peer's ID (%s) must be the certificate's subject DN or "
             "one of its subjectAltNames",
             text);
    return reject(ike, counter, sa, now, "ID does not match the certificate",
                  detail);
  }
  const char *want = ike->cert->remote_id;
  if (want != NULL && !remote_id_in_cert(want, leaf)) {
    snprintf(detail, sizeof(detail),
             "the certificate does not list \"%s\" as a subjectAltName", want);
    return reject(ike, counter, sa, now, "not the configured remote ID",
                  detail);
  }
  return true;
}

static bool check_sig(l2tpsec_ike *ike, const ike_sa *sa, const isakmp_msg *msg,
                      const l2tpsec__x509 *leaf, l2tpsec_tstamp now) {
  uint8_t hash[L2TPSEC_HASH_MAX];
  const isakmp_payload *id = &msg->id[0];

  /* The signature covers HASH_I or HASH_R itself, as in
   * l2tpsec__ike_put_sig_auth. */
  size_t hash_len = l2tpsec__hash_len(l2tpsec__ike_auth_prf(sa));
  int err = l2tpsec__ike_auth_hash(sa, !sa->initiator, id->body, id->len, hash);
  if (err == 0)
    err = l2tpsec__x509_verify_ike_sig(leaf, hash, hash_len, msg->sig.body,
                                       msg->sig.len);
  if (err == 0)
    return true;
  return reject(ike, &ike->stats.drop_signature, sa, now,
                "SIG does not verify with the certificate's key",
                "the peer holds a different private key or the message was "
                "altered");
}

bool l2tpsec__ike_verify_sig_auth(l2tpsec_ike *ike, ike_sa *sa,
                                  const isakmp_msg *msg, l2tpsec_tstamp now) {
  bool malformed;

  if (msg->n_id != 1 || msg->id[0].len <= ID_DATA_OFFSET)
    return reject(ike, &ike->stats.drop_malformed, sa, now,
                  "missing or empty ID payload", "the message is malformed");
  if (msg->sig.body == NULL || msg->sig.len == 0)
    return reject(ike, &ike->stats.drop_signature, sa, now, "no SIG payload",
                  "the peer may be using a pre-shared key");

  l2tpsec__x509 *chain = collect_certs(msg, &malformed);
  bool ok = check_chain(ike, sa, chain, malformed, now) &&
            check_ids(ike, sa, &msg->id[0], chain, now) &&
            check_sig(ike, sa, msg, chain, now);
  l2tpsec__x509_del(chain);
  return ok;
}

/* The CAs a CERTREQ names (RFC 2408 3.10); an empty name requests any CA. */
static bool certreq_accepts(const isakmp_payload *cr, const uint8_t *issuer,
                            size_t issuer_len) {
  if (cr->len < 1 || cr->body[0] != ISAKMP_CERT_X509_SIG)
    return false;
  if (cr->len == 1)
    return true;
  return cr->len - 1 == issuer_len &&
         memcmp(cr->body + 1, issuer, issuer_len) == 0;
}

void l2tpsec__ike_check_certreq(l2tpsec_ike *ike, const ike_sa *sa,
                                const isakmp_msg *msg, l2tpsec_tstamp now) {
  const uint8_t *issuer;
  size_t issuer_len;

  if (ike->cert == NULL || !l2tpsec__ike_auth_is_sig(sa->chosen.auth) ||
      msg->n_cr == 0)
    return;
  l2tpsec__x509_issuer_der(ike->cert->cert, &issuer, &issuer_len);
  for (size_t i = 0; i < msg->n_cr; i++) {
    if (certreq_accepts(&msg->cr[i], issuer, issuer_len))
      return;
  }
  l2tpsec__log_limited(&ike->settings.log, &ike->log_limit, now,
                       L2TPSEC_LOG_WARNING, L2TPSEC_LOG_IKE,
                       "IKE SA %llu: the peer's CERTREQ names only CAs other "
                       "than our certificate's issuer; ours is sent anyway, "
                       "and the peer rejects it unless it trusts our CA",
                       (unsigned long long)sa->id);
}
