/*
 * Tunnel-mode traffic selectors in quick mode: the ID payloads that name
 * the protected networks (RFC 2407 section 4.6.2, RFC 2409 section 5.5)
 * and the checks a responder applies to the initiator's proposal.
 */
#ifndef L2TPSEC_IKE_SELECTOR_H
#define L2TPSEC_IKE_SELECTOR_H

#include <stdbool.h>

#include "ike/ike_internal.h"
#include "ike/writer.h"
#include "l2tpsec/ike.h"

/* True when family, prefix length and host bits are consistent. */
bool l2tpsec__ike_selector_valid(const l2tpsec_ike_selector *sel);

/* Checks both tunnel selectors of the settings; logs which one is
 * invalid. Returns 0 or L2TPSEC_ERR_CONFIG. */
int l2tpsec__ike_tunnel_settings_check(const l2tpsec_ike_settings *settings);

/* Writes sel as an ID payload. */
void l2tpsec__ike_put_selector(ike_writer *w, const l2tpsec_ike_selector *sel);

/* Decodes an ID payload of an address or subnet type; false for other
 * types, a wrong length or a mask that is not a prefix. */
bool l2tpsec__ike_selector_parse(const isakmp_payload *id,
                                 l2tpsec_ike_selector *sel);

/* True when every packet inner matches also matches outer. */
bool l2tpsec__ike_selector_within(const l2tpsec_ike_selector *inner,
                                  const l2tpsec_ike_selector *outer);

/*
 * Checks the IDs of a tunnel-mode QM1 (we_initiated false) or QM2 (true)
 * against the configured selectors and stores the agreed pair in child.
 * Without IDs the selectors are the phase-1 addresses (RFC 2409 section
 * 5.5). Returns false when an ID is malformed or lies outside its
 * selector.
 */
bool l2tpsec__ike_tunnel_ids(const l2tpsec_ike_settings *settings,
                             const ike_sa *sa, const isakmp_msg *msg,
                             bool we_initiated, l2tpsec_ike_child_sa *child);

/* Encapsulation mode for tunnel mode: 1 without NAT, else 3 (RFC 3947)
 * or 61443 (the NAT-T drafts). */
uint16_t l2tpsec__ike_tunnel_encap(const ike_sa *sa);

#endif
