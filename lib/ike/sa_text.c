/*
 * The algorithms of a phase-1 SA and of a child SA as short text, in the
 * names of strongSwan's proposal strings, for status pages and logs.
 */
#include <stdio.h>
#include <string.h>

#include "ike/ike_internal.h"
#include "ike/isakmp.h"
#include "ike/policy.h"
#include "l2tpsec/errors.h"

/*
 * AES names carry the key length, as "aes128" and "aes128gcm16" (the ICV
 * length in bytes last). DES and 3DES have one key length.
 */
static void cipher_text(enum ike_phase phase, uint16_t cipher, unsigned bits,
                        char *buf, size_t cap) {
  const char *name = l2tpsec__ike_cipher_name(phase, cipher);

  if (strncmp(name, "aesgcm", 6) == 0)
    snprintf(buf, cap, "aes%ugcm%s", bits, name + 6);
  else if (strcmp(name, "aes") == 0)
    snprintf(buf, cap, "aes%u", bits);
  else
    snprintf(buf, cap, "%s", name);
}

int l2tpsec_ike_sa_algorithms(const l2tpsec_ike *ike, uint64_t ike_sa_id,
                              char *buf, size_t cap) {
  char cipher[32];

  if (ike == NULL || buf == NULL || cap == 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  for (const ike_sa *sa = ike->sas; sa != NULL; sa = sa->next) {
    if (sa->id != ike_sa_id || sa->state != IKE_ESTABLISHED)
      continue;
    cipher_text(IKE_PHASE1, sa->chosen.cipher, (unsigned)(sa->enc_key_len * 8),
                cipher, sizeof(cipher));
    snprintf(buf, cap, "%s-%s-%s", cipher,
             l2tpsec__ike_hash_name(IKE_PHASE1, sa->chosen.hash),
             l2tpsec__ike_group_name(sa->chosen.group));
    return 0;
  }
  buf[0] = '\0';
  return L2TPSEC_ERR_NOT_FOUND;
}

void l2tpsec_ike_child_sa_algorithms(const l2tpsec_ike_child_sa *sa, char *buf,
                                     size_t cap) {
  char cipher[32];

  if (buf == NULL || cap == 0)
    return;
  cipher_text(IKE_PHASE2, sa->esp_transform, sa->key_bits, cipher,
              sizeof(cipher));
  /* AES-GCM protects integrity itself and negotiates no algorithm. */
  if (sa->integ == 0)
    snprintf(buf, cap, "%s", cipher);
  else
    snprintf(buf, cap, "%s-%s", cipher,
             l2tpsec__ike_hash_name(IKE_PHASE2, sa->integ));
}
