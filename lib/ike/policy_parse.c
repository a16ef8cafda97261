/* Presets and strongSwan-style proposal strings. */
#include <stdio.h>
#include <string.h>

#include "ike/isakmp.h"
#include "ike/policy.h"
#include "l2tpsec/errors.h"

enum token_kind {
  TOKEN_CIPHER,
  TOKEN_HASH,
  TOKEN_GROUP,
};

typedef struct token {
  const char *name;
  enum token_kind kind;
  uint16_t p1; /* phase-1 value; 0 when the name has none */
  uint16_t p2; /* phase-2 value; 0 when the name has none */
  uint16_t key_bits;
} token;

/* Names as strongSwan's proposal syntax spells them (ipsec.conf(5)). */
static const token tokens[] = {
    {"aes", TOKEN_CIPHER, IKE_ENC_AES_CBC, ESP_ID_AES_CBC, 128},
    {"aes128", TOKEN_CIPHER, IKE_ENC_AES_CBC, ESP_ID_AES_CBC, 128},
    {"aes192", TOKEN_CIPHER, IKE_ENC_AES_CBC, ESP_ID_AES_CBC, 192},
    {"aes256", TOKEN_CIPHER, IKE_ENC_AES_CBC, ESP_ID_AES_CBC, 256},
    {"3des", TOKEN_CIPHER, IKE_ENC_3DES, ESP_ID_3DES, 0},
    {"aes128gcm8", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_8, 128},
    {"aes128gcm64", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_8, 128},
    {"aes128gcm12", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_12, 128},
    {"aes128gcm96", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_12, 128},
    {"aes128gcm16", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_16, 128},
    {"aes128gcm128", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_16, 128},
    {"aes192gcm16", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_16, 192},
    {"aes256gcm8", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_8, 256},
    {"aes256gcm12", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_12, 256},
    {"aes256gcm16", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_16, 256},
    {"aes256gcm128", TOKEN_CIPHER, 0, ESP_ID_AES_GCM_16, 256},
    {"md5", TOKEN_HASH, IKE_HASH_MD5, IPSEC_AUTH_HMAC_MD5, 0},
    {"sha", TOKEN_HASH, IKE_HASH_SHA1, IPSEC_AUTH_HMAC_SHA1, 0},
    {"sha1", TOKEN_HASH, IKE_HASH_SHA1, IPSEC_AUTH_HMAC_SHA1, 0},
    {"sha256", TOKEN_HASH, IKE_HASH_SHA256, IPSEC_AUTH_HMAC_SHA256, 0},
    {"sha2_256", TOKEN_HASH, IKE_HASH_SHA256, IPSEC_AUTH_HMAC_SHA256, 0},
    {"sha384", TOKEN_HASH, IKE_HASH_SHA384, IPSEC_AUTH_HMAC_SHA384, 0},
    {"sha2_384", TOKEN_HASH, IKE_HASH_SHA384, IPSEC_AUTH_HMAC_SHA384, 0},
    {"sha512", TOKEN_HASH, IKE_HASH_SHA512, IPSEC_AUTH_HMAC_SHA512, 0},
    {"sha2_512", TOKEN_HASH, IKE_HASH_SHA512, IPSEC_AUTH_HMAC_SHA512, 0},
    {"modp1024", TOKEN_GROUP, 2, 2, 0},
    {"modp1536", TOKEN_GROUP, 5, 5, 0},
    {"modp2048", TOKEN_GROUP, 14, 14, 0},
    {"modp3072", TOKEN_GROUP, 15, 15, 0},
    {"modp4096", TOKEN_GROUP, 16, 16, 0},
    {"ecp256", TOKEN_GROUP, 19, 19, 0},
    {"ecp384", TOKEN_GROUP, 20, 20, 0},
    {"ecp521", TOKEN_GROUP, 21, 21, 0},
    {"curve25519", TOKEN_GROUP, 31, 31, 0},
    {"x25519", TOKEN_GROUP, 31, 31, 0},
};

static const token *find_token(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
    if (strlen(tokens[i].name) == len &&
        strncmp(tokens[i].name, name, len) == 0)
      return &tokens[i];
  }
  return NULL;
}

