/*
 * The encryption and integrity transforms: which keys they take, their
 * IV, alignment and ICV, and the policy on legacy transforms.
 */
#include <string.h>

#include "core/log_internal.h"
#include "esp/esp_internal.h"
#include "l2tpsec/errors.h"

struct encr_info {
  enum l2tpsec_esp_encr id;
  const char *name;
  enum l2tpsec__cipher_alg cipher;
  size_t iv_len;
  size_t align;
  size_t gcm_icv_len; /* 0 for non-AEAD transforms */
  bool legacy;
};

static const struct encr_info encr_table[] = {
    {L2TPSEC_ESP_ENCR_3DES_CBC, "3DES-CBC", L2TPSEC_CIPHER_DES3_CBC, 8, 8, 0,
     true},
    {L2TPSEC_ESP_ENCR_NULL, "NULL", L2TPSEC_CIPHER_NULL, 0, ESP_MIN_ALIGN, 0,
     true},
    {L2TPSEC_ESP_ENCR_AES_CBC, "AES-CBC", L2TPSEC_CIPHER_AES_CBC, 16, 16, 0,
     false},
    {L2TPSEC_ESP_ENCR_AES_GCM_8, "AES-GCM-8", L2TPSEC_CIPHER_AES_GCM,
     ESP_GCM_IV_LEN, ESP_MIN_ALIGN, 8, false},
    {L2TPSEC_ESP_ENCR_AES_GCM_12, "AES-GCM-12", L2TPSEC_CIPHER_AES_GCM,
     ESP_GCM_IV_LEN, ESP_MIN_ALIGN, 12, false},
    {L2TPSEC_ESP_ENCR_AES_GCM_16, "AES-GCM-16", L2TPSEC_CIPHER_AES_GCM,
     ESP_GCM_IV_LEN, ESP_MIN_ALIGN, 16, false},
};

struct integ_info {
  enum l2tpsec_esp_integ id;
  const char *name;
  enum l2tpsec__hash_alg hash;
  size_t key_len; /* RFC 2403, 2404, 4868: the digest length */
  size_t icv_len;
};

