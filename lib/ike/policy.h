/*
 * Algorithm policy: which phase-1 and phase-2 transforms we accept (as
 * responder) and offer (as initiator), written as strongSwan-style
 * proposal strings ("aes256-sha256-modp2048,aes128gcm16") or taken from
 * a named preset, and the per-transform selection of RFC 2409 5 in the
 * initiator's order.
 */
#ifndef L2TPSEC_IKE_POLICY_H
#define L2TPSEC_IKE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/sa_payload.h"
#include "l2tpsec/log.h"

#define IKE_RULE_MAX_CIPHERS 8
#define IKE_RULE_MAX_HASHES 6
#define IKE_RULE_MAX_GROUPS 10
#define IKE_POLICY_MAX_RULES 16

/* A cipher with its key length in bits (0 where the cipher has one). */
typedef struct ike_cipher_spec {
  uint16_t cipher;
  uint16_t key_bits;
} ike_cipher_spec;

/*
 * One proposal: every combination of its ciphers, hashes (phase 1) or
 * integrity algorithms (phase 2) and groups is acceptable. In phase 2
 * group 0 stands for "no PFS"; an AEAD rule has no integrity algorithm.
 */
typedef struct ike_rule {
  uint8_t n_ciphers, n_hashes, n_groups;
  ike_cipher_spec ciphers[IKE_RULE_MAX_CIPHERS];
  uint16_t hashes[IKE_RULE_MAX_HASHES];
  uint16_t groups[IKE_RULE_MAX_GROUPS];
} ike_rule;

typedef struct ike_policy {
  enum ike_phase phase;
  uint8_t n_rules;
  ike_rule rules[IKE_POLICY_MAX_RULES];
} ike_policy;

/* Named presets; COMPATIBLE is the default. */
enum ike_preset {
  IKE_PRESET_COMPATIBLE = 0,
  IKE_PRESET_STRICT = 1,
  IKE_PRESET_LEGACY = 2,
};

/* Fills policy with a preset's algorithms for one phase. */
void l2tpsec__ike_policy_preset(ike_policy *policy, enum ike_phase phase,
                                enum ike_preset preset);

/* Fills policy with the short phase-1 list an initiator offers with a
 * preset, a subset of what the preset accepts. */
void l2tpsec__ike_policy_preset_offer(ike_policy *policy,
                                      enum ike_preset preset);

/*
 * Parses a comma-separated list of strongSwan-style proposals. Returns 0,
 * or L2TPSEC_ERR_CONFIG with the offending token written to `bad` (when
 * not NULL) for an unknown algorithm name, a proposal without a cipher,
 * a phase-1 proposal without hash or group, or too many entries.
 */
int l2tpsec__ike_policy_parse(ike_policy *policy, enum ike_phase phase,
                              const char *text, char *bad, size_t bad_len);

/* True when the policy allows an algorithm that is considered weak
 * (MD5, 3DES, MODP1024 or MODP1536), to warn about at start. */
bool l2tpsec__ike_policy_has_weak(const ike_policy *policy);

/* What else a transform must satisfy beside the algorithm policy. */
typedef struct ike_select_params {
  const ike_policy *policy;
  /* Phase 1: accepted authentication methods (IKE_AUTH_* values). */
  const uint16_t *auth_methods;
  size_t n_auth_methods;
  /* Phase 2: accepted encapsulation modes (IPSEC_ENCAP_* values). */
  const uint16_t *encaps;
  size_t n_encaps;
  /* Whether the crypto backend implements a DH group (normally
   * l2tpsec__dh_supported; tests substitute their own). */
  bool (*group_supported)(int group);
  /* Per-transform rejection reasons go here (may be NULL). */
  void (*reject)(void *user_data, const ike_proposal *prop, const ike_xform *xf,
                 const char *reason);
  void *user_data;
} ike_select_params;

/*
 * Picks the first acceptable transform in the initiator's order: each
 * transform is judged on its own, so an unknown value or a disallowed
 * group skips only that transform. Returns true and sets *prop_index and
 * *xf_index, or false when none is acceptable.
 */
bool l2tpsec__ike_select(const ike_sa_offer *offer,
                         const ike_select_params *params, size_t *prop_index,
                         size_t *xf_index);

/*
 * Explains why a transform is unacceptable, or returns NULL when it is
 * acceptable. The string is static.
 */
const char *l2tpsec__ike_xform_check(const ike_xform *xf,
                                     const ike_select_params *params);

/*
 * Expands a policy into concrete transforms to offer as initiator, in
 * rule order, with the given lifetime and (phase 1) authentication
 * method or (phase 2) encapsulation mode, skipping groups the backend
 * lacks. Returns the number written.
 */
size_t l2tpsec__ike_policy_offer(const ike_policy *policy,
                                 bool (*group_supported)(int group),
                                 uint16_t auth, uint16_t encap,
                                 uint32_t life_seconds, ike_xform *out,
                                 size_t cap);

/* Short names for log lines ("aes256", "sha1", "modp2048"). */
const char *l2tpsec__ike_cipher_name(enum ike_phase phase, uint16_t cipher);
const char *l2tpsec__ike_hash_name(enum ike_phase phase, uint16_t hash);
const char *l2tpsec__ike_group_name(uint16_t group);

#endif
