/*
 * Our side of certificate authentication: loading the certificate, key
 * and trust anchors, choosing the authentication method, and building
 * the CERTREQ, ID, CERT and SIG payloads of main mode.
 *
 *   MM3  HDR, KE, Ni, NAT-D..., CERTREQ...   MM4  the same with Nr
 *   MM5  HDR*, IDii, CERT..., SIG_I          MM6  HDR*, IDir, CERT..., SIG_R
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "ike/cert_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

bool l2tpsec__ike_auth_is_sig(uint16_t auth) {
  return auth == IKE_AUTH_RSA_SIG || auth == IKE_AUTH_ECDSA_P256 ||
         auth == IKE_AUTH_ECDSA_P384 || auth == IKE_AUTH_ECDSA_P521;
}

enum l2tpsec__hash_alg l2tpsec__ike_auth_prf(const ike_sa *sa) {
  switch (sa->chosen.auth) {
  case IKE_AUTH_ECDSA_P256:
    return L2TPSEC_HASH_SHA256;
  case IKE_AUTH_ECDSA_P384:
    return L2TPSEC_HASH_SHA384;
  case IKE_AUTH_ECDSA_P521:
    return L2TPSEC_HASH_SHA512;
  default:
    return sa->prf;
  }
}

size_t l2tpsec__ike_auth_accepted(const l2tpsec_ike *ike, uint16_t out[2]) {
  size_t n = 0;

  if (ike->psk != NULL)
    out[n++] = IKE_AUTH_PSK;
  if (ike->cert != NULL)
    out[n++] = ike->cert->auth_method;
  return n;
}

uint16_t l2tpsec__ike_auth_offered(const l2tpsec_ike *ike) {
  return ike->cert != NULL ? ike->cert->auth_method : IKE_AUTH_PSK;
}

/* ---- Loading ------------------------------------------------------------ */

