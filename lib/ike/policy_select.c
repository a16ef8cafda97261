/* Per-transform proposal selection and the initiator's offer. */
#include <stdio.h>

#include "ike/isakmp.h"
#include "ike/policy.h"

const char *l2tpsec__ike_cipher_name(enum ike_phase phase, uint16_t cipher) {
  if (phase == IKE_PHASE1) {
    switch (cipher) {
    case IKE_ENC_DES:
      return "des";
    case IKE_ENC_3DES:
      return "3des";
    case IKE_ENC_AES_CBC:
      return "aes";
    }
    return "unknown";
  }
  switch (cipher) {
  case ESP_ID_3DES:
    return "3des";
  case ESP_ID_NULL:
    return "null";
  case ESP_ID_AES_CBC:
    return "aes";
  case ESP_ID_AES_GCM_8:
    return "aesgcm8";
  case ESP_ID_AES_GCM_12:
    return "aesgcm12";
  case ESP_ID_AES_GCM_16:
    return "aesgcm16";
  }
  return "unknown";
}

const char *l2tpsec__ike_hash_name(enum ike_phase phase, uint16_t hash) {
  static const char *const p1[] = {"none",   "md5",    "sha1",  "tiger",
                                   "sha256", "sha384", "sha512"};
  static const char *const p2[] = {"none", "md5",    "sha1",   "des-mac",
                                   "kpdk", "sha256", "sha384", "sha512"};

  if (phase == IKE_PHASE1)
    return hash < sizeof(p1) / sizeof(p1[0]) ? p1[hash] : "unknown";
  return hash < sizeof(p2) / sizeof(p2[0]) ? p2[hash] : "unknown";
}

const char *l2tpsec__ike_group_name(uint16_t group) {
  switch (group) {
  case 0:
    return "none";
  case 1:
    return "modp768";
  case 2:
    return "modp1024";
  case 5:
    return "modp1536";
  case 14:
    return "modp2048";
  case 15:
    return "modp3072";
  case 16:
    return "modp4096";
  case 19:
    return "ecp256";
  case 20:
    return "ecp384";
  case 21:
    return "ecp521";
  case 31:
    return "curve25519";
  }
  return "unknown";
}

static bool in_list(const uint16_t *list, size_t n, uint16_t v) {
  for (size_t i = 0; i < n; i++) {
    if (list[i] == v)
      return true;
  }
  return false;
}

/* AES without a Key Length attribute is taken as 128 bits, as peers
 * that omit it mean. */
static uint16_t effective_key_bits(const ike_xform *xf, enum ike_phase phase) {
  bool aes = phase == IKE_PHASE1 ? xf->cipher == IKE_ENC_AES_CBC
                                 : xf->cipher != ESP_ID_3DES;
  if (!aes)
    return 0; /* 3DES has one key length; some peers send 192 anyway */
  return xf->key_bits ? xf->key_bits : 128;
}

static bool cipher_allowed(const ike_rule *rule, uint16_t cipher,
                           uint16_t key_bits) {
  for (size_t i = 0; i < rule->n_ciphers; i++) {
    if (rule->ciphers[i].cipher == cipher &&
        rule->ciphers[i].key_bits == key_bits)
      return true;
  }
  return false;
}

/* Matches one rule, returning the first mismatch (or NULL). */
static const char *rule_mismatch(const ike_rule *rule, const ike_xform *xf,
                                 enum ike_phase phase) {
  uint16_t hash = phase == IKE_PHASE1 ? xf->hash : xf->integ;

  if (!cipher_allowed(rule, xf->cipher, effective_key_bits(xf, phase)))
    return "cipher or key length not allowed by policy";
  if (rule->n_hashes == 0 ? hash != 0
                          : !in_list(rule->hashes, rule->n_hashes, hash))
    return phase == IKE_PHASE1 ? "hash not allowed by policy"
                               : "integrity algorithm not allowed by policy";
  if (!in_list(rule->groups, rule->n_groups, xf->group))
    return phase == IKE_PHASE1 ? "DH group not allowed by policy"
                               : "PFS group not allowed by policy";
  return NULL;
}