static const struct integ_info integ_table[] = {
    {L2TPSEC_ESP_INTEG_HMAC_MD5_96, "HMAC-MD5-96", L2TPSEC_HASH_MD5, 16, 12},
    {L2TPSEC_ESP_INTEG_HMAC_SHA1_96, "HMAC-SHA1-96", L2TPSEC_HASH_SHA1, 20, 12},
    {L2TPSEC_ESP_INTEG_HMAC_SHA256_128, "HMAC-SHA2-256-128",
     L2TPSEC_HASH_SHA256, 32, 16},
    {L2TPSEC_ESP_INTEG_HMAC_SHA384_192, "HMAC-SHA2-384-192",
     L2TPSEC_HASH_SHA384, 48, 24},
    {L2TPSEC_ESP_INTEG_HMAC_SHA512_256, "HMAC-SHA2-512-256",
     L2TPSEC_HASH_SHA512, 64, 32},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct encr_info *find_encr(enum l2tpsec_esp_encr id) {
  for (size_t i = 0; i < COUNT(encr_table); i++)
    if (encr_table[i].id == id)
      return &encr_table[i];
  return NULL;
}

static const struct integ_info *find_integ(enum l2tpsec_esp_integ id) {
  for (size_t i = 0; i < COUNT(integ_table); i++)
    if (integ_table[i].id == id)
      return &integ_table[i];
  return NULL;
}

const char *l2tpsec__esp_encr_name(enum l2tpsec_esp_encr encr) {
  const struct encr_info *e = find_encr(encr);

  return e != NULL ? e->name : "unknown";
}

const char *l2tpsec__esp_integ_name(enum l2tpsec_esp_integ integ) {
  const struct integ_info *i = find_integ(integ);

  return i != NULL ? i->name : "none";
}

static bool encr_key_len_ok(const struct encr_info *e, size_t len) {
  size_t salt = e->gcm_icv_len > 0 ? ESP_GCM_SALT_LEN : 0;

  switch (e->cipher) {
  case L2TPSEC_CIPHER_DES3_CBC:
    return len == 24;
  case L2TPSEC_CIPHER_NULL:
    return len == 0;
  default:
    return len == 16 + salt || len == 24 + salt || len == 32 + salt;
  }
}

/* Logs why the settings were rejected and returns L2TPSEC_ERR_CONFIG. */
#define REJECT(s, ...)                                                         \
  do {                                                                         \
    L2TPSEC_LOG(&(s)->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_ESP, __VA_ARGS__);   \
    return L2TPSEC_ERR_CONFIG;                                                 \
  } while (0)

static int check_policy(const l2tpsec_esp_sa_settings *s,
                        const struct encr_info *e, const struct integ_info *i) {
  if (s->spi < 256)
    REJECT(s,
           "ESP SA: SPI %u is reserved (RFC 4303 section 2.1); use 256 "
           "or more",
           s->spi);
  if (e->gcm_icv_len > 0 && i != NULL)
    REJECT(s,
           "ESP SA 0x%08x: %s is combined mode and takes no integrity "
           "transform, not %s",
           s->spi, e->name, i->name);
  if (e->cipher == L2TPSEC_CIPHER_NULL && i == NULL)
    REJECT(s,
           "ESP SA 0x%08x: NULL encryption without integrity protects "
           "nothing (RFC 4303 section 3.2)",
           s->spi);
  if (e->legacy && !s->allow_legacy)
    REJECT(s,
           "ESP SA 0x%08x: %s is a legacy transform; set allow_legacy "
           "to use it",
           s->spi, e->name);
  if (e->gcm_icv_len == 0 && i == NULL && !s->allow_legacy)
    REJECT(s,
           "ESP SA 0x%08x: encryption without integrity is insecure; "
           "set allow_legacy to use it",
           s->spi);
  return 0;
}

static int check_keys(const l2tpsec_esp_sa_settings *s,
                      const struct encr_info *e, const struct integ_info *i) {
  if (!encr_key_len_ok(e, s->encr_key_len))
    REJECT(s, "ESP SA 0x%08x: %s does not take a %zu-byte key", s->spi, e->name,
           s->encr_key_len);
  if (i != NULL && s->integ_key_len != i->key_len)
    REJECT(s, "ESP SA 0x%08x: %s needs a %zu-byte key, not %zu", s->spi,
           i->name, i->key_len, s->integ_key_len);
  if (i == NULL && s->integ_key_len != 0)
    REJECT(s,
           "ESP SA 0x%08x: an integrity key was given without an "
           "integrity transform",
           s->spi);
  return 0;
}

static bool limit_above(uint64_t soft, uint64_t hard) {
  return hard != 0 && (soft == 0 || soft > hard);
}

static int check_limits(const l2tpsec_esp_sa_settings *s) {
  if (s->direction == L2TPSEC_ESP_INBOUND &&
      (s->replay_window < L2TPSEC_REPLAY_WINDOW_MIN ||
       s->replay_window > L2TPSEC_REPLAY_WINDOW_MAX))
    REJECT(s, "ESP SA 0x%08x: replay window %u is outside %u..%u", s->spi,
           s->replay_window, L2TPSEC_REPLAY_WINDOW_MIN,
           L2TPSEC_REPLAY_WINDOW_MAX);
  if ((s->soft.time != 0 && limit_above(s->soft.time, s->hard.time)) ||
      (s->soft.bytes != 0 && limit_above(s->soft.bytes, s->hard.bytes)) ||
      (s->soft.packets != 0 && limit_above(s->soft.packets, s->hard.packets)))
    REJECT(s, "ESP SA 0x%08x: a soft lifetime exceeds its hard lifetime",
           s->spi);
  return 0;
}

static int check_settings(const l2tpsec_esp_sa_settings *s,
                          const struct encr_info *e,
                          const struct integ_info *i) {
  int rv = check_policy(s, e, i);

  if (rv == 0)
    rv = check_keys(s, e, i);
  if (rv == 0)
    rv = check_limits(s);
  return rv;
}

static size_t integ_icv_len(const l2tpsec_esp_sa_settings *s,
                            const struct integ_info *i) {
  if (i->id == L2TPSEC_ESP_INTEG_HMAC_SHA256_128 &&
      s->sha256_icv == L2TPSEC_ESP_SHA256_ICV_96)
    return 12;
  return i->icv_len;
}

static int setup_cipher(l2tpsec_esp_sa *sa, const l2tpsec_esp_sa_settings *s,
                        const struct encr_info *e) {
  size_t key_len = s->encr_key_len;

  sa->aead = e->gcm_icv_len > 0;
  sa->iv_len = e->iv_len;
  sa->align = e->align;
  if (sa->aead) {
    key_len -= ESP_GCM_SALT_LEN;
    memcpy(sa->salt, s->encr_key + key_len, ESP_GCM_SALT_LEN);
    sa->icv_len = e->gcm_icv_len;
  }
  if (e->cipher == L2TPSEC_CIPHER_NULL)
    return 0;
  return l2tpsec__cipher_new(&sa->cipher, e->cipher, s->encr_key, key_len);
}

static int setup_integ(l2tpsec_esp_sa *sa, const l2tpsec_esp_sa_settings *s,
                       const struct integ_info *i) {
  if (i == NULL)
    return 0;
  sa->icv_len = integ_icv_len(s, i);
  sa->sha256_icv = s->sha256_icv;
  return l2tpsec__hmac_new(&sa->hmac, i->hash, s->integ_key, s->integ_key_len);
}

int l2tpsec__esp_transform_setup(l2tpsec_esp_sa *sa,
                                 const l2tpsec_esp_sa_settings *s) {
  const struct encr_info *e = find_encr(s->encr);
  const struct integ_info *i = find_integ(s->integ);
  int rv;

  if (e == NULL || (i == NULL && s->integ != L2TPSEC_ESP_INTEG_NONE)) {
    L2TPSEC_LOG(&s->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_ESP,
                "ESP SA 0x%08x: unknown transform (encryption %d, "
                "integrity %d)",
                s->spi, (int)s->encr, (int)s->integ);
    return L2TPSEC_ERR_UNSUPPORTED;
  }
  rv = check_settings(s, e, i);
  if (rv != 0)
    return rv;

  rv = setup_cipher(sa, s, e);
  if (rv == 0)
    rv = setup_integ(sa, s, i);
  return rv;
}
