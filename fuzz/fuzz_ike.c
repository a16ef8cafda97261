/*
 * libFuzzer harness for the IKEv1 layer: every datagram goes through the
 * ISAKMP header and payload parser, both SA payload decoders, proposal
 * selection under each preset and the vendor-ID scan.
 */
#include <stddef.h>
#include <stdint.h>

#include "ike/isakmp.h"
#include "ike/policy.h"
#include "ike/sa_payload.h"
#include "ike/vendor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool any_group(int group) {
  return group != 0;
}

static void select_all_presets(const ike_sa_offer *offer,
                               enum ike_phase phase) {
  static const uint16_t auth[] = {IKE_AUTH_PSK, IKE_AUTH_RSA_SIG};
  static const uint16_t encaps[] = {IPSEC_ENCAP_TRANSPORT,
                                    IPSEC_ENCAP_UDP_TRANSPORT};
  ike_policy policy;
  size_t p, x;

  for (int preset = IKE_PRESET_COMPATIBLE; preset <= IKE_PRESET_LEGACY;
       preset++) {
    l2tpsec__ike_policy_preset(&policy, phase, preset);
    ike_select_params params = {.policy = &policy,
                                .auth_methods = auth,
                                .n_auth_methods = 2,
                                .encaps = encaps,
                                .n_encaps = 2,
                                .group_supported = any_group};
    (void)l2tpsec__ike_select(offer, &params, &p, &x);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static isakmp_msg msg;
  static ike_sa_offer offer;
  ike_peer_caps caps = {0};

  if (l2tpsec__isakmp_parse_clear(data, size, &msg) != ISAKMP_PARSE_OK)
    return 0;
  l2tpsec__ike_vendor_scan(&msg, &caps);
  if (msg.sa.body == NULL)
    return 0;
  for (int phase = IKE_PHASE1; phase <= IKE_PHASE2; phase++) {
    if (l2tpsec__ike_sa_parse(msg.sa.body, msg.sa.len, phase, &offer) ==
        IKE_SA_OK)
      select_all_presets(&offer, phase);
  }
  return 0;
}