static void log_config(const l2tpsec_ike *ike, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void log_config(const l2tpsec_ike *ike, const char *fmt, ...) {
  char text[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_IKE, "%s",
              text);
}

/*
 * The method follows the key (RFC 4754 section 8): RSA is 3, and an EC
 * key gives 9, 10 or 11 by its curve.
 */
static int choose_method(const l2tpsec_ike *ike, ike_cert_cfg *cfg) {
  enum l2tpsec__pkey_type type;
  size_t bits;

  l2tpsec__pkey_info(cfg->key, &type, &bits);
  if (type == L2TPSEC_PKEY_RSA) {
    cfg->auth_method = IKE_AUTH_RSA_SIG;
    return 0;
  }
  switch (bits) {
  case 256:
    cfg->auth_method = IKE_AUTH_ECDSA_P256;
    return 0;
  case 384:
    cfg->auth_method = IKE_AUTH_ECDSA_P384;
    return 0;
  case 521:
    cfg->auth_method = IKE_AUTH_ECDSA_P521;
    return 0;
  }
  log_config(ike,
             "private key is an EC key of %zu bits; IKEv1 signs only with "
             "P-256, P-384 or P-521 (RFC 4754), so use one of those curves",
             bits);
  return L2TPSEC_ERR_CONFIG;
}

/* Signs a fixed digest with the key and verifies it with the
 * certificate, because a key that does not belong to the certificate
 * would otherwise only show up as every peer's signature failure. */
static bool key_signs_for_cert(const l2tpsec_ike *ike,
                               const ike_cert_cfg *cfg) {
  static const uint8_t digest[32] = {1};
  uint8_t sig[IKE_SIG_MAX];
  size_t sig_len;

  return l2tpsec__pkey_sign_ike(cfg->key, digest, sizeof(digest), sig, &sig_len,
                                sizeof(sig), &ike->settings.rand) == 0 &&
         l2tpsec__x509_verify_ike_sig(cfg->cert, digest, sizeof(digest), sig,
                                      sig_len) == 0;
}

static int check_key_matches(const l2tpsec_ike *ike, const ike_cert_cfg *cfg) {
  enum l2tpsec__pkey_type key_type, cert_type;
  size_t key_bits, cert_bits;

  l2tpsec__pkey_info(cfg->key, &key_type, &key_bits);
  if (l2tpsec__x509_key_info(cfg->cert, &cert_type, &cert_bits) == 0 &&
      key_type == cert_type && key_bits == cert_bits &&
      key_signs_for_cert(ike, cfg))
    return 0;
  log_config(ike, "private key does not belong to the certificate; "
                  "configure the key issued with it");
  return L2TPSEC_ERR_CONFIG;
}

/* Fills our ID payload's type and data for the configured ID type. */
static int set_local_id(const l2tpsec_ike *ike, ike_cert_cfg *cfg,
                        const l2tpsec_ike_settings *s) {
  const uint8_t *der;
  size_t len;

  cfg->id_type = (uint8_t)s->local_id_type;
  if (s->local_id_type == L2TPSEC_IKE_ID_ADDRESS)
    return 0;
  if (s->local_id_type == L2TPSEC_IKE_ID_DN) {
    l2tpsec__x509_subject_der(cfg->cert, &der, &len);
  } else if (s->local_id_type == L2TPSEC_IKE_ID_FQDN ||
             s->local_id_type == L2TPSEC_IKE_ID_USER_FQDN) {
    der = (const uint8_t *)s->local_id;
    len = s->local_id != NULL ? strlen(s->local_id) : 0;
  } else {
    log_config(ike,
               "local ID type %d is not one of address, FQDN, user FQDN "
               "or DN",
               (int)s->local_id_type);
    return L2TPSEC_ERR_CONFIG;
  }
  if (len == 0 || len > sizeof(cfg->id)) {
    log_config(ike, "local ID of %zu bytes: set a name of 1 to %zu bytes", len,
               sizeof(cfg->id));
    return L2TPSEC_ERR_CONFIG;
  }
  memcpy(cfg->id, der, len);
  cfg->id_len = len;
  return 0;
}

/* A peer checks that our FQDN or user FQDN is in our certificate, so a
 * name missing from it is a configuration error worth reporting now. */
static int check_local_id_in_cert(const l2tpsec_ike *ike,
                                  const ike_cert_cfg *cfg) {
  int san_type = cfg->id_type == IPSEC_ID_FQDN ? IKE_SAN_DNS : IKE_SAN_EMAIL;

  if (cfg->id_type != IPSEC_ID_FQDN && cfg->id_type != IPSEC_ID_USER_FQDN)
    return 0;
  if (l2tpsec__x509_has_san(cfg->cert, san_type, cfg->id, cfg->id_len))
    return 0;
  log_config(ike,
             "local ID \"%.*s\" is not a subjectAltName of the certificate; "
             "peers will reject it, so use a name the certificate lists",
             (int)cfg->id_len, (const char *)cfg->id);
  return L2TPSEC_ERR_CONFIG;
}

static int parse_credentials(const l2tpsec_ike *ike, ike_cert_cfg *cfg,
                             const l2tpsec_ike_settings *s) {
  if (l2tpsec__x509_parse(&cfg->cert, s->cert, s->cert_len) != 0) {
    log_config(ike, "certificate does not parse as PEM or DER X.509");
    return L2TPSEC_ERR_CONFIG;
  }
  int err = l2tpsec__pkey_parse_private(&cfg->key, s->private_key,
                                        s->private_key_len, &s->rand);
  if (err != 0) {
    log_config(ike,
               "private key does not parse (%s); give an unencrypted "
               "PEM or DER RSA or EC key",
               l2tpsec_strerror(err));
    return err == L2TPSEC_ERR_NOMEM ? err : L2TPSEC_ERR_CONFIG;
  }
  if (l2tpsec__x509_parse(&cfg->cas, s->ca_certs, s->ca_certs_len) != 0) {
    log_config(ike, "CA certificates do not parse as PEM or DER X.509");
    return L2TPSEC_ERR_CONFIG;
  }
  return 0;
}

static int copy_remote_id(ike_cert_cfg *cfg, const char *remote_id) {
  if (remote_id == NULL)
    return 0;
  cfg->remote_id = strdup(remote_id);
  return cfg->remote_id != NULL ? 0 : L2TPSEC_ERR_NOMEM;
}

static bool cert_settings_complete(const l2tpsec_ike_settings *s) {
  return s->cert_len > 0 && s->private_key != NULL && s->private_key_len > 0 &&
         s->ca_certs != NULL && s->ca_certs_len > 0 && s->unix_time_origin > 0;
}

int l2tpsec__ike_cert_init(l2tpsec_ike *ike,
                           const l2tpsec_ike_settings *settings) {
  ike->cert = NULL;
  if (settings->cert == NULL)
    return 0;
  if (!cert_settings_complete(settings))
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  ike_cert_cfg *cfg = calloc(1, sizeof(*cfg));
  if (cfg == NULL)
    return L2TPSEC_ERR_NOMEM;
  int err = parse_credentials(ike, cfg, settings);
  if (err == 0)
    err = check_key_matches(ike, cfg);
  if (err == 0)
    err = choose_method(ike, cfg);
  if (err == 0)
    err = set_local_id(ike, cfg, settings);
  if (err == 0)
    err = check_local_id_in_cert(ike, cfg);
  if (err == 0)
    err = copy_remote_id(cfg, settings->remote_id);
  if (err != 0) {
    l2tpsec__ike_cert_free(cfg);
    return err;
  }
  ike->cert = cfg;
  return 0;
}

void l2tpsec__ike_cert_free(ike_cert_cfg *cfg) {
  if (cfg == NULL)
    return;
  l2tpsec__x509_del(cfg->cert);
  l2tpsec__pkey_del(cfg->key);
  l2tpsec__x509_del(cfg->cas);
  free(cfg->remote_id);
  free(cfg);
}

/* ---- Building ----------------------------------------------------------- */

/* CERTREQ (RFC 2408 3.10): type X.509 signature and the CA's DN. */
void l2tpsec__ike_put_certreq(const l2tpsec_ike *ike, const ike_sa *sa,
                              ike_writer *w) {
  if (ike->cert == NULL || !l2tpsec__ike_auth_is_sig(sa->chosen.auth))
    return;

  for (const l2tpsec__x509 *ca = ike->cert->cas; ca != NULL;
       ca = l2tpsec__x509_next(ca)) {
    const uint8_t *dn;
    size_t dn_len;

    l2tpsec__x509_subject_der(ca, &dn, &dn_len);
    size_t off = l2tpsec__ike_payload_begin(w, ISAKMP_NP_CR);
    ike_put8(w, ISAKMP_CERT_X509_SIG);
    ike_put_bytes(w, dn, dn_len);
    l2tpsec__ike_payload_end(w, off);
  }
}

/* The ID payload (RFC 2407 4.6.2) with protocol and port 0. Returns its
 * offset. */
static size_t put_local_id(const ike_cert_cfg *cfg, const ike_sa *sa,
                           ike_writer *w) {
  if (cfg->id_type == L2TPSEC_IKE_ID_ADDRESS)
    return l2tpsec__ike_put_id(w, &sa->local);
  return l2tpsec__ike_put_id_payload(w, cfg->id_type, cfg->id, cfg->id_len);
}

/* One CERT payload per certificate of our chain, leaf first. */
static void put_certs(const ike_cert_cfg *cfg, ike_writer *w) {
  for (const l2tpsec__x509 *c = cfg->cert; c != NULL;
       c = l2tpsec__x509_next(c)) {
    const uint8_t *der;
    size_t der_len;

    l2tpsec__x509_der(c, &der, &der_len);
    size_t off = l2tpsec__ike_payload_begin(w, ISAKMP_NP_CERT);
    ike_put8(w, ISAKMP_CERT_X509_SIG);
    ike_put_bytes(w, der, der_len);
    l2tpsec__ike_payload_end(w, off);
  }
}

int l2tpsec__ike_put_sig_auth(l2tpsec_ike *ike, ike_sa *sa, ike_writer *w) {
  const ike_cert_cfg *cfg = ike->cert;
  uint8_t hash[L2TPSEC_HASH_MAX];
  uint8_t sig[IKE_SIG_MAX];
  size_t sig_len;

  size_t id = put_local_id(cfg, sa, w);
  if (w->failed)
    return L2TPSEC_ERR_NOBUFS;
  const uint8_t *id_b = w->buf + id + ISAKMP_GENERIC_LEN;
  size_t id_len = w->len - id - ISAKMP_GENERIC_LEN;

  /* SIG_I and SIG_R sign HASH_I or HASH_R itself (RFC 2409 section 5.1).
   * ECDSA takes it as the digest, with no second hash. */
  size_t hash_len = l2tpsec__hash_len(l2tpsec__ike_auth_prf(sa));
  int err = l2tpsec__ike_auth_hash(sa, sa->initiator, id_b, id_len, hash);
  if (err == 0)
    err = l2tpsec__pkey_sign_ike(cfg->key, hash, hash_len, sig, &sig_len,
                                 sizeof(sig), &ike->settings.rand);
  if (err != 0)
    return err;

  put_certs(cfg, w);
  l2tpsec__ike_put_payload(w, ISAKMP_NP_SIG, sig, sig_len);
  if (!w->failed)
    return 0;
  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_IKE,
              "IKE SA %llu: ID, certificate chain and signature exceed one "
              "IKE message of %u bytes; configure a shorter chain",
              (unsigned long long)sa->id, (unsigned)IKE_MSG_MAX);
  return L2TPSEC_ERR_NOBUFS;
}