static bool add_token(ike_rule *rule, const token *t, enum ike_phase phase) {
  uint16_t v = phase == IKE_PHASE1 ? t->p1 : t->p2;

  if (v == 0)
    return false; /* e.g. GCM in phase 1 */
  switch (t->kind) {
  case TOKEN_CIPHER:
    if (rule->n_ciphers >= IKE_RULE_MAX_CIPHERS)
      return false;
    rule->ciphers[rule->n_ciphers++] = (ike_cipher_spec){v, t->key_bits};
    return true;
  case TOKEN_HASH:
    if (rule->n_hashes >= IKE_RULE_MAX_HASHES)
      return false;
    rule->hashes[rule->n_hashes++] = v;
    return true;
  case TOKEN_GROUP:
    if (rule->n_groups >= IKE_RULE_MAX_GROUPS)
      return false;
    rule->groups[rule->n_groups++] = v;
    return true;
  }
  return false;
}

static bool is_aead(uint16_t esp_id) {
  return esp_id == ESP_ID_AES_GCM_8 || esp_id == ESP_ID_AES_GCM_12 ||
         esp_id == ESP_ID_AES_GCM_16;
}

/* Checks a finished rule; phase 2 without a group means "no PFS". */
static bool finish_rule(ike_rule *rule, enum ike_phase phase) {
  if (rule->n_ciphers == 0)
    return false;
  if (phase == IKE_PHASE1)
    return rule->n_hashes > 0 && rule->n_groups > 0;

  bool aead = is_aead(rule->ciphers[0].cipher);
  for (size_t i = 1; i < rule->n_ciphers; i++) {
    if (is_aead(rule->ciphers[i].cipher) != aead)
      return false; /* strongSwan also keeps AEAD proposals apart */
  }
  if (aead != (rule->n_hashes == 0))
    return false;
  if (rule->n_groups == 0)
    rule->groups[rule->n_groups++] = 0;
  return true;
}

static void copy_bad(char *bad, size_t bad_len, const char *s, size_t n) {
  if (bad != NULL && bad_len > 0)
    snprintf(bad, bad_len, "%.*s", (int)n, s);
}

/* Parses one proposal s[0..n), dash-separated; strongSwan's trailing
 * "!" (strict flag) is accepted and has no effect here. */
static bool parse_rule(ike_rule *rule, enum ike_phase phase, const char *s,
                       size_t n, char *bad, size_t bad_len) {
  size_t i = 0;

  memset(rule, 0, sizeof(*rule));
  if (n > 0 && s[n - 1] == '!')
    n--;
  while (i < n) {
    size_t j = i;
    while (j < n && s[j] != '-')
      j++;

    const token *t = find_token(s + i, j - i);
    if (t == NULL || !add_token(rule, t, phase)) {
      copy_bad(bad, bad_len, s + i, j - i);
      return false;
    }
    i = j + 1;
  }
  if (!finish_rule(rule, phase)) {
    copy_bad(bad, bad_len, s, n);
    return false;
  }
  return true;
}

int l2tpsec__ike_policy_parse(ike_policy *policy, enum ike_phase phase,
                              const char *text, char *bad, size_t bad_len) {
  const char *s = text;

  policy->phase = phase;
  policy->n_rules = 0;
  while (*s != '\0') {
    while (*s == ' ' || *s == ',')
      s++;
    if (*s == '\0')
      break;

    size_t n = strcspn(s, ", ");
    if (policy->n_rules >= IKE_POLICY_MAX_RULES) {
      copy_bad(bad, bad_len, s, n);
      return L2TPSEC_ERR_CONFIG;
    }
    ike_rule *rule = &policy->rules[policy->n_rules];
    if (!parse_rule(rule, phase, s, n, bad, bad_len))
      return L2TPSEC_ERR_CONFIG;
    policy->n_rules++;
    s += n;
  }
  if (policy->n_rules == 0) {
    copy_bad(bad, bad_len, "(empty)", 7);
    return L2TPSEC_ERR_CONFIG;
  }
  return 0;
}

/*
 * Presets. compatible accepts the offers of current Windows 10/11,
 * macOS/iOS and NetworkManager-l2tp (libreswan or strongSwan); legacy
 * adds MODP1024/1536, 3DES and MD5 for Android 11 and older.
 */