/* Faults that no policy can accept, for either phase. */
static const char *structural_fault(const ike_xform *xf,
                                    const ike_select_params *p) {
  enum ike_phase phase = p->policy->phase;

  if (xf->bad_attr != 0)
    return "unknown attribute or attribute value";
  if (phase == IKE_PHASE1) {
    if (xf->id != ISAKMP_KEY_IKE)
      return "transform ID is not KEY_IKE";
    if (!in_list(p->auth_methods, p->n_auth_methods, xf->auth))
      return "authentication method not configured";
  } else if (!in_list(p->encaps, p->n_encaps, xf->encap)) {
    return "encapsulation mode not acceptable";
  }
  if (xf->group != 0 && !p->group_supported(xf->group))
    return "DH group not supported by the crypto backend";
  return NULL;
}

const char *l2tpsec__ike_xform_check(const ike_xform *xf,
                                     const ike_select_params *p) {
  const char *reason = structural_fault(xf, p);
  if (reason != NULL)
    return reason;

  const char *first = "no policy rule";
  for (size_t r = 0; r < p->policy->n_rules; r++) {
    const char *m = rule_mismatch(&p->policy->rules[r], xf, p->policy->phase);
    if (m == NULL)
      return NULL;
    if (r == 0)
      first = m;
  }
  return first;
}

/* Proposal-level faults: wrong protocol, SPI size, or a bundle. */
static const char *proposal_fault(const ike_sa_offer *offer, size_t i,
                                  enum ike_phase phase) {
  const ike_proposal *prop = &offer->prop[i];

  if (phase == IKE_PHASE1)
    return prop->protocol == ISAKMP_PROTO_ISAKMP ? NULL
                                                 : "protocol is not ISAKMP";
  if (prop->protocol != ISAKMP_PROTO_ESP)
    return "protocol is not ESP";
  if (prop->spi_len != 4)
    return "ESP SPI size is not 4";
  /* Equal numbers form an AND bundle (RFC 2408 4.2), e.g. ESP+IPComp. */
  for (size_t j = 0; j < offer->n_proposals; j++) {
    if (j != i && offer->prop[j].number == prop->number)
      return "proposal bundles (ESP with AH or IPComp) are not supported";
  }
  return NULL;
}

static void report(const ike_select_params *p, const ike_proposal *prop,
                   const ike_xform *xf, const char *reason) {
  if (p->reject != NULL)
    p->reject(p->user_data, prop, xf, reason);
}

bool l2tpsec__ike_select(const ike_sa_offer *offer,
                         const ike_select_params *params, size_t *prop_index,
                         size_t *xf_index) {
  for (size_t i = 0; i < offer->n_proposals; i++) {
    const ike_proposal *prop = &offer->prop[i];
    const char *reason = proposal_fault(offer, i, params->policy->phase);
    if (reason != NULL) {
      report(params, prop, NULL, reason);
      continue;
    }

    for (size_t j = 0; j < prop->n_xforms; j++) {
      reason = l2tpsec__ike_xform_check(&prop->xf[j], params);
      if (reason == NULL) {
        *prop_index = i;
        *xf_index = j;
        return true;
      }
      report(params, prop, &prop->xf[j], reason);
    }
  }
  return false;
}

size_t l2tpsec__ike_policy_offer(const ike_policy *policy,
                                 bool (*group_supported)(int group),
                                 uint16_t auth, uint16_t encap,
                                 uint32_t life_seconds, ike_xform *out,
                                 size_t cap) {
  size_t n = 0;

  for (size_t r = 0; r < policy->n_rules; r++) {
    const ike_rule *rule = &policy->rules[r];
    size_t n_hashes = rule->n_hashes ? rule->n_hashes : 1;

    for (size_t c = 0; c < rule->n_ciphers; c++) {
      for (size_t h = 0; h < n_hashes; h++) {
        for (size_t g = 0; g < rule->n_groups; g++) {
          if (n >= cap)
            return n;
          if (rule->groups[g] != 0 && !group_supported(rule->groups[g]))
            continue;

          ike_xform *xf = &out[n++];
          *xf = (ike_xform){0};
          xf->id = policy->phase == IKE_PHASE1
                       ? ISAKMP_KEY_IKE
                       : (uint8_t)rule->ciphers[c].cipher;
          xf->cipher = rule->ciphers[c].cipher;
          xf->key_bits = rule->ciphers[c].key_bits;
          if (policy->phase == IKE_PHASE1) {
            xf->hash = rule->hashes[h];
            xf->auth = auth;
          } else {
            xf->integ = rule->n_hashes ? rule->hashes[h] : 0;
            xf->encap = encap;
          }
          xf->group = rule->groups[g];
          xf->life_seconds = life_seconds;
        }
      }
    }
  }
  return n;
}