static const char *const preset_text[3][2] = {
    [IKE_PRESET_STRICT] =
        {"aes128-aes256-sha256-sha384-sha512-modp2048-modp3072-modp4096-"
         "ecp256-ecp384-curve25519",
         "aes128gcm16-aes256gcm16,aes128-aes256-sha256-sha384-sha512,"
         "aes128gcm16-aes256gcm16-modp2048-modp3072-ecp256-ecp384-curve25519,"
         "aes128-aes256-sha256-sha384-sha512-modp2048-modp3072-ecp256-ecp384-"
         "curve25519"},
    [IKE_PRESET_COMPATIBLE] =
        {"aes128-aes192-aes256-sha1-sha256-sha384-sha512-modp2048-modp3072-"
         "modp4096-ecp256-ecp384-curve25519",
         "aes128gcm16-aes256gcm16,aes128-aes192-aes256-sha1-sha256-sha384-"
         "sha512,aes128gcm16-aes256gcm16-modp2048-modp3072-ecp256-ecp384-"
         "curve25519,aes128-aes256-sha1-sha256-sha384-sha512-modp2048-"
         "modp3072-ecp256-ecp384-curve25519"},
    [IKE_PRESET_LEGACY] =
        {"aes128-aes192-aes256-sha1-sha256-sha384-sha512-modp2048-modp3072-"
         "modp4096-ecp256-ecp384-curve25519,aes128-aes192-aes256-3des-md5-"
         "sha1-sha256-modp1024-modp1536-modp2048",
         "aes128gcm16-aes256gcm16,aes128-aes192-aes256-3des-md5-sha1-sha256-"
         "sha384-sha512,aes128gcm16-aes256gcm16-modp1024-modp1536-modp2048-"
         "modp3072-ecp256-ecp384-curve25519,aes128-aes256-3des-md5-sha1-"
         "sha256-sha384-sha512-modp1024-modp1536-modp2048-modp3072-ecp256-"
         "ecp384-curve25519"},
};

void l2tpsec__ike_policy_preset(ike_policy *policy, enum ike_phase phase,
                                enum ike_preset preset) {
  if ((unsigned)preset > IKE_PRESET_LEGACY)
    preset = IKE_PRESET_COMPATIBLE;

  /* The preset strings are fixed and tested, so parsing cannot fail. */
  (void)l2tpsec__ike_policy_parse(policy, phase, preset_text[preset][phase - 1],
                                  NULL, 0);
}

/*
 * What an initiator offers in phase 1 with a preset: the strong suites
 * servers commonly accept, 16 transforms (19 for legacy) so that the
 * first message stays well below 1280 bytes. The whole preset would be
 * 64 transforms and about 2.5 KB, which a 1500-byte path carries only
 * as IP fragments.
 */
static const char *const preset_offer_text[3] = {
    [IKE_PRESET_STRICT] =
        "aes256-aes128-sha256-sha384-modp2048-modp3072-ecp256-ecp384",
    [IKE_PRESET_COMPATIBLE] =
        "aes256-aes128-sha256-sha1-modp2048-modp3072-ecp256-ecp384",
    [IKE_PRESET_LEGACY] =
        ("aes256-aes128-sha256-sha1-modp2048-modp3072-ecp256-ecp384,"
         "aes256-aes128-3des-sha1-modp1024"),
};

void l2tpsec__ike_policy_preset_offer(ike_policy *policy,
                                      enum ike_preset preset) {
  if ((unsigned)preset > IKE_PRESET_LEGACY)
    preset = IKE_PRESET_COMPATIBLE;
  (void)l2tpsec__ike_policy_parse(policy, IKE_PHASE1, preset_offer_text[preset],
                                  NULL, 0);
}

static bool weak_group(uint16_t g) {
  return g == 1 || g == 2 || g == 5;
}

bool l2tpsec__ike_policy_has_weak(const ike_policy *policy) {
  for (size_t r = 0; r < policy->n_rules; r++) {
    const ike_rule *rule = &policy->rules[r];
    for (size_t i = 0; i < rule->n_ciphers; i++) {
      uint16_t des3 = policy->phase == IKE_PHASE1 ? IKE_ENC_3DES : ESP_ID_3DES;
      if (rule->ciphers[i].cipher == des3)
        return true;
    }
    for (size_t i = 0; i < rule->n_hashes; i++) {
      if (rule->hashes[i] == 1) /* MD5 in both phases' numbering */
        return true;
    }
    for (size_t i = 0; i < rule->n_groups; i++) {
      if (weak_group(rule->groups[i]))
        return true;
    }
  }
  return false;
}
